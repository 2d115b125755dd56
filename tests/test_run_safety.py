"""Runs that survive: SIGKILL mid-run then rerun, and two runs on one data dir.

Real `python -m cli run` child processes against the local demo sites; the
warehouse is a real DuckDB file. A child runs in its own process group so
killing it also kills the temporary Prefect server it started.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from cli.app import EXIT_RUN_LOCKED
from flows.daily_ingest import daily_ingest
from flows.runlock import lock_path, run_lock
from tests.conftest import ingest_overrides

pytestmark = pytest.mark.usefixtures("prefect_harness")
ROOT = Path(__file__).resolve().parent.parent

# Natural keys: a row appearing twice under one is a duplicate.
UNIQUE_KEYS = {
    "articles": "canonical_url",
    "classifications": "article_id, classifier, classifier_version",
    "framing_scores": "article_id, classifier, classifier_version, framing_id",
    "evidence": "article_id, classifier, classifier_version, framing_id, rank",
    "article_fingerprints": "article_id",
    "article_lsh_bands": "band_key, article_id",
}


def _rows(db, sql: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as conn:
        return conn.execute(sql).fetchall()


def _try_count(db: Path, sql: str) -> int | None:
    if not db.exists():
        return None
    try:
        return _rows(db, sql)[0][0]
    except (duckdb.IOException, duckdb.CatalogException):  # the child holds the file, or has not created the table yet
        return None


def _child_run(tmp_path: Path, overrides: dict, min_interval: float) -> subprocess.Popen:
    env = {**os.environ, "FRAMEWATCH_CONFIG": str(tmp_path / "no-such.toml"),
           "FRAMEWATCH_SOURCES_FILE": overrides["sources_file"],
           "FRAMEWATCH_FETCH__ALLOW_HOSTS": '["127.0.0.1"]', "FRAMEWATCH_FETCH__MIN_INTERVAL": str(min_interval),
           "FRAMEWATCH_BATCH_SIZE": "3", "PYTHONPATH": str(ROOT),
           "PREFECT_HOME": str(tmp_path / f"prefect-child-{time.monotonic_ns()}")}
    return subprocess.Popen([sys.executable, "-m", "cli", "run", "-d", overrides["data_dir"]], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)


def _kill(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait()


def test_sigkill_mid_run_then_rerun_loses_nothing_and_duplicates_nothing(tmp_path, demo_sites):
    # What an uninterrupted run loads.
    (tmp_path / "whole").mkdir()
    (tmp_path / "killed").mkdir()
    whole = daily_ingest(overrides=ingest_overrides(tmp_path / "whole", demo_sites))
    expected = {u for (u,) in _rows(whole["database"], "SELECT canonical_url FROM articles")}
    assert len(expected) > 30

    overrides = ingest_overrides(tmp_path / "killed", demo_sites)
    db = Path(overrides["data_dir"]) / "framewatch.duckdb"
    proc = _child_run(tmp_path, overrides, min_interval=0.4)
    try:
        deadline, loaded = time.monotonic() + 300, 0
        while time.monotonic() < deadline and not loaded and proc.poll() is None:
            time.sleep(0.3)
            loaded = _try_count(db, "SELECT count(*) FROM articles") or 0
    finally:
        _kill(proc)  # SIGKILL: no cleanup of any kind runs
    assert 0 < loaded < len(expected), f"the run should be killed part-way ({loaded} of {len(expected)})"
    # What the crash left: a run still marked running, and the rest of the work queued.
    assert _rows(db, "SELECT status FROM runs") == [("running",)]
    assert _rows(db, "SELECT count(*) FROM ingest_queue")[0][0] > 0
    assert json.loads(lock_path(db).read_text())["pid"] == proc.pid  # the dead holder's lock file is still there

    rerun = daily_ingest(overrides=overrides)  # takes over the dead process's lock
    assert rerun["status"] == "completed", rerun["errors"]
    got = {u for (u,) in _rows(db, "SELECT canonical_url FROM articles")}
    assert got == expected  # nothing missing, nothing extra
    for table, key in UNIQUE_KEYS.items():
        [(n, distinct)] = _rows(db, f"SELECT count(*), count(DISTINCT ({key})) FROM {table}")
        assert n == distinct, f"duplicate rows in {table}"
        assert n == _rows(whole["database"], f"SELECT count(*) FROM {table}")[0][0], table
    assert _rows(db, "SELECT count(*) FROM ingest_queue") == [(0,)]
    statuses = dict(_rows(db, "SELECT status, count(*) FROM runs GROUP BY status"))
    assert statuses == {"interrupted": 1, "completed": 1}
    [(killed_run,)] = _rows(db, "SELECT run_id FROM runs WHERE status = 'interrupted'")
    assert rerun["interrupted_runs"] == [killed_run]
    # The snapshot is current: it holds everything, and the warehouse says so.
    snap = Path(rerun["snapshot"])
    assert _rows(snap, "SELECT count(*) FROM articles") == [(len(expected),)]
    assert _rows(db, "SELECT count(DISTINCT value) FROM warehouse_meta WHERE key IN ('changes', 'snapshot_changes')") == [(1,)]
    assert not list(snap.parent.glob(".*.tmp*"))


def test_a_second_run_on_the_same_data_dir_exits_with_the_documented_code_naming_the_holder(tmp_path, demo_sites):
    overrides = ingest_overrides(tmp_path, demo_sites)
    db = Path(overrides["data_dir"]) / "framewatch.duckdb"
    first = _child_run(tmp_path, overrides, min_interval=1.0)  # slow: it is still running when the second starts
    try:
        deadline, holder = time.monotonic() + 300, {}
        while time.monotonic() < deadline and holder.get("pid") != first.pid and first.poll() is None:
            time.sleep(0.3)
            try:
                holder = json.loads(lock_path(db).read_text() or "{}")
            except (OSError, ValueError):
                pass
        assert holder.get("pid") == first.pid, "the first run never took the lock"
        second = _child_run(tmp_path, overrides, min_interval=0.0)
        out, _ = second.communicate(timeout=300)
        assert first.poll() is None, "the first run must still be running"
    finally:
        _kill(first)
    assert second.returncode == EXIT_RUN_LOCKED, out
    [line] = [ln for ln in out.splitlines() if "error:" in ln]
    assert f"PID {first.pid}" in line and f"started {holder['started_at']}" in line
    # The holder died (SIGKILL): its lock is free for the next run at once.
    with run_lock(db):
        pass
