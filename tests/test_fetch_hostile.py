"""The fetcher against a hostile server on 127.0.0.1: every case ends in a
recorded, classified error code within its deadline, never an exception or
a hang. Deadlines are small (2 s) so the whole suite stays quick."""
from __future__ import annotations

import codecs
import time
import tracemalloc

import pytest

from extractors import content
from extractors.feeds import parse_feed
from extractors.http import Fetcher, FetchPolicy, FetchRequest
from extractors.politeness import HostGates
from extractors.robots import RobotsCache
from tests.hostile import (
    endless_chunks, flaky, good_html, gzip_bomb, gzip_bytes, raw, redirect, response, rss, serve, silent, static,
    trickle_body, trickle_headers,
)

DEADLINE = 2.0
SLACK = 1.5  # scheduling and teardown on a loaded CI machine
CAP = 1_000_000

CP1252_TEXT = "Les négociations à Genève : « détente » ou trêve commerciale ? Über Zölle, señor."


def _routes(srv_port_holder: dict) -> dict:
    me = lambda: srv_port_holder["port"]  # noqa: E731
    html = good_html("Good page")
    return {
        "/good": static(body=html),
        "/good-gzip": static(body=gzip_bytes(html), headers=[("Content-Encoding", "gzip")]),
        "/good-deflate-raw": static(body=(lambda c: c.compress(html) + c.flush())(__import__("zlib").compressobj(6, 8, -15)),
                                    headers=[("Content-Encoding", "deflate")]),
        "/trickle": trickle_body(0.5),
        "/trickle-headers": trickle_headers(0.3),
        "/silent": silent(),
        "/gzip-bomb": static(body=gzip_bomb(512), headers=[("Content-Encoding", "gzip")]),
        "/stacked": static(body=gzip_bytes(gzip_bytes(html)), headers=[("Content-Encoding", "gzip, gzip")]),
        "/stacked-two-headers": static(body=gzip_bytes(gzip_bytes(html)),
                                       headers=[("Content-Encoding", "gzip"), ("Content-Encoding", "gzip")]),
        "/brotli": static(body=b"\x0b\x02\x80hello\x03", headers=[("Content-Encoding", "br")]),
        "/gzip-truncated": static(body=gzip_bytes(html)[:200], headers=[("Content-Encoding", "gzip")]),
        "/gzip-in-gzip": static(body=gzip_bytes(gzip_bytes(html)), headers=[("Content-Encoding", "gzip")]),
        "/declared-huge": raw(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 50000000\r\n\r\n<html>"),
        "/endless": endless_chunks(),
        "/loop": redirect(lambda r: "/loop"),
        "/chain": redirect(lambda r: f"/chain?len={r.query['len']}&n={int(r.query.get('n', 0)) + 1}"
                           if int(r.query.get("n", 0)) < int(r.query["len"]) - 1 else "/good"),
        "/to": redirect(lambda r: r.query["u"].replace("PORT", str(me()))),
        "/pdf": static(body=b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj <<>> endobj\n" * 50, ctype="application/pdf"),
        "/pdf-as-html": static(body=b"%PDF-1.4\n" + b"\x00\x01binary" * 100, ctype="text/html"),
        "/png": static(body=b"\x89PNG\r\n\x1a\n" + b"\x00" * 500, ctype="image/png"),
        "/octet-nul": static(body=b"MZ\x90\x00\x03" + b"\x00" * 500, ctype="application/octet-stream"),
        "/entity-bomb": static(body=rss([("a", "/good")], '<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">]>'),
                               ctype="application/rss+xml"),
        "/xxe": static(body=rss([("a", "/good")], '<!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'),
                       ctype="application/rss+xml"),
        "/links": static(body=rss([("rel", "/good"), ("js", "javascript:alert(1)"), ("file", "file:///etc/passwd"),
                                   ("data", "data:text/html,hi"), ("abs", "https://example.org/a"), ("ftp", "ftp://x/y"),
                                   ("huge", "http://x.org/" + "a" * 5000)]),
                         ctype="application/rss+xml"),
        "/not-a-feed": static(body=b"\x00\x01\x02" * 1000, ctype="application/rss+xml"),
        "/cp1252": static(body=f"<html><body><p>{CP1252_TEXT}</p></body></html>".encode("cp1252"), ctype="text/html"),
        "/lying-utf8": static(body=f"<html><body><p>{CP1252_TEXT}</p></body></html>".encode("cp1252"),
                              ctype="text/html; charset=utf-8"),
        "/meta-charset": static(body=f"<html><head><meta charset='iso-8859-1'></head><body><p>{CP1252_TEXT[:40]}</p></body></html>".encode("latin-1"),
                                ctype="text/html"),
        "/404": static(404, b"gone"),
        "/410": static(410, b"gone for good"),
        "/429-once": flaky(1, response(429, [("Retry-After", "1")]), response(200, [("Content-Type", "text/html")], html)),
        "/503-date": flaky(1, response(503, [("Retry-After", "Wed, 21 Oct 2015 07:28:00 GMT")]),
                           response(200, [("Content-Type", "text/html")], html)),
        "/500-twice": flaky(2, response(500), response(200, [("Content-Type", "text/html")], html)),
        "/header-bomb": raw(b"HTTP/1.1 200 OK\r\nX-Junk: " + b"a" * 200_000 + b"\r\nContent-Length: 2\r\n\r\nhi"),
        "/garbage": raw(b"SSH-2.0-OpenSSH_9.6\r\n\x00\x01\x02 not http at all\r\n\r\n"),
        "/short-body": raw(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 5000\r\n\r\n<html>only this"),
        "/etag": lambda r, s: (response(304, [("ETag", '"v1"')]) if r.headers.get("if-none-match") == '"v1"'
                               else response(200, [("ETag", '"v1"'), ("Content-Type", "application/rss+xml")], rss([("a", "/good")]))),
    }


@pytest.fixture(scope="module")
def hostile():
    holder: dict = {}
    with serve(_routes(holder)) as srv:
        holder["port"] = srv.port
        yield srv


def policy(srv, **kw) -> FetchPolicy:
    base = dict(allow_hosts=frozenset({srv.host}), min_interval=0.0, total_deadline=DEADLINE, connect_timeout=1.0,
                read_timeout=1.0, max_bytes=CAP, max_retries=0, backoff_base=0.05, max_retry_after=2.0,
                max_total_wait=3.0, respect_robots=False)
    base.update(kw)
    return FetchPolicy(**base)


@pytest.fixture
def fetch(hostile):
    """fetch(path_or_url, **policy overrides) -> FetchResult, with isolated robots cache and gates."""
    def go(target: str, kind: str = "page", etag: str | None = None, **kw):
        url = hostile.url(target) if target.startswith("/") else target
        with Fetcher(policy(hostile, **kw), robots=RobotsCache(), gates=HostGates()) as f:
            return f.fetch(FetchRequest(url, etag=etag, kind=kind))
    return go


def assert_error(res, code: str, within: float = DEADLINE + SLACK):
    assert res.error == code, (res.error, res.error_detail)
    assert res.body is None
    assert res.elapsed < within, f"{code} took {res.elapsed:.1f} s"


# -- baseline: the good paths work ------------------------------------------------

def test_good_page_plain_gzip_and_raw_deflate(fetch):
    for path in ("/good", "/good-gzip", "/good-deflate-raw"):
        res = fetch(path)
        assert res.ok and res.body.startswith(b"<!doctype html>"), (path, res.error, res.error_detail)


# -- time ------------------------------------------------------------------------------

def test_trickled_body_hits_the_total_deadline(fetch):
    res = fetch("/trickle")  # read timeout 1 s never fires: a byte arrives every 0.5 s
    assert_error(res, "deadline_exceeded")
    assert res.elapsed >= DEADLINE - 0.1


def test_trickled_headers_hit_the_total_deadline(fetch):
    assert_error(fetch("/trickle-headers"), "deadline_exceeded")


def test_silent_server_times_out(fetch):
    res = fetch("/silent")
    assert res.error in ("timeout", "deadline_exceeded")
    assert res.elapsed < DEADLINE + SLACK


def test_unroutable_connect_is_bounded(fetch, hostile):
    # A closed local port: refused at once, classified, not raised.
    assert_error(fetch("http://127.0.0.1:9/x", allow_hosts=frozenset({"127.0.0.1:9"})), "connect_error")


# -- size and encodings -----------------------------------------------------------------

def test_gzip_bomb_is_stopped_under_the_cap_without_inflating_it(fetch):
    tracemalloc.start()
    try:
        res = fetch("/gzip-bomb")  # 0.5 MB on the wire, 512 MiB inflated
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert_error(res, "decompression_bomb")
    assert peak < 50_000_000, f"peak {peak / 1e6:.0f} MB while refusing a bomb"


def test_stacked_content_encodings_are_refused(fetch):
    assert_error(fetch("/stacked"), "stacked_encoding")


def test_stacked_encodings_in_two_headers_are_refused(fetch):
    assert_error(fetch("/stacked-two-headers"), "stacked_encoding")


def test_unadvertised_encoding_is_refused(fetch):
    assert_error(fetch("/brotli"), "unsupported_encoding")


def test_truncated_gzip_is_a_decode_error(fetch):
    assert_error(fetch("/gzip-truncated"), "decode_error")


def test_gzip_inside_gzip_is_binary_not_inflated_twice(fetch):
    assert_error(fetch("/gzip-in-gzip"), "binary_content")


def test_declared_oversize_is_refused_before_reading(fetch):
    assert_error(fetch("/declared-huge"), "too_large", within=1.0)


def test_endless_chunked_body_is_cut_at_the_cap_while_streaming(fetch):
    assert_error(fetch("/endless"), "too_large")


def test_page_size_cap_is_configurable(fetch):
    assert_error(fetch("/good", max_bytes=1000), "too_large")


# -- redirects -------------------------------------------------------------------------

def test_redirect_loop_stops(fetch):
    res = fetch("/loop")
    assert_error(res, "too_many_redirects")
    assert len(res.redirects) == 6


def test_five_redirects_are_followed_six_are_not(fetch):
    assert fetch("/chain?len=5").ok
    assert_error(fetch("/chain?len=6"), "too_many_redirects")


@pytest.mark.parametrize("target", [
    "http://localhost:PORT/good",            # a DNS name resolving to loopback
    "http://127.1:PORT/good",                # short dotted form
    "http://0x7f000001:PORT/good",           # hex
    "http://2130706433:PORT/good",           # decimal
    "http://017700000001:PORT/good",         # octal
    "http://[::ffff:127.0.0.1]:PORT/good",   # IPv4-mapped IPv6
    "http://[::1]:PORT/good",                # IPv6 loopback
    "http://127.0.0.2:PORT/good",            # other loopback address
    "http://10.0.0.1/x",                     # private
    "http://169.254.169.254/latest/meta-data/",  # cloud metadata (link-local)
    "http://100.64.0.1/x",                   # CGNAT
    "http://0.0.0.0:PORT/x",                 # unspecified: reaches localhost on Linux
])
def test_redirect_to_internal_address_is_refused_at_connect(fetch, hostile, target):
    res = fetch("/to?u=" + target)
    assert_error(res, "ssrf_blocked")
    assert res.redirects, "the refusal happened on the redirect hop"


def test_direct_request_to_non_allow_listed_loopback_is_refused(fetch, hostile):
    # The allow-list names this server's host:port; another port on the same IP is not in it.
    assert_error(fetch(f"http://127.0.0.1:{hostile.port + 1}/x"), "ssrf_blocked", within=0.5)


def test_dns_name_resolving_to_private_address_is_refused(fetch, monkeypatch):
    import extractors.ssrf as ssrf

    real = ssrf.socket.getaddrinfo
    fake = {"intranet.test": "10.1.2.3", "rebind.test": ["93.184.216.34", "127.0.0.1"]}

    def getaddrinfo(host, port, *a, **kw):
        if host in fake:
            addrs = fake[host] if isinstance(fake[host], list) else [fake[host]]
            return [(2, 1, 6, "", (a_, port)) for a_ in addrs]
        return real(host, port, *a, **kw)

    monkeypatch.setattr(ssrf.socket, "getaddrinfo", getaddrinfo)
    assert_error(fetch("http://intranet.test/feed"), "ssrf_blocked", within=0.5)
    assert_error(fetch("http://rebind.test/feed"), "ssrf_blocked", within=0.5)


@pytest.mark.parametrize("location", ["file:///etc/passwd", "gopher://127.0.0.1:6379/_INFO", "ftp://example.org/x",
                                      "javascript:alert(1)"])
def test_redirect_to_other_scheme_is_refused(fetch, location):
    assert_error(fetch("/to?u=" + location), "bad_scheme", within=0.5)


def test_non_http_request_url_is_refused(fetch):
    assert_error(fetch("file:///etc/passwd"), "bad_scheme", within=0.5)


# -- content ---------------------------------------------------------------------------

def test_pdf_is_skipped_with_a_reason(fetch):
    res = fetch("/pdf")
    assert_error(res, "pdf_content")
    assert "pdf" in res.error_detail


def test_pdf_served_as_html_is_caught_by_magic_bytes(fetch):
    assert_error(fetch("/pdf-as-html"), "pdf_content")


def test_image_is_binary_content(fetch):
    assert_error(fetch("/png"), "binary_content")


def test_executable_as_octet_stream_is_binary_content(fetch):
    assert_error(fetch("/octet-nul"), "binary_content")


def test_billion_laughs_feed_is_rejected_before_feedparser(fetch):
    res = fetch("/entity-bomb", kind="feed")
    assert res.ok
    parsed = parse_feed(res.body, res.final_url, res.content_type)
    assert parsed.error == "xml_entities" and parsed.entries == []


def test_external_entity_feed_is_rejected(fetch):
    res = fetch("/xxe", kind="feed")
    parsed = parse_feed(res.body, res.final_url)
    assert parsed.error == "xml_entities"


def test_feed_links_resolved_and_dangerous_schemes_dropped(fetch, hostile):
    res = fetch("/links", kind="feed")
    urls = [e.url for e in parse_feed(res.body, res.final_url).entries]
    assert urls == [hostile.url("/good"), "https://example.org/a"]


def test_binary_feed_is_refused(fetch):
    assert_error(fetch("/not-a-feed", kind="feed"), "binary_content")


def test_feedparser_refuses_str_input():
    with pytest.raises(TypeError):
        parse_feed("/etc/passwd", "http://example.org/")  # type: ignore[arg-type]


def test_undeclared_encoding_is_detected_and_handed_over_as_utf8_bytes(fetch):
    res = fetch("/cp1252")
    data, enc, source = content.utf8_bytes(res.body, res.content_type)
    assert isinstance(data, bytes) and source == "detected"
    assert CP1252_TEXT in data.decode("utf-8")


def test_charset_header_that_lies_falls_back_to_detection(fetch):
    res = fetch("/lying-utf8")
    data, _enc, source = content.utf8_bytes(res.body, res.content_type)
    assert source == "detected" and CP1252_TEXT in data.decode("utf-8")


def test_meta_charset_is_honoured(fetch):
    res = fetch("/meta-charset")
    data, enc, source = content.utf8_bytes(res.body, res.content_type)
    assert (codecs.lookup(enc).name, source) == ("iso8859-1", "meta")
    assert CP1252_TEXT[:40] in data.decode("utf-8")


# -- protocol abuse ----------------------------------------------------------------------

def test_oversized_headers_are_a_protocol_error(fetch):
    assert_error(fetch("/header-bomb"), "protocol_error")


def test_non_http_answer_is_a_protocol_error(fetch):
    assert_error(fetch("/garbage"), "protocol_error")


def test_body_shorter_than_content_length_is_an_error(fetch):
    res = fetch("/short-body")
    assert res.error in ("protocol_error", "network_error"), res.error


# -- status handling ----------------------------------------------------------------------

def test_404_and_410_are_classified(fetch):
    assert_error(fetch("/404"), "http_404", within=0.5)
    assert_error(fetch("/410"), "http_410", within=0.5)


def test_429_with_retry_after_seconds_is_waited_for_then_retried(fetch):
    t = time.monotonic()
    res = fetch("/429-once", max_retries=2)
    assert res.ok and res.attempts == 2
    assert time.monotonic() - t >= 0.9


def test_503_with_retry_after_date_in_the_past_retries_at_once(fetch):
    res = fetch("/503-date", max_retries=1)
    assert res.ok and res.attempts == 2 and res.elapsed < 1.0


def test_transient_500s_back_off_with_jitter_and_recover(fetch):
    res = fetch("/500-twice", max_retries=2)
    assert res.ok and res.attempts == 3


def test_retry_after_beyond_the_cap_is_not_waited_for_and_blocks_the_host():
    gates = HostGates()
    routes = {"/a": static(429, b"", headers=[("Retry-After", "3600")]), "/b": static(body=good_html("b"))}
    with serve(routes) as srv:
        with Fetcher(policy(srv, max_retries=3), robots=RobotsCache(), gates=gates) as f:
            first = f.fetch(FetchRequest(srv.url("/a")))
            second = f.fetch(FetchRequest(srv.url("/b")))
    assert_error(first, "http_429", within=1.0)
    assert first.retry_after == 3600 and first.attempts == 1
    assert_error(second, "host_backoff", within=0.5)
    assert srv.hits["/b"] == 0  # we did not knock again


def test_conditional_get_sends_validators_and_counts_304(fetch, hostile):
    first = fetch("/etag", kind="feed")
    assert first.ok and first.etag == '"v1"' and not first.conditional
    second = fetch("/etag", kind="feed", etag=first.etag)
    assert second.not_modified and second.conditional and second.ok
    assert hostile.log[-1][2].get("if-none-match") == '"v1"'


def test_user_agent_and_accept_encoding_are_ours(fetch, hostile):
    fetch("/good", user_agent="framewatch/0.1 (+mailto:ops@example.org)")
    headers = hostile.log[-1][2]
    assert headers["user-agent"] == "framewatch/0.1 (+mailto:ops@example.org)"
    assert headers["accept-encoding"] == "gzip, deflate"
