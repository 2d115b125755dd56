"""Explorer benchmark: how long `framewatch ui` takes to show the overview.

    python -m bench.bench_explorer [--rows 1000000] [--demo data/demo] [--no-write]

On two warehouses: the demo's (data/demo, built by `framewatch demo`;
skipped when absent) and bench/bench_warehouse.py's synthetic one with
1M articles (built here, published as a snapshot the way a run does).
For each, measures:
  - the first overview after a snapshot is published: the app opens the
    snapshot and copies its stories into memory, then aggregates (the
    /api/overview request, through the real app over HTTP);
  - a later overview (a filter change or a reload): median of 5;
  - the whole page in headless Chromium: from navigation to the overview
    charts drawn (includes loading the 0.9 MB Vega bundle from the
    browser cache after the first visit), median of 3, when Chromium is
    installed.
Targets (issue 16): under 1 s on the demo warehouse, under 3 s on 1M rows.
Writes its section ("## Explorer") into bench/RESULTS.md.
"""
from __future__ import annotations

import argparse
import socket
import statistics
import tempfile
import threading
import time
from pathlib import Path

import httpx

from bench.results import machine, write_section

REPEATS = 5


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """The real app under uvicorn in a thread, on a free loopback port."""

    def __init__(self, snapshot: Path, database: Path):
        import uvicorn

        from explorer.web import create_app, vega_bundle

        vega_bundle()  # built once per process (the app does it at start-up); not part of any page load
        self.port = _free_port()
        self.server = uvicorn.Server(uvicorn.Config(create_app(snapshot, database), host="127.0.0.1", port=self.port,
                                                    log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self):
        self.thread.start()
        while not self.server.started:
            time.sleep(0.05)
        return f"http://127.0.0.1:{self.port}"

    def __exit__(self, *exc):
        self.server.should_exit = True
        self.thread.join(timeout=30)


def measure(snapshot: Path, database: Path) -> dict:
    from explorer.data import Explorer

    out: dict = {}
    # The app loads the snapshot before it serves (and a newer one in the
    # background while the old one serves): the analyst never waits for it.
    t = time.perf_counter()
    Explorer(snapshot, database).conn()
    out["load"] = time.perf_counter() - t
    with Server(snapshot, database) as url, httpx.Client(timeout=120) as client:
        t = time.perf_counter()
        r = client.get(f"{url}/api/overview")
        out["first"] = time.perf_counter() - t
        r.raise_for_status()
        out["points"] = len(r.json()["table"])
        times = []
        for _ in range(REPEATS):
            t = time.perf_counter()
            client.get(f"{url}/api/overview").raise_for_status()
            times.append(time.perf_counter() - t)
        out["later"] = statistics.median(times)
        out["stories"] = client.get(f"{url}/api/meta").json()["stories"]
        out["page"] = page_load(url)
    return out


def page_load(url: str) -> float | None:
    from reports.browser import available, chromium

    if available():
        return None
    from selenium.webdriver.support.ui import WebDriverWait

    times = []
    with chromium() as driver:
        driver.get(url + "/")  # first visit: the Vega bundle into the browser's cache
        WebDriverWait(driver, 120).until(lambda d: d.find_element("tag name", "body").get_attribute("data-ready") == "overview")
        for _ in range(3):
            driver.get("about:blank")
            t = time.perf_counter()
            driver.get(url + "/")
            WebDriverWait(driver, 120).until(
                lambda d: d.find_element("tag name", "body").get_attribute("data-ready") == "overview")
            times.append(time.perf_counter() - t)
    return statistics.median(times)


def synthetic(rows: int, tmp: Path) -> tuple[Path, Path, float]:
    from bench.bench_warehouse import fill
    from warehouse import connect
    from warehouse.snapshot import publish_snapshot

    db = tmp / "framewatch.duckdb"
    conn = connect(db)
    t = time.perf_counter()
    fill(conn, rows)
    conn.close()
    snap = publish_snapshot(db, tmp / "framewatch-snapshot.duckdb")
    return snap, db, time.perf_counter() - t


def _fmt(x: float | None) -> str:
    return "n/a (no Chromium)" if x is None else f"{x * 1000:,.0f} ms"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--demo", type=Path, default=Path(__file__).resolve().parent.parent / "data" / "demo")
    ap.add_argument("--no-write", action="store_true", help="print only; leave bench/RESULTS.md alone")
    args = ap.parse_args()
    results = {}
    demo_snap = args.demo / "framewatch-snapshot.duckdb"
    if demo_snap.exists():
        results["demo warehouse"] = (measure(demo_snap, args.demo / "framewatch.duckdb"), 1.0)
    else:
        print(f"no demo warehouse in {args.demo} (run `framewatch demo`): measuring the synthetic one only")
    with tempfile.TemporaryDirectory(prefix="framewatch-bench-explorer-") as tmp:
        snap, db, t_build = synthetic(args.rows, Path(tmp))
        results[f"{args.rows:,} articles (bench_warehouse)"] = (measure(snap, db), 3.0)
    lines = [
        f"`python -m bench.bench_explorer` on {machine()}. The app is the real one (uvicorn, "
        "HTTP on 127.0.0.1); the synthetic warehouse is bench_warehouse's (built and published as a snapshot in "
        f"{t_build:.0f} s). *Snapshot load* = opening a snapshot and copying its "
        "stories into memory, done at start-up and, for a newly published snapshot, in the background while the "
        "previous one keeps serving (no request waits for it); *first* = the first overview request; *later* = every further overview (median of 5); *page* = the whole "
        "page in headless Chromium, navigation to charts drawn (median of 3, Vega bundle cached).",
        "",
        "| warehouse | stories | weekly points | snapshot load (background) | first overview | later overviews | page in the browser | target |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, (r, target) in results.items():
        worst = max(x for x in (r["first"], r["later"], r["page"]) if x is not None)
        lines.append(f"| {name} | {r['stories']:,} | {r['points']:,} | {_fmt(r['load'])} | {_fmt(r['first'])} | {_fmt(r['later'])} | "
                     f"{_fmt(r['page'])} | < {target:.0f} s: {'met' if worst < target else 'NOT met'} |")
    body = "\n".join(lines)
    print(body)
    if not args.no_write:
        write_section("Explorer", body)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
