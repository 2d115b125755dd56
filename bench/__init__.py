"""Benchmarks (not tests): each bench_*.py writes its section of bench/RESULTS.md."""
