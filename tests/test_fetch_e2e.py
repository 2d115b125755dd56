"""The real daily_ingest flow against hostile feeds and pages beside good ones:
the run completes, the good items load, every bad case is in fetch_errors with
its reason, and memory stays bounded. A second run is conditional (304s)."""
from __future__ import annotations

import os
import resource
import time

import duckdb
import pytest

from demo.server import DemoSite
from flows.daily_ingest import daily_ingest
from tests.conftest import ingest_overrides
from tests.hostile import (
    endless_chunks, good_html, gzip_bomb, gzip_bytes, redirect, rss, serve, static, trickle_body,
)

pytestmark = pytest.mark.usefixtures("prefect_harness")

ROBOTS = b"User-agent: *\nDisallow: /private/\n"
BAD_PAGES = {  # path -> the reason code it must be recorded with
    "/trickle": "deadline_exceeded",
    "/bomb": "decompression_bomb",
    "/stacked": "stacked_encoding",
    "/endless": "too_large",
    "/report.pdf": "pdf_content",
    "/image": "binary_content",
    "/loop": "too_many_redirects",
    "/to-metadata": "ssrf_blocked",
    "/to-localhost": "ssrf_blocked",
    "/private/draft": "robots_disallowed",
    "/missing": "http_404",
}
BAD_FEEDS = {  # source id -> reason
    "entities": "xml_entities",
    "feedbomb": "decompression_bomb",
    "slowfeed": "deadline_exceeded",
    "gone": "http_410",
}


def _etag_feed(body: bytes):
    def route(req, sock):
        from tests.hostile import response
        if req.headers.get("if-none-match") == '"f1"':
            return response(304, [("ETag", '"f1"')])
        return response(200, [("Content-Type", "application/rss+xml"), ("ETag", '"f1"')], body)
    return route


def _routes(port: dict) -> dict:
    items = [("Good one", "/good1"), ("Script", "javascript:alert(1)")] + [(p, p) for p in BAD_PAGES]
    billion = '<!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
    return {
        "/robots.txt": static(body=ROBOTS, ctype="text/plain"),
        "/feed.xml": _etag_feed(rss(items)),
        "/entities.xml": static(body=rss([("x", "/good1")], billion), ctype="application/rss+xml"),
        "/feedbomb.xml": static(body=gzip_bomb(1024), ctype="application/rss+xml", headers=[("Content-Encoding", "gzip")]),
        "/slowfeed.xml": trickle_body(0.4),
        "/gone.xml": static(410, b"gone"),
        "/old-feed.xml": redirect("/new-feed.xml", status=301),
        "/new-feed.xml": _etag_feed(rss([("Good two", "/good2")])),
        "/good1": static(body=good_html("Tariff truce holds as export controls tighten")),
        "/good2": static(body=gzip_bytes(good_html("Summit diplomacy and the limits of a grand bargain")),
                         headers=[("Content-Encoding", "gzip")]),
        "/trickle": trickle_body(0.5),
        "/bomb": static(body=gzip_bomb(1024), headers=[("Content-Encoding", "gzip")]),
        "/stacked": static(body=gzip_bytes(gzip_bytes(good_html("s"))), headers=[("Content-Encoding", "gzip, gzip")]),
        "/endless": endless_chunks(),
        "/report.pdf": static(body=b"%PDF-1.7\n" + b"x" * 2000, ctype="application/pdf"),
        "/image": static(body=b"\x89PNG\r\n\x1a\n" + b"\x00" * 2000, ctype="image/png"),
        "/loop": redirect("/loop"),
        "/to-metadata": redirect("http://169.254.169.254/latest/meta-data/"),
        "/to-localhost": redirect(lambda r: f"http://localhost:{port['port']}/good1"),
        "/private/draft": static(body=good_html("draft")),
    }


def _count(db: str, sql: str, *args) -> int:
    with duckdb.connect(db, read_only=True) as conn:
        return conn.execute(sql, list(args)).fetchone()[0]


def test_hostile_sources_beside_good_ones(tmp_path, mini_sites):
    holder: dict = {}
    with serve(_routes(holder)) as srv:
        holder["port"] = srv.port

        def site(id_, path):
            return DemoSite(id_, id_.title(), srv.base, srv.url(path), None, "en")

        sites = [*mini_sites, site("hostile", "/feed.xml"), site("moved", "/old-feed.xml"),
                 *(site(sid, f"/{sid}.xml") for sid in BAD_FEEDS)]
        overrides = ingest_overrides(tmp_path, sites, fetch={"total_deadline": 2.0, "read_timeout": 1.0,
                                                             "connect_timeout": 1.0, "max_retries": 0})
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        t = time.monotonic()
        first = daily_ingest(overrides=overrides)
        took = time.monotonic() - t
        rss_growth_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before) / 1024
        second = daily_ingest(overrides=overrides)

    db = first["database"]
    print(f"\nhostile e2e: first run {took:.1f} s, peak RSS growth {rss_growth_mb:.0f} MB, "
          f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    assert first["status"] == "completed_with_errors"
    # the good items beside the bad ones: 3 mini articles, good1, and good2 via the moved feed
    assert first["counts"]["articles_loaded"] == 5, first["errors"]
    for path, reason in BAD_PAGES.items():
        assert _count(db, "SELECT count(*) FROM fetch_errors WHERE run_id = ? AND stage = 'page' AND url = ? AND reason = ?",
                      first["run_id"], srv.url(path), reason) == 1, (path, reason, [e for e in first["errors"] if e["url"] == srv.url(path)])
        assert _count(db, "SELECT count(*) FROM retry_queue WHERE url = ? AND status = 'pending'", srv.url(path)) == 1
    for sid, reason in BAD_FEEDS.items():
        assert _count(db, "SELECT count(*) FROM fetch_errors WHERE run_id = ? AND stage = 'feed' AND source_id = ? AND reason = ?",
                      first["run_id"], sid, reason) == 1, (sid, reason)
    assert _count(db, "SELECT count(*) FROM articles WHERE url LIKE '%javascript%'") == 0
    # 410 disables; 301 moves the stored URL and records the move
    assert _count(db, "SELECT count(*) FROM sources WHERE source_id = 'gone' AND disabled") == 1
    assert _count(db, "SELECT count(*) FROM sources WHERE source_id = 'moved' AND current_feed_url = ?", srv.url("/new-feed.xml")) == 1
    assert _count(db, "SELECT count(*) FROM fetch_errors WHERE source_id = 'moved' AND reason = 'moved_permanently'") == 1
    assert rss_growth_mb < 300, f"peak RSS grew {rss_growth_mb:.0f} MB"
    assert took < 60

    # Second run: the disabled feed is skipped, the good feeds answer 304 to our validators,
    # rows already loaded do not change, and the failed pages are retried (and fail again).
    c = second["counts"]
    assert c["feeds_polled"] == len(sites) - 1
    assert c["feeds_304"] == 3 and c["feeds_conditional"] >= 3  # mini, hostile, moved (at its new URL)
    assert c["articles_loaded"] == 0 and c["retries_due"] == len(BAD_PAGES)
    assert _count(db, "SELECT count(*) FROM articles") == 5
    assert _count(db, "SELECT max(attempts) FROM retry_queue") == 2
    # failing feeds count up (the 410 one is disabled and no longer polled)
    for sid in BAD_FEEDS:
        assert _count(db, "SELECT consecutive_failures FROM sources WHERE source_id = ?", sid) == (1 if sid == "gone" else 2)

    # `framewatch sources` lists feed health from the warehouse
    from typer.testing import CliRunner

    from cli.app import app

    out = CliRunner().invoke(app, ["sources", "-d", os.path.dirname(db)])
    assert out.exit_code == 0, out.output
    assert "source health" in out.output and "gone" in out.output and "hostile" in out.output
