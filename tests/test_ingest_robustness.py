"""Nothing dropped silently, no feed text driving the terminal, no parser aborting a run:
the real flow and CLI against local servers."""
from __future__ import annotations

import io
import shutil
from datetime import datetime, timedelta, timezone
from pathlib import Path

import duckdb
import pytest
from rich.console import Console
from typer.testing import CliRunner

from cli.app import EXIT_PARTIAL, app
from demo.server import serve_sites
from flows.daily_ingest import daily_ingest
from tests.conftest import FIXTURES, ingest_overrides

pytestmark = pytest.mark.usefixtures("prefect_harness")
MINI = FIXTURES / "sites" / "mini"


def _rows(db, sql: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as conn:
        return conn.execute(sql).fetchall()


def _item(title: str, link: str | None, date: str = "Mon, 03 Nov 2025 08:00:00 GMT") -> str:
    return f"<item><title>{title}</title>" + (f"<link>{link}</link>" if link is not None else "") + f"<pubDate>{date}</pubDate></item>"


def _site(root: Path, name: str, items: list[str], encoding: str = "utf-8") -> None:
    d = root / name
    shutil.copytree(MINI, d)
    # A page without a date of its own: the feed's date is all there is.
    undated = (MINI / "commentary" / "engage.html").read_text()
    undated = undated.replace('<meta property="article:published_time" content="2025-11-10T08:00:00+00:00">', "")
    (d / "commentary" / "undated.html").write_text(undated.replace("engage.html?utm_source=feed", "undated.html"))
    (d / "site.toml").write_text(f'name = "{name}"\nfeed_path = "/feed.xml"\ncountry = "AU"\nlanguage = "en"\n')
    (d / "feed.xml").write_text(f'<?xml version="1.0" encoding="{encoding}"?>\n<rss version="2.0"><channel><title>{name}</title>'
                                + "".join(items) + "</channel></rss>")


@pytest.fixture
def sloppy_sites(tmp_path):
    future = (datetime.now(timezone.utc) + timedelta(days=60)).strftime("%a, %d %b %Y %H:%M:%S GMT")
    root = tmp_path / "sites"
    _site(root, "sloppy", [
        _item("Gone [/] away", "{{BASE_URL}}/commentary/missing[/]page.html"),  # 404: its URL is printed
        _item("No link at all", None),
        _item("Script", "javascript:alert(1)"),
        _item("Undated page, date from the future", "{{BASE_URL}}/commentary/undated.html", future),
        _item("Epoch", "{{BASE_URL}}/commentary/truce.html", "Thu, 01 Jan 1970 00:00:00 GMT"),
        _item("Over the cap", "{{BASE_URL}}/commentary/rice.html"),
    ])
    # A feed declaring an encoding Python does not know, as real feeds do.
    _site(root, "bogus", [_item("Building Channels That Last", "{{BASE_URL}}/commentary/engage.html")], encoding="bogus")
    with serve_sites(root, base_port=0) as sites:
        yield sites


def test_skipped_deferred_and_untrusted_entries_are_recorded_and_the_excess_is_loaded_next_run(tmp_path, sloppy_sites):
    overrides = ingest_overrides(tmp_path, sloppy_sites, fetch={"max_entries_per_feed": 3})
    first = daily_ingest(overrides=overrides)
    db = first["database"]
    run1 = first["run_id"]
    notes = _rows(db, f"SELECT source_id, reason FROM entry_notes WHERE run_id = '{run1}' ORDER BY reason")
    assert notes == [("sloppy", "bad_link_scheme"), ("sloppy", "date_before_1990"), ("sloppy", "date_in_future"),
                     ("sloppy", "no_link"), ("sloppy", "over_feed_cap")]
    c = first["counts"]
    assert (c["entries_skipped"], c["entries_deferred"], c["dates_distrusted"]) == (2, 1, 2)
    # The future-dated entry is kept, without the date, and says why.
    [(published, source, note)] = _rows(db, "SELECT published_at, published_source, date_note FROM articles WHERE url LIKE '%undated%'")
    assert (published, source, note) == (None, None, "date_in_future")
    # The feed with encoding="bogus" was parsed: its article is loaded.
    assert _rows(db, "SELECT count(*) FROM articles WHERE source_id = 'bogus'") == [(1,)]
    assert not _rows(db, "SELECT * FROM fetch_errors WHERE stage = 'feed'")
    # The entry beyond the cap waits in the queue, and the next run loads it.
    assert _rows(db, "SELECT url LIKE '%rice%', deferred FROM ingest_queue") == [(True, True)]
    assert not _rows(db, "SELECT * FROM articles WHERE url LIKE '%rice%'")
    second = daily_ingest(overrides=overrides)
    assert _rows(db, "SELECT count(*) FROM articles WHERE url LIKE '%rice%'") == [(1,)]
    assert _rows(db, "SELECT count(*) FROM ingest_queue") == [(0,)]
    assert second["counts"]["articles_loaded"] == 1


def test_markup_in_a_feed_link_does_not_crash_the_run_summary(tmp_path, sloppy_sites, monkeypatch):
    overrides = ingest_overrides(tmp_path, sloppy_sites)
    monkeypatch.setenv("FRAMEWATCH_SOURCES_FILE", overrides["sources_file"])
    monkeypatch.setenv("FRAMEWATCH_FETCH__ALLOW_HOSTS", '["127.0.0.1"]')
    monkeypatch.setenv("FRAMEWATCH_FETCH__MIN_INTERVAL", "0")
    result = CliRunner().invoke(app, ["run", "-d", overrides["data_dir"]])
    assert result.exit_code == EXIT_PARTIAL, result.output  # the 404 page; everything else loaded
    [line] = [ln for ln in result.output.splitlines() if "missing" in ln]
    assert "missing[/]page.html" in line and "http_404" in line


def test_run_summary_prints_feed_text_literally_without_control_characters():
    from cli import ingest

    buf = io.StringIO()
    console = Console(file=buf, force_terminal=True, width=300, color_system="standard")
    summary = {
        "run_id": "r1", "status": "completed_with_errors", "labels": {}, "timings": {}, "database": "x",
        "counts": {k: 0 for k in ("feeds_polled", "feeds_not_modified", "feeds_failed", "entries_seen", "entries_new",
                                  "pages_fetched", "pages_failed", "articles_extracted", "extraction_failed",
                                  "articles_classified", "articles_loaded")},
        "errors": [{"stage": "page", "source_id": "s", "reason": "http_500",
                    "detail": "Internal [/] [bold red]Error\x1b]0;pwned\x07\x1b[2J\r\nnext\u202e",
                    "url": "http://example.org/a[/]b\x1b[31m"}],
    }
    original = ingest.console
    ingest.console = console
    try:
        ingest.print_run_summary(summary)
    finally:
        ingest.console = original
    out = buf.getvalue()
    [line] = [ln for ln in out.splitlines() if "http_500" in ln]
    assert "Internal [/] [bold red]Error" in line  # literal, not a style
    assert "http://example.org/a[/]b" in line
    # The control characters are gone (what is left of the sequences is plain text).
    for bad in ("\x1b]", "\x1b[2J", "\x1b[31m", "\x07", "\r", "\u202e"):
        assert bad not in line
    # The only escape sequences are Rich's own styling (the yellow stage name).
    assert line.count("\x1b[") == 2
