"""End-to-end benchmark: daily_ingest on a synthetic web of F feeds x N articles.

Figures, each beside its baseline from the same run:
1. first run: wall time, time per stage, peak memory, against the
   extraction-bound limit (bare trafilatura.extract time of the same pages
   divided by the cores) plus an empty flow's wall time, both measured after
   Prefect's temporary server is up (its start-up is reported on its own);
2. second run, every feed answering 304: zero article fetches, wall time
   against an empty Prefect flow.

    .venv/bin/python -m bench.bench_e2e [--feeds 200 --articles 50 --hosts 8]
"""
from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from flows.prefect_env import configure_prefect


def _maxrss_mb(who: int) -> float:
    return resource.getrusage(who).ru_maxrss / 1024


def bare_extraction_seconds(hosts: int, feeds: int, articles: int, port: int) -> float:
    import trafilatura

    from bench.synthetic_sites import article_html

    pages = [
        article_html(f"127.0.0.{2 + f % hosts}:{port}", f, n).encode() for f in range(feeds) for n in range(articles)
    ]
    t = time.perf_counter()
    for p in pages:
        trafilatura.extract(p)
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--feeds", type=int, default=200)
    ap.add_argument("--articles", type=int, default=50)
    ap.add_argument("--hosts", type=int, default=8)
    ap.add_argument("--port", type=int, default=48000)
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="framewatch-bench-"))
    configure_prefect(work)
    from prefect import flow

    from bench.results import machine, write_section
    from bench.synthetic_sites import feed_urls
    from flows.daily_ingest import daily_ingest

    server = subprocess.Popen(
        [sys.executable, "-m", "bench.synthetic_sites", "--hosts", str(args.hosts), "--feeds", str(args.feeds),
         "--articles", str(args.articles), "--port", str(args.port)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    assert server.stdout.readline().strip() == "ready"
    try:
        sources = work / "sources.toml"
        sources.write_text("".join(
            f'[[source]]\nid = "inst-{i}"\nname = "Institute {i}"\nfeed_url = "{u}"\n\n'
            for i, u in enumerate(feed_urls(args.hosts, args.feeds, args.port))
        ))
        overrides = {
            "data_dir": str(work / "data"),
            "sources_file": str(sources),
            "fetch": {
                "allow_hosts": [f"127.0.0.{2 + h}" for h in range(args.hosts)],
                "min_interval": 0.0,
                "per_host_concurrency": 4,
                "max_hosts_in_parallel": 4 * args.hosts,
            },
        }

        @flow(name="empty")
        def empty() -> int:
            return 0

        t = time.perf_counter()
        empty()  # the first flow in a process also starts Prefect's temporary server
        startup = time.perf_counter() - t
        t = time.perf_counter()
        empty()
        empty_wall = time.perf_counter() - t

        t = time.perf_counter()
        first = daily_ingest(overrides=overrides)
        first_wall = time.perf_counter() - t
        rss_self, rss_children = _maxrss_mb(resource.RUSAGE_SELF), _maxrss_mb(resource.RUSAGE_CHILDREN)

        t = time.perf_counter()
        second = daily_ingest(overrides=overrides)
        second_wall = time.perf_counter() - t
    finally:
        server.stdin.close()
        server.wait(timeout=30)

    print("measuring bare trafilatura.extract on the same pages ...", flush=True)
    bare = bare_extraction_seconds(args.hosts, args.feeds, args.articles, args.port)
    cores = os.cpu_count() or 1
    limit = bare / cores
    pages = first["counts"]["pages_fetched"]
    stages = list(dict.fromkeys([*first["timings"], *second["timings"]]))
    stage = "\n".join(f"| {k} | {first['timings'].get(k, 0):.1f} | {second['timings'].get(k, 0):.2f} |" for k in stages)
    body = f"""Machine: {machine()}. Corpus: {args.feeds} feeds x {args.articles} articles = {args.feeds * args.articles} pages (~60 KB each), served from {args.hosts} loopback hosts (127.0.0.2-{1 + args.hosts}) by a separate process; politeness delay 0.

| figure | value | baseline (same run) | ratio | goal |
|---|---|---|---|---|
| first run wall time | {first_wall:.1f} s | extraction-bound limit {limit:.1f} s (bare extract {bare:.1f} s / {cores} cores) + empty flow {empty_wall:.1f} s = {limit + empty_wall:.1f} s | {first_wall / (limit + empty_wall):.2f}x | <= 1.5x |
| pages fetched, extracted, loaded | {pages}, {first['counts']['articles_extracted']}, {first['counts']['articles_loaded']} | {args.feeds * args.articles} | | all |
| peak memory (flow process; largest worker) | {rss_self:.0f} MB; {rss_children:.0f} MB | | | <= 1500 MB |
| second run (all 304) wall time | {second_wall:.1f} s | empty flow {empty_wall:.1f} s | {second_wall / empty_wall:.2f}x | <= 1.3x |
| Prefect start-up (first empty flow, not in the ratios above) | {startup:.1f} s | | | |
| second run article fetches | {second['counts']['pages_fetched']} | 0 | | 0 |
| second run feeds not modified | {second['counts']['feeds_not_modified']} | {args.feeds} | | all |

Seconds per stage (summed over batches, which overlap: more than the wall time when batches run concurrently):

| stage | first run | second run (all 304) |
|---|---|---|
{stage}
"""
    print(body)
    write_section("End to end", body)


if __name__ == "__main__":
    main()
