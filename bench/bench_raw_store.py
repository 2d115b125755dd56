"""The raw store's gzip level: CPU a page against bytes on disk (issue #13).

    python -m bench.bench_raw_store

Every fetched page is gzipped into the raw store (extractors/raw_store.py)
in the flow process, on the cores the extraction workers need. Measured on
the 181 real news pages of shared/benchmarks/article-extraction (169 KB a
page on average, as served): process CPU time to compress every page at each
level, median of interleaved rounds so every level sees the same machine
load, and the compression ratio; the shipped level beside the earlier 6.
Writes its section ("## Raw store compression") into bench/RESULTS.md.
"""
from __future__ import annotations

import gzip
import os
import statistics
import sys
import time

from bench.bench_extraction import data_dir, load_pages
from bench.results import machine, write_section
from extractors.raw_store import COMPRESS_LEVEL

LEVELS = sorted({1, 3, 6, COMPRESS_LEVEL})
ROUNDS = 5


def main() -> int:
    root = data_dir()
    if not (root / "ground-truth.json").is_file():
        print(f"benchmark data not found in {root} (set FRAMEWATCH_BENCH_EXTRACTION)", file=sys.stderr)
        return 2
    ids, pages, _truth = load_pages(root)
    bodies = [pages[i] for i in ids]
    raw = sum(map(len, bodies))
    cpu = {lvl: [] for lvl in LEVELS}
    size = {}
    for _ in range(ROUNDS):
        for lvl in LEVELS:
            t = time.process_time()
            size[lvl] = sum(len(gzip.compress(b, compresslevel=lvl, mtime=0)) for b in bodies)
            cpu[lvl].append(time.process_time() - t)
    ms = {lvl: statistics.median(v) / len(bodies) * 1000 for lvl, v in cpu.items()}
    rows = "\n".join(
        f"| {lvl}{' (shipped)' if lvl == COMPRESS_LEVEL else ''}{' (before)' if lvl == 6 else ''} | {ms[lvl]:.2f} | "
        f"{ms[lvl] / ms[6]:.2f}x | {raw / size[lvl]:.2f} | {size[lvl] / size[6]:.2f}x |"
        for lvl in LEVELS)
    load = os.getloadavg()[0]
    body = (f"Machine: {machine()}; load average {load:.1f} at the end. {len(bodies)} real news pages "
            f"({raw / len(bodies) / 1024:.0f} KB a page on average), CPU time per page, median of {ROUNDS} "
            "interleaved rounds. Command: `python -m bench.bench_raw_store`.\n\n"
            "| gzip level | CPU ms a page | vs level 6 | compression ratio | bytes on disk vs level 6 |\n"
            "|---|---|---|---|---|\n" + rows)
    write_section("Raw store compression", body)
    print(body)
    return 0


if __name__ == "__main__":
    sys.exit(main())
