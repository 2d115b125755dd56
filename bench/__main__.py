"""`python -m bench` (make bench): run every bench/bench_*.py in turn."""
import importlib
import pkgutil
import sys

import bench

for mod in sorted(m.name for m in pkgutil.iter_modules(bench.__path__) if m.name.startswith("bench_")):
    print(f"== bench.{mod}", flush=True)
    sys.argv = [f"bench.{mod}"]
    importlib.import_module(f"bench.{mod}").main()
