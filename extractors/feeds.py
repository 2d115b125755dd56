"""Feed parsing: bytes in, `FeedEntry` records out.

feedparser only ever receives bytes: handed a string it may treat it as a
path or URL and read it itself, and nothing but the Fetcher may touch the
network.

Before feedparser sees a byte, defusedxml parses the feed with entity
declarations forbidden: a "billion laughs" feed (nested internal entities)
expands a few KB into gigabytes, and an external entity (`SYSTEM
"file:///etc/passwd"`) reads local files. No real feed declares entities, so
any declaration is refused as `xml_entities`. Malformed XML is left to
feedparser's lenient parser, after a plain byte search for `<!ENTITY`.

Entry links are resolved against the feed's URL and kept only if http(s):
`javascript:`, `file:`, `data:` and friends are dropped. Every text field is
capped before it reaches the warehouse, and so is the number of entries.
"""
from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from urllib.parse import urljoin, urlsplit

import feedparser
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError
from defusedxml.ElementTree import fromstring as defused_fromstring

MAX_FIELD = 2_000  # characters kept of a title, author or summary
MAX_URL = 2_048  # longer entry links are junk or an attack (and bloat the dedup index)
MAX_ENTRIES = 1_000  # a think-tank feed lists 10-100 items; more is a dump or a trap


@dataclass(frozen=True)
class FeedEntry:
    url: str
    guid: str | None
    title: str | None
    author: str | None
    published: datetime | None
    summary: str | None
    # Words of the longest text the entry carries (summary or full content):
    # how feed diagnosis tells a full-text feed from a teaser feed.
    words: int = 0


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


_TAG = re.compile(r"<[^>]+>")


def _words(e) -> int:
    texts = [e.get("summary") or ""] + [c.get("value") or "" for c in (e.get("content") or [])]
    return max(len(_TAG.sub(" ", t).split()) for t in texts)


def entity_check(body: bytes) -> str | None:
    """Why this XML must not be parsed (entity or external declarations), or None."""
    try:
        defused_fromstring(body, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        return f"{type(exc).__name__}: {exc}"[:300]
    except (ParseError, ValueError, SyntaxError):
        # Not well-formed: feedparser may still read it loosely. Entity
        # declarations can hide anywhere a lenient parser looks, so search.
        if b"<!entity" in body[:2_000_000].lower():
            return "malformed XML declaring entities"
    return None


def safe_link(link: str | None, base_url: str) -> str | None:
    """An entry link as an absolute http(s) URL, or None."""
    if not link:
        return None
    link = link.strip()
    if len(link) > MAX_URL:
        return None
    url = urljoin(base_url, link)
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    return url


def parse_feed(body: bytes, feed_url: str, content_type: str | None = None) -> ParsedFeed:
    if not isinstance(body, bytes):
        raise TypeError("parse_feed takes bytes, never a str (feedparser would treat it as a path/URL)")
    why = entity_check(body)
    if why:
        return ParsedFeed(None, [], "xml_entities", why)
    # sanitize_html: feedparser's default, kept explicit; resolve_relative_uris
    # too. Neither fetches anything: with bytes feedparser never opens a URL.
    # The headers tell feedparser the base URL for relative links and the
    # HTTP charset; undeclared encodings it detects itself (chardet).
    headers = {"content-location": feed_url}
    if content_type:
        headers["content-type"] = content_type
    parsed = feedparser.parse(body, response_headers=headers, sanitize_html=True, resolve_relative_uris=True)
    if parsed.bozo and not parsed.entries:
        exc = parsed.get("bozo_exception")
        return ParsedFeed(None, [], "feed_unparseable", f"{type(exc).__name__}: {exc}"[:300])
    entries = []
    for e in parsed.entries[:MAX_ENTRIES]:
        url = safe_link(e.get("link"), feed_url)
        if url is None:
            continue
        entries.append(
            FeedEntry(
                url=url,
                guid=_cap(e.get("id"), MAX_URL),
                title=_cap(e.get("title")),
                author=_cap(e.get("author")),
                published=_entry_date(e),
                summary=_cap(e.get("summary")),
                words=_words(e),
            )
        )
    return ParsedFeed(_cap(parsed.feed.get("title")), entries)
