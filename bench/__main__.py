"""`python -m bench` (make bench): run every bench/bench_*.py module's main() in turn.

Each writes its own section of bench/RESULTS.md. Run one alone with
`.venv/bin/python -m bench.bench_<name>`.
"""
from __future__ import annotations

import importlib
import pkgutil
import sys

import bench


def main() -> int:
    status = 0
    for mod in sorted(m.name for m in pkgutil.iter_modules(bench.__path__) if m.name.startswith("bench_")):
        print(f"== bench.{mod}", flush=True)
        sys.argv = [f"bench.{mod}"]  # each benchmark parses its own options: give it none
        status |= importlib.import_module(f"bench.{mod}").main() or 0
    return status


if __name__ == "__main__":
    sys.exit(main())
