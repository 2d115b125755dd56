"""The network layer under httpx: guarded connects and a hard per-request deadline.

httpcore lets us supply the "network backend" that opens TCP connections.
Ours (1) resolves the host itself, checks every resolved address against the
SSRF policy and connects to exactly that checked address (no second lookup an
attacker could rebind), and (2) caps every socket read and write at the time
left before the current request's deadline.

Why (2): httpx's timeouts are per operation. A server that trickles one byte
every two seconds never trips a 10 s read timeout and can hold a worker for
hours. The Fetcher sets a deadline in a thread-local before each request (the
sync client runs the whole request on the calling thread), and every read
here gets `min(read timeout, time left)`; past the deadline it fails at once.
"""
from __future__ import annotations

import threading
import time
import typing
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout

import httpcore
from httpcore._backends.sync import SyncBackend

from extractors.ssrf import AddressPolicy, DNSFailure

_local = threading.local()

# getaddrinfo has no timeout of its own; a resolver that hangs would hang the
# request past its deadline, so lookups run here and we wait at most the time left.
_dns_pool = ThreadPoolExecutor(max_workers=8, thread_name_prefix="fw-dns")


class DeadlineExceeded(Exception):
    """The whole request ran past its deadline (reason code `deadline_exceeded`)."""


def set_deadline(deadline: float | None) -> None:
    """Monotonic time by which the current thread's request must be done (None: no deadline)."""
    _local.deadline = deadline


def time_left() -> float | None:
    deadline = getattr(_local, "deadline", None)
    return None if deadline is None else deadline - time.monotonic()


def _bounded(timeout: float | None) -> float | None:
    left = time_left()
    if left is None:
        return timeout
    if left <= 0:
        raise DeadlineExceeded("request deadline exceeded")
    return left if timeout is None else min(timeout, left)


class DeadlineStream(httpcore.NetworkStream):
    def __init__(self, inner: httpcore.NetworkStream):
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        try:
            return self._inner.read(max_bytes, _bounded(timeout))
        except httpcore.ReadTimeout:
            left = time_left()
            if left is not None and left <= 0.01:
                raise DeadlineExceeded("request deadline exceeded while reading") from None
            raise

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _bounded(timeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(self, ssl_context, server_hostname: str | None = None, timeout: float | None = None):
        # TLS is verified against the *name* in the URL (SNI + certificate),
        # while the TCP connection already goes to the checked address.
        return DeadlineStream(self._inner.start_tls(ssl_context, server_hostname, _bounded(timeout)))

    def get_extra_info(self, info: str) -> typing.Any:
        return self._inner.get_extra_info(info)


class GuardedBackend(httpcore.NetworkBackend):
    def __init__(self, policy: AddressPolicy):
        self.policy = policy
        self._sync = SyncBackend()

    def _resolve(self, host: str, port: int) -> list[str]:
        fut = _dns_pool.submit(self.policy.resolve_checked, host, port)
        try:
            return fut.result(timeout=_bounded(None))
        except FutureTimeout:
            raise DeadlineExceeded(f"DNS lookup of {host} ran past the deadline") from None

    def connect_tcp(self, host: str, port: int, timeout: float | None = None, local_address: str | None = None,
                    socket_options: typing.Iterable | None = None) -> httpcore.NetworkStream:
        addrs = self._resolve(host, port)  # raises SSRFBlocked / DNSFailure
        last: Exception | None = None
        for addr in addrs:
            try:
                stream = self._sync.connect_tcp(addr, port, _bounded(timeout), local_address, socket_options)
                return DeadlineStream(stream)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last = exc
        assert last is not None
        raise last

    def connect_unix_socket(self, *args, **kwargs):  # never: only TCP to checked addresses
        raise DNSFailure("unix sockets are not allowed")

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


__all__ = ["GuardedBackend", "DeadlineExceeded", "set_deadline", "time_left"]
