"""Peak PSS of a process tree, sampled from a process of its own.

bench_e2e used to sample in a thread of the flow's process: reading
/proc/*/smaps_rollup for every process of the tree every 0.2 s was ~22% of
the flow process's py-spy samples, competed for its GIL and counted in its
CPU figure. Here the sampler is a separate interpreter (psutil only) that
samples the tree of `--root` (itself and the `--exclude` PIDs left out)
until its stdin closes, then prints one JSON line.

PSS (proportional set size: a page shared by k processes counts 1/k in
each) so pages the workers share copy-on-write with the fork server count
once. Prefect's temporary API server (a uvicorn child) is counted apart.

    python -m bench.tree_memory --root PID [--exclude PID ...] [--interval 0.1] [--timeline FILE]
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time

import psutil

PARTS = ("flow process", "fork server", "extraction workers")


class Sampler:
    def __init__(self, root: int, exclude: set[int]):
        self.root = psutil.Process(root)
        self.exclude = exclude | {os.getpid()}
        self.peak_mb = self.peak_prefect_mb = 0.0
        self.at_peak: dict[str, float] = {}
        self.cpu_by_pid: dict[int, tuple[str, float]] = {}  # last reading of each process: CPU seconds by part
        self.samples = 0

    def sample(self) -> dict[str, float]:
        parts = dict.fromkeys(PARTS, 0.0)
        prefect = 0.0
        for p in [self.root, *self.root.children(recursive=True)]:
            if p.pid in self.exclude:
                if p.pid != os.getpid():
                    try:
                        t = p.cpu_times()
                    except psutil.NoSuchProcess:
                        continue
                    self.cpu_by_pid[p.pid] = ("the benchmark's site server", t.user + t.system)
                continue
            try:
                mb = p.memory_full_info().pss / 2**20
                cmd = " ".join(p.cmdline())
                parent = p.ppid()
                t = p.cpu_times()
            except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
                continue
            if "uvicorn" in cmd or ("prefect" in cmd and "server" in cmd):
                prefect += mb
                part = "Prefect's server"
            elif p.pid == self.root.pid:
                parts[part := "flow process"] += mb
            elif "forkserver" in cmd and parent == self.root.pid:
                parts[part := "fork server"] += mb
            else:
                parts[part := "extraction workers"] += mb
            self.cpu_by_pid[p.pid] = (part, t.user + t.system)
        total = sum(parts.values())
        if total > self.peak_mb:
            self.peak_mb, self.at_peak = total, parts
        self.peak_prefect_mb = max(self.peak_prefect_mb, prefect)
        self.samples += 1
        return parts


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", type=int, required=True)
    ap.add_argument("--exclude", type=int, nargs="*", default=[])
    ap.add_argument("--interval", type=float, default=0.1)
    ap.add_argument("--timeline", help="write every sample (seconds, MB per part) to this file")
    args = ap.parse_args()
    s = Sampler(args.root, set(args.exclude))
    s.sample()
    cpu_at_start = dict(s.cpu_by_pid)
    stop = threading.Event()
    threading.Thread(target=lambda: (sys.stdin.read(), stop.set()), daemon=True).start()
    out = open(args.timeline, "w") if args.timeline else None
    print("ready", flush=True)
    t0 = time.monotonic()
    while not stop.wait(args.interval):
        parts = s.sample()
        if out:
            out.write(f"{time.monotonic() - t0:.2f} " + " ".join(f"{parts[k]:.1f}" for k in PARTS) + "\n")
    s.sample()
    if out:
        out.close()
    cpu: dict[str, float] = {}
    for pid, (part, secs) in s.cpu_by_pid.items():
        cpu[part] = cpu.get(part, 0.0) + secs - cpu_at_start.get(pid, (part, 0.0))[1]
    print(json.dumps({"peak_mb": s.peak_mb, "at_peak": s.at_peak, "peak_prefect_mb": s.peak_prefect_mb,
                      "cpu": cpu, "samples": s.samples}), flush=True)


if __name__ == "__main__":
    main()
