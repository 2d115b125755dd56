"""The commands `framewatch demo` prints at its end work exactly as printed,
run from the project folder against the warehouse and snapshot the demo built."""
from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys

import pytest

from cli.ingest import DEMO_DATA_DIR, demo_hints
from tests.warehouse_fixtures import flow_warehouse  # noqa: F401  (session fixture: the real flow on the demo sites)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture(scope="module")
def demo_checkout(flow_warehouse, tmp_path_factory):  # noqa: F811
    """A working folder laid out as after `make demo`: data/demo/ holds the warehouse and its snapshot."""
    cwd = tmp_path_factory.mktemp("after-make-demo")
    target = cwd / DEMO_DATA_DIR
    target.mkdir(parents=True)
    for key in ("db", "snapshot"):
        shutil.copyfile(flow_warehouse[key], target / flow_warehouse[key].name)
    return cwd


@pytest.mark.parametrize("hint", demo_hints(DEMO_DATA_DIR), ids=lambda h: h.split()[1])
def test_each_printed_hint_runs_as_printed(demo_checkout, hint):
    argv = shlex.split(hint, comments=True)
    assert argv[0] == ".venv/bin/framewatch"
    env = {k: v for k, v in os.environ.items() if not k.upper().startswith("FRAMEWATCH_")}
    env["PYTHONPATH"] = ROOT
    res = subprocess.run([sys.executable, "-m", "cli", *argv[1:]], cwd=demo_checkout, env=env,
                         capture_output=True, text=True, timeout=300)
    out = res.stdout + res.stderr
    assert res.returncode == 0, out
    assert "error:" not in out and "Traceback" not in out, out
    if argv[1] == "sql":
        rows = re.search(r"^(\d+) rows?$", res.stdout, re.M)
        assert rows and int(rows.group(1)) > 0, res.stdout
    if argv[1] == "report":
        assert (demo_checkout / "reports-out" / "framewatch-report.html").is_file()


def test_the_alert_hints_in_a_run_summary_name_the_runs_data_dir(demo_checkout):
    """`List with evidence: framewatch alerts -d DIR`: the line the demo prints under its alerts runs as printed."""
    from rich.console import Console

    from alerts.cli import print_check_summary

    console = Console(record=True, width=200)
    print_check_summary(console, {"new": 1, "delivered": 1, "failed": 0, "pending": 0}, str(DEMO_DATA_DIR))
    line = next(x for x in console.export_text().splitlines() if "List with evidence" in x)
    listed = re.search(r"framewatch (alerts -d \S+)", line).group(1)
    env = {k: v for k, v in os.environ.items() if not k.upper().startswith("FRAMEWATCH_")}
    env["PYTHONPATH"] = ROOT
    res = subprocess.run([sys.executable, "-m", "cli", *shlex.split(listed)], cwd=demo_checkout, env=env,
                         capture_output=True, text=True, timeout=300)
    assert res.returncode == 0 and "error:" not in res.stdout + res.stderr, res.stdout + res.stderr
