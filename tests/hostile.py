"""A deliberately hostile HTTP server on 127.0.0.1, for the fetcher's tests.

Raw sockets, not http.server: the cases need bytes no well-behaved server
library would send (trickled headers, stacked encodings, garbage status
lines, bodies shorter than their Content-Length). Each path is one case.
"""
from __future__ import annotations

import socketserver
import struct
import threading
import time
import zlib
from collections import Counter
from collections.abc import Callable
from contextlib import contextmanager
from functools import lru_cache
from urllib.parse import parse_qs, urlsplit

GOOD_WORDS = (
    "Washington and Beijing have spent the year testing whether a narrow truce on tariffs and export controls can "
    "hold while both sides compete for influence across the Indo-Pacific. "
)


def good_html(title: str, base: str = "") -> bytes:
    paras = "".join(f"<p>{GOOD_WORDS * 3} Paragraph {i} of {title}.</p>" for i in range(6))
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{title}</title>"
        f"<meta name='author' content='Test Author'><meta property='article:published_time' content='2026-01-05'>"
        f"</head><body><article><h1>{title}</h1>{paras}</article></body></html>"
    ).encode()


def rss(items: list[tuple[str, str]], extra_prolog: str = "") -> bytes:
    body = "".join(
        f"<item><title>{t}</title><link>{link}</link><guid>{link}</guid>"
        f"<pubDate>Mon, 05 Jan 2026 10:00:00 GMT</pubDate></item>"
        for t, link in items
    )
    return (f'<?xml version="1.0" encoding="utf-8"?>{extra_prolog}<rss version="2.0"><channel>'
            f"<title>Hostile</title><link>http://example.org/</link>{body}</channel></rss>").encode()


@lru_cache(maxsize=4)
def gzip_bomb(megabytes: int) -> bytes:
    """A gzip stream of `megabytes` MiB of zeros, built without holding them: ~1 KB per MiB."""
    zeros = bytes(1 << 20)
    head = zlib.compressobj(9, zlib.DEFLATED, 31)
    first = head.compress(zeros) + head.flush(zlib.Z_FULL_FLUSH)
    raw = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = raw.compress(zeros) + raw.flush(zlib.Z_FULL_FLUSH)  # identical for every MiB after a full flush
    crc = 0
    for _ in range(megabytes):
        crc = zlib.crc32(zeros, crc)
    return first + block * (megabytes - 1) + raw.flush(zlib.Z_FINISH) + struct.pack("<II", crc, (megabytes << 20) & 0xFFFFFFFF)


def gzip_bytes(data: bytes) -> bytes:
    c = zlib.compressobj(6, zlib.DEFLATED, 31)
    return c.compress(data) + c.flush()


class Req:
    def __init__(self, method: str, target: str, headers: dict[str, str], server: HostileServer):
        self.method, self.target, self.headers, self.server = method, target, headers, server
        parts = urlsplit(target)
        self.path, self.query = parts.path, {k: v[0] for k, v in parse_qs(parts.query).items()}


def response(status: int, headers: list[tuple[str, str]] | None = None, body: bytes = b"", reason: str = "X") -> bytes:
    lines = [f"HTTP/1.1 {status} {reason}"]
    hdrs = list(headers or [])
    if not any(k.lower() in ("content-length", "transfer-encoding") for k, _ in hdrs):
        hdrs.append(("Content-Length", str(len(body))))
    hdrs.append(("Connection", "close"))
    lines += [f"{k}: {v}" for k, v in hdrs]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


class _Handler(socketserver.BaseRequestHandler):
    def handle(self):
        sock = self.request
        sock.settimeout(10)
        data = b""
        try:
            while b"\r\n\r\n" not in data and len(data) < 65536:
                chunk = sock.recv(4096)
                if not chunk:
                    return
                data += chunk
        except OSError:
            return
        head = data.split(b"\r\n\r\n", 1)[0].decode("latin-1")
        request_line, *header_lines = head.split("\r\n")
        method, target, _ = (request_line.split(" ") + ["", ""])[:3]
        headers = {}
        for line in header_lines:
            k, _, v = line.partition(":")
            headers[k.strip().lower()] = v.strip()
        srv: HostileServer = self.server.owner  # type: ignore[attr-defined]
        req = Req(method, target, headers, srv)
        srv.log.append((time.monotonic(), req.path, headers))
        srv.hits[req.path] += 1
        handler = srv.routes.get(req.path)
        try:
            if handler is None:
                sock.sendall(response(404, [("Content-Type", "text/plain")], b"not here"))
            else:
                out = handler(req, sock)
                if out:
                    sock.sendall(out)
        except OSError:  # the client gave up on us: that is the point of most cases
            pass


class _TCPServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


class HostileServer:
    def __init__(self, routes: dict[str, Callable[[Req, object], bytes | None]]):
        self.routes = dict(routes)
        self.log: list[tuple[float, str, dict]] = []
        self.hits: Counter = Counter()
        self._srv = _TCPServer(("127.0.0.1", 0), _Handler)
        self._srv.owner = self  # type: ignore[attr-defined]
        self.port = self._srv.server_address[1]
        self.base = f"http://127.0.0.1:{self.port}"
        self.host = f"127.0.0.1:{self.port}"

    def url(self, path: str) -> str:
        return self.base + path

    def start(self) -> HostileServer:
        threading.Thread(target=self._srv.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self._srv.shutdown()
        self._srv.server_close()


@contextmanager
def serve(routes: dict) -> HostileServer:
    srv = HostileServer(routes).start()
    try:
        yield srv
    finally:
        srv.stop()


# -- behaviours --------------------------------------------------------------------

def static(status: int = 200, body: bytes = b"", ctype: str | None = "text/html; charset=utf-8", headers=()):
    def route(req: Req, sock) -> bytes:
        hdrs = ([("Content-Type", ctype)] if ctype else []) + list(headers)
        return response(status, hdrs, body)
    return route


def trickle_body(interval: float = 0.5, limit: float = 20.0):
    """Headers at once, then one byte every `interval` seconds: never trips a read timeout."""
    def route(req: Req, sock) -> None:
        sock.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 100000\r\n\r\n")
        end = time.monotonic() + limit
        while time.monotonic() < end:
            sock.sendall(b"<")
            time.sleep(interval)
    return route


def trickle_headers(interval: float = 0.3, limit: float = 20.0):
    def route(req: Req, sock) -> None:
        sock.sendall(b"HTTP/1.1 200 OK\r\n")
        end = time.monotonic() + limit
        while time.monotonic() < end:
            sock.sendall(b"X")
            time.sleep(interval)
    return route


def silent(limit: float = 15.0):
    def route(req: Req, sock) -> None:
        time.sleep(limit)
    return route


def endless_chunks(chunk: int = 65536, limit: float = 20.0):
    """Chunked transfer with no end and no Content-Length: only a streaming cap stops it."""
    def route(req: Req, sock) -> None:
        sock.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nTransfer-Encoding: chunked\r\n\r\n")
        piece = b"%x\r\n" % chunk + b"a" * chunk + b"\r\n"
        end = time.monotonic() + limit
        while time.monotonic() < end:
            sock.sendall(piece)
    return route


def redirect(location: str | Callable[[Req], str], status: int = 302):
    def route(req: Req, sock) -> bytes:
        loc = location(req) if callable(location) else location
        return response(status, [("Location", loc)])
    return route


def raw(data: bytes):
    def route(req: Req, sock) -> bytes:
        return data
    return route


def flaky(fail_times: int, fail: bytes, then: bytes):
    """Fails the first `fail_times` hits of this path, then answers `then`."""
    def route(req: Req, sock) -> bytes:
        return fail if req.server.hits[req.path] <= fail_times else then
    return route
