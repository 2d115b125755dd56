"""Warehouses for the warehouse tests: one built by the real flow, one at schema v1.

Imported by the test modules (not conftest.py, which other features edit too).
"""
from __future__ import annotations

import hashlib
import shutil
from datetime import datetime, timedelta, timezone
from pathlib import Path

import duckdb
import pytest

from tests.conftest import DEMO_SITES, FIXTURES, ingest_overrides
from warehouse.db import SQL_DIR
from warehouse.load import LoadBatch, load_batch

PLACEHOLDER_CLASSIFIER = "framewatch-placeholder"
SYNTHETIC = ("synthetic-test", "1")


@pytest.fixture(scope="session")
def flow_warehouse(prefect_harness, tmp_path_factory) -> dict:
    """The real daily flow run against the demo corpus when present (else the
    mini fixture site), then the analyst snapshot it published. Session-wide:
    tests that modify it work on a copy (see copy_warehouse)."""
    from demo.server import serve_sites
    from flows.daily_ingest import daily_ingest
    from warehouse import connect
    from warehouse.snapshot import publish_snapshot

    tmp = tmp_path_factory.mktemp("flow-warehouse")
    root = DEMO_SITES if DEMO_SITES.is_dir() else FIXTURES / "sites"
    with serve_sites(root, base_port=0) as sites:
        summary = daily_ingest(overrides=ingest_overrides(tmp, sites))
    assert summary["status"] in ("completed", "completed_with_errors"), summary["errors"]
    db = Path(summary["database"])
    conn = connect(db)
    try:
        topped_up = top_up_placeholder(conn)
    finally:
        conn.close()
    if topped_up:
        publish_snapshot(db, summary["snapshot"])
    return {"db": db, "snapshot": Path(summary["snapshot"]), "summary": summary, "corpus": root.name, "tmp": tmp}


def copy_warehouse(src: Path, dst_dir: Path) -> Path:
    dst_dir.mkdir(parents=True, exist_ok=True)
    dst = dst_dir / src.name
    shutil.copyfile(src, dst)
    return dst


def top_up_placeholder(conn: duckdb.DuckDBPyConnection) -> bool:
    """Until the real classifier lands, framing/ holds a placeholder that
    labels nothing with a framing and gives no evidence, and the mini site
    has no copies. So that every view and documented query has rows to show,
    add (through the real loader) a synthetic classifier version that labels
    on-topic articles in turn with each framing and 'mixed', with evidence,
    and one copy of an article on a second source. Only done when the
    placeholder made the classifications: the real classifier's are tested
    as they are."""
    versions = {c for (c,) in conn.execute("SELECT DISTINCT classifier FROM classifications").fetchall()}
    if versions != {PLACEHOLDER_CLASSIFIER}:
        return False
    framings = [f for (f,) in conn.execute("SELECT framing_id FROM framings ORDER BY framing_id").fetchall()]
    cycle = [*framings, "mixed"]
    arts = conn.execute(
        "SELECT a.article_id, a.text, c.label FROM articles a JOIN classifications c USING (article_id) ORDER BY a.article_id"
    ).fetchall()
    now = datetime.now(timezone.utc)
    batch = LoadBatch(run={"run_id": "synthetic", "started_at": now, "finished_at": now, "status": "completed",
                           "counts": {}, "timings": {}, "error_count": 0, "message": "test top-up"})
    key = dict(zip(("classifier", "classifier_version"), SYNTHETIC))
    on = 0
    for aid, text, label in arts:
        if label != "off_topic":
            label = cycle[on % len(cycle)]
            on += 1
        batch.classifications.append({"article_id": aid, **key, "label": label, "confidence": 0.7, "relevance": 0.9,
                                      "params": {}, "reference_hashes": {}, "classified_at": now, "run_id": "synthetic"})
        sentences = [s for s in (text or "").split(". ") if len(s.split()) > 5][:2] or ["(no sentence)"]
        for f in framings:
            score = 0.8 if label in (f, "mixed") else 0.2
            batch.framing_scores.append({"article_id": aid, **key, "framing_id": f, "score": score})
            for rank, s in enumerate(sentences, 1):
                batch.evidence.append({"article_id": aid, **key, "framing_id": f, "rank": rank, "article_sentence": s,
                                       "reference_sentence": f"reference sentence of {f}", "similarity": score - rank / 100})
    if not conn.execute("SELECT count(*) FROM story_copies WHERE copies > 1").fetchone()[0]:
        cur = conn.execute("SELECT * FROM articles WHERE story_id = article_id ORDER BY published_at LIMIT 1")
        row = dict(zip([d[0] for d in cur.description], cur.fetchone()))
        url = row["canonical_url"].replace("://", "://mirror.", 1)
        copy_id = hashlib.sha256(url.encode()).hexdigest()[:16]
        row.update(article_id=copy_id, canonical_url=url, url=url, source_id="mirror", story_id=row["article_id"],
                   published_at=row["published_at"] + timedelta(days=1), run_id="synthetic")
        batch.sources.append({"source_id": "mirror", "name": "Mirror Republisher", "site_url": None,
                              "feed_url": "http://mirror.invalid/feed.xml", "country": None, "language": "en",
                              "feed_verified": False})
        batch.articles.append(row)
        # the copy is classified too, differently: the story must still take its original's label
        orig_label = next(c["label"] for c in batch.classifications if c["article_id"] == row["story_id"])
        other = "neither" if orig_label != "neither" else "mixed"
        batch.classifications.append({**batch.classifications[0], "article_id": copy_id, "label": other})
    load_batch(conn, batch)
    return True


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
