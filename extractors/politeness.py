"""Per-host politeness: how often, and how many at once, we knock on one host.

The unit is the origin host with port (`host_key`): what a webmaster rate
limits. Gates live for the whole process, not one Fetcher, because the flow
opens one Fetcher for feeds and another per batch of pages; the interval must
hold across them, or the first page request would follow the feed poll at
once.

Defaults (see `FetchSettings`): 1 request in flight per host and 1 s between
request starts, the norm for research crawlers (Media Cloud, news-please).
A robots.txt Crawl-delay raises the interval for that host, capped (see
`robots.MAX_CRAWL_DELAY`) so that one site asking for an hour between hits
cannot stall a daily run; a 429/503 Retry-After pushes the host's next slot
back for every request in the process, not just the one that was refused.
"""
from __future__ import annotations

import threading
import time
from urllib.parse import urlsplit


def user_agent(contact: str, version: str = "0.1") -> str:
    """`framewatch/0.1 (+https://example.org/bot)` or `(+mailto:ops@example.org)`.

    Named product token first (robots.txt groups match on it), contact second:
    a webmaster who can reach us writes instead of blocking the address.
    """
    contact = contact.strip()
    if "@" in contact and not contact.startswith(("http://", "https://", "mailto:")):
        contact = "mailto:" + contact
    return f"framewatch/{version} (+{contact})"


# The shipped default of fetch.contact: it names the project, not whoever runs
# it, so a webmaster has nobody to write to. Runs warn until it is changed.
PLACEHOLDER_CONTACT = "https://github.com/framewatch/framewatch"


def contact_warning(contact: str) -> str | None:
    """A one-line warning while fetch.contact is still the placeholder (None once set)."""
    if contact.strip().rstrip("/") in (PLACEHOLDER_CONTACT, ""):
        return ("fetch.contact is still the placeholder: set it in framewatch.toml ([fetch] contact = "
                "\"mailto:you@example.org\" or your URL) so webmasters can reach you instead of blocking framewatch")
    return None


def host_key(url: str) -> str:
    """Politeness is per origin host (with port): the unit a webmaster rate-limits."""
    return urlsplit(url).netloc.lower()


class HostGate:
    """At most N requests in flight per host, and a minimum gap between starts."""

    def __init__(self, concurrency: int):
        self._sem = threading.Semaphore(concurrency)
        self._lock = threading.Lock()
        self._next_start = 0.0
        self.crawl_delay = 0.0  # from robots.txt, already capped
        self.blocked_until = 0.0  # Retry-After beyond what we are willing to wait

    def acquire(self, min_interval: float, max_wait: float | None = None) -> bool:
        """Block until this host may be requested; False (nothing acquired) if that is over max_wait."""
        interval = max(min_interval, self.crawl_delay)
        if not self._sem.acquire(timeout=max_wait if max_wait is not None else -1):
            return False
        with self._lock:
            now = time.monotonic()
            start = max(now, self._next_start)
            if max_wait is not None and start - now > max_wait:
                self._sem.release()
                return False
            self._next_start = start + interval
        if start > now:
            time.sleep(start - now)
        return True

    def release(self) -> None:
        self._sem.release()

    def defer(self, seconds: float) -> None:
        """The host asked us to wait (Retry-After): nobody in this process requests it sooner."""
        with self._lock:
            self._next_start = max(self._next_start, time.monotonic() + seconds)

    def block(self, seconds: float) -> None:
        """The host asked for more patience than a run can give: skip it for the rest of the wait."""
        with self._lock:
            self.blocked_until = max(self.blocked_until, time.monotonic() + seconds)

    @property
    def blocked_for(self) -> float:
        return max(0.0, self.blocked_until - time.monotonic())


class HostGates:
    def __init__(self):
        self._gates: dict[str, HostGate] = {}
        self._lock = threading.Lock()

    def get(self, url: str, concurrency: int) -> HostGate:
        key = host_key(url)
        with self._lock:
            gate = self._gates.get(key)
            if gate is None:
                gate = self._gates[key] = HostGate(concurrency)
            return gate


SHARED_GATES = HostGates()
