"""Backfill: load history that the feeds no longer list.

Two ways in: a file of article URLs, or `since` a date, paging back each
source's feed (WordPress `?paged=N`) and then its sitemap. The candidates
not yet loaded go into the durable ingest queue, and from there through the
same batch loop, per-batch transactions and run recorder as the daily run
(flows/ingest_steps.py, flows/batch_loop.py, flows/runs.py): an interrupted
backfill keeps what it finished, leaves the rest queued, and the next
backfill or daily run picks it up. It holds the warehouse's run lock.
"""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from extractors.discovery import MAX_FEED_PAGES, feed_page_url, older_than, parse_sitemap, sitemap_candidates
from extractors.feeds import FeedEntry, parse_feed
from extractors.http import FetchPolicy, Fetcher, FetchRequest
from extractors.sources import Source, load_sources
from extractors.urls import canonical_url, same_site
from flows.batch_loop import quoted
from flows.batches import NewEntry, fetch_policy
from flows.daily_ingest import ingest_queue
from flows.ingest_steps import finish_run, queue_rows
from flows.page_work import reference_framings
from flows.runlock import run_lock
from flows.runs import RunRecorder
from flows.settings import load_settings
from warehouse.load import LoadBatch
from warehouse.rows import framing_row, source_row

MAX_SITEMAPS = 20


def read_url_list(path: Path) -> list[str]:
    """One URL a line; blank lines and # comments ignored."""
    urls = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            urls.append(line)
    return urls


def _source_for(url: str, sources: list[Source]) -> str | None:
    for s in sources:
        if s.site_url and same_site(url, s.site_url) or same_site(url, s.feed_url):
            return s.id
    return None


def _entries_from_urls(urls: list[str], sources: list[Source]) -> list[NewEntry]:
    return [NewEntry(_source_for(u, sources) or "backfill", FeedEntry(u, None, None, None, None, None), canonical_url(u)) for u in urls]


@task(name="discover_since", cache_policy=NO_CACHE)
def discover_since(sources: list[Source], since: datetime, policy: FetchPolicy) -> list[NewEntry]:
    """Entries published on or after `since`, from paged feeds, else sitemaps."""
    found: list[NewEntry] = []
    with Fetcher(policy) as fetcher:
        for s in sources:
            entries = _page_back_feed(fetcher, s, since)
            if entries is None and s.site_url:
                entries = _sitemap_entries(fetcher, s, since)
            for e in entries or []:
                if e.published is None or e.published >= since:
                    found.append(NewEntry(s.id, e, canonical_url(e.url)))
    return found


def _page_back_feed(fetcher: Fetcher, s: Source, since: datetime) -> list[FeedEntry] | None:
    """All entries of pages 1..N until one is older than `since`; None if the feed does not page."""
    entries: list[FeedEntry] = []
    seen_urls: set[str] = set()
    for page in range(1, MAX_FEED_PAGES + 1):
        res = fetcher.fetch(FetchRequest(feed_page_url(s.feed_url, page), kind="feed"))
        if res.body is None or res.error:
            break
        parsed = parse_feed(res.body, res.final_url)
        fresh = [e for e in parsed.entries if e.url not in seen_urls]
        if not fresh:  # a feed that ignores ?paged returns page 1 again
            break
        seen_urls.update(e.url for e in fresh)
        entries += fresh
        if older_than(fresh, since):
            return entries
    return entries if len(seen_urls) and page > 1 else None


def _sitemap_entries(fetcher: Fetcher, s: Source, since: datetime) -> list[FeedEntry]:
    queue = sitemap_candidates(s.site_url)
    seen, out = set(), []
    while queue and len(seen) < MAX_SITEMAPS:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        res = fetcher.fetch(FetchRequest(url, kind="feed"))
        if res.body is None or res.error:
            continue
        pages, nested = parse_sitemap(res.body, res.final_url)
        queue += nested
        for page_url, lastmod in pages:
            published = _parse_lastmod(lastmod)
            if published is not None and published < since:
                continue
            out.append(FeedEntry(page_url, None, None, None, published, None))
    return out


def _parse_lastmod(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)


@flow(name="backfill")
def backfill(
    overrides: dict | None = None,
    urls_file: str | None = None,
    since: datetime | None = None,
) -> dict:
    """Load articles from a URL list or published since a date, one transaction per batch."""
    settings = load_settings(**(overrides or {}))
    sources = load_sources(settings.sources_file)
    db_path = settings.database_path
    candidates: list[NewEntry] = []
    if urls_file:
        candidates += _entries_from_urls(read_url_list(Path(urls_file)), sources)
    if since:
        since = since if since.tzinfo else since.replace(tzinfo=timezone.utc)
        candidates += discover_since(**quoted({"sources": sources, "since": since,
                                                 "policy": fetch_policy(settings, settings.fetch.max_feed_bytes)}))
    unique = list({n.url: n for n in candidates}.values())
    with run_lock(db_path, "backfill"):
        run = RunRecorder(db_path, "backfill")
        run.start()
        with run.failing():
            # Anything already loaded (by a run or an earlier, interrupted backfill) is skipped.
            todo = _not_loaded(unique, db_path)
            run.commit(LoadBatch(queue=queue_rows(run, todo), sources=[source_row(s) for s in sources],
                                 framings=[framing_row(r) for r in reference_framings(settings)]))
            before = run.counts["articles_loaded"]
            ingest_queue(run, settings)
            c = run.counts
            totals = {"candidates": len(unique), "already_loaded": len(unique) - len(todo),
                      "loaded": c["articles_loaded"] - before, "failed": c["pages_failed"] + c["extraction_failed"],
                      "batches": -(-c["entries_new"] // settings.batch_size)}
            summary = finish_run(run, settings, message=f"{len(unique)} candidates, {totals['loaded']} loaded")
    return {**totals, "run_id": run.run_id, "status": summary["status"], "database": str(db_path)}


def _not_loaded(entries: list[NewEntry], db_path: Path) -> list[NewEntry]:
    from warehouse import connect
    from warehouse.load import known_urls

    if not entries or not Path(db_path).exists():
        return entries
    conn = connect(db_path)
    try:
        seen = known_urls(conn, [n.url for n in entries])
    finally:
        conn.close()
    return [n for n in entries if n.url not in seen]
