"""The daily ingest flow: feeds -> new entries -> pages -> text -> framing -> DuckDB.

Readable top to bottom; every task works on a batch, never one article, so
Prefect's per-task overhead stays noise next to the work. Batches
(flows/batches.py) run on the configured task runner (flows/runners.py); the
warehouse is opened for writing only by this flow, in its last step, in one
transaction.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from prefect.utilities.annotations import unmapped

from alerts.flow import check_alerts
from extractors.dedup import FINGERPRINT_VERSION, assign_stories, fingerprint, fingerprint_from_row
from extractors.feed_health import is_flagged, next_feed_state
from extractors.feeds import FeedEntry, parse_feed
from extractors.http import FetchPolicy, Fetcher, FetchRequest, FetchResult
from extractors.sources import Source, load_sources
from extractors.urls import canonical_url
from flows import progress
from flows.batches import NewEntry, classifier_for, fetch_policy, process_batch
from flows.ledger import RunLedger, utcnow
from flows.run_report import publish_summary
from flows.runners import make_task_runner
from flows.settings import Settings, load_settings
from warehouse import connect
from warehouse.load import LoadBatch, dedup_candidates, due_retries, known_urls, load_batch, source_states
from warehouse.rows import article_row, classification_rows, framing_row, source_row, story_rows
from warehouse.snapshot import publish_snapshot


@dataclass
class FeedPoll:
    source: Source
    result: FetchResult
    entries: list[FeedEntry] = field(default_factory=list)
    body_sha256: str | None = None
    unchanged_body: bool = False


@task(name="read_warehouse_state", cache_policy=NO_CACHE)
def read_warehouse_state(db_path: Path) -> tuple[dict[str, dict], list[dict]]:
    """Feed validators and health, and the entries waiting to be retried."""
    if not Path(db_path).exists():
        return {}, []
    conn = connect(db_path)
    try:
        return source_states(conn), due_retries(conn)
    finally:
        conn.close()


@task(name="poll_feeds", cache_policy=NO_CACHE)
def poll_feeds(sources: list[Source], states: dict[str, dict], policy: FetchPolicy) -> list[FeedPoll]:
    active = [s for s in sources if not (states.get(s.id) or {}).get("disabled")]
    reqs = []
    for s in active:
        st = states.get(s.id) or {}
        reqs.append(FetchRequest(st.get("current_feed_url") or s.feed_url, st.get("etag"), st.get("last_modified"), kind="feed"))
    with Fetcher(policy) as fetcher:
        results = fetcher.fetch_many(reqs)
    polls = []
    for s, res in zip(active, results):
        poll = FeedPoll(s, res)
        if res.body is not None and res.error is None:
            poll.body_sha256 = hashlib.sha256(res.body).hexdigest()
            poll.unchanged_body = poll.body_sha256 == (states.get(s.id) or {}).get("body_sha256")
            if not poll.unchanged_body:
                parsed = parse_feed(res.body, res.final_url, res.content_type)
                if parsed.error:
                    res.error, res.error_detail = parsed.error, parsed.error_detail
                poll.entries = parsed.entries
        polls.append(poll)
    return polls


@task(name="select_new_entries", cache_policy=NO_CACHE)
def select_new_entries(polls: list[FeedPoll], retries: list[dict], db_path: Path) -> list[NewEntry]:
    candidates: dict[str, NewEntry] = {}
    for r in retries:
        e = FeedEntry(r["url"], r["feed_guid"], r["feed_title"], r["feed_author"], r["feed_published"], None)
        candidates[r["canonical_url"]] = NewEntry(r["source_id"], e, r["canonical_url"])
    for p in polls:
        for e in p.entries:
            url = canonical_url(e.url)
            candidates.setdefault(url, NewEntry(p.source.id, e, url))
    if not candidates or not Path(db_path).exists():
        return list(candidates.values())
    conn = connect(db_path)
    try:
        seen = known_urls(conn, candidates)
    finally:
        conn.close()
    return [n for u, n in candidates.items() if u not in seen]


@task(name="skip_known_pages", cache_policy=NO_CACHE)
def skip_known_pages(good: list, loaded_this_run: set[str], db_path: Path) -> tuple[list, list]:
    """Split (article, entry) pairs into new ones and ones whose canonical URL
    (after rel=canonical) is already loaded or already in this run."""
    urls = {a.canonical_url for a, _ in good}
    known = set(loaded_this_run) & urls
    if urls - known and Path(db_path).exists():
        conn = connect(db_path)
        try:
            known |= known_urls(conn, urls - known)
        finally:
            conn.close()
    fresh, dup, seen = [], [], set()
    for a, n in good:
        (dup if a.canonical_url in known or a.canonical_url in seen else fresh).append((a, n))
        seen.add(a.canonical_url)
    return fresh, dup


@task(name="assign_story_ids", cache_policy=NO_CACHE)
def assign_story_ids(batch: LoadBatch, db_path: Path) -> dict[str, int]:
    """Group the run's new articles into stories with each other and with the
    stored ones (extractors/dedup.py); adds the rows to load to the batch."""
    new = [fingerprint(r["article_id"], r["canonical_url"], r["title"], r["text"], r["content_sha256"], r["published_at"], r["fetched_at"])
           for r in batch.articles]
    existing, rows = [], []
    if new and Path(db_path).exists():
        conn = connect(db_path)
        try:
            keys = [{"content_sha256": f.content_sha256, "site": f.site, "title_key": f.title_key} for f in new]
            rows = dedup_candidates(conn, keys, [k for f in new for k in f.band_keys()])
        finally:
            conn.close()
        existing = [fingerprint_from_row(r) for r in rows]
    result = assign_stories(new, existing)
    backfill = [f for f, r in zip(existing, rows) if r["method"] != FINGERPRINT_VERSION]  # stored before schema 2
    for name, extra in story_rows(batch.articles, result, new + backfill, FINGERPRINT_VERSION).items():
        getattr(batch, name).extend(extra)
    return {"stories_new": sum(1 for r in batch.articles if r["story_id"] == r["article_id"]),
            "copies_joined": len(result.reasons), "stories_repointed": len(result.repointed)}


@task(name="load_warehouse", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=10)
def load_warehouse(batch: LoadBatch, db_path: Path) -> dict[str, int]:
    conn = connect(db_path)
    try:
        return load_batch(conn, batch)
    finally:
        conn.close()


@task(name="publish_snapshot", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=10)
def publish_analyst_snapshot(db_path: Path, snapshot_path: Path) -> str:
    """Analysts read this copy, never the pipeline's file (see warehouse/snapshot.py)."""
    return str(publish_snapshot(db_path, snapshot_path))


def _chunks(items: list, n: int) -> list[list]:
    return [items[i : i + n] for i in range(0, len(items), n)]


def _record_polls(ledger: RunLedger, polls: list[FeedPoll]) -> None:
    ledger.counts["feeds_polled"] += len(polls)
    for p in polls:
        ledger.counts["entries_seen"] += len(p.entries)
        if p.result.not_modified or p.unchanged_body:
            ledger.counts["feeds_not_modified"] += 1
        ledger.counts["feeds_conditional"] += p.result.conditional
        ledger.counts["feeds_304"] += p.result.not_modified
        if p.result.permanent_redirect and p.result.ok:  # the stored URL moves (feed_health)
            ledger.error("feed", p.source.id, p.result.url, "moved_permanently",
                         f"{p.result.url} -> {p.result.permanent_redirect}", p.result.redirects[0][0])
        if not p.result.ok:
            ledger.counts["feeds_failed"] += 1
            ledger.error("feed", p.source.id, p.result.url, p.result.error, p.result.error_detail, p.result.status)


def ingest_entries(ledger: RunLedger, entries: list[NewEntry], settings: Settings) -> None:
    """Run the entries' batches on the configured task runner and add what
    they produced to the ledger, in batch order."""
    chunks = _chunks(entries, settings.batch_size)
    if not chunks:
        return
    with make_task_runner(settings) as runner:
        futures = list(runner.map(process_batch, {"chunk": chunks, "settings": unmapped(settings), "run_id": unmapped(ledger.run_id)}))
        for i, chunk in enumerate(chunks):
            part = futures[i].result()
            futures[i] = None  # the ledger keeps what it needs; let the batch's objects go
            ledger.absorb(part.ledger)
            progress.advance("pages", len(chunk), ok=part.ledger.counts["pages_fetched"])
            progress.advance("extract", len(chunk), ok=part.ledger.counts["articles_extracted"])
            _add_articles(ledger, part.articles, settings.database_path)
            progress.advance("classify", len(chunk), ok=part.ledger.counts["articles_classified"])


def _add_articles(ledger: RunLedger, articles: list, db_path: Path) -> None:
    """Rows for each classified article, except pages whose rel=canonical URL
    names an article already loaded (or already in this run)."""
    fresh, same_page = skip_known_pages([(a, n) for a, n, _ in articles], {r["canonical_url"] for r in ledger.batch.articles}, db_path)
    for _a, n in same_page:
        ledger.counts["known_canonical_skipped"] += 1
        ledger.batch.done_retries.append({"canonical_url": n.url})
    keep = {id(a) for a, _ in fresh}
    now = utcnow()
    b = ledger.batch
    for a, n, c in articles:
        if id(a) not in keep:
            continue
        row = article_row(a, source_id=n.source_id, feed_guid=n.entry.guid, run_id=ledger.run_id, fetched_at=now)
        b.articles.append(row)
        crow, scores, evidence = classification_rows(row["article_id"], c, run_id=ledger.run_id, at=now)
        b.classifications.append(crow)
        b.framing_scores.extend(scores)
        b.evidence.extend(evidence)
        b.done_retries.append({"canonical_url": n.url})
        ledger.labels[c.label] += 1


# Feed-health columns change on every poll; analysts read articles, stories,
# classifications and alerts. A run that added none of those republishes the
# snapshot (a full copy of the warehouse) only if the last one is this old.
SNAPSHOT_MAX_AGE_SECONDS = 24 * 3600


def _snapshot_is_stale(path: Path, ledger: RunLedger, alerts: dict) -> bool:
    import time

    if ledger.batch.articles or alerts.get("new") or not path.exists():
        return True
    return time.time() - path.stat().st_mtime > SNAPSHOT_MAX_AGE_SECONDS


def _flow_run_id() -> str | None:
    from prefect.runtime import flow_run

    return str(flow_run.id) if flow_run.id else None


@flow(name="daily_ingest")
def daily_ingest(overrides: dict | None = None) -> dict:
    """One ingest run. `overrides` are Settings fields, as in framewatch.toml."""
    settings = load_settings(**(overrides or {}))
    ledger = RunLedger()
    db_path = settings.database_path

    sources = load_sources(settings.sources_file)
    states, retries = read_warehouse_state(db_path)
    progress.plan("feeds", len(sources))
    with ledger.timed("poll"):
        polls = poll_feeds(sources, states, fetch_policy(settings, settings.fetch.max_feed_bytes))
    _record_polls(ledger, polls)
    progress.advance("feeds", len(sources), ok=len(polls) - ledger.counts["feeds_failed"])

    new = select_new_entries(polls, retries, db_path)
    ledger.counts["entries_new"] = len(new)
    ledger.counts["retries_due"] = len(retries)
    for stage in ("pages", "extract", "classify"):
        progress.plan(stage, len(new))

    ingest_entries(ledger, new, settings)

    new_by_source: dict[str, int] = {}
    for row in ledger.batch.articles:
        new_by_source[row["source_id"]] = new_by_source.get(row["source_id"], 0) + 1
    now = utcnow()
    ledger.batch.source_health = [
        {"source_id": p.source.id, **next_feed_state(states.get(p.source.id) or {"current_feed_url": p.source.feed_url},
                                                     p.result, p.body_sha256, new_by_source.get(p.source.id, 0), now)}
        for p in polls
    ]
    ledger.counts["feeds_flagged"] = sum(is_flagged(h, settings.fetch.failure_threshold) for h in ledger.batch.source_health)
    with ledger.timed("dedup"):
        ledger.counts.update(assign_story_ids(ledger.batch, db_path))
    ledger.batch.sources = [source_row(s) for s in sources]
    ledger.batch.framings = [framing_row(r) for r in classifier_for(settings).references]
    with ledger.timed("load"):
        load_warehouse(ledger.finish(_flow_run_id()), db_path)
    alerts = check_alerts(db_path, settings)  # before the snapshot, so analysts see today's alerts
    with ledger.timed("snapshot"):
        snapshot = str(settings.snapshot_path)
        if _snapshot_is_stale(settings.snapshot_path, ledger, alerts):
            snapshot = publish_analyst_snapshot(db_path, settings.snapshot_path)
        else:
            ledger.counts["snapshot_unchanged"] = 1
    summary = {**ledger.summary(str(db_path)), "snapshot": snapshot, "alerts": alerts}
    publish_summary(summary)
    return summary
