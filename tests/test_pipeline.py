"""The daily pipeline end to end, under Prefect's test harness."""
from __future__ import annotations

import duckdb
import pytest

from flows.daily_ingest import daily_ingest
from tests.conftest import ingest_overrides

pytestmark = pytest.mark.usefixtures("prefect_harness")


def _count(db: str, sql: str) -> int:
    with duckdb.connect(db, read_only=True) as conn:
        return conn.execute(sql).fetchone()[0]


def test_first_run_loads_every_article_with_text_metadata_and_classification(tmp_path, mini_sites):
    summary = daily_ingest(overrides=ingest_overrides(tmp_path, mini_sites))
    db = summary["database"]
    assert summary["status"] == "completed", summary["errors"]
    assert summary["counts"]["articles_loaded"] == 3
    assert _count(db, "SELECT count(*) FROM articles WHERE word_count >= 120 AND title IS NOT NULL") == 3
    assert _count(db, "SELECT count(*) FROM articles WHERE published_at IS NOT NULL AND author IS NOT NULL") == 3
    # tracking parameters are gone from the dedup key
    assert _count(db, "SELECT count(*) FROM articles WHERE canonical_url LIKE '%utm_%'") == 0
    assert _count(db, "SELECT count(*) FROM classifications") == 3
    assert _count(db, "SELECT count(DISTINCT framing_id) FROM framings") == 2
    assert _count(db, "SELECT count(*) FROM runs WHERE status = 'completed'") == 1


def test_second_run_fetches_no_page_and_inserts_nothing(tmp_path, mini_sites):
    overrides = ingest_overrides(tmp_path, mini_sites)
    first = daily_ingest(overrides=overrides)
    db = first["database"]
    before = {t: _count(db, f"SELECT count(*) FROM {t}") for t in ("articles", "classifications", "evidence")}
    second = daily_ingest(overrides=overrides)
    assert second["counts"]["entries_new"] == 0
    assert second["counts"]["pages_fetched"] == 0
    assert second["counts"]["feeds_not_modified"] == 1  # the server answered 304 to our validators
    after = {t: _count(db, f"SELECT count(*) FROM {t}") for t in ("articles", "classifications", "evidence")}
    assert after == before
    assert _count(db, "SELECT count(*) FROM runs") == 2
    assert second["counts"]["snapshot_unchanged"] == 1  # nothing new for analysts: no full copy


def test_a_run_with_nothing_to_fetch_opens_the_warehouse_twice_and_still_checks_alerts(tmp_path, mini_sites, monkeypatch):
    import warehouse.db

    overrides = ingest_overrides(tmp_path, mini_sites)
    daily_ingest(overrides=overrides)
    real, opens = warehouse.db._open, []
    monkeypatch.setattr(warehouse.db, "_open", lambda *a, **k: opens.append(a[0]) or real(*a, **k))
    second = daily_ingest(overrides=overrides)
    # the run's start, then one connection from the poll's commit to the end (alerts, final row)
    assert len(opens) == 2
    assert second["counts"]["feeds_not_modified"] == 1 and "error" not in second["alerts"]
    assert _count(second["database"], f"SELECT count(*) FROM runs WHERE run_id = '{second['run_id']}' AND status = 'completed'") == 1
    assert _count(second["database"], "SELECT count(*) FROM health_policy") == 1  # written by the alert check


def test_batches_commit_through_a_one_thread_duckdb_connection(tmp_path, mini_sites, monkeypatch):
    import flows.ingest_steps
    import flows.runs

    real, seen = flows.runs.load_batch, []
    real_known, reads = flows.ingest_steps.known_urls, []
    setting = lambda conn, name: conn.execute(f"SELECT current_setting('{name}')").fetchall()[0][0]  # noqa: E731

    def recording(conn, batch):
        if batch.articles:
            seen.append((setting(conn, "threads"), setting(conn, "memory_limit"), batch.articles_new))
        return real(conn, batch)

    def reading(conn, urls):
        reads.append(setting(conn, "memory_limit"))
        return real_known(conn, urls)

    monkeypatch.setattr(flows.runs, "load_batch", recording)
    monkeypatch.setattr(flows.ingest_steps, "known_urls", reading)
    summary = daily_ingest(overrides=ingest_overrides(tmp_path, mini_sites))
    assert summary["counts"]["articles_loaded"] == 3
    # reads under a small memory limit; the write with DuckDB's default
    # (warehouse.db.release_cache says why), its articles checked as new
    small = duckdb.connect().execute(f"SET memory_limit = '{flows.ingest_steps.READ_MEMORY_LIMIT}'").execute(
        "SELECT current_setting('memory_limit')").fetchall()[0][0]
    default = duckdb.connect().execute("SELECT current_setting('memory_limit')").fetchall()[0][0]
    assert reads == [default, small]  # the poll's commit (its own connection), then the one batch's
    assert seen and set(seen) == {(1, default, True)}


def test_unreachable_feed_is_recorded_and_does_not_stop_the_others(tmp_path, mini_sites):
    from demo.server import DemoSite

    dead = DemoSite("dead", "Dead Site", "http://127.0.0.1:9", "http://127.0.0.1:9/feed.xml", None, None)
    summary = daily_ingest(overrides=ingest_overrides(tmp_path, [*mini_sites, dead]))
    db = summary["database"]
    assert summary["status"] == "completed_with_errors"
    assert summary["counts"]["articles_loaded"] == 3
    assert _count(db, "SELECT count(*) FROM fetch_errors WHERE source_id = 'dead' AND stage = 'feed'") == 1
    assert _count(db, "SELECT consecutive_failures FROM sources WHERE source_id = 'dead'") == 1
