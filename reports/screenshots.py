"""Regenerate the README's screenshots from the demo warehouse (`make screenshots`):

    docs/report-demo.png    the chart of `framewatch report`
    docs/explorer-demo.png  the explorer's overview, with one point's stories opened

    python -m reports.screenshots [--data-dir data/demo] [--out docs]

Needs the demo warehouse (`framewatch demo`) and, for the explorer,
Chromium from Debian's packages (reports/browser.py).
"""
from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from reports.browser import available, chromium, full_page_png
from reports.build import build_report

ROOT = Path(__file__).resolve().parent.parent


def report_png(data_dir: Path, out: Path) -> Path:
    with tempfile.TemporaryDirectory() as tmp:
        _html, png = build_report(data_dir / "framewatch-snapshot.duckdb", Path(tmp))
        shutil.copyfile(png, out / "report-demo.png")
    return out / "report-demo.png"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def explorer_png(data_dir: Path, out: Path, point: str = "Transactional truce, week starting 2025-11-17:") -> Path:
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.support.ui import WebDriverWait

    port = _free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-m", "cli", "ui", "-d", str(data_dir.resolve()), "--port", str(port),
                             "--user", "analyst"], env=env, cwd=ROOT)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(url + "api/meta", timeout=5).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("framewatch ui did not start")
            time.sleep(0.3)
        with chromium(1400, 1000) as driver:
            driver.get(url)
            wait = WebDriverWait(driver, 60)
            wait.until(lambda d: d.find_element("tag name", "body").get_attribute("data-ready") == "overview")
            dot = wait.until(lambda d: d.find_elements("css selector", f"#share-chart path[aria-label^='{point}']"))
            ActionChains(driver).move_to_element(dot[0]).click().perform()
            wait.until(lambda d: d.find_elements("css selector", "#drill .story"))
            driver.execute_script("window.scrollTo(0, 0)")
            time.sleep(0.5)
            return full_page_png(driver, out / "explorer-demo.png")
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data-dir", type=Path, default=ROOT / "data" / "demo")
    ap.add_argument("--out", type=Path, default=ROOT / "docs")
    args = ap.parse_args()
    if not (args.data_dir / "framewatch-snapshot.duckdb").exists():
        print(f"no demo warehouse in {args.data_dir}: run `framewatch demo` first", file=sys.stderr)
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    print(report_png(args.data_dir, args.out))
    missing = available()
    if missing:
        print(f"explorer screenshot skipped: {missing}", file=sys.stderr)
        return 2
    print(explorer_png(args.data_dir, args.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
