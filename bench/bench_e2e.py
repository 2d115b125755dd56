"""End-to-end benchmark: daily_ingest on a synthetic web of F feeds x N articles.

Figures, each beside its baseline from the same run:
1. first run: wall time, time per stage, against the extraction-bound limit
   (bare trafilatura.extract time of the same pages divided by the cores)
   plus an empty flow's wall time, both measured after Prefect's temporary
   server is up (its start-up is reported on its own);
2. peak memory of the whole process tree (the flow, its extraction workers
   and the fork server; Prefect's temporary server reported apart), sampled
   every 0.1 s with psutil by a separate process (bench/tree_memory.py):
   the sum of PSS (proportional set size: a page
   shared by k processes counts 1/k in each, so pages the workers share
   copy-on-write with the fork server are counted once) at each sample;
3. second run, every feed answering 304: zero article fetches, wall time
   against an empty Prefect flow.

    .venv/bin/python -m bench.bench_e2e [--feeds 200 --articles 50 --hosts 8] [--note "what else ran"] [--profile]

`--profile` records the first run with py-spy (`--subprocesses`: the flow,
its threads and the extraction workers) and adds the share of samples per
part of the work to the section.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from flows.prefect_env import configure_prefect, start_temporary_server


class TreeMemory:
    """Peak of the summed PSS of this process and its descendants, with the
    breakdown at the peak (flow process, fork server, extraction workers),
    sampled by a separate process (bench/tree_memory.py: a sampler thread in
    the flow's own process was ~22% of its profile samples). Prefect's
    temporary API server is counted apart. `exclude`: PIDs that are not the
    product (the benchmark's own site server)."""

    def __init__(self, exclude: set[int], interval: float = 0.1, timeline: Path | None = None):
        self.args = [sys.executable, "-m", "bench.tree_memory", "--root", str(os.getpid()), "--interval", str(interval),
                     "--exclude", *map(str, exclude), *(["--timeline", str(timeline)] if timeline else [])]
        self.interval = interval
        self.peak_mb = self.peak_prefect_mb = 0.0
        self.at_peak: dict[str, float] = {}
        self._cpu: dict[str, float] = {}

    def __enter__(self):
        self.proc = subprocess.Popen(self.args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout.readline().strip() == "ready"
        return self

    def __exit__(self, *exc) -> None:
        import json

        self.proc.stdin.close()
        found = json.loads(self.proc.stdout.readline())
        self.proc.wait(timeout=30)
        self.peak_mb, self.at_peak = found["peak_mb"], found["at_peak"]
        self.peak_prefect_mb, self._cpu = found["peak_prefect_mb"], found["cpu"]

    def cpu(self) -> dict[str, float]:
        return dict(self._cpu)

    def breakdown(self) -> str:
        return ", ".join(f"{k} {v:.0f}" for k, v in self.at_peak.items())


# Where a sample's stack passes through one of these, it counts for that part
# of the work (first match wins, innermost frames first).
PROFILE_PARTS = [
    ("classification (in the workers)", ("classify_many",)),
    ("MinHash signatures (in the workers)", ("minhash_of", "shingles")),
    ("extraction (in the workers)", ("extract_article",)),
    ("workers waiting for a page", ("_worker_main",)),
    ("story assignment (flow)", ("assign_stories", "dedup_candidates", "fingerprint_from_row")),
    ("loading a batch (flow)", ("load_batch", "to_arrow")),
    ("raw store: gzip + fsync (flow threads)", ("put_many",)),
    ("fetching (flow threads)", ("fetch_many", "Fetcher")),
    ("handing pages to workers and back (flow)", ("extract_many",)),
    ("Prefect and the rest", ("",)),
]


def profile_shares(raw: Path) -> list[tuple[str, float]]:
    """Shares of py-spy's samples (raw collapsed stacks: 'f1;f2;... count') per part of the work."""
    counts = {name: 0 for name, _ in PROFILE_PARTS}
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, n = line.rpartition(" ")
        if not n.isdigit():
            continue
        total += int(n)
        frames = stack.split(";")[::-1]
        for name, keys in PROFILE_PARTS:
            if any(k in f for f in frames for k in keys):
                counts[name] += int(n)
                break
    return [(name, counts[name] / total if total else 0.0) for name, _ in PROFILE_PARTS]


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
    ap.add_argument("--note", default="", help="what else was running on the machine")
    ap.add_argument("--profile", action="store_true", help="record the first run with py-spy")
    ap.add_argument("--timeline", type=Path, help="write the memory sampler's every sample to this file")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="framewatch-bench-"))
    configure_prefect(work)
    t = time.perf_counter()
    start_temporary_server()  # as `framewatch run` does (flows/prefect_env.py)
    server_startup = time.perf_counter() - t
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
        startup = time.perf_counter() - t + server_startup
        t = time.perf_counter()
        empty()
        empty_wall = time.perf_counter() - t

        load_before = os.getloadavg()[0]
        prof, raw = None, work / "profile.txt"
        if args.profile:
            import signal

            spy = Path(sys.executable).with_name("py-spy")  # installed beside this interpreter (extra `bench`)
            prof = subprocess.Popen([str(spy) if spy.exists() else "py-spy", "record", "--pid", str(os.getpid()), "--subprocesses", "--rate", "20",
                                     "--format", "raw", "--nonblocking", "-o", str(raw)],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(2)  # attached before the run starts
        t = time.perf_counter()
        with TreeMemory(exclude={server.pid}, timeline=args.timeline) as mem:
            first = daily_ingest(overrides=overrides)
        first_wall = time.perf_counter() - t
        load_after = os.getloadavg()[0]
        if prof is not None:
            prof.send_signal(signal.SIGINT)
            prof.wait(timeout=120)

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
    n = args.feeds * args.articles
    ratio = first_wall / (limit + empty_wall)
    cpu = mem.cpu()
    cpu_total = sum(cpu.values())
    cpu_parts = ", ".join(f"{k} {v:.0f} s" for k, v in sorted(cpu.items(), key=lambda kv: -kv[1]))
    body = f"""Machine: {machine()}. Load average (1 min) before/after the first run: {load_before:.1f}/{load_after:.1f}.{(" " + args.note) if args.note else ""} Corpus: {args.feeds} feeds x {args.articles} articles = {args.feeds * args.articles} pages (~60 KB each), served from {args.hosts} loopback hosts (127.0.0.2-{1 + args.hosts}) by a separate process; politeness delay 0.

| figure | value | baseline (same run) | ratio | goal |
|---|---|---|---|---|
| first run wall time | {first_wall:.1f} s | extraction-bound limit {limit:.1f} s (bare extract {bare:.1f} s / {cores} cores) + empty flow {empty_wall:.1f} s = {limit + empty_wall:.1f} s | {ratio:.2f}x | <= 2.0x |
| pages fetched, extracted, loaded | {pages}, {first['counts']['articles_extracted']}, {first['counts']['articles_loaded']} | {n} | | all |
| peak memory, whole process tree (flow + extraction workers + fork server) | {mem.peak_mb:.0f} MB (at the peak, MB: {mem.breakdown()}) | Prefect's temporary server beside it: {mem.peak_prefect_mb:.0f} MB | | <= 600 MB |
| second run (all 304) wall time | {second_wall:.1f} s | empty flow {empty_wall:.1f} s | {second_wall / empty_wall:.2f}x | <= 1.3x |
| Prefect start-up (first empty flow, not in the ratios above) | {startup:.1f} s | | | |
| second run article fetches | {second['counts']['pages_fetched']} | 0 | | 0 |
| second run feeds not modified | {second['counts']['feeds_not_modified']} | {args.feeds} | | all |

CPU seconds during the first run, by process (sampled every {mem.interval:g} s by a separate process; {cpu_total:.0f} s in all against {first_wall:.0f} s x {cores} cores = {first_wall * cores:.0f} core-seconds of wall time; the rest is other load on the machine or idle): {cpu_parts}.

Seconds per stage (summed over batches, which overlap: more than the wall time when batches run concurrently):

| stage | first run | second run (all 304) |
|---|---|---|
{stage}
"""
    if args.profile and raw.exists():
        rows = "\n".join(f"| {name} | {share:.0%} |" for name, share in profile_shares(raw))
        body += f"""
Where the first run's time goes (`--profile`: py-spy, 20 samples/s of every thread of the flow and its workers; shares of all samples, idle threads included):

| part | share of samples |
|---|---|
{rows}
"""
    print(body)
    write_section(f"End to end, {n:,} pages", body)


if __name__ == "__main__":
    main()
