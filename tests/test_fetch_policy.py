"""Being a good citizen: robots.txt, per-host politeness, the SSRF address
policy, Retry-After parsing and feed health transitions."""
from __future__ import annotations

import threading
import time
from datetime import datetime, timezone

import pytest

from extractors.feed_health import feed_moved, is_flagged, next_feed_state
from extractors.http import Fetcher, FetchPolicy, FetchRequest, FetchResult, backoff_delay, parse_retry_after
from extractors.politeness import HostGates, user_agent
from extractors.robots import RobotsCache
from extractors.ssrf import AddressPolicy, SSRFBlocked, blocked_reason
from tests.hostile import good_html, serve, static

ROBOTS = b"User-agent: *\nDisallow: /private/\nAllow: /private/ok$\n\nUser-agent: framewatch\nDisallow: /nofw/\nCrawl-delay: 0.4\n"


def pol(srv, **kw) -> FetchPolicy:
    base = dict(allow_hosts=frozenset({srv.host}), min_interval=0.0, total_deadline=2.0, read_timeout=1.0,
                connect_timeout=1.0, max_retries=0, respect_robots=True)
    base.update(kw)
    return FetchPolicy(**base)


def fetch_all(srv, paths, **kw):
    with Fetcher(pol(srv, **kw), robots=RobotsCache(), gates=HostGates()) as f:
        return [f.fetch(FetchRequest(srv.url(p))) for p in paths]


# -- robots.txt ----------------------------------------------------------------------------

def test_robots_disallowed_path_is_recorded_and_never_requested():
    page = static(body=good_html("p"))
    with serve({"/robots.txt": static(body=ROBOTS, ctype="text/plain"), "/private/x": page, "/nofw/y": page,
                "/private/ok": page, "/public": page}) as srv:
        res = fetch_all(srv, ["/private/x", "/nofw/y", "/private/ok", "/public"])
    # Our own group (framewatch) applies, not '*': /private/ is open to us, /nofw/ is not.
    assert [r.error for r in res] == [None, "robots_disallowed", None, None]
    assert res[1].error_detail == "disallowed by robots.txt" and srv.hits["/nofw/y"] == 0
    assert srv.hits["/robots.txt"] == 1  # cached per origin


def test_robots_longest_match_and_wildcards_per_rfc9309():
    robots = b"User-agent: *\nDisallow: /*.pdf$\nDisallow: /reports/\nAllow: /reports/public/\n"
    page = static(body=good_html("p"))
    with serve({"/robots.txt": static(body=robots, ctype="text/plain"), "/reports/public/a": page,
                "/reports/b": page, "/x.pdf": page, "/x.pdf.html": page}) as srv:
        res = fetch_all(srv, ["/reports/public/a", "/reports/b", "/x.pdf", "/x.pdf.html"])
    assert [r.error for r in res] == [None, "robots_disallowed", "robots_disallowed", None]


def test_robots_5xx_means_everything_disallowed():
    with serve({"/robots.txt": static(503, b"down"), "/a": static(body=good_html("a"))}) as srv:
        (res,) = fetch_all(srv, ["/a"])
    assert res.error == "robots_disallowed" and "http_503" in res.error_detail
    assert srv.hits["/a"] == 0


def test_robots_unreachable_means_everything_disallowed():
    def hang_up(req, sock):
        return b"garbage\r\n\r\n"
    with serve({"/robots.txt": hang_up, "/a": static(body=good_html("a"))}) as srv:
        (res,) = fetch_all(srv, ["/a"])
    assert res.error == "robots_disallowed" and srv.hits["/a"] == 0


def test_a_refused_connection_is_a_connection_failure_not_a_robots_refusal():
    import socket

    with socket.socket() as sock:  # a port nothing listens on: bind, never listen
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        policy = FetchPolicy(allow_hosts=frozenset({"127.0.0.1"}), min_interval=0.0, connect_timeout=1.0,
                             total_deadline=2.0, max_retries=0, respect_robots=True)
        with Fetcher(policy, robots=RobotsCache(), gates=HostGates()) as f:
            res = f.fetch(FetchRequest(f"http://127.0.0.1:{port}/a"))
    assert res.error == "connect_error", (res.error, res.error_detail)
    assert "robots" not in (res.error_detail or "")


def test_robots_4xx_means_everything_allowed():
    with serve({"/a": static(body=good_html("a"))}) as srv:  # /robots.txt is a 404
        (res,) = fetch_all(srv, ["/a"])
    assert res.ok and srv.hits["/robots.txt"] == 1


def test_robots_cache_expires_after_its_ttl():
    cache = RobotsCache(ttl=0.2)
    with serve({"/robots.txt": static(body=b"User-agent: *\nAllow: /\n", ctype="text/plain"),
                "/a": static(body=good_html("a"))}) as srv:
        with Fetcher(pol(srv), robots=cache, gates=HostGates()) as f:
            f.fetch(FetchRequest(srv.url("/a")))
            f.fetch(FetchRequest(srv.url("/a")))
            time.sleep(0.3)
            f.fetch(FetchRequest(srv.url("/a")))
    assert srv.hits["/robots.txt"] == 2


def test_crawl_delay_spaces_requests_to_the_host():
    with serve({"/robots.txt": static(body=ROBOTS, ctype="text/plain"), "/a": static(body=good_html("a"))}) as srv:
        fetch_all(srv, ["/a", "/a", "/a"])
    starts = [t for t, path, _ in srv.log if path == "/a"]
    gaps = [b - a for a, b in zip(starts, starts[1:])]
    assert len(gaps) == 2 and min(gaps) >= 0.35, gaps


def test_robots_request_carries_our_user_agent():
    with serve({"/a": static(body=good_html("a"))}) as srv:
        fetch_all(srv, ["/a"], user_agent=user_agent("ops@example.org"))
    ua = [h for _, path, h in srv.log if path == "/robots.txt"][0]["user-agent"]
    assert ua == "framewatch/0.1 (+mailto:ops@example.org)"


# -- politeness ------------------------------------------------------------------------------

def test_one_host_is_spaced_by_min_interval_and_never_concurrent():
    in_flight, peak = [0], [0]
    lock = threading.Lock()

    def slow(req, sock):
        with lock:
            in_flight[0] += 1
            peak[0] = max(peak[0], in_flight[0])
        time.sleep(0.1)
        with lock:
            in_flight[0] -= 1
        return static(body=good_html("a"))(req, sock)

    with serve({"/a": slow}) as srv:
        with Fetcher(pol(srv, min_interval=0.3, respect_robots=False, max_hosts_in_parallel=8),
                     robots=RobotsCache(), gates=HostGates()) as f:
            res = f.fetch_many([FetchRequest(srv.url("/a")) for _ in range(4)])
    assert all(r.ok for r in res)
    starts = sorted(t for t, path, _ in srv.log if path == "/a")
    # server-side arrival times: allow a little scheduling jitter around the 0.3 s interval
    assert min(b - a for a, b in zip(starts, starts[1:])) >= 0.25
    assert peak[0] == 1


def test_different_hosts_proceed_in_parallel():
    def slow(req, sock):
        time.sleep(0.6)
        return static(body=good_html("a"))(req, sock)

    with serve({"/a": slow}) as one, serve({"/a": slow}) as two, serve({"/a": slow}) as three:
        p = FetchPolicy(allow_hosts=frozenset({one.host, two.host, three.host}), min_interval=1.0,
                        respect_robots=False, max_retries=0, total_deadline=3.0)
        t = time.monotonic()
        with Fetcher(p, robots=RobotsCache(), gates=HostGates()) as f:
            res = f.fetch_many([FetchRequest(s.url("/a")) for s in (one, two, three)])
        took = time.monotonic() - t
    assert all(r.ok for r in res)
    assert took < 1.5, f"three hosts took {took:.2f} s: they were serialised"


def test_user_agent_names_framewatch_and_a_contact():
    assert user_agent("https://example.org/bot") == "framewatch/0.1 (+https://example.org/bot)"
    assert user_agent("ops@example.org").endswith("(+mailto:ops@example.org)")


# -- SSRF address policy (numeric forms, no network) -------------------------------------------

@pytest.mark.parametrize("address", [
    "127.0.0.1", "127.255.255.254", "10.0.0.1", "172.16.5.4", "192.168.1.1", "169.254.169.254", "100.64.0.1",
    "100.127.255.254", "224.0.0.1", "240.0.0.1", "255.255.255.255", "0.0.0.0", "::1", "::", "fe80::1", "fc00::1",
    "ff02::1", "::ffff:127.0.0.1", "::ffff:10.0.0.1", "::127.0.0.1", "64:ff9b::a00:1", "2002:7f00:1::", "198.18.0.1",
])
def test_internal_addresses_are_blocked(address):
    assert blocked_reason(address)


@pytest.mark.parametrize("address", ["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111", "1.1.1.1"])
def test_public_addresses_pass(address):
    assert blocked_reason(address) is None


@pytest.mark.parametrize("host", ["127.1", "0x7f000001", "2130706433", "017700000001", "0177.0.0.1", "localhost",
                                  "127.000.000.001", "0"])
def test_numeric_and_named_loopback_forms_resolve_to_a_blocked_address(host):
    with pytest.raises(SSRFBlocked):
        AddressPolicy().resolve_checked(host, 80)


def test_dns_answer_with_any_private_address_is_refused():
    policy = AddressPolicy(resolver=lambda h, p: ["93.184.216.34", "10.0.0.7"])
    with pytest.raises(SSRFBlocked):
        policy.resolve_checked("cdn.example", 443)


def test_allow_list_matches_the_host_as_written_with_optional_port():
    policy = AddressPolicy(frozenset({"127.0.0.1:8080", "demo.local"}), resolver=lambda h, p: ["127.0.0.1"])
    assert policy.resolve_checked("127.0.0.1", 8080) == ["127.0.0.1"]
    assert policy.resolve_checked("demo.local", 1234) == ["127.0.0.1"]
    for host, port in (("127.0.0.1", 8081), ("127.1", 8080), ("localhost", 8080)):
        with pytest.raises(SSRFBlocked):
            policy.resolve_checked(host, port)


# -- Retry-After and back-off ------------------------------------------------------------------

def test_retry_after_seconds_and_http_date():
    now = datetime(2026, 1, 5, 12, 0, 0, tzinfo=timezone.utc).timestamp()
    assert parse_retry_after("120") == 120
    assert parse_retry_after("Mon, 05 Jan 2026 12:02:00 GMT", now=now) == 120
    assert parse_retry_after("Mon, 05 Jan 2026 11:00:00 GMT", now=now) == 0
    assert parse_retry_after("soon") is None and parse_retry_after(None) is None


def test_backoff_is_exponential_capped_and_jittered():
    delays = [backoff_delay(a, 1.0, 8.0) for a in range(10) for _ in range(20)]
    assert all(0 <= d <= 8.0 for d in delays)
    assert len(set(round(d, 6) for d in delays)) > 100  # jittered, not lock-step
    assert max(backoff_delay(0, 1.0, 8.0) for _ in range(50)) <= 1.0


# -- feed health -----------------------------------------------------------------------------

NOW = datetime(2026, 1, 5, tzinfo=timezone.utc)


def _res(**kw) -> FetchResult:
    return FetchResult(url="http://a.org/feed", final_url=kw.pop("final_url", "http://a.org/feed"), **kw)


def test_410_disables_the_feed():
    st = next_feed_state({"current_feed_url": "http://a.org/feed"}, _res(status=410, error="http_410"), None, 0, NOW)
    assert st["disabled"] and "410" in st["disabled_reason"] and st["consecutive_failures"] == 1


def test_301_updates_the_stored_url_once_the_new_location_answers():
    prev = {"current_feed_url": "http://a.org/feed"}
    ok = _res(status=200, body=b"<rss/>", permanent_redirect="https://a.org/rss", final_url="https://a.org/rss")
    st = next_feed_state(prev, ok, "h", 0, NOW)
    assert st["current_feed_url"] == "https://a.org/rss"
    assert feed_moved(prev, st) == ("http://a.org/feed", "https://a.org/rss")
    broken = _res(status=404, error="http_404", permanent_redirect="https://a.org/rss")
    assert next_feed_state(prev, broken, None, 0, NOW)["current_feed_url"] == "http://a.org/feed"


def test_404_counts_as_failure_and_k_in_a_row_flags_the_feed():
    st: dict = {"current_feed_url": "http://a.org/feed"}
    for i in range(3):
        st = next_feed_state(st, _res(status=404, error="http_404", error_detail="HTTP 404"), None, 0, NOW)
        assert is_flagged(st, 3) == (i == 2)
    assert st["last_error"].startswith("http_404") and not st["disabled"]
    st = next_feed_state(st, _res(status=304), None, 0, NOW)  # any success resets
    assert st["consecutive_failures"] == 0 and not is_flagged(st, 3)
