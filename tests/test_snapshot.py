"""The analyst snapshot and concurrency between real processes.

Every "analyst" and every lock holder here is a separate OS process: DuckDB's
file locks are per process, so threads would prove nothing.
"""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from flows.daily_ingest import daily_ingest
from tests.conftest import ingest_overrides
from tests.warehouse_fixtures import flow_warehouse  # noqa: F401  (fixture)
from warehouse import WarehouseLockedError, connect
from warehouse.analyst import duckdb_cli
from warehouse.snapshot import publish_snapshot

pytestmark = pytest.mark.usefixtures("prefect_harness")

# An analyst: opens the snapshot read-only and queries it every 20 ms until
# told to stop; "hold" keeps one connection for the whole session, "reopen"
# opens a new session for every query. Prints what it saw and every error.
ANALYST = textwrap.dedent("""
    import duckdb, pathlib, sys, time
    snap, mode, stop = sys.argv[1:4]
    held = duckdb.connect(snap, read_only=True) if mode == "hold" else None
    print("ready", flush=True)
    queries, errors, runs_seen = 0, 0, set()
    while not pathlib.Path(stop).exists():
        try:
            c = held or duckdb.connect(snap, read_only=True)
            runs_seen.add(c.execute("SELECT count(*) FROM runs").fetchone()[0])
            c.execute("SELECT * FROM framing_weekly").fetchall()
            if not held:
                c.close()
            queries += 1
        except Exception as exc:
            errors += 1
            print("ERROR", exc, flush=True)
        time.sleep(0.02)
    print("done", queries, errors, sorted(runs_seen), flush=True)
""")

# Holds the pipeline's file open for writing, as the load step does.
WRITER = textwrap.dedent("""
    import duckdb, sys, time
    c = duckdb.connect(sys.argv[1])
    print("locked", flush=True)
    time.sleep(float(sys.argv[2]))
    c.close()
""")


def _spawn(script: str, *args) -> subprocess.Popen:
    p = subprocess.Popen([sys.executable, "-c", script, *map(str, args)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    first = p.stdout.readline().strip()
    assert first in ("ready", "locked"), (first, p.stderr.read())
    return p


def _finish(p: subprocess.Popen, stop: Path) -> tuple[int, int, str]:
    stop.touch()
    out, err = p.communicate(timeout=60)
    last = out.strip().splitlines()[-1]
    assert p.returncode == 0 and last.startswith("done"), (out, err)
    _, queries, errors, seen = last.split(" ", 3)
    assert "ERROR" not in out, out
    return int(queries), int(errors), seen


def test_snapshot_keeps_views_macros_comments_and_says_when_it_was_published(flow_warehouse):  # noqa: F811
    conn = connect(flow_warehouse["snapshot"], read_only=True)
    try:
        assert conn.execute("SELECT storage_version FROM snapshot_info").fetchone() == ("v1.5.0",)
        tags = conn.execute("SELECT tags FROM duckdb_databases() WHERE database_name = current_database()").fetchone()[0]
        assert tags["storage_version"].startswith("v1.5.0")
        assert conn.execute("SELECT count(*) FROM duckdb_views() WHERE NOT internal AND comment IS NOT NULL").fetchone()[0] >= 8
        assert conn.execute("SELECT count(*) FROM framing_share('2000-01-01', '2100-01-01')").fetchone()[0] > 0
    finally:
        conn.close()


def test_duckdb_cli_1_5_opens_the_snapshot_but_not_the_pipelines_file(flow_warehouse):  # noqa: F811
    cli = duckdb_cli()
    if not cli:
        pytest.skip("duckdb-cli not installed")
    version = subprocess.run([cli, "--version"], capture_output=True, text=True).stdout
    assert version.startswith("v1.5"), version
    out = subprocess.run(
        [cli, "-readonly", "-csv", str(flow_warehouse["snapshot"]), "-c",
         "SELECT count(*) AS n FROM framing_weekly; SELECT comment FROM duckdb_views() WHERE view_name = 'framing_weekly'"],
        capture_output=True, text=True, timeout=60,
    )
    assert out.returncode == 0, out.stderr
    assert "Per ISO week" in out.stdout
    main = subprocess.run([cli, "-readonly", str(flow_warehouse["db"]), "-c", "SELECT 1"], capture_output=True, text=True)
    assert main.returncode != 0  # why the snapshot exists: 1.5 cannot read the 2.0 file


def test_analysts_on_the_snapshot_never_block_a_run_nor_see_an_error(tmp_path, mini_sites):
    overrides = ingest_overrides(tmp_path, mini_sites)
    first = daily_ingest(overrides=overrides)
    snap = Path(first["snapshot"])
    old_inode = snap.stat().st_ino
    # The second run finds nothing new, so it republishes the snapshot only if
    # the warehouse changed since it was copied (warehouse/snapshot.py): change it,
    # as an analyst's `alerts ack` would.
    from warehouse import connect
    from warehouse.db import transaction

    conn = connect(first["database"])
    with transaction(conn):
        conn.execute("UPDATE sources SET country = country")
    conn.close()
    stop = tmp_path / "stop"
    holder = _spawn(ANALYST, snap, "hold", stop)      # a session open all through the run
    reopener = _spawn(ANALYST, snap, "reopen", stop)  # new sessions opening during the run
    try:
        t = time.monotonic()
        second = daily_ingest(overrides=overrides)
        elapsed = time.monotonic() - t
    finally:
        time.sleep(0.3)  # let the re-opening analyst see the new snapshot
        held = _finish(holder, stop)
        reopened = _finish(reopener, stop)
    assert second["status"] == "completed", second["errors"]
    assert elapsed < 60
    assert snap.stat().st_ino != old_inode  # republished by rename, not rewritten in place
    assert held[0] > 0 and held[1] == 0
    assert held[2] == "[1]"  # the open session kept reading its (old) snapshot, consistently
    assert reopened[0] > 0 and reopened[1] == 0
    assert reopened[2].endswith("2]")  # new sessions see the second run once it is published
    assert not list(tmp_path.glob("data/.*.tmp*"))  # no temporary file left behind


def test_a_run_holding_the_warehouse_does_not_stop_new_analyst_sessions(flow_warehouse, tmp_path):  # noqa: F811
    writer = _spawn(WRITER, flow_warehouse["db"], 5)
    try:
        # the pipeline's file is locked: even a read-only open from another process fails ...
        with pytest.raises(WarehouseLockedError):
            connect(flow_warehouse["db"], read_only=True, lock_timeout=0.5)
        # ... but a new analyst session on the snapshot opens at once
        stop = tmp_path / "stop"
        stop.touch()
        t = time.monotonic()
        analyst = subprocess.run([sys.executable, "-c", ANALYST, str(flow_warehouse["snapshot"]), "reopen", str(stop)],
                                 capture_output=True, text=True, timeout=60)
        assert analyst.returncode == 0 and analyst.stdout.startswith("ready"), analyst.stderr
        assert time.monotonic() - t < 10
        cli = duckdb_cli()
        if cli:
            out = subprocess.run([cli, "-readonly", str(flow_warehouse["snapshot"]), "-c", "SELECT count(*) FROM runs"],
                                 capture_output=True, text=True, timeout=30)
            assert out.returncode == 0, out.stderr
    finally:
        writer.kill()
        writer.wait()


def test_lock_conflict_is_retried_then_reported_clearly(tmp_path):
    db = tmp_path / "w.duckdb"
    connect(db).close()
    writer = _spawn(WRITER, db, 30)
    try:
        t = time.monotonic()
        with pytest.raises(WarehouseLockedError, match=r"locked by another process \(gave up after 1 s\)"):
            connect(db, lock_timeout=1.0)
        assert 0.9 <= time.monotonic() - t < 5
    finally:
        writer.kill()
        writer.wait()
    # a holder that lets go within the timeout: the retry gets the file
    writer = _spawn(WRITER, db, 1.5)
    t = time.monotonic()
    conn = connect(db, lock_timeout=30)
    conn.close()
    assert 1.0 <= time.monotonic() - t < 10
    writer.wait()


def test_publishing_waits_for_the_writer_and_leaves_an_open_session_intact(flow_warehouse, tmp_path):  # noqa: F811
    snap = tmp_path / "snap.duckdb"
    publish_snapshot(flow_warehouse["db"], snap)
    stop = tmp_path / "stop"
    analyst = _spawn(ANALYST, snap, "hold", stop)
    writer = _spawn(WRITER, flow_warehouse["db"], 1.5)
    result: dict = {}
    th = threading.Thread(target=lambda: result.setdefault("path", publish_snapshot(flow_warehouse["db"], snap, lock_timeout=30)))
    th.start()
    th.join(60)
    writer.wait()
    queries, errors, _ = _finish(analyst, stop)
    assert result["path"] == snap and queries > 0 and errors == 0
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
    assert os.access(snap, os.R_OK)


def test_a_copy_out_of_memory_under_its_limit_is_copied_again_without_it(flow_warehouse, tmp_path, monkeypatch, caplog):  # noqa: F811
    import logging

    import duckdb

    import warehouse.snapshot

    monkeypatch.setattr(warehouse.snapshot, "SNAPSHOT_MEMORY_LIMIT", "2MB")  # far below what any copy needs
    snap = tmp_path / "snap.duckdb"
    with caplog.at_level(logging.WARNING, logger="warehouse.snapshot"):
        assert publish_snapshot(flow_warehouse["db"], snap) == snap
    assert "out of memory" in caplog.text
    with duckdb.connect(str(flow_warehouse["db"]), read_only=True) as src, duckdb.connect(str(snap), read_only=True) as dst:
        for table in ("articles", "classifications", "evidence", "article_lsh_bands"):
            assert dst.execute(f"SELECT count(*) FROM {table}").fetchone() == src.execute(f"SELECT count(*) FROM {table}").fetchone()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["snap.duckdb"]  # the failed copy's file is gone
