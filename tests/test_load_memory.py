"""A batch commit's two shortcuts never cost a row or a batch (issue #13):
a plain INSERT for articles the caller found new (warehouse.load.load_batch)
and a DuckDB memory limit (warehouse.db.connect, unbounded_on_oom)."""
from __future__ import annotations

import logging
from datetime import datetime, timezone

import duckdb
import pytest

from warehouse import connect
from warehouse.db import release_cache, unbounded_on_oom
from warehouse.load import LoadBatch, article_id, load_batch

NOW = datetime(2026, 11, 29, tzinfo=timezone.utc)


def _article(url: str, title: str) -> dict:
    return {"article_id": article_id(url), "canonical_url": url, "url": url, "title": title, "text": "words " * 50,
            "story_id": article_id(url), "fetched_at": NOW}


def _classification(url: str) -> dict:
    return {"article_id": article_id(url), "classifier": "lexical", "classifier_version": "t1", "label": "neither",
            "confidence": 0.5, "relevance": 0.5, "params": {}, "reference_hashes": {}, "classified_at": NOW, "run_id": "r"}


def _fingerprint(aid: str) -> dict:
    return {"article_id": aid, "site": "e.org", "title_key": None, "n_shingles": 10, "minhash": b"\0" * 512, "method": "m"}


def _bands(aid: str) -> list[dict]:
    return [{"band_key": hash((aid, i)) % 2**40, "article_id": aid} for i in range(3)]


def _batch(run: str, articles: list[dict], new: bool, stored: tuple[str, ...] = ()) -> LoadBatch:
    """`stored`: article ids whose fingerprints and bands the batch carries too
    (commit_batch computes them for articles stored before schema 2)."""
    aids = [a["article_id"] for a in articles] + list(stored)
    return LoadBatch(run={"run_id": run, "started_at": NOW}, articles=articles, articles_new=new,
                     classifications=[_classification(a["canonical_url"]) for a in articles],
                     fingerprints=[_fingerprint(a) for a in aids], lsh_bands=[b for a in aids for b in _bands(a)],
                     done_queue=[{"canonical_url": a["canonical_url"]} for a in articles])


def _counts(conn) -> tuple:
    return tuple(conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                 for t in ("articles", "classifications", "article_fingerprints", "article_lsh_bands"))


@pytest.fixture
def conn(tmp_path):
    c = connect(tmp_path / "w.duckdb")
    yield c
    c.close()


def test_new_articles_load_with_a_plain_insert_and_one_stored_after_all_is_ignored(conn):
    load_batch(conn, _batch("r1", [_article("https://e.org/a", "first")], new=True))
    # The caller was wrong about one of them (it cannot be, under the run
    # lock; if it ever is): the batch still loads, and nothing twice.
    batch = _batch("r2", [_article("https://e.org/a", "again"), _article("https://e.org/b", "second")], new=True)
    load_batch(conn, batch)
    rows = conn.execute("SELECT canonical_url, title FROM articles ORDER BY 1").fetchall()
    assert rows == [("https://e.org/a", "first"), ("https://e.org/b", "second")]
    assert _counts(conn) == (2, 2, 2, 6)
    assert conn.execute("SELECT count(*) FROM runs").fetchone()[0] == 2  # the second batch's run row: written once


def test_bands_and_fingerprints_of_stored_articles_in_a_batch_of_new_ones_are_not_stored_twice(conn):
    load_batch(conn, _batch("r1", [_article("https://e.org/a", "first")], new=True))
    assert _counts(conn) == (1, 1, 1, 3)
    load_batch(conn, _batch("r2", [_article("https://e.org/b", "second")], new=True, stored=(article_id("https://e.org/a"),)))
    assert _counts(conn) == (2, 2, 2, 6)
    assert conn.execute("SELECT count(DISTINCT (band_key, article_id)) FROM article_lsh_bands").fetchone()[0] == 6


def test_without_the_callers_word_a_stored_article_is_ignored_as_before(conn):
    load_batch(conn, _batch("r1", [_article("https://e.org/a", "first")], new=False))
    load_batch(conn, _batch("r2", [_article("https://e.org/a", "again")], new=False))
    assert conn.execute("SELECT title FROM articles").fetchall() == [("first",)]


def test_the_commit_connection_gets_its_memory_limit(tmp_path):
    conn = connect(tmp_path / "w.duckdb", memory_limit="48MB")
    try:
        expected = duckdb.connect().execute("SET memory_limit = '48MB'").execute("SELECT current_setting('memory_limit')").fetchone()[0]
        assert conn.execute("SELECT current_setting('memory_limit')").fetchone()[0] == expected
    finally:
        conn.close()


def test_out_of_memory_under_the_limit_runs_again_without_it(tmp_path, caplog):
    conn = connect(tmp_path / "w.duckdb", memory_limit="16MB")
    try:
        bounded = conn.execute("SELECT current_setting('memory_limit')").fetchone()[0]
        # a hash aggregate of three million keys needs more than 16 MB
        distinct = lambda: conn.execute("SELECT count(DISTINCT range) FROM range(3000000)").fetchall()  # noqa: E731
        with pytest.raises(duckdb.OutOfMemoryException):
            distinct()
        with caplog.at_level(logging.WARNING, logger="warehouse.db"):
            assert unbounded_on_oom(conn, distinct) == [(3000000,)]
        assert "out of memory" in caplog.text
        assert conn.execute("SELECT current_setting('memory_limit')").fetchone()[0] != bounded
    finally:
        conn.close()


def test_release_cache_empties_duckdbs_cache_of_the_file_and_lifts_the_limit(tmp_path):
    db = tmp_path / "w.duckdb"
    conn = connect(db)
    conn.execute("CREATE TABLE t AS SELECT range AS k, md5(range::VARCHAR) AS v FROM range(1000000)")
    conn.close()  # checkpointed: t is blocks of the file now
    conn = connect(db, memory_limit="48MB")
    try:
        cached = lambda: conn.execute("SELECT coalesce(sum(memory_usage_bytes), 0) FROM duckdb_memory() WHERE tag = 'BASE_TABLE'").fetchone()[0]  # noqa: E731
        default = duckdb.connect().execute("SELECT current_setting('memory_limit')").fetchone()[0]
        assert conn.execute("SELECT sum(length(v)) FROM t").fetchone()[0] == 32000000  # reads every block of v
        assert cached() > 16 * 2**20
        release_cache(conn)
        assert cached() <= 8 * 10**6  # the 8 MB it evicts down to
        assert conn.execute("SELECT current_setting('memory_limit')").fetchone()[0] == default
    finally:
        conn.close()
