"""`framewatch sources add URL`: find a site's feed (or another route) and validate it.

Where to look, in order (each candidate costs one polite request):
1. the URL itself, if it already is a feed;
2. feeds the page advertises with `<link rel="alternate" type="application/rss+xml">`
   (or Atom);
3. the usual paths, under the section URL and the site root: WordPress's
   `/feed/`, then `/rss`, `/rss.xml`, `/feed.xml`, `/atom.xml`, `/index.xml`;
4. no working feed: the WordPress REST API (`/wp-json/wp/v2/posts`) when the
   page shows WordPress, then the sitemaps that robots.txt names.

A candidate is validated by a real poll through the same code the daily run
uses (extractors/poll.py: fetcher, robots.txt, SSRF guard, diagnosis), so
what `sources add` reports is what the run will see.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from urllib.parse import urljoin, urlsplit

from extractors.feed_health import diagnose_fetch
from extractors.feeds import parse_feed
from extractors.http import Fetcher, FetchRequest
from extractors.poll import SourcePoll, discover_entries
from extractors.sources import ID_RE, Source

FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/rdf+xml", "application/feed+json")
COMMON_PATHS = ("feed/", "rss", "rss.xml", "feed.xml", "atom.xml", "index.xml")
# Working states: a candidate in one of these is taken.
USABLE = ("ok", "teaser_only", "stale")
# Feed URLs probed per site (advertised first, then usual paths); the
# WordPress API and robots.txt's sitemaps are tried after them in any case.
# At most 10 requests on top of the page itself: polite, and enough.
MAX_FEED_PROBES = 8
SECTION_PATHS = ("feed/", "rss")  # a section of a site: WordPress category feeds and the like
_WP_MARKERS = re.compile(rb"wp-content/|wp-includes/|https://api\.w\.org/", re.I)


@dataclass
class Found:
    """What `sources add` found: the chosen route and everything it tried."""
    url: str
    site_url: str
    title: str | None = None
    discovery: str | None = None
    endpoint: str | None = None
    poll: SourcePoll | None = None
    tried: list[tuple[str, str, str]] = field(default_factory=list)  # (method, url, outcome)

    @property
    def ok(self) -> bool:
        return self.poll is not None and self.poll.diagnosis[0] in USABLE

    @property
    def full_text(self) -> bool | None:
        if self.poll is None or self.discovery != "feed":
            return None
        return self.poll.diagnosis[0] != "teaser_only"


def _html_links(body: bytes, base: str) -> tuple[list[str], str | None, bool]:
    """(advertised feed URLs, page title, looks like WordPress)."""
    import lxml.html

    try:
        doc = lxml.html.document_fromstring(body[:2_000_000])
    except Exception:
        return [], None, False
    feeds = []
    for link in doc.iter("link"):
        rel = (link.get("rel") or "").lower().split()
        if "alternate" in rel and (link.get("type") or "").lower().strip() in FEED_TYPES and link.get("href"):
            feeds.append(urljoin(base, link.get("href").strip()))
    title = doc.findtext(".//title")
    return list(dict.fromkeys(feeds)), (" ".join(title.split()) if title else None), bool(_WP_MARKERS.search(body[:2_000_000]))


def _root(url: str) -> str:
    p = urlsplit(url)
    return f"{p.scheme}://{p.netloc}/"


def _section(url: str) -> str:
    return url if url.endswith("/") else url + "/"


def suggest_id(url: str) -> str:
    """A source id from the host name: `www.example-institute.org` -> `example-institute`."""
    host = (urlsplit(url).hostname or "source").lower()
    parts = [p for p in host.split(".") if p not in ("www", "en", "com", "org", "net", "edu", "gov", "co", "uk", "au", "int")]
    sid = re.sub(r"[^a-z0-9_-]+", "-", "-".join(parts[:2]) or host).strip("-")[:64] or "source"
    return sid if ID_RE.match(sid) else "source"


def find_route(fetcher: Fetcher, url: str, now: datetime | None = None, stale_days: int = 30) -> Found:
    """Look for a working route to `url`'s articles; the best validated one is in `.poll`."""
    now = now or datetime.now(timezone.utc)
    found = Found(url=url, site_url=_section(url))
    page = fetcher.fetch(FetchRequest(url, kind="feed"))
    advertised: list[str] = []
    wordpress = False
    if page.ok and page.body is not None:
        if diagnose_fetch(page) is None:  # not HTML: perhaps the URL is the feed itself
            parsed = parse_feed(page.body, page.final_url, page.content_type)
            if not parsed.error and parsed.entries:
                advertised.append(page.final_url)
                found.title = parsed.title
        else:
            advertised, found.title, wordpress = _html_links(page.body, page.final_url)
    else:
        found.tried.append(("page", url, f"{page.error}: {page.error_detail}"))
    probes = [urljoin(_section(url), p) for p in SECTION_PATHS] + [urljoin(_root(url), p) for p in COMMON_PATHS]
    candidates = [("feed", u) for u in list(dict.fromkeys(advertised + probes))[:MAX_FEED_PROBES]]
    candidates.append(("wp-json", urljoin(_root(url), "wp-json/wp/v2/posts")))
    if wordpress:  # a WordPress site without a working feed almost always keeps its API
        candidates.insert(len(advertised), candidates.pop())
    candidates.append(("sitemap", urljoin(_root(url), "robots.txt")))
    for method, cand in candidates:
        key = {"feed": "feed_url", "wp-json": "api_url", "sitemap": "sitemap_url"}[method]
        src = Source(id="candidate", name="candidate", site_url=_root(url), discovery=method,
                     **({key: cand} if method != "sitemap" else {}))
        poll = discover_entries(fetcher, src, {}, now, stale_days)
        found.tried.append((method, cand, f"{poll.diagnosis[0]}: {poll.diagnosis[1]}"))
        if poll.diagnosis[0] in USABLE:
            found.discovery, found.endpoint, found.poll = method, cand, poll
            if method == "feed" and not found.title and poll.result.body:
                found.title = parse_feed(poll.result.body, poll.result.final_url).title
            break
    return found


def entry_for(found: Found, source_id: str, name: str | None, kind: str, country: str | None = None,
              language: str = "en") -> dict:
    """A well-formed [[source]] table for what `find_route` validated."""
    assert found.poll is not None and found.discovery is not None
    diag, detail = found.poll.diagnosis
    entry: dict = {"id": source_id, "name": name or found.title or source_id, "site_url": found.site_url,
                   "discovery": found.discovery, "kind": kind}
    if found.discovery == "feed":
        entry["feed_url"] = found.poll.result.final_url if found.poll.result.permanent_redirect else found.endpoint
    elif found.discovery == "wp-json":
        entry["api_url"] = found.endpoint
    else:
        entry["site_url"] = _root(found.url)
    if country:
        entry["country"] = country
    entry["language"] = language
    entry["evidence"] = (f"framewatch sources add, {datetime.now(timezone.utc):%Y-%m-%d}: {diag}, {detail}")[:300]
    # fetched and parsed by framewatch just now: that is what feed_verified means
    entry["feed_verified"] = True
    return entry
