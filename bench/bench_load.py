"""A batch commit on a file of many row groups (issue #13): memory and seconds.

    python -m bench.bench_load --source /tmp/framewatch-bench-XXXX/data/framewatch.duckdb [--batches 50]

`--source`: a warehouse a 10,000-page bench_e2e run left behind. Its
articles are replayed into a fresh warehouse in `--batches` commits through
the commit path of flows/ingest_steps.commit_batch: one connection per batch
(one DuckDB thread), known_urls, dedup_candidates, load_batch (articles,
classifications, scores, evidence, fingerprints, LSH bands, the queue's
deletes, the runs row), close. Since writers' checkpoints merge no row
groups (warehouse.db.no_merge_at_checkpoint) each commit adds a row group
per table, so the file the last batch meets is the one a 10,000-page run's
last batch meets. Measured per batch, each variant in a process of its own:
the RSS peak from the open to the close above the RSS before the open
(sampled every 2 ms by a thread), and load_batch's seconds. Variants:

  before: INSERT OR IGNORE and the LSH bands' NOT IN, no memory limit
  now:    commit_batch's: reads under READ_MEMORY_LIMIT, release_cache,
          a batch of new articles (plain INSERTs)

Then, on the "before" file, the 200-article insert into `articles` alone
three ways (median of rounds, each on a fresh copy of the file).
Writes its section ("## Load on many row groups") into bench/RESULTS.md.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from bench.bench_checkpoint import TABLES, Peak, replay_args, replay_parser, rss_mb, source_tables
from bench.results import machine, write_section
from flows.ingest_steps import READ_MEMORY_LIMIT
from flows.memory import tune_malloc
from warehouse import connect
from warehouse.db import release_cache, unbounded_on_oom
from warehouse.load import LoadBatch, dedup_candidates, known_urls, load_batch

SHOWN = (1, 10, 20, 30, 40, 50)


def replay(source: Path, out: Path, batches: int, now: bool) -> list[dict]:
    tune_malloc()  # as the flow process
    ids, data, static, queue = source_tables(source)
    conn = connect(out)  # the poll: sources and the queue, one commit
    for t, tab in {**static, "ingest_queue": queue}.items():
        conn.register("x", tab)
        if t != "ingest_queue":
            conn.execute(f"DELETE FROM {t}")
        conn.execute(f"INSERT INTO {t} SELECT * FROM x")
        conn.unregister("x")
    conn.close()
    run = {"run_id": "bench", "started_at": datetime.now(timezone.utc), "status": "running", "counts": {}, "timings": {}}
    per, rows = len(ids) // batches, []
    for i in range(batches):
        part = {t: tab.filter(pc.is_in(tab["article_id"], value_set=pa.array(ids[i * per:(i + 1) * per])))
                for t, tab in data.items()}
        arts, fps = part["articles"], part["article_fingerprints"]
        keys = [{"content_sha256": c, "site": s, "title_key": k} for c, s, k in
                zip(arts["content_sha256"].to_pylist(), fps["site"].to_pylist(), fps["title_key"].to_pylist())]
        bands = part["article_lsh_bands"]["band_key"].to_pylist()
        r0 = rss_mb()
        with Peak() as whole:
            conn = connect(out, threads=1, memory_limit=READ_MEMORY_LIMIT if now else None)
            read = (lambda f: unbounded_on_oom(conn, f)) if now else (lambda f: f())
            read(lambda: known_urls(conn, arts["canonical_url"].to_pylist()))
            read(lambda: dedup_candidates(conn, keys, bands))
            if now:
                release_cache(conn)
            batch = LoadBatch(run=run, articles=arts, articles_new=now, classifications=part["classifications"],
                              framing_scores=part["framing_scores"], evidence=part["evidence"], fingerprints=fps,
                              lsh_bands=part["article_lsh_bands"], done_queue=arts.select(["canonical_url"]))
            t = time.perf_counter()
            load_batch(conn, batch)
            load_s = time.perf_counter() - t
            conn.close()
        rows.append({"batch": i + 1, "peak_mb": whole.peak - r0, "load_s": load_s})
    return rows


def insert_variants(path: Path, rounds: int) -> dict[str, float]:
    """One more batch of 200 articles (the last batch's, under new keys) into `articles` alone."""
    src = duckdb.connect(str(path), read_only=True)
    new = src.sql("SELECT * REPLACE ('n' || article_id AS article_id, canonical_url || '#n' AS canonical_url) "
                  "FROM articles ORDER BY fetched_at DESC, article_id DESC LIMIT 200").to_arrow_table()
    src.close()
    sql = {
        "INSERT OR IGNORE (before)": "INSERT OR IGNORE INTO articles BY NAME SELECT * FROM v",
        "plain INSERT (now, for a batch of new articles)": "INSERT INTO articles BY NAME SELECT * FROM v",
        "anti-join INSERT (NOT IN both keys)": "INSERT INTO articles BY NAME SELECT * FROM v WHERE article_id NOT IN "
                                               "(SELECT article_id FROM articles) AND canonical_url NOT IN (SELECT canonical_url FROM articles)",
    }
    times: dict[str, list[float]] = {k: [] for k in sql}
    with tempfile.TemporaryDirectory(prefix="framewatch-load-") as d:
        for _ in range(rounds):
            for name, q in sql.items():  # interleaved: the machine's load shifts under all of them alike
                copy = Path(d) / "c.duckdb"
                shutil.copy(path, copy)
                conn = connect(copy, threads=1)
                conn.register("v", new)
                t = time.perf_counter()
                conn.execute(q)
                times[name].append(time.perf_counter() - t)
                conn.close()
                copy.unlink()
    return {k: statistics.median(v) for k, v in times.items()}


def main() -> None:
    ap = replay_parser()
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--variant", choices=["before", "now"], help=argparse.SUPPRESS)  # one variant, in this process
    ap.add_argument("--keep", type=Path, help=argparse.SUPPRESS)
    args = replay_args(ap)
    if args is None:
        return
    if args.variant:
        print(json.dumps(replay(args.source, args.keep, args.batches, args.variant == "now")))
        return
    load_before = os.getloadavg()[0]
    res = {}
    with tempfile.TemporaryDirectory(prefix="framewatch-load-") as d:
        for v in ("before", "now"):  # each in a fresh process: RSS peaks not mixed
            out = subprocess.run([sys.executable, "-m", "bench.bench_load", "--source", str(args.source), "--batches",
                                  str(args.batches), "--variant", v, "--keep", str(Path(d) / f"{v}.duckdb")],
                                 check=True, capture_output=True, text=True).stdout
            res[v] = json.loads(out.strip().splitlines()[-1])
        inserts = insert_variants(Path(d) / "before.duckdb", args.rounds)
    load_after = os.getloadavg()[0]
    shown = [b for b in SHOWN if b <= args.batches]
    lines = []
    for v, rows in res.items():
        by = {r["batch"]: r for r in rows}
        lines.append(f"| {v} | " + " | ".join(f"+{by[b]['peak_mb']:.0f}" for b in shown)
                     + f" | {sum(r['load_s'] for r in rows):.1f} s | {by[shown[-1]]['load_s']:.3f} s |")
    base = inserts["INSERT OR IGNORE (before)"]
    ins = "\n".join(f"| {k} | {s:.4f} | {base / s:.1f}x |" for k, s in inserts.items())
    body = f"""Machine: {machine()}. Load average (1 min) before/after: {load_before:.1f}/{load_after:.1f}. Source: the {args.batches} batches of a 10,000-page bench_e2e warehouse, replayed into a fresh warehouse through commit_batch's commit path, each variant in a process of its own (see the module's docstring). Command: `python -m bench.bench_load --source <warehouse>`.

RSS peak of a batch's commit, open to close, above the process's RSS before the open (MB), by batch:

| variant | {" | ".join(f"batch {b}" for b in shown)} | load_batch, all batches | load_batch, batch {shown[-1]} |
|---|{"---|" * len(shown)}---|---|
{chr(10).join(lines)}

200 articles into `articles` alone on the "before" file after its {args.batches} commits (median of {args.rounds} interleaved rounds, each on a fresh copy):

| statement | seconds | faster than INSERT OR IGNORE |
|---|---|---|
{ins}
"""
    print(body)
    if not args.no_write:
        write_section("Load on many row groups", body)


if __name__ == "__main__":
    main()
