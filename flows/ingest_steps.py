"""The ingest steps every flow that loads articles shares (daily_ingest, backfill).

    poll_feeds -> commit_polls: validators, health and new entries committed
                  together, the entries as pending work in `ingest_queue`
    ready_entries: the queue (this run's entries and any an interrupted run left)
    process_batch (flows/batches.py) on the task runner, then per batch, as it
    completes, commit_batch: articles, classifications, evidence, errors,
                  retries and stories in one transaction that also removes the
                  batch's entries from the queue and updates the runs row
    publish_if_changed: the analyst snapshot, whenever the warehouse changed

Nothing here holds a run's articles: memory is proportional to the batches
in flight. A run killed anywhere loses at most the batches in flight, which
are still queued for the next run.
"""
from __future__ import annotations

from pathlib import Path

from prefect import task
from prefect.cache_policies import NO_CACHE

from extractors.dedup import FINGERPRINT_VERSION, assign_stories, fingerprint_from_row
from extractors.feed_health import is_flagged, poll_due, policy_row
from extractors.feeds import FeedEntry
from extractors.http import FetchPolicy, Fetcher
from extractors.poll import SourcePoll, discover_many, poll_state
from extractors.prefilter import prefilter
from extractors.sources import Source
from extractors.urls import canonical_url
from flows.batches import BatchResult, NewEntry
from flows.ledger import RunLedger, utcnow
from flows.page_work import reference_framings
from flows.runs import RunRecorder
from flows.settings import Settings
from warehouse import connect, query
from warehouse.db import release_cache, transaction, unbounded_on_oom
from warehouse.load import dedup_candidates, known_urls
from warehouse.rows import article_row, classification_rows, framing_row, source_row, story_rows
from warehouse.snapshot import publish_if_changed, snapshot_is_current

READ_MEMORY_LIMIT = "48MB"  # DuckDB's, for a batch commit's reads: see commit_batch


@task(name="poll_feeds", cache_policy=NO_CACHE)
def poll_feeds(sources: list[Source], states: dict[str, dict], policy: FetchPolicy, stale_days: int,
               max_entries: int) -> list[SourcePoll]:
    """Each due source by its discovery method (feed, sitemap, wp-json): extractors/poll.py."""
    with Fetcher(policy) as fetcher:
        return discover_many(fetcher, sources, states, utcnow(), stale_days, policy.max_hosts_in_parallel, max_entries)


def due_sources(sources: list[Source], states: dict[str, dict]) -> tuple[list[Source], list[tuple[Source, str]]]:
    """Sources to poll now, and those waiting: one that keeps answering 403 or
    HTML waits longer each time (feed_health.poll_due); disabled ones are not polled."""
    now, due, waiting = utcnow(), [], []
    for s in sources:
        st = states.get(s.id) or {}
        ok, why = poll_due(st, now)
        if ok:
            due.append(s)
        elif not st.get("disabled"):
            waiting.append((s, why))
    return due, waiting


def _skip(run_id: str, stage: str, source_id: str | None, url: str | None, reason: str, detail: str | None) -> dict:
    """A decision, not a failure (a back-off, a prefilter skip, an edit): a
    fetch_errors row with its reason that leaves the run 'completed'."""
    return {"run_id": run_id, "occurred_at": utcnow(), "stage": stage, "source_id": source_id, "url": url,
            "reason": reason, "detail": (detail or "")[:1000] or None, "http_status": None}


def _note(run_id: str, source_id: str | None, url: str | None, reason: str, detail: str | None = None) -> dict:
    return {"run_id": run_id, "noted_at": utcnow(), "source_id": source_id, "url": (url or "")[:2048] or None,
            "reason": reason, "detail": detail}


def _queue_row(run_id: str, source_id: str, e: FeedEntry, deferred: bool) -> dict:
    return {"canonical_url": canonical_url(e.url), "url": e.url, "source_id": source_id, "feed_guid": e.guid,
            "feed_title": e.title, "feed_author": e.author, "feed_published": e.published, "date_note": e.date_note,
            "queued_at": utcnow(), "queued_by_run": run_id, "deferred": deferred}


def queue_rows(run: RunRecorder, entries: list[NewEntry]) -> list[dict]:
    """Queue rows for entries found another way (backfill)."""
    return [{**_queue_row(run.run_id, n.source_id, n.entry, False), "canonical_url": n.url} for n in entries]


def commit_polls(conn, run: RunRecorder, polls: list[SourcePoll], states: dict[str, dict], sources: list[Source],
                 settings: Settings, waiting: list[tuple[Source, str]] = ()) -> None:
    """One transaction: feeds' validators and health, feed failures, entry
    notes, skips and the new entries as pending work. Entries beyond a feed's
    cap are queued deferred (for the next run), never dropped; entries of
    general outlets the topic prefilter rejects are recorded, not queued."""
    ledger = RunLedger(run_id=run.run_id)
    b = ledger.batch
    c = ledger.counts
    c["feeds_polled"] += len(polls)
    for s, why in waiting:
        c["feeds_backed_off"] += 1
        b.skips.append(_skip(run.run_id, "feed", s.id, s.endpoint, "poll_backed_off", why))
    by_id = {s.id: s for s in sources}
    for p in polls:
        c["entries_seen"] += len(p.entries) + len(p.overflow)
        if p.result.not_modified or p.unchanged_body:
            c["feeds_not_modified"] += 1
        c["feeds_conditional"] += p.result.conditional
        c["feeds_304"] += p.result.not_modified
        if p.edited_from:  # the operator's edit of the sources file wins (feed_health.effective_url)
            b.skips.append(_skip(run.run_id, "feed", p.source.id, p.result.url, "feed_url_edited", f"{p.edited_from} -> {p.result.url}"))
        for url, reason, detail in p.skipped:  # entries a sitemap listed but we will not fetch
            b.skips.append(_skip(run.run_id, "discovery", p.source.id, url, reason, detail))
        if p.result.permanent_redirect and p.result.ok:  # the stored URL moves (feed_health)
            ledger.error("feed", p.source.id, p.result.url, "moved_permanently",
                         f"{p.result.url} -> {p.result.permanent_redirect}", p.result.redirects[0][0])
        if not p.result.ok:
            c["feeds_failed"] += 1
            ledger.error("feed", p.source.id, p.result.url, p.result.error, p.result.error_detail, p.result.status)
        for reason, what in p.entry_skips:
            b.entry_notes.append(_note(run.run_id, p.source.id, what, reason))
            c["entries_skipped"] += 1
        for e in p.overflow:
            b.entry_notes.append(_note(run.run_id, p.source.id, e.url, "over_feed_cap",
                                       f"beyond fetch.max_entries_per_feed = {settings.fetch.max_entries_per_feed}; queued for the next run"))
            c["entries_deferred"] += 1
        for e in p.entries + p.overflow:
            if e.date_note:
                b.entry_notes.append(_note(run.run_id, p.source.id, e.url, e.date_note, "feed date not trusted; entry kept without it"))
                c["dates_distrusted"] += 1
        src = by_id.get(p.source.id)
        for deferred, entries in ((False, p.entries), (True, p.overflow)):
            for e in entries:
                ok, why = prefilter(e.title, e.summary) if src is not None and src.is_general else (True, None)
                if ok:
                    b.queue.append(_queue_row(run.run_id, p.source.id, e, deferred))
                else:
                    c["prefilter_skipped"] += 1
                    b.skips.append(_skip(run.run_id, "prefilter", p.source.id, e.url, "prefilter_off_topic", why))
    run.feeds_all_failed = bool(polls) and c["feeds_failed"] == len(polls)
    with transaction(conn, change=False):
        conn.execute(query("release_deferred"), [run.run_id])
        conn.execute(query("enqueue_due_retries"), [run.run_id])
    [(c["retries_due"], c["entries_resumed"])] = conn.execute(query("queue_carried_over"), [run.run_id]).fetchall()
    known = known_urls(conn, [q["canonical_url"] for q in b.queue])
    queued = {u for (u,) in conn.execute(query("queued_urls")).fetchall()}
    new_by_source: dict[str, int] = {}
    fresh = []
    for q in b.queue:
        if q["canonical_url"] in known:
            continue
        fresh.append(q)
        if q["canonical_url"] not in queued:
            new_by_source[q["source_id"]] = new_by_source.get(q["source_id"], 0) + 1
    b.queue = list({q["canonical_url"]: q for q in fresh}.values())  # one row per URL (two feeds may list it)
    now = utcnow()
    b.source_health = [{"source_id": p.source.id, **poll_state(states.get(p.source.id) or {}, p, new_by_source.get(p.source.id, 0), now)}
                       for p in polls]
    threshold = settings.alerts.failure_threshold or settings.fetch.failure_threshold  # the view's, via health_policy
    b.health_policy = [policy_row(threshold, settings.alerts.silence_factor, settings.alerts.min_silence_days,
                                  settings.fetch.stale_days, now)]
    c["feeds_flagged"] = sum(is_flagged(h, threshold) for h in b.source_health)
    b.sources = [source_row(s) for s in sources]
    b.framings = [framing_row(r) for r in reference_framings(settings)]
    run.add(ledger)
    run.commit(b, conn)


def ready_entries(conn) -> list[NewEntry]:
    """Every queued entry that is this run's work, oldest first."""
    rows = conn.execute(query("ready_queue")).fetchall()
    return [NewEntry(src, FeedEntry(url, guid, title, author, published, None, date_note=date_note), curl)
            for curl, url, src, guid, title, author, published, date_note in rows]


def commit_batch(run: RunRecorder, chunk: list[NewEntry], result: BatchResult) -> dict[str, int]:
    """Load one completed batch in its own transaction, stories assigned
    against everything already loaded; its entries leave the queue."""
    b = result.ledger.batch
    b.done_queue = [{"canonical_url": n.url} for n in chunk]
    # One DuckDB thread: the cores belong to the extraction workers while
    # batches commit, and each thread of DuckDB's keeps buffers of its own:
    # a 200-article commit on a copy of a 3,000-article warehouse peaked
    # 7-11 MB lower with one than with two (bench/RESULTS.md, "Memory").
    # A memory limit for the reads: DuckDB caches every 256 KB block a scan
    # reads, and each committed batch is a row group with blocks of its own,
    # so the commit's scans (known URLs, story candidates, the loader's
    # conflict checks) read and kept more with every batch: +29 MB at the
    # first of a 10,000-page run's 50 commits, +104 MB at the last; +25 and
    # +41 MB with the limit, release_cache and the loader's plain INSERTs
    # (bench/RESULTS.md, "Load on many row groups"). Over the limit DuckDB
    # evicts those blocks (they are in the file); a read that needs more
    # runs again without it (unbounded_on_oom). The write runs without a
    # limit, the cache emptied first (release_cache says why).
    conn = connect(run.db_path, threads=1, memory_limit=READ_MEMORY_LIMIT)
    try:
        done = result.articles
        urls = {d.article.canonical_url for d, _ in done}
        known = unbounded_on_oom(conn, lambda: known_urls(conn, urls))  # rel=canonical names an article already loaded
        rows, fps, seen = [], [], set()
        for d, n in done:
            a = d.article
            if a.canonical_url in known or a.canonical_url in seen:
                result.ledger.counts["known_canonical_skipped"] += 1
                b.done_retries.append({"canonical_url": n.url})
                continue
            seen.add(a.canonical_url)
            row = article_row(a, source_id=n.source_id, feed_guid=n.entry.guid, run_id=run.run_id, fetched_at=d.fingerprint.seen_at)
            row["date_note"] = n.entry.date_note if a.published_source != "page" else None
            rows.append(row)
            crow, scores, evidence = classification_rows(row["article_id"], d.classification, run_id=run.run_id, at=d.fingerprint.seen_at)
            b.classifications.append(crow)
            b.framing_scores.extend(scores)
            b.evidence.extend(evidence)
            b.done_retries.append({"canonical_url": n.url})
            d.fingerprint.article_id = row["article_id"]
            fps.append(d.fingerprint)
            run.labels[d.classification.label] += 1
        b.articles = rows
        b.articles_new = True  # known_urls above, on this connection, under the run lock
        with run.timed("dedup"):
            existing, cand = [], []
            if fps:
                keys = [{"content_sha256": f.content_sha256, "site": f.site, "title_key": f.title_key} for f in fps]
                bands = [k for f in fps for k in f.band_keys()]
                cand = unbounded_on_oom(conn, lambda: dedup_candidates(conn, keys, bands))
                existing = [fingerprint_from_row(r) for r in cand]
            stories = assign_stories(fps, existing)
            backfill = [f for f, r in zip(existing, cand) if r["method"] != FINGERPRINT_VERSION]  # stored before schema 2
            for name, extra in story_rows(rows, stories, fps + backfill, FINGERPRINT_VERSION).items():
                getattr(b, name).extend(extra)
        c = result.ledger.counts
        c["articles_loaded"] += len(rows)
        c["stories_new"] += sum(1 for r in rows if r["story_id"] == r["article_id"])
        c["copies_joined"] += len(stories.reasons)
        c["stories_repointed"] += len(stories.repointed)
        run.add(result.ledger)
        release_cache(conn)
        with run.timed("load"):
            return run.commit(b, conn)
    finally:
        conn.close()


@task(name="publish_snapshot", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=10)
def publish_analyst_snapshot(db_path: Path, snapshot_path: Path, force: bool = False) -> bool:
    """Analysts read this copy, never the pipeline's file (see warehouse/snapshot.py);
    republished whenever the warehouse changed since it was copied."""
    return publish_if_changed(lambda: connect(db_path), db_path, snapshot_path, force=force)


def finish_run(run: RunRecorder, settings: Settings, force_snapshot: bool = False, message: str | None = None,
               conn=None) -> dict:
    """The final runs row, then the snapshot if the warehouse changed since it was copied.
    `conn`: an open connection the run is done with, used instead of opening
    another, and closed here, before the snapshot is copied from the file."""
    conn = connect(run.db_path) if conn is None else conn
    try:
        summary = run.finish(message, conn)
        current = not force_snapshot and snapshot_is_current(conn, settings.snapshot_path)
    finally:
        conn.close()
    published = False
    with run.timed("snapshot"):
        if not current:
            published = publish_analyst_snapshot(settings.database_path, settings.snapshot_path, force=force_snapshot)
    summary["timings"] = dict(run.ledger.timings)
    summary["counts"]["snapshot_unchanged"] = int(not published)
    summary["snapshot"] = str(settings.snapshot_path)
    return summary
