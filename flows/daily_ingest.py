"""The daily ingest flow: feeds -> queued entries -> pages -> text -> framing -> DuckDB.

Readable top to bottom; the steps live in flows/ingest_steps.py (shared
with backfill), batches run through the one batch loop (flows/batch_loop.py)
and the run records itself through the one run recorder (flows/runs.py).
The warehouse is written in small transactions as the run goes: the poll's
results and the queue first, then each batch as soon as it completes. A run
holds the warehouse's run lock (flows/runlock.py) from start to end.
"""
from __future__ import annotations

from prefect import flow

from alerts.flow import check_alerts
from extractors.sources import load_sources
from flows import progress
from flows.batch_loop import chunked, run_batches
from flows.batches import fetch_policy, process_batch
from flows.ingest_steps import commit_batch, commit_polls, poll_feeds, publish_analyst_snapshot, read_source_states, ready_entries
from flows.run_report import publish_summary
from flows.runlock import run_lock
from flows.runs import RunRecorder
from flows.settings import Settings, load_settings


def ingest_queue(run: RunRecorder, settings: Settings) -> None:
    """Every ready entry of the queue, batch by batch, each committed as it completes."""
    entries = ready_entries(settings.database_path)
    run.counts["entries_new"] = len(entries)
    for stage in ("pages", "extract", "classify"):
        progress.plan(stage, len(entries))

    def on_done(chunk, part) -> None:
        commit_batch(run, chunk, part)
        progress.advance("pages", len(chunk), ok=part.ledger.counts["pages_fetched"])
        progress.advance("extract", len(chunk), ok=part.ledger.counts["articles_extracted"])
        progress.advance("classify", len(chunk), ok=part.ledger.counts["articles_classified"])

    run_batches(process_batch, chunked(entries, settings.batch_size), {"settings": settings, "run_id": run.run_id}, settings, on_done)


def finish_run(run: RunRecorder, settings: Settings, alerts: dict | None = None, message: str | None = None) -> dict:
    """The final runs row, then the snapshot if the warehouse changed since it was copied."""
    summary = run.finish(message)
    with run.timed("snapshot"):
        published = publish_analyst_snapshot(settings.database_path, settings.snapshot_path, force=bool((alerts or {}).get("new")))
    summary["timings"] = dict(run.ledger.timings)
    summary["counts"]["snapshot_unchanged"] = int(not published)
    summary["snapshot"] = str(settings.snapshot_path)
    return summary


@flow(name="daily_ingest")
def daily_ingest(overrides: dict | None = None) -> dict:
    """One ingest run. `overrides` are Settings fields, as in framewatch.toml."""
    settings = load_settings(**(overrides or {}))
    db_path = settings.database_path
    sources = load_sources(settings.sources_file)  # a bad sources file stops here, before anything is written
    with run_lock(db_path, "daily_ingest"):
        run = RunRecorder(db_path, "daily_ingest")
        run.start()
        with run.failing():
            return _ingest(run, settings, sources)


def _ingest(run: RunRecorder, settings: Settings, sources: list) -> dict:
    db_path = settings.database_path
    states = read_source_states(db_path)
    progress.plan("feeds", len(sources))
    with run.timed("poll"):
        polls = poll_feeds(sources, states, fetch_policy(settings, settings.fetch.max_feed_bytes), settings.fetch.max_entries_per_feed)
    commit_polls(run, polls, states, sources, settings)
    progress.advance("feeds", len(sources), ok=len(polls) - run.counts["feeds_failed"])
    ingest_queue(run, settings)
    alerts = check_alerts(db_path, settings)  # before the snapshot, so analysts see today's alerts
    summary = {**finish_run(run, settings, alerts), "alerts": alerts}
    publish_summary(summary)
    return summary
