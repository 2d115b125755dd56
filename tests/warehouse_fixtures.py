"""Warehouses for the warehouse tests: one built by the real flow, one at schema v1.

Imported by the test modules (not conftest.py, which other features edit too).
"""
from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from tests.conftest import DEMO_SITES, FIXTURES, ingest_overrides
from warehouse.db import SQL_DIR



@pytest.fixture(scope="session")
def flow_warehouse(prefect_harness, tmp_path_factory) -> dict:
    """The real daily flow run against the demo corpus (else the mini fixture
    site), and the analyst snapshot it published. Session-wide: tests that
    modify it work on a copy (see copy_warehouse)."""
    from demo.server import serve_sites
    from flows.daily_ingest import daily_ingest

    tmp = tmp_path_factory.mktemp("flow-warehouse")
    root = DEMO_SITES if DEMO_SITES.is_dir() else FIXTURES / "sites"
    with serve_sites(root, base_port=0) as sites:
        summary = daily_ingest(overrides=ingest_overrides(tmp, sites))
    assert summary["status"] in ("completed", "completed_with_errors"), summary["errors"]
    db = Path(summary["database"])
    return {"db": db, "snapshot": Path(summary["snapshot"]), "summary": summary, "corpus": root.name, "tmp": tmp}


def copy_warehouse(src: Path, dst_dir: Path) -> Path:
    dst_dir.mkdir(parents=True, exist_ok=True)
    dst = dst_dir / src.name
    shutil.copyfile(src, dst)
    return dst


def make_v1_warehouse(path: Path) -> dict[str, int]:
    """A file as the first schema version left it, with rows in every table."""
    conn = duckdb.connect(str(path))
    conn.execute("CREATE TABLE schema_version (version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ)")
    conn.execute((SQL_DIR / "001_initial.sql").read_text())
    conn.execute("INSERT INTO schema_version VALUES (1, TIMESTAMPTZ '2025-11-01 00:00:00+00')")
    conn.execute("""
        INSERT INTO framings VALUES ('transactional_truce', 'Truce', '', 't', 'a', 'p', '2025', 'u', 'h1'),
                                    ('institutional_engagement', 'Engagement', '', 't', 'a', 'p', '2025', 'u', 'h2');
        INSERT INTO sources (source_id, name, feed_url, last_attempt_at, last_success_at, consecutive_failures, last_new_item_at)
            VALUES ('tt1', 'Think Tank 1', 'http://tt1/feed', now(), now(), 0, now());
        INSERT INTO runs (run_id, started_at, status, counts) VALUES ('r1', TIMESTAMPTZ '2025-11-10 06:00:00+00', 'completed', '{}');
        INSERT INTO fetch_errors VALUES ('r1', now(), 'page', 'tt1', 'http://tt1/x', 'timeout', NULL, NULL);
        INSERT INTO articles (article_id, canonical_url, url, source_id, title, published_at, text, word_count, story_id, fetched_at, run_id)
            VALUES ('a1', 'http://tt1/a1', 'http://tt1/a1', 'tt1', 'One', TIMESTAMPTZ '2025-11-03 08:00:00+00', 'x', 1, 'a1', now(), 'r1'),
                   ('a2', 'http://tt1/a2', 'http://tt1/a2', 'tt1', 'Two', TIMESTAMPTZ '2025-11-04 08:00:00+00', 'y', 1, 'a2', now(), 'r1');
        INSERT INTO classifications VALUES
            ('a1', 'lexical', '1', 'transactional_truce', 0.8, 0.9, '{}', '{}', TIMESTAMPTZ '2025-11-10 06:00:00+00', 'r1'),
            ('a2', 'lexical', '1', 'neither', 0.5, 0.9, '{}', '{}', TIMESTAMPTZ '2025-11-10 06:00:00+00', 'r1'),
            ('a1', 'lexical', '0', 'neither', 0.5, 0.9, '{}', '{}', TIMESTAMPTZ '2025-11-01 06:00:00+00', 'r0');
        INSERT INTO framing_scores VALUES ('a1', 'lexical', '1', 'transactional_truce', 0.8);
        INSERT INTO evidence VALUES ('a1', 'lexical', '1', 'transactional_truce', 1, 'art', 'ref', 0.7);
        INSERT INTO retry_queue VALUES ('http://tt1/z', 'http://tt1/z', 'tt1', 'g', 't', 'a', NULL, 1, now(), now(), 'timeout', 'pending');
    """)
    tables = [t for (t,) in conn.execute("SELECT table_name FROM duckdb_tables() WHERE NOT internal").fetchall()]
    counts = {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables}
    conn.close()
    return counts
