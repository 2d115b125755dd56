"""A writer's checkpoint writes what its session added, without rewriting
what earlier sessions wrote (warehouse.db.no_merge_at_checkpoint, issue #13:
DuckDB's merge of row groups at checkpoint rewrote every article's text
loaded so far, the 10,000-page run's memory peak)."""
from __future__ import annotations

import duckdb

from warehouse import connect


def _row_groups(path, table: str) -> list[tuple[int, int]]:
    conn = duckdb.connect(str(path), read_only=True)
    try:
        return conn.execute(
            f"SELECT row_group_id, max(count) FROM pragma_storage_info('{table}') "
            "WHERE column_id = 0 AND segment_type <> 'VALIDITY' GROUP BY 1 ORDER BY 1").fetchall()
    finally:
        conn.close()


def _append_session(path, i: int, n: int = 200) -> None:
    conn = connect(path)
    try:
        conn.execute("INSERT INTO entry_notes SELECT 'run' || ?, now(), 's', 'https://e.org/' || range, 'no_link', "
                     "repeat('x', 2000) FROM range(?)", [i, n])
    finally:
        conn.close()  # the checkpoint


def test_each_writer_session_keeps_its_own_row_group(tmp_path):
    db = tmp_path / "w.duckdb"
    for i in range(4):
        _append_session(db, i)
    # DuckDB's default merges these into one row group at each close,
    # rewriting the earlier sessions' rows every time.
    assert _row_groups(db, "entry_notes") == [(0, 200), (1, 200), (2, 200), (3, 200)]


def test_fully_deleted_row_groups_are_still_dropped(tmp_path):
    """The ingest queue's rows are deleted once loaded: without merges,
    the row groups they filled must still go at checkpoint."""
    db = tmp_path / "w.duckdb"
    for i in range(3):
        _append_session(db, i)
        conn = connect(db)
        try:
            conn.execute("DELETE FROM entry_notes")
        finally:
            conn.close()
    assert _row_groups(db, "entry_notes") == []
    conn = connect(db, read_only=True)
    try:
        assert conn.execute("SELECT count(*) FROM entry_notes").fetchone()[0] == 0
    finally:
        conn.close()

