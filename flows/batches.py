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
from extractors.politeness import user_agent
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
    f = settings.fetch
    return FetchPolicy(
        user_agent=user_agent(f.contact),
        per_host_concurrency=f.per_host_concurrency,
        min_interval=f.min_interval,
        max_hosts_in_parallel=f.max_hosts_in_parallel,
        total_deadline=f.total_deadline,
        max_bytes=max_bytes,
        max_redirects=f.max_redirects,
        allow_hosts=frozenset(f.allow_hosts),
        respect_robots=f.respect_robots,
        connect_timeout=f.connect_timeout,
        read_timeout=f.read_timeout,
        max_retries=f.max_retries,
        backoff_base=f.backoff_base,
        max_retry_after=f.max_retry_after,
    )


@lru_cache(maxsize=4)
def get_classifier(backend: str, seeds_dir: str, params_path: str | None = None, params_mtime: int = 0):
    """One classifier per process: references (or a model) load once, not per batch.
    (params_mtime only keys the cache: a re-run `calibrate` gives a new classifier.)"""
    return make_classifier(backend, Path(seeds_dir), **({"params_path": Path(params_path)} if params_path else {}))


def classifier_for(settings: Settings):
    """The runs' classifier: the data dir's calibrated parameters when `framewatch
    calibrate` wrote some (framing/labels.py), else the shipped ones."""
    from framing.labels import calibrated_params_path

    path = calibrated_params_path(settings.data_dir, settings.classifier_backend)
    return get_classifier(settings.classifier_backend, str(settings.seeds_dir), str(path) if path else None,
                          path.stat().st_mtime_ns if path else 0)


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
            clf = classifier_for(settings)
            classified = clf.classify_many([ArticleText(a.title or "", a.text) for a, _ in good])
    ledger.counts["articles_classified"] += len(classified)
    return BatchResult(ledger, [(a, n, c) for (a, n), c in zip(good, classified)])
