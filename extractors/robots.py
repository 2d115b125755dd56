"""robots.txt per RFC 9309, parsed by Protego.

The standard library's `urllib.robotparser` gets `*` and `$` wildcards and
longest-match precedence wrong, so an Allow meant to open one path can be
read as a Disallow (or the reverse). Protego implements RFC 9309.

Status rules (RFC 9309 section 2.3.1):
- 2xx: parse it.
- 4xx (404, 403, 410...): "unavailable", we may crawl everything.
- 5xx, or unreachable (timeout, DNS, refused): "unreachable", we must assume
  everything is disallowed. A refused connection, DNS failure or SSRF refusal
  is reported for the page as that failure (PASS_ON_ERRORS), not as a robots
  refusal: the page would fail the same way. Media Cloud and Google do the same: a site whose
  server is failing is the last one to hit harder.
Caching: at most 24 h (RFC: SHOULD NOT use a cached copy longer than 24 h).
An unreachable robots.txt is re-tried after `ERROR_TTL`, so one blip does not
silence a site for a day. robots.txt is fetched through the same Fetcher,
with the same User-Agent, politeness gate, deadline, byte cap and SSRF guard.
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from protego import Protego

if TYPE_CHECKING:  # pragma: no cover
    from extractors.http import Fetcher

TTL = 24 * 3600.0  # RFC 9309: a cached robots.txt SHOULD NOT be used for more than 24 h
ERROR_TTL = 3600.0  # a failing robots.txt is asked again after an hour
MAX_ROBOTS_BYTES = 512_000  # RFC 9309: parse at least the first 500 KiB
# Crawl-delay is honoured up to this many seconds: beyond it, a daily run
# fetching 20 pages from the site would take hours. We still go that slowly.
MAX_CRAWL_DELAY = 60.0
UA_TOKEN = "framewatch"  # the product token robots.txt groups are matched against
# robots.txt failures the page itself would hit too (our SSRF guard, DNS, a
# refused connection): the page is reported with that reason, not as
# `robots_disallowed`, so the operator sees the site is down, not that it said no.
PASS_ON_ERRORS = ("ssrf_blocked", "dns_error", "bad_url", "connect_error")


@dataclass
class RobotsRules:
    origin: str
    parser: Protego | None  # None: no rules (4xx) or all disallowed (see allow_all)
    allow_all: bool
    fetched_at: float
    ttl: float
    status: int | None = None
    error: str | None = None
    error_detail: str | None = None

    @property
    def passes_on_error(self) -> bool:
        """The robots.txt fetch was refused for a reason the page itself would hit too
        (SSRF guard, DNS): report that reason for the page, not `robots_disallowed`."""
        return self.error in PASS_ON_ERRORS

    def can_fetch(self, url: str) -> bool:
        if self.parser is None:
            return self.allow_all
        return self.parser.can_fetch(url, UA_TOKEN)

    def crawl_delay(self) -> float | None:
        if self.parser is None:
            return None
        delay = self.parser.crawl_delay(UA_TOKEN)
        return None if delay is None else min(float(delay), MAX_CRAWL_DELAY)

    @property
    def fresh(self) -> bool:
        return time.monotonic() - self.fetched_at < self.ttl


def origin_of(url: str) -> str:
    p = urlsplit(url)
    return f"{p.scheme.lower()}://{p.netloc.lower()}"


class RobotsCache:
    """Robots rules per origin, shared by every Fetcher in the process."""

    def __init__(self, ttl: float = TTL, error_ttl: float = ERROR_TTL):
        self.ttl, self.error_ttl = ttl, error_ttl
        self._rules: dict[str, RobotsRules] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._lock = threading.Lock()

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()

    def rules_for(self, url: str, fetcher: Fetcher) -> RobotsRules:
        origin = origin_of(url)
        with self._lock:
            lock = self._locks.setdefault(origin, threading.Lock())
        with lock:  # one fetch per origin even when many workers ask at once
            cached = self._rules.get(origin)
            if cached is not None and cached.fresh:
                return cached
            rules = self._fetch(origin, fetcher)
            self._rules[origin] = rules
            return rules

    def _fetch(self, origin: str, fetcher: Fetcher) -> RobotsRules:
        res = fetcher.fetch_robots_txt(origin + "/robots.txt")
        now = time.monotonic()
        if res.status is not None and 200 <= res.status < 300 and res.body is not None:
            text = res.body[:MAX_ROBOTS_BYTES].decode("utf-8", errors="replace")
            try:
                parser = Protego.parse(text)
            except Exception as exc:  # a parser bug must not block a site: treat as no rules
                return RobotsRules(origin, None, True, now, self.error_ttl, res.status, f"unparseable: {exc}"[:200])
            return RobotsRules(origin, parser, True, now, self.ttl, res.status)
        if res.status is not None and 400 <= res.status < 500:
            return RobotsRules(origin, None, True, now, self.ttl, res.status)
        # 5xx, or no answer at all, or a body we refused (too large, SSRF...): assume disallowed
        reason = res.error or f"http_{res.status}"
        # Our own refusals are not cached: another Fetcher in this process may
        # have a different allow-list.
        ttl = 0.0 if reason in ("ssrf_blocked", "bad_url") else self.error_ttl
        return RobotsRules(origin, None, False, now, ttl, res.status, reason, res.error_detail)


SHARED_ROBOTS = RobotsCache()
