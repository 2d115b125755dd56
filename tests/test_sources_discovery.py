"""Source discovery and diagnosis against local sites (127.0.0.1 servers the
tests start): each diagnosis from a server that behaves that way, `sources
add` finding a feed three ways, the sources file's schema, the prefilter."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

import pytest

from extractors.feed_finder import entry_for, find_route
from extractors.feed_health import poll_due
from extractors.http import Fetcher, FetchPolicy
from extractors.poll import discover_entries
from extractors.prefilter import prefilter
from extractors.sources import Source, SourcesFileError, lint_sources, load_sources, parse_sources
from tests.hostile import response, serve, static

NOW = datetime.now(timezone.utc)
LONG = "Washington and Beijing weigh the tariff truce and export controls. " * 30


def feed(items: list[tuple[str, str, datetime]], full: bool = True) -> bytes:
    body = "".join(
        f"<item><title>{t}</title><link>{link}</link><guid>{link}</guid><pubDate>{format_datetime(d)}</pubDate>"
        f"<description>{LONG if full else 'A short teaser.'}</description></item>"
        for t, link, d in items
    )
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Local Institute</title>'
            f"<link>http://example.org/</link>{body}</channel></rss>").encode()


RSS = "application/rss+xml"
RECENT = [("US-China truce", "/a1", NOW - timedelta(days=1)), ("Beijing and tariffs", "/a2", NOW - timedelta(days=2))]
CHALLENGE = b"<!doctype html><html><head><title>Just a moment...</title></head><body>cf-chl checking your browser</body></html>"


def fetcher(**kw) -> Fetcher:
    return Fetcher(FetchPolicy(allow_hosts=frozenset({"127.0.0.1"}), min_interval=0.0, max_retries=0, total_deadline=5.0, **kw))


@pytest.fixture(scope="module")
def site():
    routes = {
        "/robots.txt": static(body=b"User-agent: *\nDisallow: /private/\n", ctype="text/plain"),
        "/ok.xml": static(body=feed(RECENT), ctype=RSS),
        "/teaser.xml": static(body=feed(RECENT, full=False), ctype=RSS),
        "/html": static(body=b"<!doctype html><html><head><title>Home</title></head><body>Hello</body></html>"),
        "/challenge": static(body=CHALLENGE),
        "/forbidden": static(403, b"no"),
        "/stale.xml": static(body=feed([("Old", "/old", NOW - timedelta(days=400))]), ctype=RSS),
        "/empty.xml": static(body=feed([]), ctype=RSS),
        "/private/feed.xml": static(body=feed(RECENT), ctype=RSS),
        "/missing.xml": static(404, b"not here"),
    }
    with serve(routes) as srv:
        yield srv


@pytest.mark.parametrize("path, expected", [
    ("/ok.xml", "ok"), ("/teaser.xml", "teaser_only"), ("/html", "not_a_feed"), ("/challenge", "blocked"),
    ("/forbidden", "blocked"), ("/stale.xml", "stale"), ("/empty.xml", "empty"),
    ("/private/feed.xml", "robots_disallowed"), ("/missing.xml", "gone"),
])
def test_each_diagnosis_from_a_server_that_behaves_that_way(site, path, expected):
    with fetcher() as f:
        poll = discover_entries(f, Source("s", "S", feed_url=site.url(path)), {}, NOW, stale_days=30)
    assert poll.diagnosis[0] == expected, poll.diagnosis
    # a failed poll is a failure for the health counters; stale/empty/teasers are answers
    assert poll.result.ok == (expected in ("ok", "teaser_only", "stale", "empty"))


def test_sources_needing_action_are_not_polled_aggressively():
    st = {"diagnosis": "blocked", "consecutive_failures": 1, "last_attempt_at": NOW - timedelta(hours=20)}
    assert poll_due(st, NOW)[0]  # the next daily run tries once more
    st["consecutive_failures"] = 2
    due, why = poll_due(st, NOW)
    assert not due and "back-off 2 days" in why
    st.update(consecutive_failures=9, last_attempt_at=NOW - timedelta(days=6))
    assert not poll_due(st, NOW)[0]
    st["last_attempt_at"] = NOW - timedelta(days=7)
    assert poll_due(st, NOW)[0]  # at most a week between checks
    assert poll_due({"diagnosis": "unreachable", "consecutive_failures": 9, "last_attempt_at": NOW}, NOW)[0]


def _finder_site(kind: str):
    wp_head = '<link rel="https://api.w.org/" href="/wp-json/">' if kind == "wordpress" else ""
    alt = '<link rel="alternate" type="application/rss+xml" title="Analysis" href="/content/analysis.rss">' if kind == "alternate" else ""
    home = f"<!doctype html><html><head><title>Local Institute</title>{alt}{wp_head}</head><body>wp-content/</body></html>".encode()
    routes = {"/": static(body=home), "/analysis/": static(body=home),
              "/robots.txt": static(body=b"User-agent: *\nDisallow:\n", ctype="text/plain")}
    if kind == "alternate":
        routes["/content/analysis.rss"] = static(body=feed(RECENT, full=False), ctype=RSS)
    if kind == "wordpress":
        routes["/feed/"] = static(body=feed(RECENT), ctype=RSS)
    if kind == "sitemap":
        day = (NOW - timedelta(days=1)).strftime("%Y/%m/%d")
        routes["/robots.txt"] = lambda req, sock: response(
            200, [("Content-Type", "text/plain")], f"User-agent: *\nDisallow:\nSitemap: http://{req.headers['host']}/news-sitemap.xml\n".encode())
        routes["/news-sitemap.xml"] = static(body=(
            '<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            f"<url><loc>/{day}/truce</loc></url><url><loc>/about</loc><lastmod>{NOW:%Y-%m-%d}</lastmod></url></urlset>"
        ).encode(), ctype="application/xml")
    return routes


@pytest.mark.parametrize("kind, method, path", [
    ("alternate", "feed", "/content/analysis.rss"), ("wordpress", "feed", "/feed/"), ("sitemap", "sitemap", "/robots.txt"),
])
def test_sources_add_finds_a_route(kind, method, path):
    with serve(_finder_site(kind)) as srv, fetcher() as f:
        found = find_route(f, srv.url("/analysis/"))
        assert found.ok, found.tried
        assert (found.discovery, found.endpoint) == (method, srv.url(path))
        entry = entry_for(found, "local", None, "general")
    src = parse_sources({"source": [entry]})[0]  # what it appends is a valid entry
    assert src.discovery == method and src.evidence.startswith("framewatch sources add") and src.feed_verified
    assert lint_sources([src]) == []
    if kind == "alternate":
        assert found.full_text is False and entry["name"] == "Local Institute"
    if kind == "sitemap":
        assert len(found.poll.entries) == 1 and found.poll.skipped[0][1] == "sitemap_undated"


def test_cli_sources_add_appends_a_valid_entry(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from cli.app import app

    path = tmp_path / "sources.toml"
    path.write_text('[[source]]\nid = "old"\nname = "Old"\nfeed_url = "https://old.invalid/feed"\nevidence = "x"\n')
    monkeypatch.setenv("FRAMEWATCH_SOURCES_FILE", str(path))
    monkeypatch.setenv("FRAMEWATCH_FETCH__ALLOW_HOSTS", '["127.0.0.1"]')
    monkeypatch.setenv("FRAMEWATCH_FETCH__MIN_INTERVAL", "0")
    monkeypatch.setenv("FRAMEWATCH_CONFIG", str(tmp_path / "none.toml"))
    with serve(_finder_site("wordpress")) as srv:
        out = CliRunner().invoke(app, ["sources", "add", srv.url("/analysis/"), "--id", "local", "--kind", "general"])
        assert out.exit_code == 0, out.output
        assert "2 items" in out.output and "full text" in out.output
        assert "fetch.contact is still the placeholder" in out.output
        again = CliRunner().invoke(app, ["sources", "add", srv.url("/analysis/"), "--id", "local"])
    assert again.exit_code == 2 and "already exists" in again.output
    srcs = load_sources(path)
    assert [s.id for s in srcs] == ["old", "local"]
    assert srcs[1].feed_url == srv.url("/feed/") and srcs[1].kind == "general"


def test_shipped_sources_file_validates_with_evidence_for_every_entry():
    from flows.settings import PROJECT_ROOT

    srcs = load_sources(PROJECT_ROOT / "sources.toml")
    assert len(srcs) >= 25 and lint_sources(srcs) == []
    assert not any(s.feed_verified for s in srcs)  # nothing here was fetched by a framewatch run
    assert {s.discovery for s in srcs} == {"feed", "sitemap", "wp-json"}
    assert {s.kind for s in srcs} == {"specialist", "general"}
    urls = {s.endpoint for s in srcs}
    for wrong in ("https://www.csis.org/analysis/feed", "https://www.brookings.edu/feed/", "https://carnegieendowment.org/rss",
                  "https://www.chinausfocus.com/rss", "https://www.apln.network/feed"):
        assert wrong not in urls


@pytest.mark.parametrize("entry, message", [
    ({"id": "a", "name": "A", "discovery": "rss", "feed_url": "https://a.org/f"}, "discovery must be one of"),
    ({"id": "a", "name": "A", "discovery": "sitemap"}, "needs sitemap_url or site_url"),
    ({"id": "a", "name": "A"}, "'feed_url' is required"),
    ({"id": "a", "name": "A", "feed_url": "https://a.org/f", "kind": "broad"}, "kind must be"),
    ({"id": "a", "name": "A", "feed_url": "https://a.org/f", "evidenc": "x"}, "unknown keys"),
])
def test_malformed_entries_are_refused_with_the_reason(entry, message):
    with pytest.raises(SourcesFileError, match=message):
        parse_sources({"source": [entry]})


def test_prefilter_is_conservative():
    assert prefilter("Monsoon rains fail farmers across western India", "Rainfall fell 30 percent below normal")[0] is False
    assert prefilter("Why the tariff truce may not last", "A deal in Busan")[0]
    assert prefilter("Taipei's new defence budget", None)[0]
    assert prefilter("Weekly roundup", None)[0]  # too little to judge: fetched
    assert prefilter(None, None)[0]


def test_sitemap_source_without_robots_txt_falls_back_to_the_usual_paths():
    day = (NOW - timedelta(days=1)).strftime("%Y/%m/%d")
    body = (f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            f"<url><loc>/{day}/x</loc></url><url><loc>/y</loc><lastmod>{NOW:%Y-%m-%d}</lastmod></url></urlset>").encode()
    with serve({"/sitemap.xml": static(body=body, ctype="application/xml")}) as srv, fetcher() as f:
        poll = discover_entries(f, Source("s", "S", site_url=srv.base + "/", discovery="sitemap"), {}, NOW, 30)
    assert poll.diagnosis[0] == "ok" and [e.url for e in poll.entries] == [srv.url(f"/{day}/x")]
    assert [r for _u, r, _d in poll.skipped] == ["sitemap_undated"]  # /y: lastmod today, but no publication date
