"""Finding older articles for a backfill: feed paging and sitemaps.

Only ever parses bytes that the Fetcher returned; nothing here opens a
connection itself (a library's own sitemap crawler would bypass the
fetcher's SSRF guard, size caps and politeness). Sitemaps are parsed by
extractors/sitemaps.py, the one sitemap parser, which the daily run's
sitemap discovery uses too.
"""
from __future__ import annotations

from datetime import datetime
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from extractors.feeds import FeedEntry

# WordPress, the most common CMS among think tanks, pages its feeds with
# ?paged=N; 50 pages of 10-20 items reach back about two years at one
# commentary a day, beyond which a sitemap is the better route.
MAX_FEED_PAGES = 50


def feed_page_url(feed_url: str, page: int) -> str:
    """The URL of page `page` (1-based) of a WordPress-style paged feed."""
    parts = urlsplit(feed_url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "paged"]
    if page > 1:
        query.append(("paged", str(page)))
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), ""))


def older_than(entries: list[FeedEntry], since: datetime) -> bool:
    """True when every dated entry on a feed page predates `since`: stop paging."""
    dated = [e.published for e in entries if e.published is not None]
    return bool(dated) and max(dated) < since


def parse_sitemap(body: bytes, base_url: str) -> tuple[list[tuple[str, str | None]], list[str]]:
    """(page URL, lastmod) pairs and nested sitemap URLs from a sitemap or sitemap index.

    The one sitemap parser (extractors/sitemaps.py, ultimate-sitemap-parser).
    A lastmod is when the page last changed, an upper bound on its
    publication, never the publication date itself."""
    from extractors.sitemaps import parse_sitemap_bytes

    read = parse_sitemap_bytes(body, base_url)
    return read.lastmods, read.nested


def sitemap_candidates(site_url: str, robots_txt: str | None = None) -> list[str]:
    """Where to look for sitemaps: robots.txt `Sitemap:` lines, then the usual paths."""
    found = []
    if robots_txt:
        found += [line.split(":", 1)[1].strip() for line in robots_txt.splitlines() if line.lower().startswith("sitemap:")]
    found += [urljoin(site_url, p) for p in ("/sitemap.xml", "/sitemap_index.xml", "/wp-sitemap.xml")]
    return list(dict.fromkeys(found))
