"""The checkpoint at a batch commit's close (issue #13).

    python -m bench.bench_checkpoint --source /tmp/framewatch-bench-XXXX/data/framewatch.duckdb [--batches 50]

`--source`: a warehouse a 10,000-page bench_e2e run left behind (its
articles, classifications, evidence, fingerprints and LSH bands). Each of
its articles is replayed into a fresh warehouse in `--batches` commits, as
flows/ingest_steps.commit_batch writes them: one connection per batch
(warehouse.connect, one DuckDB thread), one transaction inserting the
batch's rows and deleting its entries from the ingest queue, then close,
which checkpoints. Measured per batch, in a process of its own per
variant: seconds and RSS peak of the commit and of the close (sampled
every 5 ms by a thread), file size. Variants: the shipped connection
(`max_vacuum_tasks = 0`, warehouse.db.no_merge_at_checkpoint) against
DuckDB's default (`max_vacuum_tasks = 100`) in the same run, and the
default's whole merge at the end of a run when the batches merged nothing
("deferred").
Writes its section ("## Checkpoint at a batch's close") into bench/RESULTS.md.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from bench.results import machine, write_section
from warehouse import connect

TABLES = ["articles", "classifications", "framing_scores", "evidence", "article_fingerprints", "article_lsh_bands"]
STATIC = ["sources", "framings", "classifier_versions", "health_policy"]


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


class Peak:
    """Highest RSS while the block runs."""

    def __enter__(self):
        self.peak, self._stop = rss_mb(), False
        self._t = threading.Thread(target=self._run, daemon=True)
        self._t.start()
        return self

    def _run(self):
        while not self._stop:
            self.peak = max(self.peak, rss_mb())
            time.sleep(0.005)

    def __exit__(self, *exc):
        self._stop = True
        self._t.join()


def source_tables(source: Path) -> tuple[list[str], dict, dict, pa.Table]:
    """A bench_e2e warehouse's article ids in load order, its per-article tables,
    its static tables and an ingest queue holding every article, as Arrow."""
    src = duckdb.connect(str(source), read_only=True)
    try:
        ids = [r[0] for r in src.execute("SELECT article_id FROM articles ORDER BY fetched_at, article_id").fetchall()]
        data = {t: src.sql(f"SELECT * FROM {t}").to_arrow_table() for t in TABLES}
        static = {t: src.sql(f"SELECT * FROM {t}").to_arrow_table() for t in STATIC}
        queue = src.sql("SELECT canonical_url, url, source_id, feed_guid, title, author, published_at, NULL::VARCHAR, "
                        "now(), 'bench', false FROM articles").to_arrow_table()
    finally:
        src.close()
    return ids, data, static, queue


def replay(source: Path, out: Path, batches: int, vacuum_tasks: int | None, deferred: bool) -> list[dict]:
    ids, data, static, queue = source_tables(source)

    def open_writer():
        conn = connect(out)
        conn.execute("SET threads = 1")  # as commit_batch
        if vacuum_tasks is not None:
            conn.execute(f"SET max_vacuum_tasks = {vacuum_tasks}")
        return conn

    conn = open_writer()  # the poll: sources and the queue, one commit
    for t, tab in static.items():
        conn.register("x", tab)
        conn.execute(f"DELETE FROM {t}")
        conn.execute(f"INSERT INTO {t} SELECT * FROM x")
        conn.unregister("x")
    conn.register("q", queue)
    conn.execute("INSERT INTO ingest_queue SELECT * FROM q")
    conn.unregister("q")
    conn.close()

    per = len(ids) // batches
    rows = []
    for i in range(batches):
        batch = pa.array(ids[i * per:(i + 1) * per])
        parts = {t: tab.filter(pc.is_in(tab["article_id"], value_set=batch)) for t, tab in data.items()}
        t0, r0 = time.perf_counter(), rss_mb()
        with Peak() as commit:
            conn = open_writer()
            for t, tab in parts.items():
                conn.register("v_" + t, tab)
            conn.register("done_q", parts["articles"].select(["canonical_url"]))
            conn.execute("BEGIN TRANSACTION")
            for t in TABLES:
                conn.execute(f"INSERT INTO {t} SELECT * FROM v_{t}")
            conn.execute("DELETE FROM ingest_queue WHERE canonical_url IN (SELECT canonical_url FROM done_q)")
            conn.execute("UPDATE warehouse_meta SET value = value + 1 WHERE key = 'changes'")
            conn.execute("COMMIT")
            for t in TABLES:
                conn.unregister("v_" + t)
            conn.unregister("done_q")
        t1 = time.perf_counter()
        with Peak() as close:
            conn.close()
        rows.append({"batch": i + 1, "commit_s": t1 - t0, "commit_mb": commit.peak - r0,
                     "close_s": time.perf_counter() - t1, "close_mb": close.peak - r0,
                     "file_mb": out.stat().st_size / 2**20})
    if deferred:  # the run's end: one writer with DuckDB's default merges what the batches left
        conn = connect(out)
        conn.execute("SET threads = 1")
        conn.execute("SET max_vacuum_tasks = 100")
        conn.execute("UPDATE warehouse_meta SET value = value + 1 WHERE key = 'changes'")
        t0, r0 = time.perf_counter(), rss_mb()
        with Peak() as close:
            conn.close()
        rows.append({"batch": "end", "commit_s": 0.0, "commit_mb": 0.0, "close_s": time.perf_counter() - t0,
                     "close_mb": close.peak - r0, "file_mb": out.stat().st_size / 2**20})
    return rows


VARIANTS = {  # name: (max_vacuum_tasks set after connect(), None = as connect() leaves it; merge at the end)
    "shipped (max_vacuum_tasks = 0)": (None, False),
    "DuckDB's default (max_vacuum_tasks = 100)": (100, False),
    "no merges, then the default's merge at the run's end": (None, True),
}


def replay_parser() -> argparse.ArgumentParser:
    """The options of a benchmark that replays a bench_e2e warehouse's batches."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--source", type=Path, help="a warehouse a 10,000-page bench_e2e run left behind")
    ap.add_argument("--batches", type=int, default=50)
    ap.add_argument("--no-write", action="store_true")
    return ap


def replay_args(ap: argparse.ArgumentParser) -> argparse.Namespace | None:
    """Parsed options, or None (and why) without --source: `make bench` runs
    every benchmark without options."""
    args = ap.parse_args()
    if args.source is None:
        print("skipped: needs --source, a warehouse a 10,000-page `python -m bench.bench_e2e --feeds 200` run left behind")
        return None
    return args


def main() -> None:
    ap = replay_parser()
    ap.add_argument("--variant", help=argparse.SUPPRESS)  # one variant, in this process
    args = replay_args(ap)
    if args is None:
        return
    if args.variant:
        tasks, deferred = VARIANTS[args.variant]
        with tempfile.TemporaryDirectory(prefix="framewatch-ckpt-") as d:
            print(json.dumps(replay(args.source, Path(d) / "w.duckdb", args.batches, tasks, deferred)))
        return
    load_before = os.getloadavg()[0]
    results = {}
    for name in VARIANTS:  # each in a fresh process: RSS peaks not mixed
        out = subprocess.run([sys.executable, "-m", "bench.bench_checkpoint", "--source", str(args.source),
                              "--batches", str(args.batches), "--variant", name],
                             check=True, capture_output=True, text=True).stdout
        results[name] = json.loads(out.strip().splitlines()[-1])
    load_after = os.getloadavg()[0]
    lines = []
    for name, rows in results.items():
        batch = [r for r in rows if r["batch"] != "end"]
        worst = max(batch, key=lambda r: r["close_mb"])
        end = [r for r in rows if r["batch"] == "end"]
        end_txt = f"; the end-of-run merge: {end[0]['close_s']:.1f} s, +{end[0]['close_mb']:.0f} MB" if end else ""
        lines.append(f"| {name} | {sum(r['close_s'] for r in batch):.1f} s | {worst['close_s']:.2f} s, "
                     f"+{worst['close_mb']:.0f} MB (batch {worst['batch']}){end_txt} | "
                     f"+{max(r['commit_mb'] for r in batch):.0f} MB | {rows[-1]['file_mb']:.0f} MB |")
        print(name, json.dumps(rows))
    n = args.batches
    body = f"""Machine: {machine()}. Load average (1 min) before/after: {load_before:.1f}/{load_after:.1f}. Source: the {n} x 200-article batches of a 10,000-page bench_e2e warehouse, replayed into a fresh warehouse as commit_batch commits them (see the module's docstring); RSS of the replaying process, above its level before each commit.

| connection | {n} closes (checkpoints) in all | the heaviest close | heaviest commit (before the close) | file at the end |
|---|---|---|---|---|
{chr(10).join(lines)}
"""
    print(body)
    if not args.no_write:
        write_section("Checkpoint at a batch's close", body)


if __name__ == "__main__":
    main()
