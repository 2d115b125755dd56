"""The analyst views on a warehouse the real flow built (plus synthetic rows
where the mini site leaves gaps)."""
from __future__ import annotations

from datetime import timedelta

import pytest

from tests.warehouse_fixtures import copy_warehouse, flow_warehouse  # noqa: F401  (fixture)
from warehouse import connect

pytestmark = pytest.mark.usefixtures("prefect_harness")


@pytest.fixture
def conn(flow_warehouse):  # noqa: F811
    c = connect(flow_warehouse["snapshot"], read_only=True)
    yield c
    c.close()


def one(conn, sql, params=None):
    return conn.execute(sql, params or []).fetchone()[0]


def test_views_count_stories_not_copies(conn):
    stories = one(conn, "SELECT count(DISTINCT story_id) FROM latest_classifications")
    assert one(conn, "SELECT count(*) FROM latest_classifications") > stories  # a copy exists
    assert one(conn, "SELECT count(*) FROM story_framings") == stories
    on_topic = one(conn, "SELECT count(*) FROM story_framings WHERE on_topic")
    assert one(conn, "SELECT sum(stories) FROM framing_weekly") == on_topic
    assert one(conn, "SELECT sum(stories) FROM framing_daily") == on_topic


def test_a_story_is_dated_by_its_earliest_copy_and_labelled_by_its_original(conn):
    rows = conn.execute("""
        SELECT s.dated_at, s.article_id, s.story_id,
               (SELECT min(coalesce(published_at, fetched_at)) FROM story_copies c WHERE c.story_id = s.story_id)
        FROM story_framings s WHERE s.copies > 1""").fetchall()
    assert rows
    for dated_at, article_id, story_id, earliest in rows:
        assert dated_at == earliest
        assert article_id == story_id
        orig_label = one(conn, "SELECT label FROM latest_classifications WHERE article_id = ?", [story_id])
        assert one(conn, "SELECT label FROM story_framings WHERE story_id = ?", [story_id]) == orig_label


def test_shares_are_normalised_by_the_on_topic_total(conn):
    for view, period in (("framing_weekly", "week"), ("framing_daily", "day")):
        sums = conn.execute(f"SELECT {period}, sum(share), sum(stories), any_value(on_topic_stories) FROM {view} GROUP BY 1").fetchall()
        assert sums
        for _p, share, stories, on_topic in sums:
            assert share == pytest.approx(1.0)
            assert stories == on_topic
    # every on-topic label has a row each week, even at zero
    labels = one(conn, "SELECT count(*) FROM framing_labels")
    assert conn.execute("SELECT DISTINCT count(*) FROM framing_weekly GROUP BY week").fetchall() == [(labels,)]


def test_framing_by_source_adds_up_to_framing_weekly(conn):
    diff = conn.execute("""
        SELECT w.week, w.label, w.stories, s.stories FROM framing_weekly w
        JOIN (SELECT week, label, sum(stories) AS stories FROM framing_by_source GROUP BY ALL) s USING (week, label)
        WHERE w.stories <> s.stories""").fetchall()
    assert diff == []
    assert one(conn, "SELECT count(*) FROM framing_by_source WHERE source_name IS NULL") == 0


def test_only_the_current_classifier_version_is_reported(conn):
    cur = conn.execute("SELECT classifier, classifier_version FROM current_classifier").fetchall()
    assert len(cur) == 1
    assert conn.execute("SELECT DISTINCT classifier, classifier_version FROM latest_classifications").fetchall() == cur
    assert set(conn.execute("SELECT DISTINCT classifier_version FROM article_evidence").fetchall()) <= {cur[0][1:]}
    # older versions' rows are kept, just not reported
    assert one(conn, "SELECT count(*) FROM classifications") >= one(conn, "SELECT count(*) FROM latest_classifications")


def test_macros_agree_with_the_views(conn):
    lo, hi = conn.execute("SELECT min(story_date), max(story_date) FROM story_framings").fetchone()
    share = dict(conn.execute("SELECT label, stories FROM framing_share(?, ?)", [lo, hi]).fetchall())
    weekly = dict(conn.execute("SELECT label, sum(stories) FROM framing_weekly GROUP BY label").fetchall())
    assert share == weekly
    by_source = one(conn, "SELECT sum(stories) FROM framing_share_by_source(?, ?)", [lo, hi])
    assert by_source == sum(weekly.values())
    framing = one(conn, "SELECT label FROM story_framings WHERE label IN (SELECT framing_id FROM framings) LIMIT 1")
    ev = conn.execute("SELECT similarity, label FROM top_evidence(?, ?, ?, n := 3)", [framing, lo, hi]).fetchall()
    assert 0 < len(ev) <= 3
    assert [s for s, _ in ev] == sorted((s for s, _ in ev), reverse=True)
    assert {lbl for _, lbl in ev} <= {framing, "mixed"}
    assert one(conn, "SELECT share_of(1, 4)") == 0.25 and one(conn, "SELECT share_of(1, 0)") is None


def test_source_health_flags_silent_and_failing_sources(flow_warehouse, tmp_path):  # noqa: F811
    db = copy_warehouse(flow_warehouse["db"], tmp_path)
    c = connect(db)
    try:
        sources = c.execute("SELECT source_id FROM sources ORDER BY source_id").fetchall()
        assert one(c, "SELECT count(*) FROM source_health") == len(sources)
        polled = one(c, "SELECT source_id FROM sources WHERE last_attempt_at IS NOT NULL ORDER BY source_id LIMIT 1")
        assert one(c, "SELECT status FROM source_health WHERE source_id = ?", [polled]) == "ok"
        # silent: nothing new for silence_factor x its usual gap (and min_silence_days), as of a later time
        limit = one(c, "SELECT silence_limit_days FROM source_health WHERE source_id = ?", [polled])
        last = one(c, "SELECT last_item_at FROM source_health WHERE source_id = ?", [polled])
        assert limit is not None and limit >= 7.0
        at = last + timedelta(days=limit + 1)
        assert one(c, "SELECT status FROM source_health_at(?) WHERE source_id = ?", [at, polled]) == "silent"
        assert one(c, "SELECT status FROM source_health_at(?) WHERE source_id = ?", [last + timedelta(days=limit - 1), polled]) == "ok"
        c.execute("UPDATE sources SET consecutive_failures = 5 WHERE source_id = ?", [polled])
        assert one(c, "SELECT status FROM source_health WHERE source_id = ?", [polled]) == "failing"
    finally:
        c.close()
