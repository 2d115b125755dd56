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

Entry links are resolved against the feed's URL and kept only if http(s).
Nothing is dropped silently: an entry without a usable link comes back in
`ParsedFeed.skipped` with a reason code (`no_link`, `bad_link_scheme`,
`link_too_long`), entries beyond the per-feed cap come back in
`ParsedFeed.overflow` (the flow queues them for the next run), and a
publication date in the future or before 1990 is not trusted: the entry is
kept without it and `FeedEntry.date_note` says why. Every text field is capped
before it reaches the warehouse.

A parser never aborts a run: any exception while parsing one feed (an XML
declaration naming an encoding Python does not know, such as "bogus",
"ucs-2" or "x80_mac", raises LookupError in expat) becomes that feed's
`feed_unparseable` error, and an unknown declared encoding is first retried
with the declaration removed, so feedparser detects the encoding itself.
"""
from __future__ import annotations

import calendar
import codecs
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from urllib.parse import urljoin, urlsplit

import feedparser
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError
from defusedxml.ElementTree import fromstring as defused_fromstring

MAX_FIELD = 2_000  # characters kept of a title, author or summary
MAX_URL = 2_048  # longer entry links are junk or an attack (and bloat the dedup index)
MAX_ENTRIES = 1_000  # default per-feed cap (setting fetch.max_entries_per_feed); a think-tank feed lists 10-100 items
# Dates outside [EARLIEST_DATE, now + FUTURE_SLACK] are a CMS bug or a
# placeholder (1970-01-01, 2099-12-31): the entry is kept, the date is not.
# The slack allows for clocks and time zones that are a few hours off.
EARLIEST_DATE = datetime(1990, 1, 1, tzinfo=timezone.utc)
FUTURE_SLACK = timedelta(days=1)


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
    date_note: str | None = None  # why the feed's date was not trusted: date_in_future | date_before_1990


@dataclass
class ParsedFeed:
    title: str | None
    entries: list[FeedEntry]
    error: str | None = None
    error_detail: str | None = None
    # (reason code, entry link or title): entries not kept, and why
    skipped: list[tuple[str, str]] = field(default_factory=list)
    # kept entries beyond the per-feed cap: valid, for a later run
    overflow: list[FeedEntry] = field(default_factory=list)


def _cap(value: str | None, n: int = MAX_FIELD) -> str | None:
    if value is None:
        return None
    value = value.strip()
    return value[:n] or None


def _entry_date(entry, now: datetime) -> tuple[datetime | None, str | None]:
    """The entry's date, or (None, why it is not trusted)."""
    for key in ("published_parsed", "updated_parsed"):
        st = entry.get(key)
        if st:
            try:
                dt = datetime.fromtimestamp(calendar.timegm(st), tz=timezone.utc)
            except (OverflowError, ValueError, OSError):
                return None, "date_invalid"
            if dt > now + FUTURE_SLACK:
                return None, "date_in_future"
            if dt < EARLIEST_DATE:
                return None, "date_before_1990"
            return dt, None
    return None, None


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
    except (ParseError, ValueError, SyntaxError, LookupError):
        # Not well-formed, or an encoding expat does not know (LookupError): feedparser may still read it loosely. Entity
        # declarations can hide anywhere a lenient parser looks, so search.
        if b"<!entity" in body[:2_000_000].lower():
            return "malformed XML declaring entities"
    return None


def link_problem(link: str | None, base_url: str) -> tuple[str | None, str | None]:
    """(absolute http(s) URL, None) or (None, reason code)."""
    if not link or not link.strip():
        return None, "no_link"
    link = link.strip()
    if len(link) > MAX_URL:
        return None, "link_too_long"
    try:
        url = urljoin(base_url, link)
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        return None, "bad_link"
    if parts.scheme not in ("http", "https"):
        return None, "bad_link_scheme"
    if not host:
        return None, "bad_link"
    return url, None


def safe_link(link: str | None, base_url: str) -> str | None:
    """An entry link as an absolute http(s) URL, or None."""
    return link_problem(link, base_url)[0]


_XML_DECL_ENCODING = re.compile(rb"""^(\s*<\?xml[^>]*?)\sencoding\s*=\s*["']([^"']*)["']""", re.I)


def _without_unknown_encoding(body: bytes) -> bytes | None:
    """The body with its XML encoding declaration removed if it names an
    encoding Python does not know; None if it names a known one (or none)."""
    m = _XML_DECL_ENCODING.match(body[:500])
    if not m:
        return None
    try:
        codecs.lookup(m.group(2).decode("ascii", "replace"))
        return None
    except LookupError:
        return m.group(1) + body[m.end():]


def parse_feed(body: bytes, feed_url: str, content_type: str | None = None, max_entries: int = MAX_ENTRIES) -> ParsedFeed:
    """Entries of one feed. Never raises for any body: a failure is the result's `error`."""
    if not isinstance(body, bytes):
        raise TypeError("parse_feed takes bytes, never a str (feedparser would treat it as a path/URL)")
    body = _without_unknown_encoding(body) or body
    try:
        return _parse(body, feed_url, content_type, max_entries)
    except Exception as exc:  # noqa: BLE001 - one bad feed never aborts a run; it is that feed's failure
        return ParsedFeed(None, [], "feed_unparseable", f"{type(exc).__name__}: {exc}"[:300])


def _parse(body: bytes, feed_url: str, content_type: str | None, max_entries: int) -> ParsedFeed:
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
    out = ParsedFeed(_cap(parsed.feed.get("title")), [])
    now = datetime.now(timezone.utc)
    for e in parsed.entries:
        url, problem = link_problem(e.get("link"), feed_url)
        if url is None:
            out.skipped.append((problem, (e.get("link") or e.get("title") or e.get("id") or "")[:300]))
            continue
        published, note = _entry_date(e, now)
        entry = FeedEntry(
            url=url,
            guid=_cap(e.get("id"), MAX_URL),
            title=_cap(e.get("title")),
            author=_cap(e.get("author")),
            published=published,
            summary=_cap(e.get("summary")),
            date_note=note,
            words=_words(e),
        )
        (out.entries if len(out.entries) < max_entries else out.overflow).append(entry)
    return out
