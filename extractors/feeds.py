"""Feed parsing: bytes in, `FeedEntry` records out.

feedparser only ever receives bytes: handed a string it may treat it as a
path or URL and read it itself, and nothing but the Fetcher may touch the
network.
"""
from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import datetime, timezone
from urllib.parse import urljoin, urlsplit

import feedparser

MAX_FIELD = 2_000  # characters kept of a title, author or summary


@dataclass(frozen=True)
class FeedEntry:
    url: str
    guid: str | None
    title: str | None
    author: str | None
    published: datetime | None
    summary: str | None


@dataclass
class ParsedFeed:
    title: str | None
    entries: list[FeedEntry]
    error: str | None = None
    error_detail: str | None = None


def _cap(value: str | None, n: int = MAX_FIELD) -> str | None:
    if value is None:
        return None
    value = value.strip()
    return value[:n] or None


def _entry_date(entry) -> datetime | None:
    for key in ("published_parsed", "updated_parsed"):
        st = entry.get(key)
        if st:
            return datetime.fromtimestamp(calendar.timegm(st), tz=timezone.utc)
    return None


def parse_feed(body: bytes, feed_url: str) -> ParsedFeed:
    if not isinstance(body, bytes):
        raise TypeError("parse_feed takes bytes, never a str (feedparser would treat it as a path/URL)")
    parsed = feedparser.parse(body)
    if parsed.bozo and not parsed.entries:
        exc = parsed.get("bozo_exception")
        return ParsedFeed(None, [], "feed_unparseable", f"{type(exc).__name__}: {exc}"[:300])
    entries = []
    for e in parsed.entries:
        link = e.get("link")
        if not link:
            continue
        url = urljoin(feed_url, link.strip())
        if urlsplit(url).scheme not in ("http", "https"):
            continue
        entries.append(
            FeedEntry(
                url=url,
                guid=_cap(e.get("id")),
                title=_cap(e.get("title")),
                author=_cap(e.get("author")),
                published=_entry_date(e),
                summary=_cap(e.get("summary")),
            )
        )
    return ParsedFeed(_cap(parsed.feed.get("title")), entries)
