"""Extraction across cores: trafilatura is CPU-bound (tens of ms a page)."""
from __future__ import annotations

import multiprocessing as mp
import os
from concurrent.futures import ProcessPoolExecutor

from extractors.article import ExtractedArticle, ExtractionFailure, extract_article
from extractors.feeds import FeedEntry

# Below this many pages, starting worker processes costs more than it saves.
MIN_PAGES_FOR_POOL = 16


def _one(args: tuple[bytes, str, FeedEntry | None]) -> ExtractedArticle | ExtractionFailure:
    return extract_article(*args)


def extract_many(pages: list[tuple[bytes, str, FeedEntry | None]], workers: int | None = None) -> list[ExtractedArticle | ExtractionFailure]:
    workers = workers or os.cpu_count() or 1
    if workers == 1 or len(pages) < MIN_PAGES_FOR_POOL:
        return [_one(p) for p in pages]
    # spawn, not fork: the flow runs Prefect's threads and event loops, which
    # a forked child would inherit in an undefined state.
    with ProcessPoolExecutor(max_workers=workers, mp_context=mp.get_context("spawn")) as pool:
        return list(pool.map(_one, pages, chunksize=max(1, len(pages) // (workers * 4))))
