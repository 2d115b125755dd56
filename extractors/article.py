"""Article text and metadata from page bytes (trafilatura), pure and picklable.

`extract_article` runs in worker processes, so it takes and returns plain
dataclasses and never touches the network or the warehouse.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime, timezone

import trafilatura

from extractors.feeds import FeedEntry
from extractors.urls import canonical_url, same_site

EXTRACTOR_VERSION = f"trafilatura-{trafilatura.__version__}/fw1"
MIN_WORDS = 120  # below this a "commentary" is a teaser, a paywall or a failed extraction


@dataclass
class ExtractedArticle:
    url: str
    canonical_url: str
    title: str | None
    author: str | None
    published_at: datetime | None
    published_source: str | None  # "page" | "feed" | None
    site_name: str | None
    language: str | None
    text: str
    word_count: int
    content_sha256: str
    raw_sha256: str
    extractor_version: str = EXTRACTOR_VERSION


@dataclass
class ExtractionFailure:
    url: str
    reason: str
    detail: str
    raw_sha256: str | None = None


def normalised_text_hash(text: str) -> str:
    norm = re.sub(r"\W+", " ", text.lower()).strip()
    return hashlib.sha256(norm.encode()).hexdigest()


def _parse_date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        dt = datetime.fromisoformat(value)
    except ValueError:
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)


def extract_article(body: bytes, url: str, entry: FeedEntry | None = None) -> ExtractedArticle | ExtractionFailure:
    raw_sha = hashlib.sha256(body).hexdigest()
    try:
        doc = trafilatura.bare_extraction(body, url=url, with_metadata=True, include_comments=False)
    except Exception as exc:  # trafilatura raises on some malformed trees: record, never abort
        return ExtractionFailure(url, "extract_error", f"{type(exc).__name__}: {exc}"[:300], raw_sha)
    text = (doc.text if doc else None) or ""
    words = len(text.split())
    if words < MIN_WORDS:
        return ExtractionFailure(url, "too_short", f"{words} words extracted (minimum {MIN_WORDS})", raw_sha)
    published = _parse_date(doc.date)
    source = "page" if published else None
    if published is None and entry is not None and entry.published is not None:
        published, source = entry.published, "feed"
    canon = canonical_url(url)
    if doc.url and same_site(doc.url, url):
        canon = canonical_url(doc.url)
    return ExtractedArticle(
        url=url,
        canonical_url=canon,
        title=doc.title or (entry.title if entry else None),
        author=doc.author or (entry.author if entry else None),
        published_at=published,
        published_source=source,
        site_name=doc.sitename,
        language=doc.language,
        text=text,
        word_count=words,
        content_sha256=normalised_text_hash(text),
        raw_sha256=raw_sha,
    )
