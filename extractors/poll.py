"""One poll of one source by its discovery method: feed, sitemap or wp-json.

`discover_entries` is what the daily flow calls per source: it fetches
through the project's one HTTP client (SSRF guard, size caps, robots.txt,
per-host politeness), returns the entries the source lists now, and says
what the poll looked like (a diagnosis from extractors/feed_health.py).
Which entries are *new* is the flow's business (it drops URLs already in
the warehouse), so only new URLs are ever fetched as pages.

Every entry not handed on is accounted for in `skipped` with a reason.
"""
from __future__ import annotations

import hashlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import urljoin

from extractors.feed_health import diagnose_entries, diagnose_fetch, diagnose_unchanged, effective_url
from extractors.feeds import MAX_ENTRIES, FeedEntry, parse_feed
from extractors.http import Fetcher, FetchRequest, FetchResult, round_robin_by_host
from extractors.sitemaps import MAX_SITEMAPS_PER_POLL, order_sitemaps, parse_sitemap_bytes, robots_sitemaps
from extractors.sources import Source
from extractors.wpjson import parse_posts, posts_url

# A sitemap lists a site's whole history. On a source's first poll, and on
# every poll after, only pages dated within this many days are candidates;
# older ones predate our monitoring (`framewatch backfill` is for those).
SITEMAP_LOOKBACK_DAYS = 7
# Where to look when robots.txt names no sitemap (WordPress core, Yoast, generic).
FALLBACK_SITEMAPS = ("/sitemap.xml", "/sitemap_index.xml", "/wp-sitemap.xml")


@dataclass
class SourcePoll:
    source: Source
    result: FetchResult
    entries: list[FeedEntry] = field(default_factory=list)
    body_sha256: str | None = None
    unchanged_body: bool = False
    diagnosis: tuple[str, str] = ("unreachable", "not polled")
    newest_item_at: datetime | None = None
    edited_from: str | None = None  # the URL polled before the operator edited the sources file
    skipped: list[tuple[str, str, str]] = field(default_factory=list)  # (url, reason, detail)
    # A feed's entries beyond fetch.max_entries_per_feed: queued for the next run, never dropped.
    overflow: list[FeedEntry] = field(default_factory=list)
    # (reason code, link or title) of feed entries not kept (no usable link): extractors/feeds.py
    entry_skips: list[tuple[str, str]] = field(default_factory=list)


def _sha(body: bytes | None) -> str | None:
    return hashlib.sha256(body).hexdigest() if body is not None else None


def _newest(entries: list[FeedEntry]) -> datetime | None:
    return max((e.published for e in entries if e.published), default=None)


def _poll_feed(fetcher: Fetcher, poll: SourcePoll, url: str, state: dict, now: datetime, stale_days: int,
               max_entries: int = MAX_ENTRIES) -> None:
    same_url = poll.edited_from is None
    res = fetcher.fetch(FetchRequest(url, state.get("etag") if same_url else None,
                                     state.get("last_modified") if same_url else None, kind="feed"))
    poll.result = res
    failed = diagnose_fetch(res)
    if failed:
        poll.diagnosis = failed
        if res.ok:  # HTML or a challenge page with a 200: a failed poll all the same
            res.error, res.error_detail, res.body = failed[0], failed[1], None
        return
    if res.not_modified:
        poll.diagnosis = diagnose_unchanged(state, now, stale_days)
        return
    poll.body_sha256 = _sha(res.body)
    poll.unchanged_body = same_url and poll.body_sha256 == state.get("body_sha256")
    if poll.unchanged_body:
        poll.diagnosis = diagnose_unchanged(state, now, stale_days)
        return
    parsed = parse_feed(res.body, res.final_url, res.content_type, max_entries=max_entries)
    if parsed.error:
        res.error, res.error_detail = parsed.error, parsed.error_detail
        poll.diagnosis = ("not_a_feed", f"{parsed.error}: {parsed.error_detail}"[:300])
        return
    poll.entries, poll.overflow, poll.entry_skips = parsed.entries, parsed.overflow, parsed.skipped
    poll.newest_item_at = _newest(parsed.entries)
    poll.diagnosis = diagnose_entries([e.published for e in parsed.entries], [e.words for e in parsed.entries], now, stale_days)


def _poll_sitemap(fetcher: Fetcher, poll: SourcePoll, url: str, now: datetime, stale_days: int) -> None:
    # No conditional GET: an index can stay byte-identical while the
    # sitemaps it names change, and news sitemaps are small.
    res = fetcher.fetch(FetchRequest(url, kind="feed"))
    poll.result = res
    via_robots = url.endswith("/robots.txt")
    if via_robots and res.status == 404:  # no robots.txt at all: the usual sitemap paths
        res.error = res.error_detail = None
        res.body = b""
    if not res.ok or res.body is None:
        poll.diagnosis = diagnose_fetch(res) or ("unreachable", res.error or "no body")
        return
    poll.body_sha256 = _sha(res.body)
    if via_robots:
        queue = robots_sitemaps(res.body.decode("utf-8", errors="replace"))
        queue = queue or [urljoin(url, p) for p in FALLBACK_SITEMAPS]
        fetched: list[tuple[str, bytes]] = []
    else:
        queue, fetched = [], [(res.final_url, res.body)]
    found: list[FeedEntry] = []
    undated, parsed_any, errors = 0, False, []
    budget, seen = MAX_SITEMAPS_PER_POLL, {url}
    while fetched or (queue and budget > 0):
        if not fetched:
            nxt = order_sitemaps(queue, now)[0]
            queue.remove(nxt)
            if nxt in seen:
                continue
            seen.add(nxt)
            budget -= 1
            r = fetcher.fetch(FetchRequest(nxt, kind="feed"))
            if not r.ok or r.body is None:
                errors.append(f"{nxt}: {r.error or 'no body'}")
                continue
            fetched.append((r.final_url, r.body))
        where, body = fetched.pop()
        read = parse_sitemap_bytes(body, where)
        if read.error:
            errors.append(f"{where}: {read.error}")
            continue
        parsed_any = True
        found += read.entries
        undated += read.undated
        queue += [u for u in read.nested if u not in seen]
    if not parsed_any:
        html = diagnose_fetch(res) if not via_robots else None
        poll.diagnosis = html or ("not_a_feed", ("no sitemap could be read: " + "; ".join(errors))[:300])
        res.error, res.error_detail = "not_a_feed", poll.diagnosis[1]
        return
    since = now - timedelta(days=SITEMAP_LOOKBACK_DAYS)
    recent = [e for e in found if e.published >= since]
    older = len(found) - len(recent)
    if undated:
        poll.skipped.append((url, "sitemap_undated", f"{undated} page URLs without <news:publication_date> or a date "
                                                     "in the path; <lastmod> alone is not a publication date"))
    if older:
        poll.skipped.append((url, "sitemap_not_recent", f"{older} dated page URLs older than {SITEMAP_LOOKBACK_DAYS} days"))
    poll.entries = list({e.url: e for e in sorted(recent, key=lambda e: e.published, reverse=True)}.values())
    poll.newest_item_at = _newest(found)
    if not found:
        poll.diagnosis = ("empty", f"{undated} page URLs, none with a trustworthy date (<lastmod> ignored)")
    else:
        poll.diagnosis = diagnose_entries([e.published for e in found], [], now, stale_days, teasers_matter=False)


def _poll_wpjson(fetcher: Fetcher, poll: SourcePoll, url: str, now: datetime, stale_days: int) -> None:
    res = fetcher.fetch(FetchRequest(posts_url(url), kind="feed"))
    # The query string is ours: a redirect of it must not become the stored API URL.
    res.permanent_redirect = None
    poll.result = res
    failed = diagnose_fetch(res)
    if failed:
        poll.diagnosis = failed
        if res.ok:
            res.error, res.error_detail, res.body = failed[0], failed[1], None
        return
    poll.body_sha256 = _sha(res.body)
    entries, err = parse_posts(res.body or b"", res.final_url)
    if err:
        res.error, res.error_detail = "not_json", err
        poll.diagnosis = ("not_a_feed", f"the API did not answer a list of posts: {err}"[:300])
        return
    poll.entries = entries
    poll.newest_item_at = _newest(entries)
    poll.diagnosis = diagnose_entries([e.published for e in entries], [], now, stale_days, teasers_matter=False)


def discover_entries(fetcher: Fetcher, source: Source, state: dict, now: datetime, stale_days: int,
                     max_entries: int = MAX_ENTRIES) -> SourcePoll:
    """Poll `source` by its discovery method; never raises for what a server does."""
    url, edited_from = effective_url(source.endpoint, state)
    poll = SourcePoll(source, FetchResult(url, url), edited_from=edited_from)
    try:
        if source.discovery == "sitemap":
            _poll_sitemap(fetcher, poll, url, now, stale_days)
        elif source.discovery == "wp-json":
            _poll_wpjson(fetcher, poll, url, now, stale_days)
        else:
            _poll_feed(fetcher, poll, url, state, now, stale_days, max_entries)
    except Exception as exc:  # one odd source never sinks the run
        poll.result.error, poll.result.error_detail = "poll_error", f"{type(exc).__name__}: {exc}"[:300]
        poll.result.body = None
        poll.diagnosis = ("unreachable", poll.result.error_detail)
    if poll.result.url != url:  # keep the URL as configured/stored, not the one with our query string
        poll.result.url = url
    return poll


def discover_many(fetcher: Fetcher, sources: list[Source], states: dict[str, dict], now: datetime,
                  stale_days: int, workers: int, max_entries: int = MAX_ENTRIES) -> list[SourcePoll]:
    """`discover_entries` for many sources in parallel; the fetcher's per-host gates keep each host polite.

    Sources go to the threads interleaved by host (as pages do in
    Fetcher.fetch_many): in file order, a think tank's ten feeds in a row
    would park ten threads at that host's gate while other hosts wait."""
    def one(s: Source) -> SourcePoll:
        return discover_entries(fetcher, s, states.get(s.id) or {}, now, stale_days, max_entries)

    order = round_robin_by_host([effective_url(s.endpoint, states.get(s.id) or {})[0] for s in sources])
    out: list[SourcePoll | None] = [None] * len(sources)
    with ThreadPoolExecutor(max_workers=max(1, min(workers, len(sources) or 1)), thread_name_prefix="poll") as pool:
        for i, poll in zip(order, pool.map(one, [sources[i] for i in order])):
            out[i] = poll
    return out  # type: ignore[return-value]


def poll_state(prev: dict, poll: SourcePoll, new_items: int, now: datetime) -> dict:
    """The source's health columns after this poll (extractors/feed_health.py).

    After an operator's edit the old URL's validators and redirect target
    are dropped: the edited URL is now the current one."""
    from extractors.feed_health import next_feed_state

    base = dict(prev) if prev else {}
    if poll.edited_from is not None or not base.get("current_feed_url"):
        base.update(current_feed_url=poll.result.url, etag=None, last_modified=None, body_sha256=None)
    return next_feed_state(base, poll.result, poll.body_sha256, new_items, now, poll.diagnosis, poll.newest_item_at)
