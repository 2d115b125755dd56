"""parse_feed on hostile or sloppy feeds: nothing raises, nothing is dropped without a reason."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from extractors.feeds import parse_feed

FEED = "http://example.org/feed.xml"


def _rss(items: str, encoding: str = "utf-8") -> bytes:
    return (f'<?xml version="1.0" encoding="{encoding}"?>\n<rss version="2.0"><channel><title>T</title>'
            f"{items}</channel></rss>").encode()


def _item(link: str | None, title: str = "x", date: str | None = None) -> str:
    return ("<item>" + f"<title>{title}</title>" + (f"<link>{link}</link>" if link is not None else "")
            + (f"<pubDate>{date}</pubDate>" if date else "") + "</item>")


@pytest.mark.parametrize("encoding", ["bogus", "ucs-2", "x80_mac"])
def test_unknown_xml_encoding_is_parsed_not_raised(encoding):
    got = parse_feed(_rss(_item("http://example.org/a", "Trade talks"), encoding), FEED)
    assert got.error is None
    assert [e.url for e in got.entries] == ["http://example.org/a"]
    assert got.entries[0].title == "Trade talks"


def test_any_exception_inside_the_parser_is_the_feeds_failure():
    # A declaration naming a known codec that cannot decode the body.
    got = parse_feed(b'<?xml version="1.0" encoding="utf-32"?><rss><channel><item><link>http://e.org/a</link></item></channel></rss>', FEED)
    assert got.error in (None, "feed_unparseable")


def test_entries_without_link_or_with_non_http_links_are_skipped_with_a_reason():
    items = (_item(None, "no link") + _item("javascript:alert(1)", "js") + _item("mailto:a@b.org", "mail")
             + _item("ftp://example.org/x", "ftp") + _item("http://example.org/ok", "ok") + _item("/relative", "rel"))
    got = parse_feed(_rss(items), FEED)
    assert [e.url for e in got.entries] == ["http://example.org/ok", "http://example.org/relative"]
    assert sorted(r for r, _ in got.skipped) == ["bad_link_scheme", "bad_link_scheme", "bad_link_scheme", "no_link"]
    assert ("bad_link_scheme", "javascript:alert(1)") in got.skipped


def test_entries_beyond_the_cap_are_returned_as_overflow_not_dropped():
    got = parse_feed(_rss("".join(_item(f"http://example.org/{i}") for i in range(7))), FEED, max_entries=3)
    assert [e.url for e in got.entries] == [f"http://example.org/{i}" for i in range(3)]
    assert [e.url for e in got.overflow] == [f"http://example.org/{i}" for i in range(3, 7)]


def test_dates_in_the_future_or_before_1990_are_not_trusted_and_say_so():
    future = (datetime.now(timezone.utc) + timedelta(days=30)).strftime("%a, %d %b %Y %H:%M:%S +0000")
    items = (_item("http://example.org/f", date=future) + _item("http://example.org/o", date="Mon, 01 Jan 1970 00:00:00 +0000")
             + _item("http://example.org/g", date="Mon, 03 Nov 2025 08:00:00 +0000"))
    got = {e.url.rsplit("/", 1)[1]: e for e in parse_feed(_rss(items), FEED).entries}
    assert (got["f"].published, got["f"].date_note) == (None, "date_in_future")
    assert (got["o"].published, got["o"].date_note) == (None, "date_before_1990")
    assert got["g"].published == datetime(2025, 11, 3, 8, tzinfo=timezone.utc) and got["g"].date_note is None
