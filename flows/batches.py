"""One batch of queued entries: fetch -> keep raw bytes -> per page, in the
extraction workers: extract, classify, MinHash (flows/page_work.py).

`process_batch` is the unit the task runner distributes (threads, processes
or Dask workers), so it touches no warehouse: everything it learns comes back
in a `BatchResult` and the flow, the only DuckDB writer, loads it in the
batch's own transaction (flows/ingest_steps.commit_batch).
"""
from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from prefect import task
from prefect.cache_policies import NO_CACHE

from extractors.article import ExtractionFailure
from extractors.content import utf8_bytes
from extractors.extract_pool import extract_many
from extractors.feeds import FeedEntry
from extractors.http import FetchPolicy, Fetcher, FetchRequest
from extractors.raw_store import RawStore
from flows.ledger import RunLedger
from flows.page_work import PageDone, page_fn, pages_fn
from flows.settings import Settings


@dataclass
class NewEntry:
    source_id: str
    entry: FeedEntry
    url: str  # canonical: the dedup key


@dataclass
class BatchResult:
    """A batch's counts, seconds, failures and retries, and its classified articles."""

    ledger: RunLedger
    articles: list[tuple[PageDone, NewEntry]] = field(default_factory=list)


def fetch_policy(settings: Settings, max_bytes: int) -> FetchPolicy:
    return FetchPolicy.from_settings(settings.fetch, max_bytes)


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


def page_workers(settings: Settings) -> int | None:
    """Extraction worker processes per batch. `extract_workers` if set; else
    the cores divided among the batches that run at once on this machine, so
    the run keeps every core busy with one worker per core in total (more
    only adds memory: each worker holds trafilatura's and the classifier's
    state). On Dask each batch has a machine's cores to itself (None: all)."""
    if settings.extract_workers:
        return settings.extract_workers
    if settings.task_runner == "dask":
        return None
    return max(1, (os.cpu_count() or 1) // settings.concurrent_batches)


def _store(ledger: RunLedger, pages: list[tuple[bytes, str, NewEntry]], settings: Settings) -> None:
    with ledger.timed("raw_store"):  # keep the bytes: re-extract later without refetching
        RawStore(settings.raw_store_dir).put_many([body for body, _, _ in pages])


def _work(ledger: RunLedger, pages: list[tuple[bytes, str, NewEntry]], settings: Settings) -> list[tuple[PageDone, NewEntry]]:
    # The raw store (gzip and an fsync per page: ~1.3 s a batch, mostly waiting
    # for the disk) runs in a thread while the workers extract, instead of
    # before them with the batch's cores idle. Both finish before the batch is
    # handed back, so a committed article always has its raw page on disk.
    with ThreadPoolExecutor(1, thread_name_prefix="raw-store") as store:
        stored = store.submit(_store, ledger, pages, settings)
        with ledger.timed("extract"):  # extraction + classification + MinHash, in the workers
            done = extract_many([(body, url, n.entry) for body, url, n in pages], workers=page_workers(settings),
                                extract_fn=page_fn(settings), batch_fn=pages_fn(settings))
        stored.result()
    good = []
    for (_, _, n), x in zip(pages, done):
        if isinstance(x, ExtractionFailure):
            ledger.error("extract", n.source_id, n.entry.url, x.reason, x.detail)
            ledger.retry_later(n.url, n.source_id, n.entry, x.reason)
        else:
            good.append((x, n))
    ledger.counts["articles_extracted"] += len(good)
    ledger.counts["extraction_failed"] += len(pages) - len(good)
    ledger.counts["articles_classified"] += len(good)
    return good


@task(name="process_batch", cache_policy=NO_CACHE)
def process_batch(chunk: list[NewEntry], settings: Settings, run_id: str) -> BatchResult:
    ledger = RunLedger(run_id=run_id)
    return BatchResult(ledger, _work(ledger, _fetch(ledger, chunk, settings), settings))
