"""The daily flow with each discovery method, against local sites: sitemaps
and the WordPress API load only new articles and never date by <lastmod>;
an operator's edit of feed_url is used on the next run; general outlets go
through the prefilter; and the view, the CLI and the alerts agree on health."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

import duckdb
import pytest

from flows.daily_ingest import daily_ingest
from tests.hostile import good_html, redirect, response, serve, static

pytestmark = pytest.mark.usefixtures("prefect_harness")

NOW = datetime.now(timezone.utc)
RSS = "application/rss+xml"


def _overrides(tmp_path, sources_file) -> dict:
    return {"data_dir": str(tmp_path / "data"), "sources_file": str(sources_file),
            "fetch": {"allow_hosts": ["127.0.0.1"], "min_interval": 0.0, "max_retries": 0, "total_deadline": 5.0}}


def _rows(db: str, sql: str, *args) -> list[tuple]:
    with duckdb.connect(db, read_only=True) as conn:
        return conn.execute(sql, list(args)).fetchall()


def _pages(state: dict):
    """Any other path is an article page (China-related text)."""
    def route(req, sock):
        return response(200, [("Content-Type", "text/html; charset=utf-8")], good_html(f"Piece {req.path}"))
    return route


def _feed(items: list[tuple[str, str, str]]) -> bytes:
    body = "".join(f"<item><title>{t}</title><link>{link}</link><guid>{link}</guid>"
                   f"<pubDate>{format_datetime(NOW - timedelta(days=1))}</pubDate><description>{d}</description></item>"
                   for t, link, d in items)
    return (f'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title><link>http://x.org/</link>{body}'
            "</channel></rss>").encode()


def test_sitemap_and_wpjson_load_only_new_articles_and_never_trust_lastmod(tmp_path):
    day = lambda d: (NOW - timedelta(days=d))  # noqa: E731
    state = {
        "news": [("/news/first-truce-analysis", day(1))],
        "posts": [("/wp/engagement-one", day(2)), ("/wp/engagement-two", day(3))],
    }
    today = f"{NOW:%Y-%m-%d}"

    def news_sitemap(req, sock):
        urls = "".join(
            f"<url><loc>http://{req.headers['host']}{p}</loc><lastmod>2019-01-01</lastmod><news:news><news:publication>"
            f"<news:name>L</news:name><news:language>en</news:language></news:publication>"
            f"<news:publication_date>{d.isoformat()}</news:publication_date><news:title>Title {p}</news:title></news:news></url>"
            for p, d in state["news"])
        return response(200, [("Content-Type", "application/xml")], (
            '<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
            f'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">{urls}</urlset>').encode())

    fresh = f"/{day(2):%Y/%m/%d}/fresh-in-path"
    posts_sitemap = static(body=(
        '<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        # regenerated today, published long ago or undated: lastmod must not make these "new"
        f"<url><loc>/2019/03/01/old-piece</loc><lastmod>{today}</lastmod></url>"
        f"<url><loc>/undated-piece</loc><lastmod>{today}</lastmod></url>"
        f"<url><loc>{fresh}</loc><lastmod>{today}</lastmod></url></urlset>").encode(), ctype="application/xml")

    def index(req, sock):
        h = req.headers["host"]
        return response(200, [("Content-Type", "application/xml")], (
            '<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            f"<sitemap><loc>http://{h}/post-sitemap.xml</loc></sitemap>"
            f"<sitemap><loc>http://{h}/news-sitemap.xml</loc></sitemap></sitemapindex>").encode())

    def posts(req, sock):
        h = req.headers["host"]
        data = [{"id": i, "link": f"http://{h}{p}", "date_gmt": d.strftime("%Y-%m-%dT%H:%M:%S"),
                 "modified_gmt": NOW.strftime("%Y-%m-%dT%H:%M:%S"), "title": {"rendered": f"Post {p}"},
                 "excerpt": {"rendered": "<p>An excerpt.</p>"}} for i, (p, d) in enumerate(state["posts"])]
        return response(200, [("Content-Type", "application/json")], json.dumps(data).encode())

    def robots(req, sock):
        return response(200, [("Content-Type", "text/plain")],
                        f"User-agent: *\nDisallow:\nSitemap: http://{req.headers['host']}/sitemap_index.xml\n".encode())

    routes = {"/robots.txt": robots, "/sitemap_index.xml": index, "/news-sitemap.xml": news_sitemap,
              "/post-sitemap.xml": posts_sitemap, "/wp-json/wp/v2/posts": posts}
    with serve(routes) as srv:
        for p in ["/news/first-truce-analysis", "/news/second-truce-analysis", "/2019/03/01/old-piece", "/undated-piece",
                  fresh, "/wp/engagement-one", "/wp/engagement-two", "/wp/engagement-three"]:
            srv.routes[p] = _pages(state)
        sources = tmp_path / "sources.toml"
        sources.write_text(
            f'[[source]]\nid = "smap"\nname = "Sitemap Site"\nsite_url = "{srv.base}/"\ndiscovery = "sitemap"\n'
            'evidence = "test"\n\n'
            f'[[source]]\nid = "wp"\nname = "WP Site"\nsite_url = "{srv.base}/"\napi_url = "{srv.url("/wp-json/wp/v2/posts")}"\n'
            'discovery = "wp-json"\nevidence = "test"\n')
        first = daily_ingest(overrides=_overrides(tmp_path, sources))
        db = first["database"]
        loaded = {u for (u,) in _rows(db, "SELECT url FROM articles")}
        assert loaded == {srv.url(p) for p in ["/news/first-truce-analysis", fresh, "/wp/engagement-one", "/wp/engagement-two"]}
        assert srv.hits["/undated-piece"] == 0 and srv.hits["/2019/03/01/old-piece"] == 0
        assert first["status"] == "completed", first["errors"]
        skips = dict(_rows(db, "SELECT reason, detail FROM fetch_errors WHERE stage = 'discovery' AND source_id = 'smap'"))
        assert "1 page URLs without" in skips["sitemap_undated"] and "1 dated page URLs older" in skips["sitemap_not_recent"]
        assert _rows(db, "SELECT diagnosis FROM sources ORDER BY source_id") == [("ok",), ("ok",)]

        state["news"].append(("/news/second-truce-analysis", day(0)))
        state["posts"].insert(0, ("/wp/engagement-three", day(0)))
        second = daily_ingest(overrides=_overrides(tmp_path, sources))
        assert second["counts"]["articles_loaded"] == 2
        assert {u for (u,) in _rows(db, "SELECT url FROM articles WHERE run_id = ?", second["run_id"])} == {
            srv.url("/news/second-truce-analysis"), srv.url("/wp/engagement-three")}
        for p in ["/news/first-truce-analysis", fresh, "/wp/engagement-one"]:
            assert srv.hits[p] == 1, p  # known articles are never fetched again
        assert srv.hits["/undated-piece"] == 0


def test_an_edited_feed_url_is_used_on_the_next_run_and_recorded(tmp_path):
    routes = {
        "/robots.txt": static(body=b"User-agent: *\nDisallow:\n", ctype="text/plain"),
        "/a.xml": redirect("/a2.xml", status=301),
        "/a2.xml": static(body=_feed([("US-China talks", "/p1", "Tariffs and Beijing")]), ctype=RSS),
        "/b.xml": static(body=_feed([("Beijing summit", "/p2", "Tariffs and Beijing")]), ctype=RSS),
        "/p1": static(body=good_html("One")), "/p2": static(body=good_html("Two")),
    }
    with serve(routes) as srv:
        sources = tmp_path / "sources.toml"
        entry = '[[source]]\nid = "inst"\nname = "Inst"\nfeed_url = "{}"\nevidence = "test"\n'
        sources.write_text(entry.format(srv.url("/a.xml")))
        first = daily_ingest(overrides=_overrides(tmp_path, sources))
        db = first["database"]
        # a permanent redirect still updates the stored URL
        assert _rows(db, "SELECT current_feed_url FROM sources") == [(srv.url("/a2.xml"),)]
        sources.write_text(entry.format(srv.url("/b.xml")))  # the operator's edit
        a2_hits = srv.hits["/a2.xml"]
        second = daily_ingest(overrides=_overrides(tmp_path, sources))
        assert srv.hits["/b.xml"] == 1 and srv.hits["/a2.xml"] == a2_hits
        assert {u for (u,) in _rows(db, "SELECT url FROM articles WHERE run_id = ?", second["run_id"])} == {srv.url("/p2")}
        assert _rows(db, "SELECT feed_url, current_feed_url FROM sources") == [(srv.url("/b.xml"), srv.url("/b.xml"))]
        edits = _rows(db, "SELECT detail FROM fetch_errors WHERE reason = 'feed_url_edited'")
        assert edits == [(f"{srv.url('/a2.xml')} -> {srv.url('/b.xml')}",)]
        assert second["status"] == "completed"
        daily_ingest(overrides=_overrides(tmp_path, sources))
        assert srv.hits["/b.xml"] == 2 and len(_rows(db, "SELECT 1 FROM fetch_errors WHERE reason = 'feed_url_edited'")) == 1


def test_prefilter_and_one_health_definition_for_view_cli_and_alerts(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from alerts.flow import run_check
    from cli.app import app
    from extractors.feed_health import is_flagged
    from flows.settings import load_settings

    off = "Monsoon rainfall fell far below normal across western India this season, hurting farmers and rural incomes"
    routes = {
        "/robots.txt": static(body=b"User-agent: *\nDisallow:\n", ctype="text/plain"),
        "/general.xml": static(body=_feed([("Beijing and the tariff truce", "/on", "Analysis of the truce"),
                                           ("Monsoon failure in Maharashtra", "/off", off)]), ctype=RSS),
        "/blocked.xml": static(403, b"forbidden"),
        "/on": static(body=good_html("On")), "/off": static(body=good_html("Off")),
    }
    with serve(routes) as srv:
        sources = tmp_path / "sources.toml"
        sources.write_text(
            f'[[source]]\nid = "gen"\nname = "General"\nfeed_url = "{srv.url("/general.xml")}"\nkind = "general"\nevidence = "t"\n\n'
            f'[[source]]\nid = "blk"\nname = "Blocked"\nfeed_url = "{srv.url("/blocked.xml")}"\nevidence = "t"\n')
        overrides = _overrides(tmp_path, sources)
        run = daily_ingest(overrides=overrides)
    db = run["database"]
    assert srv.hits["/off"] == 0 and srv.hits["/on"] == 1
    skipped = _rows(db, "SELECT url, detail FROM fetch_errors WHERE stage = 'prefilter' AND reason = 'prefilter_off_topic'")
    assert [u for u, _ in skipped] == [srv.url("/off")] and "no China-related term" in skipped[0][1]

    # one definition: make 'blk' fail threshold times; the view, the run's count, the CLI and the alerts must agree
    with duckdb.connect(db) as conn:
        threshold = conn.execute("SELECT failure_threshold FROM health_policy").fetchone()[0]
        conn.execute("UPDATE sources SET consecutive_failures = ? WHERE source_id = 'blk'", [threshold])
        rows = conn.execute("SELECT source_id, status, diagnosis, consecutive_failures, disabled FROM source_health").fetchall()
    assert {r[0]: r[1:3] for r in rows} == {"gen": ("ok", "teaser_only"), "blk": ("failing", "blocked")}
    for _sid, status, _diag, fails, disabled in rows:
        assert is_flagged({"consecutive_failures": fails, "disabled": disabled}, threshold) == (status in ("failing", "disabled"))
    settings = load_settings(**overrides)
    run_check(db, settings, now=datetime.now(timezone.utc))
    alerts = _rows(db, "SELECT source_id FROM alerts WHERE kind = 'source_failing'")
    assert alerts == [("blk",)]
    monkeypatch.setenv("FRAMEWATCH_CONFIG", str(tmp_path / "none.toml"))
    monkeypatch.setenv("COLUMNS", "250")
    out = CliRunner().invoke(app, ["sources", "--data-dir", str(tmp_path / "data")])
    assert out.exit_code == 0, out.output
    lines = {ln.split("│")[1].strip(): ln for ln in out.output.splitlines() if ln.count("│") > 3}
    assert "failing" in lines["blk"] and "blocked" in lines["blk"] and "failing" not in lines["gen"]
    assert "1 source(s) need action" in out.output and "blk" in out.output
