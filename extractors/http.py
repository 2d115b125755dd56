"""The one HTTP client for feeds, pages and robots.txt.

`Fetcher.fetch` never raises for network problems: every outcome, good or bad,
is a `FetchResult` whose `error` is a short reason code that the warehouse
records and an operator can group by.
"""
from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import httpx


@dataclass(frozen=True)
class FetchPolicy:
    user_agent: str = "framewatch/0.1 (+https://github.com/framewatch/framewatch)"
    per_host_concurrency: int = 1
    min_interval: float = 1.0
    max_hosts_in_parallel: int = 16
    total_deadline: float = 30.0
    max_bytes: int = 5_000_000
    max_redirects: int = 5
    allow_hosts: frozenset[str] = frozenset()
    respect_robots: bool = True


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

    @property
    def not_modified(self) -> bool:
        return self.status == 304

    @property
    def ok(self) -> bool:
        return self.error is None and (self.not_modified or self.body is not None)


def host_key(url: str) -> str:
    """Politeness is per origin host (with port): the unit a webmaster rate-limits."""
    return urlsplit(url).netloc.lower()


class _HostGate:
    """At most N requests in flight per host, and a minimum gap between starts."""

    def __init__(self, concurrency: int, min_interval: float):
        self._sem = threading.Semaphore(concurrency)
        self._lock = threading.Lock()
        self._next_start = 0.0
        self._min_interval = min_interval

    def __enter__(self):
        self._sem.acquire()
        with self._lock:
            now = time.monotonic()
            wait = self._next_start - now
            self._next_start = max(now, self._next_start) + self._min_interval
        if wait > 0:
            time.sleep(wait)
        return self

    def __exit__(self, *exc):
        self._sem.release()


class Fetcher:
    def __init__(self, policy: FetchPolicy | None = None):
        self.policy = policy or FetchPolicy()
        self._client = httpx.Client(
            headers={"User-Agent": self.policy.user_agent},
            follow_redirects=False,
            timeout=httpx.Timeout(self.policy.total_deadline),
        )
        self._gates: dict[str, _HostGate] = {}
        self._gates_lock = threading.Lock()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self._client.close()

    def _gate(self, url: str) -> _HostGate:
        key = host_key(url)
        with self._gates_lock:
            if key not in self._gates:
                self._gates[key] = _HostGate(self.policy.per_host_concurrency, self.policy.min_interval)
            return self._gates[key]

    def fetch(self, req: FetchRequest) -> FetchResult:
        start = time.monotonic()
        result = FetchResult(url=req.url, final_url=req.url)
        headers = {}
        if req.etag:
            headers["If-None-Match"] = req.etag
        if req.last_modified:
            headers["If-Modified-Since"] = req.last_modified
        url = req.url
        try:
            for _hop in range(self.policy.max_redirects + 1):
                with self._gate(url):
                    resp = self._client.get(url, headers=headers)
                if resp.status_code in (301, 302, 303, 307, 308) and "location" in resp.headers:
                    nxt = str(resp.url.join(resp.headers["location"]))
                    result.redirects.append((resp.status_code, nxt))
                    if resp.status_code in (301, 308) and len(result.redirects) == 1:
                        result.permanent_redirect = nxt
                    url = nxt
                    continue
                break
            else:
                result.error, result.error_detail = "too_many_redirects", f"more than {self.policy.max_redirects} redirects"
                return result
            result.final_url = url
            result.status = resp.status_code
            result.content_type = resp.headers.get("content-type")
            result.etag = resp.headers.get("etag")
            result.last_modified = resp.headers.get("last-modified")
            if resp.status_code == 304:
                return result
            if resp.status_code >= 400:
                result.error = f"http_{resp.status_code}"
                result.error_detail = f"HTTP {resp.status_code} {resp.reason_phrase}"
                return result
            if len(resp.content) > self.policy.max_bytes:
                result.error, result.error_detail = "too_large", f"body over {self.policy.max_bytes} bytes"
                return result
            result.body = resp.content
        except httpx.TimeoutException as exc:
            result.error, result.error_detail = "timeout", str(exc) or "timed out"
        except httpx.HTTPError as exc:
            result.error, result.error_detail = "connect_error", str(exc) or type(exc).__name__
        finally:
            result.elapsed = time.monotonic() - start
        return result

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
            res = self.fetch(r)
            if on_result:
                on_result(res)
            return res

        # Interleave hosts so that idle workers never all queue behind one slow host.
        order = _round_robin_by_host(reqs)
        results: list[FetchResult | None] = [None] * len(reqs)
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="fetch") as pool:
            for i, res in zip(order, pool.map(one, [reqs[i] for i in order])):
                results[i] = res
        return results  # type: ignore[return-value]


def _round_robin_by_host(reqs: list[FetchRequest]) -> list[int]:
    queues: dict[str, list[int]] = {}
    for i, r in enumerate(reqs):
        queues.setdefault(host_key(r.url), []).append(i)
    order: list[int] = []
    lanes = list(queues.values())
    depth = max((len(q) for q in lanes), default=0)
    for d in range(depth):
        order.extend(q[d] for q in lanes if d < len(q))
    return order
