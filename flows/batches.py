"""One batch of new entries: fetch -> keep raw bytes -> extract -> classify.

`process_batch` is the unit the task runner distributes (threads, processes
or Dask workers), so it touches no warehouse: everything it learns comes back
in a `BatchResult` and the flow, the only DuckDB writer, loads it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from prefect import task
from prefect.cache_policies import NO_CACHE

from extractors.article import ExtractedArticle, ExtractionFailure
from extractors.content import utf8_bytes
from extractors.extract_pool import extract_many
from extractors.feeds import FeedEntry
from extractors.http import FetchPolicy, Fetcher, FetchRequest
from extractors.raw_store import RawStore
from flows.ledger import RunLedger
from flows.settings import Settings
from framing import ArticleText, Classification, make_classifier


@dataclass
class NewEntry:
    source_id: str
    entry: FeedEntry
    url: str  # canonical: the dedup key


@dataclass
class BatchResult:
    """A batch's counts, seconds, failures and retries, and its classified articles."""

    ledger: RunLedger
    articles: list[tuple[ExtractedArticle, NewEntry, Classification]] = field(default_factory=list)


def fetch_policy(settings: Settings, max_bytes: int) -> FetchPolicy:
    return FetchPolicy.from_settings(settings.fetch, max_bytes)


@lru_cache(maxsize=4)
def get_classifier(backend: str, seeds_dir: str):
    """One classifier per process: references (or a model) load once, not per batch."""
    return make_classifier(backend, Path(seeds_dir))


def _fetch(ledger: RunLedger, chunk: list[NewEntry], settings: Settings) -> list[tuple[bytes, str, NewEntry]]:
    with ledger.timed("fetch"), Fetcher(fetch_policy(settings, settings.fetch.max_page_bytes)) as fetcher:
        results = fetcher.fetch_many(FetchRequest(n.entry.url, kind="page") for n in chunk)
    pages = []
    for n, r in zip(chunk, results):
        if r.body is not None and r.error is None:
            # UTF-8 bytes: trafilatura never sees the HTTP charset (extractors/content.py)
            pages.append((utf8_bytes(r.body, r.content_type)[0], r.final_url, n))
        else:
            ledger.error("page", n.source_id, n.entry.url, r.error or "no_body", r.error_detail, r.status)
            ledger.retry_later(n.url, n.source_id, n.entry, r.error or "no_body")
    ledger.counts["pages_fetched"] += len(pages)
    ledger.counts["pages_failed"] += len(chunk) - len(pages)
    return pages


def _extract(ledger: RunLedger, pages: list[tuple[bytes, str, NewEntry]], settings: Settings) -> list[tuple[ExtractedArticle, NewEntry]]:
    with ledger.timed("raw_store"):  # keep the bytes: re-extract later without refetching
        RawStore(settings.raw_store_dir).put_many([body for body, _, _ in pages])
    with ledger.timed("extract"):
        extracted = extract_many([(body, url, n.entry) for body, url, n in pages], workers=settings.extract_workers or None)
    good = []
    for (_, _, n), x in zip(pages, extracted):
        if isinstance(x, ExtractionFailure):
            ledger.error("extract", n.source_id, n.entry.url, x.reason, x.detail)
            ledger.retry_later(n.url, n.source_id, n.entry, x.reason)
        else:
            good.append((x, n))
    ledger.counts["articles_extracted"] += len(good)
    ledger.counts["extraction_failed"] += len(pages) - len(good)
    return good


@task(name="process_batch", cache_policy=NO_CACHE)
def process_batch(chunk: list[NewEntry], settings: Settings, run_id: str) -> BatchResult:
    ledger = RunLedger(run_id=run_id)
    good = _extract(ledger, _fetch(ledger, chunk, settings), settings)
    classified: list[Classification] = []
    if good:
        with ledger.timed("classify"):
            clf = get_classifier(settings.classifier_backend, str(settings.seeds_dir))
            classified = clf.classify_many([ArticleText(a.title or "", a.text) for a, _ in good])
    ledger.counts["articles_classified"] += len(classified)
    return BatchResult(ledger, [(a, n, c) for (a, n), c in zip(good, classified)])
