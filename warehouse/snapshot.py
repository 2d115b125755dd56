"""The analyst snapshot: a read-only copy of the warehouse, republished after each run.

DuckDB lets one process write a file and, while it does, no other process
open it at all; an analyst's read-only session in turn blocks the writer.
So analysts never open the pipeline's file. After each successful run the
pipeline copies it into a temporary file next to the snapshot and renames
that over the snapshot (os.replace, atomic on POSIX): a session that has
the old snapshot open keeps reading the old inode, a new session opens
the new file, and neither ever waits for the pipeline or blocks it.

Freshness is tracked explicitly, not by age: every write transaction
counts itself in warehouse_meta 'changes', and `publish_if_changed`
republishes whenever that counter differs from 'snapshot_changes', the value
the current snapshot was copied at. A crash between a load and the snapshot,
a backfill, a reclassify or an `alerts ack` therefore all show up in the next
snapshot, and a run that changed nothing copies nothing. Temporary files
left by a publisher that died mid-copy are removed on the next publish.

The copy is written in DuckDB 1.5's storage format so that the DuckDB CLI
from PyPI (duckdb-cli 1.5.x) and older Python/R clients can open it; 1.5
cannot read a file in 2.0's format.
"""
from __future__ import annotations

import logging
import os
from datetime import datetime, timezone
from pathlib import Path

import duckdb

from warehouse.db import apply_views, is_out_of_memory, meta_value, set_meta_value, with_lock_retry

log = logging.getLogger(__name__)

# The oldest storage format the analysts' tools must read (duckdb-cli 1.5.x).
SNAPSHOT_STORAGE_VERSION = "v1.5.0"
# Memory the snapshot copy may use; beyond it DuckDB evicts or spills to
# disk. The copy runs at the end of a run, beside the fork server that the
# extraction workers came from: at 10,000 pages the flow's peak there was
# the copy's, +169 MB with 150 MB, +119 MB with 64 MB (same 15-16 s); 32 MB
# ran out. A copy that runs out gets no limit (publish_snapshot).
SNAPSHOT_MEMORY_LIMIT = "64MB"


def _sql_str(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _remove(path: Path) -> None:
    for p in (path, path.with_name(path.name + ".wal")):
        p.unlink(missing_ok=True)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_leftover_temp_files(snapshot_path: Path) -> list[Path]:
    """Temporary copies (`.<name>.<pid>.tmp`) whose writer is no longer running."""
    removed = []
    for p in snapshot_path.parent.glob(f".{snapshot_path.name}.*.tmp*"):
        pid = p.name[len(snapshot_path.name) + 2 :].split(".", 1)[0]
        if pid.isdigit() and int(pid) != os.getpid() and _pid_alive(int(pid)):
            continue
        p.unlink(missing_ok=True)
        removed.append(p)
    return removed


def snapshot_is_current(conn: duckdb.DuckDBPyConnection, snapshot_path: Path | str) -> bool:
    """The snapshot exists and was copied after the warehouse's last change."""
    return Path(snapshot_path).exists() and meta_value(conn, "snapshot_changes") == meta_value(conn, "changes")


def publish_if_changed(conn_factory, db_path: Path | str, snapshot_path: Path | str, force: bool = False) -> bool:
    """Republish the snapshot if the warehouse changed since it was copied
    (or it is missing, or `force`). `conn_factory()` opens the warehouse for
    writing; it is closed before the copy, which attaches the file itself.
    Returns whether a snapshot was published."""
    snapshot_path = Path(snapshot_path)
    remove_leftover_temp_files(snapshot_path)
    conn = conn_factory()
    try:
        if not force and snapshot_is_current(conn, snapshot_path):
            return False
        changes = meta_value(conn, "changes")
    finally:
        conn.close()
    publish_snapshot(db_path, snapshot_path)
    conn = conn_factory()
    try:
        # A write between reading `changes` and the copy leaves the stored
        # value behind the counter: the next call republishes (safe side).
        set_meta_value(conn, "snapshot_changes", changes)
    finally:
        conn.close()
    return True


def publish_snapshot(db_path: Path | str, snapshot_path: Path | str, lock_timeout: float = 60.0) -> Path:
    """Copy db_path to snapshot_path atomically, readable by DuckDB 1.5 clients."""
    db_path, snapshot_path = Path(db_path), Path(snapshot_path)
    snapshot_path.parent.mkdir(parents=True, exist_ok=True)
    # Same directory as the target: os.replace is only atomic within one filesystem.
    tmp = snapshot_path.with_name(f".{snapshot_path.name}.{os.getpid()}.tmp")
    try:
        _copy(db_path, snapshot_path, tmp, lock_timeout, SNAPSHOT_MEMORY_LIMIT)
    except duckdb.Error as exc:
        if not is_out_of_memory(exc):
            raise
        # The limit bounds the copy's cache; it must not cost analysts their
        # snapshot. The failed copy's file is gone (_copy): copy again.
        log.warning("snapshot copy out of memory under %s; again without a limit", SNAPSHOT_MEMORY_LIMIT)
        _copy(db_path, snapshot_path, tmp, lock_timeout, None)
    with open(tmp, "rb") as f:
        os.fsync(f.fileno())
    os.replace(tmp, snapshot_path)
    # The rename itself must survive a crash too.
    dir_fd = os.open(snapshot_path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
    return snapshot_path


def _copy(db_path: Path, snapshot_path: Path, tmp: Path, lock_timeout: float, memory_limit: str | None) -> None:
    _remove(tmp)
    conn = duckdb.connect()  # in-memory: the warehouse itself is only attached read-only
    try:
        # The copy streams table by table; without a limit DuckDB's buffer
        # pool keeps what it read (up to 80% of RAM), so the copy's memory
        # grew with the warehouse (902 MB in the flow at 10,000 pages).
        if memory_limit:
            conn.execute(f"SET memory_limit = '{memory_limit}'")
        conn.execute(f"SET temp_directory = {_sql_str(str(snapshot_path.parent / '.snapshot-spill'))}")
        with_lock_retry(
            db_path, lambda: conn.execute(f"ATTACH {_sql_str(str(db_path))} AS src (READ_ONLY)"), lock_timeout
        )
        conn.execute(f"ATTACH {_sql_str(str(tmp))} AS snap (STORAGE_VERSION '{SNAPSHOT_STORAGE_VERSION}')")
        # Tables, views, macros and their comments all come across (checked
        # by tests/test_snapshot.py with duckdb-cli 1.5).
        conn.execute("COPY FROM DATABASE src TO snap")
        conn.execute("DETACH src")
        conn.execute("USE snap")
        # A file last written before views.sql changed: give analysts the current views.
        apply_views(conn)
        conn.execute("DROP TABLE IF EXISTS snapshot_info")
        conn.execute(
            "CREATE TABLE snapshot_info AS SELECT ?::TIMESTAMPTZ AS published_at, ? AS source_file, "
            "? AS storage_version, ? AS written_by_duckdb, (SELECT max(version) FROM schema_version) AS schema_version",
            [datetime.now(timezone.utc), str(db_path), SNAPSHOT_STORAGE_VERSION, duckdb.__version__],
        )
        conn.execute("COMMENT ON TABLE snapshot_info IS 'When this analyst snapshot was published, and from which file.'")
        conn.execute("USE memory")
        conn.execute("DETACH snap")  # checkpoints: the data is in tmp itself, no .wal left beside it
    except BaseException:
        conn.close()
        _remove(tmp)
        raise
    conn.close()
