"""Sitemaps as a discovery method: bytes in, dated entries out.

Parsing is ultimate-sitemap-parser's (`sitemap_from_str`: plain, index and
Google News sitemaps); fetching is ours (extractors/http.py), so its SSRF
guard, size caps, robots.txt and politeness apply, and usp never opens a
connection itself.

Dates: a `<lastmod>` is when the page was last regenerated, not when it was
published: one public probe found 893 of 960 URLs "new" only because a site
had rebuilt its pages. So an entry is dated only by `<news:publication_date>`
or by a date in its URL path (/2026/11/28/...), and an undated URL is never
fetched: it is counted (reason `sitemap_undated`) instead.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timezone

from extractors.feeds import FeedEntry, entity_check, safe_link

# Sitemaps read per poll: news sitemaps first, then the likeliest-newest
# others. An index of 300 yearly/monthly sitemaps must not cost 300 requests.
MAX_SITEMAPS_PER_POLL = 6
MAX_URLS_PER_SITEMAP = 50_000  # the sitemaps.org limit; more is a trap
_URL_DATE = re.compile(r"/((?:19|20)\d{2})[/-](0[1-9]|1[0-2])(?:[/-](0[1-9]|[12]\d|3[01]))?(?=[/-]|$)")

_NAME_MONTH = re.compile(r"((?:19|20)\d{2})[-_/]?(0[1-9]|1[0-2])")


@dataclass
class SitemapRead:
    entries: list[FeedEntry] = field(default_factory=list)  # dated page URLs
    undated: int = 0  # page URLs with neither news date nor a date in the path
    # every page URL with its <lastmod> (ISO text or None), for backfill's
    # "nothing changed since" filter: lastmod bounds publication from above
    lastmods: list[tuple[str, str | None]] = field(default_factory=list)
    nested: list[str] = field(default_factory=list)  # sitemap URLs from an index
    error: str | None = None
    error_detail: str | None = None


def url_date(url: str) -> datetime | None:
    """A publication date written in the URL path (/2026/11/28/, /2026-11-28-, /2026/11/)."""
    m = _URL_DATE.search(url.split("?", 1)[0])
    if not m:
        return None
    try:
        return datetime(int(m.group(1)), int(m.group(2)), int(m.group(3) or 1), tzinfo=timezone.utc)
    except ValueError:
        return None


def _utc(d: datetime) -> datetime:
    return d.replace(tzinfo=timezone.utc) if d.tzinfo is None else d.astimezone(timezone.utc)


def parse_sitemap_bytes(body: bytes, base_url: str) -> SitemapRead:
    """One sitemap or sitemap index, parsed by usp from the bytes we fetched."""
    from usp.objects.sitemap import AbstractIndexSitemap, InvalidSitemap
    from usp.tree import sitemap_from_str

    why = entity_check(body)
    if why:
        return SitemapRead(error="xml_entities", error_detail=why)
    text = body.decode("utf-8", errors="replace")
    if "<urlset" not in text[:5000] and "<sitemapindex" not in text[:5000]:
        return SitemapRead(error="not_a_sitemap", error_detail="no <urlset> or <sitemapindex> in the document")
    try:
        tree = sitemap_from_str(text)
    except Exception as exc:  # a hostile sitemap must not abort a poll
        return SitemapRead(error="not_a_sitemap", error_detail=f"{type(exc).__name__}: {exc}"[:300])
    if isinstance(tree, InvalidSitemap):
        return SitemapRead(error="not_a_sitemap", error_detail=str(getattr(tree, "reason", ""))[:300])
    out = SitemapRead()
    if isinstance(tree, AbstractIndexSitemap):
        out.nested = [u for u in (safe_link(s.url, base_url) for s in tree.sub_sitemaps) if u]
        return out
    for i, page in enumerate(tree.pages):
        if i >= MAX_URLS_PER_SITEMAP:
            break
        url = safe_link(page.url, base_url)
        if url is None:
            continue
        out.lastmods.append((url, page.last_modified.isoformat() if page.last_modified else None))
        story = page.news_story
        when = _utc(story.publish_date) if story and story.publish_date else url_date(url)
        if when is None:  # <lastmod> alone never dates an article
            out.undated += 1
            continue
        title = (story.title or None) if story else None
        out.entries.append(FeedEntry(url=url, guid=None, title=title, author=None, published=when, summary=None))
    return out


def order_sitemaps(urls: list[str], now: datetime) -> list[str]:
    """News sitemaps first, then those dated this month or last in their URL,
    then the rest with the last-listed first (numbered WordPress/Yoast
    sitemaps list the newest posts last)."""
    def rank(item: tuple[int, str]) -> tuple:
        i, u = item
        low = u.lower()
        m = _NAME_MONTH.search(u.rsplit("/", 1)[-1])
        recent = bool(m) and (now.year * 12 + now.month) - (int(m.group(1)) * 12 + int(m.group(2))) <= 1
        return (0 if "news" in low else 1 if recent else 2, -i)
    return [u for _i, u in sorted(enumerate(dict.fromkeys(urls)), key=rank)]


def robots_sitemaps(robots_txt: str) -> list[str]:
    """`Sitemap:` lines of a robots.txt (protego's parser)."""
    from protego import Protego

    try:
        return list(Protego.parse(robots_txt).sitemaps)
    except Exception:
        return []
