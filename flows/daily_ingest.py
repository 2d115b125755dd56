"""The daily ingest flow: feeds -> queued entries -> pages -> text -> framing -> DuckDB.

Readable top to bottom; the steps live in flows/ingest_steps.py (shared
with backfill), batches run through the one batch loop (flows/batch_loop.py)
and the run records itself through the one run recorder (flows/runs.py).
The warehouse is written in small transactions as the run goes: the poll's
results and the queue first, then each batch as soon as it completes. A run
holds the warehouse's run lock (flows/runlock.py) from start to end.
"""
from __future__ import annotations

from prefect import flow, get_run_logger

from alerts.flow import check_alerts
from extractors.politeness import contact_warning
from extractors.sources import load_sources
from flows import progress
from flows.batch_loop import chunked, quoted, run_batches
from flows.batches import fetch_policy, process_batch
from flows.ingest_steps import commit_batch, commit_polls, due_sources, finish_run, poll_feeds, ready_entries
from flows.run_report import publish_summary
from flows.runlock import run_lock
from flows.runs import RunRecorder
from flows.settings import Settings, load_settings
from warehouse import connect
from warehouse.load import source_states


def ingest_queue(run: RunRecorder, settings: Settings, entries: list | None = None) -> None:
    """Every ready entry of the queue, batch by batch, each committed as it completes."""
    if entries is None:
        conn = connect(settings.database_path)
        try:
            entries = ready_entries(conn)
        finally:
            conn.close()
    run.counts["entries_new"] = len(entries)
    for stage in ("pages", "extract", "classify"):
        progress.plan(stage, len(entries))

    def on_done(chunk, part) -> None:
        commit_batch(run, chunk, part)
        progress.advance("pages", len(chunk), ok=part.ledger.counts["pages_fetched"])
        progress.advance("extract", len(chunk), ok=part.ledger.counts["articles_extracted"])
        progress.advance("classify", len(chunk), ok=part.ledger.counts["articles_classified"])

    run_batches(process_batch, chunked(entries, settings.batch_size), {"settings": settings, "run_id": run.run_id}, settings, on_done)


@flow(name="daily_ingest")
def daily_ingest(overrides: dict | None = None) -> dict:
    """One ingest run. `overrides` are Settings fields, as in framewatch.toml."""
    settings = load_settings(**(overrides or {}))
    db_path = settings.database_path
    sources = load_sources(settings.sources_file)  # a bad sources file stops here, before anything is written
    with run_lock(db_path, "daily_ingest"):
        run = RunRecorder(db_path, "daily_ingest")
        # A connection per step, never held while the network or the workers
        # are busy: `framewatch status` and the like can open the file between them.
        conn = connect(db_path)
        try:
            run.start(conn)
            states = source_states(conn)
        finally:
            conn.close()
        with run.failing():
            return _ingest(run, settings, sources, states)


def _ingest(run: RunRecorder, settings: Settings, sources: list, states: dict) -> dict:
    db_path = settings.database_path
    warning = contact_warning(settings.fetch.contact)
    if warning:
        get_run_logger().warning(warning)
    progress.plan("feeds", len(sources))
    due, waiting = due_sources(sources, states)
    with run.timed("poll"):
        polls = poll_feeds(**quoted({"sources": due, "states": states, "policy": fetch_policy(settings, settings.fetch.max_feed_bytes),
                                     "stale_days": settings.fetch.stale_days, "max_entries": settings.fetch.max_entries_per_feed}))
    conn = connect(db_path)
    try:
        commit_polls(conn, run, polls, states, sources, settings, waiting)
        entries = ready_entries(conn)
        progress.advance("feeds", len(sources), ok=len(polls) - run.counts["feeds_failed"])
        if entries:
            conn.close()  # not held while the network and the workers are busy
            conn = None
            ingest_queue(run, settings, entries)
        # With nothing to fetch (every feed unchanged) the run keeps this one
        # connection to its end: two more opens were ~0.1 s of an all-304
        # run's ~0.6 s (bench/RESULTS.md, "All-304 rerun").
        alerts = check_alerts(**quoted({"db_path": db_path, "settings": settings, "conn": conn}))  # before the snapshot, so analysts see today's alerts
        summary = {**finish_run(run, settings, force_snapshot=bool(alerts.get("new")), conn=conn), "alerts": alerts}
        conn = None  # finish_run closed it
    finally:
        if conn is not None:
            conn.close()
    publish_summary(summary)
    return summary
