"""Alerts (issue 7): detection on a synthetic warehouse, delivery to a local
webhook receiver, retry without duplicates, source health, the CLI.

The warehouse is written by the real loader (warehouse/load.py) and the
alerts by the real code; only the corpus is synthetic: 16 weeks from
2025-09-01 with ~6 on-topic stories a week and a planted shift halfway
(transactional_truce 25% -> 55%, institutional_engagement 45% -> 20%),
like the demo corpus.
"""
from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone

import duckdb
import numpy as np
import pytest

from alerts.flow import run_check
from alerts.receiver import webhook_receiver
from flows.settings import load_settings
from warehouse import connect
from warehouse.load import LoadBatch, load_batch

A, B = "transactional_truce", "institutional_engagement"
START = date(2025, 9, 1)


def _labels_for_week(w: int) -> list[str]:
    """Six stories a week from a fixed 12-label cycle, so the test is exact:
    weeks 0-7 A 25%, B 50%; from week 8 (2025-10-27) A 58%, B 25%; the
    rest 'mixed'/'neither' (on-topic, no framing)."""
    before = [A, B, B, "mixed", A, B, "neither", B, A, B, "mixed", B]  # A 3/12, B 6/12
    after = [A, A, B, A, "neither", A, A, B, A, "mixed", A, B]          # A 7/12, B 3/12
    cycle = before if w < 8 else after
    return [cycle[(w * 6 + i) % 12] for i in range(6)]


def build_warehouse(db, weeks: int = 16, sources=("thinka", "thinkb"), labels_for_week=_labels_for_week,
                    copies: int = 1) -> None:
    """A warehouse shaped like the demo's, loaded through LoadBatch."""
    conn = connect(db)
    try:
        now = datetime(2025, 12, 22, tzinfo=timezone.utc)
        b = LoadBatch(run={"run_id": "synthetic", "started_at": now, "finished_at": now, "status": "completed"})
        b.framings = [{"framing_id": f, "name": f, "description": None, "title": None, "author": None, "publisher": None,
                       "published": None, "url": None, "sha256": None} for f in (A, B)]
        b.sources = [{"source_id": s, "name": s, "site_url": None, "feed_url": f"http://{s}.example/feed", "country": None,
                      "language": "en", "feed_verified": True} for s in sources]
        for w in range(weeks):
            for i, label in enumerate(labels_for_week(w)):
                day = START + timedelta(days=7 * w + i % 5)  # weekdays
                story = f"s{w:02d}{i}"
                for c in range(copies):  # copies of one commentary count once
                    aid = f"{story}c{c}"
                    at = datetime(day.year, day.month, day.day, 9 + c, tzinfo=timezone.utc)
                    b.articles.append({"article_id": aid, "canonical_url": f"https://x.example/{aid}", "url": f"https://x.example/{aid}",
                                       "source_id": sources[(i + c) % len(sources)], "title": f"Commentary {story}",
                                       "published_at": at, "fetched_at": now, "story_id": story})
                    b.classifications.append({"article_id": aid, "classifier": "test", "classifier_version": "1", "label": label,
                                              "confidence": 0.5 + 0.01 * i, "classified_at": now})
                    if label in (A, B):
                        b.evidence.append({"article_id": aid, "classifier": "test", "classifier_version": "1", "framing_id": label,
                                           "rank": 1, "article_sentence": f"Evidence sentence of {story} for {label}.",
                                           "reference_sentence": "Reference.", "similarity": 0.4})
        load_batch(conn, b)
        # a story off-topic and an old classifier version must not count
        conn.execute("INSERT INTO classifications (article_id, classifier, classifier_version, label, classified_at) "
                     "SELECT article_id, classifier, '0', 'off_topic', classified_at - INTERVAL 1 DAY FROM classifications")
    finally:
        conn.close()


def demo_settings(tmp_path, urls=(), **alerts):
    return load_settings(data_dir=str(tmp_path / "data"), alert_urls=list(urls),
                         alerts={"min_baseline_stories": 30, **alerts})


def _alerts(db, where="true"):
    with duckdb.connect(str(db), read_only=True) as c:
        cur = c.execute(f"SELECT * FROM alerts WHERE {where} ORDER BY detected_at")
        cols = [d[0] for d in cur.description]
        return [dict(zip(cols, r)) for r in cur.fetchall()]


@pytest.fixture
def demo_like(tmp_path):
    db = tmp_path / "data" / "framewatch.duckdb"
    build_warehouse(db)
    return db


NOW = datetime(2025, 12, 22, 12, tzinfo=timezone.utc)


def test_planted_shift_gives_exactly_one_alert_with_evidence_and_never_again(tmp_path, demo_like):
    s = demo_settings(tmp_path)
    first = run_check(demo_like, s, now=NOW)
    assert first["granularity"] == "weekly"  # ~6 stories a week: the low-volume fallback
    shifts = _alerts(demo_like, "kind = 'framing_shift'")
    assert len(shifts) == 1, [a["summary"] for a in shifts]
    a = shifts[0]
    assert a["framing_id"] in (A, B)
    assert a["direction"] == ("up" if a["framing_id"] == A else "down")
    assert a["window_start"].date() >= date(2025, 10, 13)  # not before the planted shift (week 8 starts 10-27) minus 2 weeks
    assert a["window_end"].date() >= date(2025, 10, 27)
    assert a["magnitude"] > 0.2 and a["status"] == "new"
    stories = json.loads(a["stories"])
    assert stories and all(st["evidence"] for st in stories if st["label"] in (A, B))
    details = json.loads(a["details"])
    assert details["statistic"] >= details["threshold"]
    # second run, and one with late re-detection: nothing new
    second = run_check(demo_like, s, now=NOW)
    assert second["new"] == 0
    assert len(_alerts(demo_like, "kind = 'framing_shift'")) == 1


def test_short_baseline_says_why_no_alert_is_possible(tmp_path, demo_like):
    summary = run_check(demo_like, load_settings(data_dir=str(tmp_path / "data")), now=NOW)  # default: 150 stories
    assert summary["new"] == 0
    assert "needs 150" in summary["blocked_reason"] and "more weeks" in summary["blocked_reason"]


def test_copies_count_once(tmp_path):
    db = tmp_path / "data" / "framewatch.duckdb"
    build_warehouse(db, copies=3)
    from alerts.detect import daily_counts

    with duckdb.connect(str(db)) as c:
        counts = daily_counts(c)
    assert counts.n.sum() == 16 * 6


def test_no_shift_no_alert(tmp_path):
    db = tmp_path / "data" / "framewatch.duckdb"
    build_warehouse(db, labels_for_week=lambda w: _labels_for_week(0 if w % 2 else 1))
    assert run_check(db, demo_settings(tmp_path), now=NOW)["new"] == 0


def test_delivery_to_local_webhook_once(tmp_path, demo_like):
    with webhook_receiver() as rx:
        s = demo_settings(tmp_path, urls=[rx.url])
        first = run_check(demo_like, s, now=NOW)
        assert first["delivered"] == 1 and first["failed"] == 0
        assert len(rx.received) == 1
        msg = rx.received[0]
        assert "Framing shift" in msg["title"] and "Stories that drove it" in msg["message"]
        assert _alerts(demo_like)[0]["status"] == "sent"
        second = run_check(demo_like, s, now=NOW)
        assert second["new"] == 0 and second["delivered"] == 0
        assert len(rx.received) == 1


def test_delivery_through_the_callers_connection_is_recorded_on_it_and_leaves_it_open(tmp_path, demo_like):
    from warehouse import connect

    with webhook_receiver() as rx:
        conn = connect(demo_like)
        try:
            first = run_check(demo_like, demo_settings(tmp_path, urls=[rx.url]), now=NOW, conn=conn)
            assert first["delivered"] == 1 and len(rx.received) == 1
            assert conn.execute("SELECT status FROM alerts").fetchall() == [("sent",)]  # still open, delivery recorded
        finally:
            conn.close()
    assert _alerts(demo_like)[0]["status"] == "sent"  # committed, not only visible to that connection


def test_failed_delivery_is_recorded_retried_and_not_duplicated(tmp_path, demo_like, caplog):
    caplog.set_level("DEBUG")
    with webhook_receiver() as good, webhook_receiver() as flaky:
        flaky.status = 500
        secret_url = flaky.url + "?token=s3cr3tTOKENvalue"
        s = demo_settings(tmp_path, urls=[good.url, secret_url])
        first = run_check(demo_like, s, now=NOW)
        assert first["failed"] == 1 and first["delivered"] == 0
        a = _alerts(demo_like)[0]
        assert a["status"] == "new" and a["delivery_attempts"] == 1
        assert "target 2 (json)" in a["last_delivery_error"]
        assert "s3cr3tTOKENvalue" not in a["last_delivery_error"] and "s3cr3t" not in " ".join(first["errors"])
        assert len(good.received) == 1 and flaky.received == []

        flaky.status = 200  # the endpoint comes back
        second = run_check(demo_like, s, now=NOW)
        assert second["delivered"] == 1
        assert len(flaky.received) == 1
        assert len(good.received) == 1  # the healthy target did not get it twice
        a = _alerts(demo_like)[0]
        assert a["status"] == "sent" and a["delivery_attempts"] == 2 and a["sent_at"] is not None

        third = run_check(demo_like, s, now=NOW)
        assert third["delivered"] == 0 and len(flaky.received) == 1 and len(good.received) == 1
    assert "delivery to target 2 (json) failed" in caplog.text
    assert "s3cr3tTOKENvalue" not in caplog.text


def test_closed_port_counts_as_failed(tmp_path, demo_like):
    s = demo_settings(tmp_path, urls=["json://127.0.0.1:9/alerts"])
    summary = run_check(demo_like, s, now=NOW)
    assert summary["failed"] == 1
    assert _alerts(demo_like)[0]["status"] == "new"


def test_source_failing_and_silent_alert_once(tmp_path, demo_like):
    conn = connect(demo_like)
    try:
        conn.execute("UPDATE sources SET consecutive_failures = 6, last_success_at = TIMESTAMPTZ '2025-12-01 06:00:00+00', "
                     "last_error = 'timeout: read timed out' WHERE source_id = 'thinka'")
        conn.execute("UPDATE sources SET consecutive_failures = 0, last_new_item_at = TIMESTAMPTZ '2025-12-19 06:00:00+00' "
                     "WHERE source_id = 'thinkb'")
    finally:
        conn.close()
    s = demo_settings(tmp_path)
    run_check(demo_like, s, now=NOW)
    assert [a["source_id"] for a in _alerts(demo_like, "kind = 'source_failing'")] == ["thinka"]
    assert _alerts(demo_like, "kind = 'source_silent'") == []  # thinkb published 3 days ago: usual
    later = NOW + timedelta(days=30)
    run_check(demo_like, s, now=later)
    run_check(demo_like, s, now=later + timedelta(days=1))
    assert [a["source_id"] for a in _alerts(demo_like, "kind = 'source_silent'")] == ["thinkb"]
    assert len(_alerts(demo_like, "kind = 'source_failing'")) == 1


def test_cli_lists_and_acknowledges(tmp_path, demo_like):
    from typer.testing import CliRunner

    from cli.app import app

    run_check(demo_like, demo_settings(tmp_path), now=NOW)
    a = _alerts(demo_like)[0]
    runner = CliRunner()
    out = runner.invoke(app, ["alerts", "-d", str(demo_like.parent)])
    assert out.exit_code == 0, out.output
    assert a["alert_id"] in out.output and "Evidence" in out.output
    out = runner.invoke(app, ["alerts", "ack", a["alert_id"], "-d", str(demo_like.parent)])
    assert out.exit_code == 0, out.output
    assert _alerts(demo_like)[0]["status"] == "acknowledged"
    out = runner.invoke(app, ["alerts", "ack", "nosuchid", "-d", str(demo_like.parent)])
    assert out.exit_code == 2


def test_small_benchmark_delay_and_false_alarms():
    """A few series of the benchmark (bench/bench_alerts.py) at 8 stories a weekday."""
    from bench.bench_alerts import delays, false_alarms_per_year

    d = delays(0.30, 0.55, series=40, seed=11)
    assert np.median(d) <= 7
    assert false_alarms_per_year(series=12, years=3, seed=12) <= 2.0  # 36 series-years: loose bound for noise


def test_check_alerts_task_emits_one_prefect_event_and_an_artifact(tmp_path, demo_like, prefect_harness, monkeypatch):
    from prefect import flow
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey
    from prefect.events.clients import AssertingEventsClient
    from prefect.events.worker import EventsWorker

    from alerts.flow import check_alerts

    # Prefect's own recording events client (prefect.testing's asserting_events_worker pattern)
    worker = EventsWorker.instance(AssertingEventsClient)
    monkeypatch.setattr(EventsWorker, "instance", lambda *_: worker)

    @flow
    def ingest_then_alert():
        return check_alerts(demo_like, demo_settings(tmp_path))

    first = ingest_then_alert()
    # the synthetic sources last published in 2025, so (real clock) they are also reported silent
    assert sum(a.split(" ", 1)[1].startswith("Framing shift") for a in first["new_alerts"]) == 1
    assert ingest_then_alert()["new"] == 0
    worker.drain()
    shifted = [e for e in worker._client.events if e.event == "framewatch.framing.shifted"]
    assert len(shifted) == 1
    assert shifted[0].resource.id in (f"framewatch.framing.{A}", f"framewatch.framing.{B}")
    assert shifted[0].payload["alert_id"] == _alerts(demo_like, "kind = 'framing_shift'")[0]["alert_id"]
    with get_client(sync_client=True) as client:
        arts = client.read_artifacts(artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=["framewatch-alerts"])))
    # Each run publishes one under this key (the second says nothing new); the
    # API's order among equal keys is not defined, so look at all of them.
    assert any("Framing shift" in a.data for a in arts), [a.data[:80] for a in arts]


def test_late_articles_that_move_the_detection_do_not_alert_again(tmp_path, demo_like):
    s = demo_settings(tmp_path)
    run_check(demo_like, s, now=NOW)
    before = _alerts(demo_like, "kind = 'framing_shift'")
    # late-arriving commentaries dated in the shift's first weeks change the
    # CUSUM path (earlier detection, another window) but not the news
    conn = connect(demo_like)
    try:
        b = LoadBatch(run={"run_id": "late", "started_at": NOW, "finished_at": NOW, "status": "completed"})
        for w in (8, 9):
            for i in range(4):
                aid = f"late{w}{i}"
                at = datetime.combine(START + timedelta(days=7 * w + i), datetime.min.time(), timezone.utc)
                b.articles.append({"article_id": aid, "canonical_url": f"https://x.example/{aid}", "url": f"https://x.example/{aid}",
                                   "source_id": "thinka", "title": aid, "published_at": at, "fetched_at": NOW, "story_id": aid})
                b.classifications.append({"article_id": aid, "classifier": "test", "classifier_version": "1", "label": A,
                                          "confidence": 0.9, "classified_at": NOW})
        load_batch(conn, b)
    finally:
        conn.close()
    again = run_check(demo_like, s, now=NOW)
    assert again["new"] == 0
    assert [a["alert_id"] for a in _alerts(demo_like, "kind = 'framing_shift'")] == [a["alert_id"] for a in before]


def test_a_shift_seen_again_with_another_start_is_a_repeat():
    from alerts.detect import is_repeat

    end = datetime(2025, 11, 16, tzinfo=timezone.utc)
    existing = [("abc", A, "up", end - timedelta(days=21), end)]
    assert is_repeat({"window_end": end - timedelta(days=14)}, existing, cooldown_days=28)
    assert not is_repeat({"window_end": end + timedelta(days=35)}, existing, cooldown_days=28)
