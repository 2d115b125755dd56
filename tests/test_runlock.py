"""The run lock: one holder at a time, named in the refusal; free again when the holder is gone."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from flows.runlock import RunLockedError, lock_path, run_lock

ROOT = Path(__file__).resolve().parent.parent


def test_a_second_holder_is_refused_with_the_first_ones_pid_and_start_time(tmp_path):
    db = tmp_path / "framewatch.duckdb"
    with run_lock(db, "daily_ingest") as holder:
        with pytest.raises(RunLockedError) as refused:
            with run_lock(db, "backfill"):
                pass
        msg = str(refused.value)
        assert f"PID {os.getpid()}" in msg and f"started {holder['started_at']}" in msg and "daily_ingest" in msg
    with run_lock(db):  # released
        pass
    assert lock_path(db).read_text() == ""


def test_a_lock_held_by_a_killed_process_is_taken_over(tmp_path):
    db = tmp_path / "framewatch.duckdb"
    child = subprocess.Popen(
        [sys.executable, "-c", "import sys, time; from flows.runlock import run_lock\n"
                               f"with run_lock({str(db)!r}):\n    print('held', flush=True); time.sleep(600)"],
        cwd=ROOT, stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        assert child.stdout.readline().strip() == "held"
        with pytest.raises(RunLockedError, match=f"PID {child.pid}"):
            with run_lock(db):
                pass
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    deadline = time.monotonic() + 10
    while True:  # the kernel releases a dead process's flock
        try:
            with run_lock(db) as me:
                assert me["pid"] == os.getpid()
            break
        except RunLockedError:
            assert time.monotonic() < deadline
            time.sleep(0.1)
