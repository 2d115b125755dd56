"""Stories end to end: a commentary republished on a second site is one
story with two copies; trend counts see it once; a copy found later that
was published earlier becomes the original; raw pages are kept."""
from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path

import duckdb
import pytest

from demo.server import serve_sites
from flows.daily_ingest import daily_ingest
from tests.conftest import FIXTURES, ingest_overrides
pytestmark = pytest.mark.usefixtures("prefect_harness")


@pytest.fixture
def two_sites():
    """The mini site and a partner site that republishes one of its commentaries."""
    with ExitStack() as stack:
        mini = stack.enter_context(serve_sites(FIXTURES / "sites", base_port=0))
        partner = stack.enter_context(serve_sites(FIXTURES / "syndication", base_port=0))
        yield mini + partner


REPUBLISHED = "SELECT story_id, title, copies, sources FROM stories WHERE copies > 1 ORDER BY copies DESC, dated_at"


def _rows(db: str, sql: str, params=None) -> list[tuple]:
    with duckdb.connect(db, read_only=True) as conn:
        return conn.execute(sql, params or []).fetchall()


def test_republished_commentary_is_one_story_with_two_copies(tmp_path, two_sites):
    summary = daily_ingest(overrides=ingest_overrides(tmp_path, two_sites))
    db = summary["database"]
    assert summary["status"] == "completed", summary["errors"]
    assert summary["counts"]["articles_loaded"] == 5
    assert _rows(db, "SELECT count(*) FROM stories")[0][0] == 4
    [(story_id, title, copies, sources)] = _rows(db, REPUBLISHED)
    assert (title, copies, sources) == ("A Truce, Not a Transition", 2, 2)
    copies = _rows(db, "SELECT c.source_id, c.is_original, a.dedup_reason FROM story_copies c JOIN articles a USING (article_id) "
                       "WHERE c.story_id = ? ORDER BY c.is_original DESC", [story_id])
    assert copies == [("mini", True, None), ("partner", False, "near")]
    # the trend counts the story once, in the week of the original
    weeks = dict(_rows(db, "SELECT date_trunc('week', dated_at), count(*) FROM stories GROUP BY ALL"))
    assert sum(weeks.values()) == 4
    assert _rows(db, "SELECT count(DISTINCT story_id) FROM articles")[0][0] == 4
    # one definition: the labelled stories are exactly the stories
    assert _rows(db, "SELECT count(*) FROM story_framings")[0][0] == 4
    assert _rows(db, "SELECT count(*) FROM story_framings JOIN stories USING (story_id, dated_at, copies)")[0][0] == 4
    # raw pages kept, one per fetched page, addressed by the hash on the article row
    raw = Path(tmp_path / "data" / "raw")
    for (sha,) in _rows(db, "SELECT raw_sha256 FROM articles"):
        assert (raw / sha[:2] / sha[2:4] / f"{sha}.html.gz").is_file()
    assert _rows(db, "SELECT count(*) FROM articles WHERE language = 'en' AND language_method = 'py3langid'")[0][0] == 5


def test_earlier_copy_found_later_becomes_the_original(tmp_path):
    # run 1 sees only the partner's copy (6 Nov); run 2 also the mini original (3 Nov)
    with serve_sites(FIXTURES / "syndication", base_port=0) as partner:
        first = daily_ingest(overrides=ingest_overrides(tmp_path, partner))
        db = first["database"]
        [(copy_id, copy_story)] = _rows(db, "SELECT article_id, story_id FROM articles WHERE title LIKE 'Busan%'")
        assert copy_id == copy_story
        with serve_sites(FIXTURES / "sites", base_port=0) as mini:
            second = daily_ingest(overrides=ingest_overrides(tmp_path, partner + mini))
    assert second["status"] == "completed", second["errors"]
    assert second["counts"]["stories_repointed"] == 1
    [(orig_id,)] = _rows(db, "SELECT article_id FROM articles WHERE title = 'A Truce, Not a Transition'")
    assert _rows(db, "SELECT story_id FROM articles WHERE article_id = ?", [copy_id]) == [(orig_id,)]
    assert _rows(db, "SELECT story_id, copies FROM stories WHERE story_id IN (?, ?)", [orig_id, copy_id]) == [(orig_id, 2)]
    assert _rows(db, "SELECT count(*) FROM stories")[0][0] == 4


def test_demo_republished_commentary_counts_once(tmp_path, demo_sites):
    summary = daily_ingest(overrides=ingest_overrides(tmp_path, demo_sites))
    db = summary["database"]
    multi = _rows(db, REPUBLISHED)
    assert multi, "the demo corpus has a republished commentary"
    assert any(copies == 2 and sources == 2 for *_, copies, sources in multi)
    n_articles = _rows(db, "SELECT count(*) FROM articles")[0][0]
    n_stories = _rows(db, "SELECT count(*) FROM stories")[0][0]
    assert n_stories == n_articles - sum(c - 1 for *_, c, _s in multi)
