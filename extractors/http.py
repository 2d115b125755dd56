"""The one HTTP client for feeds, pages and robots.txt.

`Fetcher.fetch` never raises for network problems: every outcome, good or bad,
is a `FetchResult` whose `error` is a short reason code that the warehouse
records and an operator can group by (the codes are listed in
docs/fetching.md). The layers, each in its own module:

- ssrf.py / net.py: every TCP connect goes to a resolved address checked
  against the SSRF policy; every read is bounded by the request's deadline.
- politeness.py: per-host concurrency and minimum interval, Retry-After.
- robots.py: robots.txt rules, fetched through this same client.
- body.py: raw bytes under a cap, our own bounded decompression.
- content.py: magic-byte sniffing before anything parses the body.
"""
from __future__ import annotations

import contextlib
import email.utils
import functools
import random
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timezone
from urllib.parse import urlsplit

import httpcore
import httpx
from pydantic import ConfigDict, Field

from extractors import content
from extractors.body import read_body
from extractors.net import DeadlineExceeded, GuardedBackend, set_deadline
from extractors.politeness import SHARED_GATES, HostGates, host_key, user_agent
from extractors.robots import MAX_ROBOTS_BYTES, SHARED_ROBOTS, RobotsCache
from extractors.settings import FetchSettings
from extractors.ssrf import AddressPolicy, DNSFailure, SSRFBlocked, scheme_allowed

REDIRECTS = (301, 302, 303, 307, 308)
PERMANENT = (301, 308)
# Worth another try within this run: the server or the path to it hiccuped.
# Everything else (4xx, caps, SSRF, robots, deadline) would fail the same way
# again today; the flow's retry queue tries those pages again tomorrow.
TRANSIENT_ERRORS = {"timeout", "connect_error", "network_error", "http_429", "http_500", "http_502", "http_503", "http_504"}


class FetchPolicy(FetchSettings):
    """What one Fetcher obeys: the `[fetch]` settings (extractors/settings.py,
    the one place their defaults live) plus what the caller decides per use."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    # Empty: built from `contact` (politeness.user_agent).
    user_agent: str = ""
    # The byte cap of this Fetcher: the flow passes max_page_bytes or max_feed_bytes.
    max_bytes: int = Field(5_000_000, ge=1)
    # Back-off with full jitter never waits longer than this for one retry.
    backoff_cap: float = 30.0
    # All waiting for one request (back-off + Retry-After) stays under this.
    max_total_wait: float = 300.0

    @classmethod
    def from_settings(cls, settings: FetchSettings, max_bytes: int) -> FetchPolicy:
        return cls(**settings.model_dump(), max_bytes=max_bytes)

    @property
    def agent(self) -> str:
        return self.user_agent or user_agent(self.contact)


@dataclass(frozen=True)
class FetchRequest:
    url: str
    etag: str | None = None
    last_modified: str | None = None
    kind: str = "page"  # "feed" | "page" | "robots"


@dataclass
class FetchResult:
    url: str
    final_url: str
    status: int | None = None
    body: bytes | None = None
    content_type: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    permanent_redirect: str | None = None
    error: str | None = None
    error_detail: str | None = None
    retry_after: float | None = None
    elapsed: float = 0.0
    redirects: list[tuple[int, str]] = field(default_factory=list)
    conditional: bool = False  # the request carried If-None-Match / If-Modified-Since
    attempts: int = 0

    @property
    def not_modified(self) -> bool:
        return self.status == 304

    @property
    def ok(self) -> bool:
        return self.error is None and (self.not_modified or self.body is not None)


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header: delta-seconds or an HTTP-date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    now_dt = datetime.fromtimestamp(now if now is not None else time.time(), tz=timezone.utc)
    return max(0.0, (when - now_dt).total_seconds())


_rng = random.Random()


def backoff_delay(attempt: int, base: float, cap: float) -> float:
    """Full jitter: uniform in [0, min(cap, base * 2**attempt)]."""
    return _rng.uniform(0, min(cap, base * (2 ** attempt)))


@functools.cache
def _ssl_context():
    # One per process: building it loads the CA bundle (~50 ms of CPU, 53 of
    # a batch's flow-side samples in a py-spy profile), and every batch and
    # every poll opens a Fetcher. An SSLContext is safe to share across threads.
    return httpx.create_ssl_context(trust_env=False)


def _transport(policy: FetchPolicy) -> httpx.HTTPTransport:
    """httpx's transport on our network backend; we drive it directly, not via httpx.Client.

    Why not the Client: it builds the next request for every redirect even
    when not following it, and raises on a Location it cannot parse
    (`javascript:`) before we see the response; it also keeps a cookie jar
    across sites, which a crawler does not want. Redirects are ours anyway.
    trust_env=False: an HTTP(S)_PROXY in the environment would send every
    request to the proxy's address, past the connect-time SSRF check.
    """
    transport = httpx.HTTPTransport(trust_env=False, retries=0)
    # httpx has no public hook for the network backend; swap the pool for one
    # built on ours (same settings as httpx's defaults). httpx is pinned <0.29.
    # One idle connection kept per fetch thread: with fewer (httpx's default
    # is 20), 32 threads over 8 hosts closed and reopened connections all the
    # time, and an all-304 poll of 200 feeds took 1.4 s instead of 0.35 s.
    threads = policy.max_hosts_in_parallel
    transport._pool = httpcore.ConnectionPool(
        ssl_context=_ssl_context(),
        max_connections=max(100, threads),
        max_keepalive_connections=max(20, threads),
        keepalive_expiry=5.0,
        network_backend=GuardedBackend(AddressPolicy(frozenset(policy.allow_hosts))),
    )
    return transport


class Fetcher:
    def __init__(self, policy: FetchPolicy | None = None, robots: RobotsCache | None = None,
                 gates: HostGates | None = None):
        self.policy = policy or FetchPolicy()
        self.robots = robots or SHARED_ROBOTS
        self.gates = gates or SHARED_GATES
        self._transport = _transport(self.policy)
        self._headers = {
            "User-Agent": self.policy.agent,
            "Accept-Encoding": "gzip, deflate",  # only what body.py can inflate under a cap
            "Accept": "*/*",
        }
        p = self.policy
        self._timeouts = {"connect": p.connect_timeout, "read": p.read_timeout, "write": p.read_timeout,
                          "pool": p.total_deadline}

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self._transport.close()

    def fetch_robots_txt(self, url: str) -> FetchResult:
        # For robots.py, which needs no import of this module (no cycle).
        return self.fetch(FetchRequest(url, kind="robots"))

    # -- one request, with retries -------------------------------------------------
    def fetch(self, req: FetchRequest) -> FetchResult:
        start = time.monotonic()
        waited = 0.0
        result = FetchResult(url=req.url, final_url=req.url)
        for attempt in range(self.policy.max_retries + 1):
            result = self._attempt(req)
            result.attempts = attempt + 1
            if result.error not in TRANSIENT_ERRORS or attempt == self.policy.max_retries or req.kind == "robots":
                break
            gate = self.gates.get(result.final_url, self.policy.per_host_concurrency)
            if result.retry_after is not None:
                if result.retry_after > self.policy.max_retry_after:
                    gate.block(result.retry_after)  # the rest of the run skips this host
                    break
                wait = result.retry_after
                gate.defer(wait)  # everyone else waits for this host too
            else:
                wait = backoff_delay(attempt, self.policy.backoff_base, self.policy.backoff_cap)
            if waited + wait > self.policy.max_total_wait:
                break
            time.sleep(wait)
            waited += wait
        result.elapsed = time.monotonic() - start
        return result

    # -- one attempt: redirects, each hop re-checked ------------------------------
    def _attempt(self, req: FetchRequest) -> FetchResult:
        result = FetchResult(url=req.url, final_url=req.url)
        headers = {}
        if req.etag:
            headers["If-None-Match"] = req.etag
        if req.last_modified:
            headers["If-Modified-Since"] = req.last_modified
        result.conditional = bool(headers)
        url, deadline, all_permanent = req.url, None, True
        try:
            for _hop in range(self.policy.max_redirects + 1):
                result.final_url = url
                refusal = self._precheck(url, req.kind)
                if refusal:
                    result.error, result.error_detail = refusal
                    return result
                gate = self.gates.get(url, self.policy.per_host_concurrency)
                gate.acquire(self.policy.min_interval)
                try:
                    # The deadline starts with the first request actually sent,
                    # not while we queue politely behind other requests to the host.
                    deadline = deadline or time.monotonic() + self.policy.total_deadline
                    set_deadline(deadline)
                    nxt = self._one_hop(url, headers, req, result)
                finally:
                    set_deadline(None)
                    gate.release()
                if nxt is None:
                    return result
                result.redirects.append((result.status, nxt))
                all_permanent = all_permanent and result.status in PERMANENT
                if all_permanent and req.kind == "feed":
                    result.permanent_redirect = nxt
                url = nxt
            result.error = "too_many_redirects"
            result.error_detail = f"more than {self.policy.max_redirects} redirects (last: {url})"[:500]
            result.status = None
        except SSRFBlocked as exc:
            result.error, result.error_detail = "ssrf_blocked", str(exc)
        except DNSFailure as exc:
            result.error, result.error_detail = "dns_error", str(exc)
        except DeadlineExceeded as exc:
            result.error, result.error_detail = "deadline_exceeded", f"{exc} ({self.policy.total_deadline:g} s)"
        except httpx.TimeoutException as exc:
            past = deadline is not None and deadline - time.monotonic() <= 0.05
            result.error = "deadline_exceeded" if past else "timeout"
            result.error_detail = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        except (httpx.InvalidURL, httpx.UnsupportedProtocol) as exc:
            result.error, result.error_detail = "bad_url", str(exc)[:300]
        except httpx.ConnectError as exc:
            result.error, result.error_detail = "connect_error", str(exc) or "connection failed"
        except httpx.RemoteProtocolError as exc:
            result.error, result.error_detail = "protocol_error", str(exc)[:300] or "malformed response"
        except httpx.TransportError as exc:
            result.error, result.error_detail = "network_error", f"{type(exc).__name__}: {exc}"[:300]
        except Exception as exc:  # never let one hostile server's surprise abort a run
            result.error, result.error_detail = "fetch_error", f"{type(exc).__name__}: {exc}"[:300]
        if result.error:
            result.body = None
        return result

    def _precheck(self, url: str, kind: str) -> tuple[str, str] | None:
        """Reasons not to send this hop at all: scheme, robots.txt, a host in back-off."""
        try:
            scheme = urlsplit(url).scheme
        except ValueError:
            scheme = ""
        if not scheme_allowed(scheme):
            return "bad_scheme", f"scheme {scheme or '(none)'!r} is not http/https"
        try:
            parsed = httpx.URL(url)
        except (httpx.InvalidURL, ValueError) as exc:
            return "bad_url", f"{url[:200]}: {exc}"
        if not scheme_allowed(parsed.scheme):
            return "bad_scheme", f"scheme {parsed.scheme or '(none)'!r} is not http/https"
        if not parsed.host:
            return "bad_url", f"no host in {url[:200]}"
        gate = self.gates.get(url, self.policy.per_host_concurrency)
        if gate.blocked_for > 0:
            return "host_backoff", f"{host_key(url)} asked us to wait {gate.blocked_for:.0f} s more (Retry-After)"
        if kind != "robots" and self.policy.respect_robots:
            rules = self.robots.rules_for(url, self)
            if rules.passes_on_error:
                return rules.error, rules.error_detail or "robots.txt fetch refused"
            delay = rules.crawl_delay()
            if delay:
                gate.crawl_delay = delay
            if not rules.can_fetch(url):
                why = f"robots.txt unavailable ({rules.error}): all disallowed" if rules.error else "disallowed by robots.txt"
                return "robots_disallowed", why
        return None

    def _one_hop(self, url: str, headers: dict, req: FetchRequest, result: FetchResult) -> str | None:
        """Send one GET; returns the next URL for a redirect, else fills `result` and returns None."""
        request = httpx.Request("GET", url, headers={**self._headers, **headers},
                                extensions={"timeout": self._timeouts})
        resp = self._transport.handle_request(request)
        resp.request = request
        with contextlib.closing(resp):
            result.status = resp.status_code
            result.content_type = resp.headers.get("content-type")
            if resp.status_code in REDIRECTS and resp.headers.get("location"):
                location = resp.headers["location"].strip()
                if not scheme_allowed(urlsplit(location).scheme or "http"):
                    return location  # the next hop's precheck refuses it as bad_scheme
                return str(resp.url.join(location))
            result.etag = resp.headers.get("etag")
            result.last_modified = resp.headers.get("last-modified")
            if resp.status_code == 304:
                # A 304 has no body; reading its (empty) end lets httpcore keep the
                # connection for the next request to the host. Closed unread, the
                # connection is dropped, and an all-304 poll of 200 feeds paid 200
                # connects and DNS checks.
                resp.read()
                return None
            if resp.status_code >= 300 or resp.status_code < 200:
                result.error = f"http_{resp.status_code}"
                result.error_detail = f"HTTP {resp.status_code} {resp.reason_phrase}".strip()
                if resp.status_code in (429, 503):
                    result.retry_after = parse_retry_after(resp.headers.get("retry-after"))
                    if result.retry_after is not None:
                        result.error_detail += f" (Retry-After {result.retry_after:.0f} s)"
                return None
            robots = req.kind == "robots"
            body = read_body(resp, MAX_ROBOTS_BYTES if robots else self.policy.max_bytes, truncate=robots)
        if body.error:
            result.error, result.error_detail = body.error, body.detail
            return None
        if not robots:
            verdict = content.sniff(body.data or b"", result.content_type)
            if verdict.error:
                result.error, result.error_detail = verdict.error, verdict.detail
                return None
        result.body = body.data
        return None

    # -- many requests, polite per host, parallel across hosts ---------------------
    def fetch_many(
        self,
        reqs: Iterable[FetchRequest],
        on_result: Callable[[FetchResult], None] | None = None,
    ) -> list[FetchResult]:
        """Fetch in parallel across hosts; the per-host gate keeps each host polite."""
        reqs = list(reqs)
        hosts = {host_key(r.url) for r in reqs}
        workers = max(1, min(self.policy.max_hosts_in_parallel, len(hosts) * self.policy.per_host_concurrency))

        def one(r: FetchRequest) -> FetchResult:
            try:
                res = self.fetch(r)
            except Exception as exc:  # belt and braces: one request never sinks the batch
                res = FetchResult(r.url, r.url, error="fetch_error", error_detail=f"{type(exc).__name__}: {exc}"[:300])
            if on_result:
                on_result(res)
            return res

        # Interleave hosts so that idle workers never all queue behind one slow host.
        order = round_robin_by_host([r.url for r in reqs])
        results: list[FetchResult | None] = [None] * len(reqs)
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="fetch") as pool:
            for i, res in zip(order, pool.map(one, [reqs[i] for i in order])):
                results[i] = res
        return results  # type: ignore[return-value]


def round_robin_by_host(urls: list[str]) -> list[int]:
    """Indexes of `urls`, one host after another: first of each host, then second..."""
    queues: dict[str, list[int]] = {}
    for i, u in enumerate(urls):
        queues.setdefault(host_key(u), []).append(i)
    order: list[int] = []
    lanes = list(queues.values())
    depth = max((len(q) for q in lanes), default=0)
    for d in range(depth):
        order.extend(q[d] for q in lanes if d < len(q))
    return order


__all__ = ["FetchPolicy", "FetchRequest", "FetchResult", "Fetcher", "host_key", "parse_retry_after", "round_robin_by_host"]
