"""Schema migrations, view documentation and classifier-version bookkeeping."""
from __future__ import annotations

import shutil
from datetime import datetime, timezone

import duckdb
import pytest

import warehouse.db as wdb
from tests.warehouse_fixtures import make_v1_warehouse
from warehouse import SchemaTooNewError, connect, set_current_classifier
from warehouse.load import LoadBatch, load_batch

VIEWS = ("framing_daily", "framing_weekly", "framing_by_source", "latest_classifications", "source_health",
         "article_evidence", "story_framings", "story_copies")


def test_v1_file_upgrades_in_place_without_losing_a_row(tmp_path):
    db = tmp_path / "old.duckdb"
    before = make_v1_warehouse(db)
    assert all(n > 0 for t, n in before.items() if t != "schema_version"), before
    conn = connect(db)
    try:
        for table, n in before.items():
            if table != "schema_version":
                assert conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == n, table
        versions = [v for (v,) in conn.execute("SELECT version FROM schema_version ORDER BY 1").fetchall()]
        assert versions == [v for v, _ in wdb.migrations()]
        # existing classifications registered; the most recently used version is current
        assert conn.execute("SELECT classifier_version FROM current_classifier").fetchall() == [("1",)]
        assert conn.execute("SELECT count(*) FROM classifier_versions").fetchone()[0] == 2
        # the views work on upgraded data and report only the current version
        assert conn.execute("SELECT count(*) FROM latest_classifications").fetchone()[0] == 2
        rows = conn.execute("SELECT label, stories, share FROM framing_weekly WHERE stories > 0 ORDER BY label").fetchall()
        assert rows == [("neither", 1, 0.5), ("transactional_truce", 1, 0.5)]
    finally:
        conn.close()


def test_file_newer_than_the_code_is_refused_clearly_and_left_untouched(tmp_path):
    db = tmp_path / "future.duckdb"
    conn = connect(db)
    conn.execute("INSERT INTO schema_version VALUES (999, now())")
    conn.close()
    raw = db.read_bytes()
    for read_only in (False, True):
        with pytest.raises(SchemaTooNewError, match=r"schema version 999, newer than this framewatch understands"):
            connect(db, read_only=read_only)
    assert db.read_bytes() == raw


def test_a_lower_numbered_migration_from_a_parallel_branch_is_still_applied(tmp_path, monkeypatch):
    # A file already at 001+003+004 (one branch) meets a 002 merged later.
    sql = tmp_path / "sql"
    shutil.copytree(wdb.SQL_DIR, sql)
    late = sql / "002_stories.sql"
    held_back = late.read_text()
    late.unlink()
    monkeypatch.setattr(wdb, "SQL_DIR", sql)
    db = tmp_path / "w.duckdb"
    connect(db).close()
    late.write_text(held_back)
    conn = connect(db)
    try:
        assert conn.execute("SELECT count(*) FROM stories").fetchall()[0][0] == 0
        assert {v for (v,) in conn.execute("SELECT version FROM schema_version").fetchall()} >= {1, 2, 3, 4}
    finally:
        conn.close()


def test_every_view_and_view_column_is_documented(tmp_path):
    conn = connect(tmp_path / "w.duckdb")
    try:
        undocumented_views = conn.execute(
            "SELECT view_name FROM duckdb_views() WHERE NOT internal AND comment IS NULL"
        ).fetchall()
        assert undocumented_views == []
        names = {v for (v,) in conn.execute("SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall()}
        assert set(VIEWS) <= names
        missing = conn.execute(
            "SELECT c.table_name, c.column_name FROM duckdb_columns() c JOIN duckdb_views() v "
            "ON v.view_name = c.table_name AND NOT v.internal WHERE c.comment IS NULL"
        ).fetchall()
        assert missing == []
        macros = {m for (m,) in conn.execute(
            "SELECT function_name FROM duckdb_functions() WHERE NOT internal AND comment IS NOT NULL").fetchall()}
        assert {"framing_share", "framing_share_by_source", "top_evidence"} <= macros
    finally:
        conn.close()


def test_views_are_refreshed_only_when_views_sql_changes(tmp_path, monkeypatch):
    db = tmp_path / "w.duckdb"
    connect(db).close()
    conn = connect(db)
    assert not wdb.apply_views(conn)  # unchanged: no catalog write
    conn.close()
    views = tmp_path / "views.sql"
    views.write_text(wdb.VIEWS_FILE.read_text() + "\nCREATE OR REPLACE VIEW extra_view AS SELECT 1 AS one;\n")
    monkeypatch.setattr(wdb, "VIEWS_FILE", views)
    conn = connect(db)
    try:
        assert conn.execute("SELECT one FROM extra_view").fetchone() == (1,)
    finally:
        conn.close()


def _classify(conn, version: str, article_ids: list[str], label: str) -> None:
    now = datetime.now(timezone.utc)
    b = LoadBatch(run={"run_id": f"run-{version}-{len(article_ids)}", "started_at": now, "status": "completed"})
    b.classifications = [
        {"article_id": a, "classifier": "lexical", "classifier_version": version, "label": label,
         "confidence": 0.9, "relevance": 0.9, "classified_at": now}
        for a in article_ids
    ]
    load_batch(conn, b)


def test_a_new_classifier_version_becomes_current_only_once_it_covers_the_old_one(tmp_path):
    db = tmp_path / "w.duckdb"
    make_v1_warehouse(db)
    conn = connect(db)
    try:
        current = lambda: conn.execute("SELECT classifier_version FROM current_classifier").fetchone()[0]  # noqa: E731
        assert current() == "1"
        _classify(conn, "2", ["a1"], "institutional_engagement")  # a daily run with a new version: 1 of 2 articles
        assert current() == "1"
        assert conn.execute("SELECT count(*) FROM latest_classifications").fetchone()[0] == 2
        _classify(conn, "2", ["a2"], "institutional_engagement")  # reclassification caught up
        assert current() == "2"
        assert conn.execute("SELECT DISTINCT label FROM latest_classifications").fetchall() == [("institutional_engagement",)]
        set_current_classifier(conn, "lexical", "1")  # and back, by hand
        assert current() == "1"
        with pytest.raises(KeyError):
            set_current_classifier(conn, "lexical", "nope")
    finally:
        conn.close()


def test_loader_takes_an_arrow_table_as_is(tmp_path):
    import pyarrow as pa

    db = tmp_path / "w.duckdb"
    make_v1_warehouse(db)
    conn = connect(db)
    try:
        now = datetime.now(timezone.utc)
        table = pa.table({"article_id": ["a1", "a2"], "framing_id": ["institutional_engagement"] * 2,
                          "classifier": ["lexical"] * 2, "classifier_version": ["1"] * 2, "score": [0.1, 0.2]})
        counts = load_batch(conn, LoadBatch(run={"run_id": "arrow", "started_at": now}, framing_scores=table))
        assert counts["framing_scores"] == 2
        assert conn.execute("SELECT count(*) FROM framing_scores").fetchone()[0] == 3
    finally:
        conn.close()


def test_read_only_open_of_v1_file_does_not_upgrade_it(tmp_path):
    db = tmp_path / "old.duckdb"
    make_v1_warehouse(db)
    conn = connect(db, read_only=True)
    try:
        assert wdb.schema_version(conn) == 1
    finally:
        conn.close()
    with duckdb.connect(str(db), read_only=True) as c:
        assert c.execute("SELECT max(version) FROM schema_version").fetchone()[0] == 1


def test_loader_reclassify_and_the_view_use_one_rule_for_the_current_version(tmp_path):
    """warehouse.db.promote_classifier is the rule; the loader (load_batch) and
    reclassify (flows/reprocess.py) call it, and current_classifier only reads its flag."""
    import inspect

    import flows.reprocess
    import warehouse.load
    from warehouse import promote_classifier

    assert "promote_classifier" in inspect.getsource(warehouse.load._promote_versions)
    assert "promote_classifier" in inspect.getsource(flows.reprocess._make_current_if_complete)
    db = tmp_path / "w.duckdb"
    make_v1_warehouse(db)
    conn = connect(db)
    try:
        view = lambda: conn.execute("SELECT classifier, classifier_version FROM current_classifier").fetchall()  # noqa: E731
        _classify(conn, "3", ["a1"], "neither")           # through the loader: 1 of 2 articles
        assert view() == [("lexical", "1")]
        assert promote_classifier(conn, "lexical", "3") is False  # the same answer when asked directly
        _classify(conn, "3", ["a2"], "neither")
        assert view() == [("lexical", "3")]
        assert promote_classifier(conn, "lexical", "3") is True
        assert conn.execute("SELECT count(*) FROM classifier_versions WHERE is_current").fetchone()[0] == 1
    finally:
        conn.close()


def test_a_failed_commit_raises_its_own_error_not_the_rollbacks(tmp_path):
    # Two transactions insert the same key; DuckDB finds the conflict only at
    # the second COMMIT, which ends that transaction, so a ROLLBACK after it
    # fails too ("no transaction is active") and used to hide the cause.
    conn = connect(tmp_path / "w.duckdb")
    first, second = conn.cursor(), conn.cursor()
    first.execute("BEGIN TRANSACTION")
    first.execute("INSERT INTO framings (framing_id, name, description) VALUES ('x', 'x', 'x')")
    with pytest.raises(duckdb.TransactionException, match="constraint violation"):
        with wdb.transaction(second):
            second.execute("INSERT INTO framings (framing_id, name, description) VALUES ('x', 'x', 'x')")
            first.execute("COMMIT")
    assert conn.execute("SELECT count(*) FROM framings WHERE framing_id = 'x'").fetchone()[0] == 1
    conn.close()
