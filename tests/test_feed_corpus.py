"""feedparser's own test corpus (about 2,250 files, ../shared/corpora/feedparser-v6.0.14/)
through `parse_feed`: it never raises, and every entry plain feedparser
returns is kept, queued for later (over the cap) or recorded with a reason."""
from __future__ import annotations

from pathlib import Path

import feedparser
import pytest

from extractors.feeds import parse_feed

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpora" / "feedparser-v6.0.14"
FEED_URL = "http://example.org/feed.xml"


def _files() -> list[Path]:
    return sorted(p for p in CORPUS.rglob("*") if p.is_file() and p.suffix.lower() not in (".py", ".md", ".txt", ".json", ".cfg"))


@pytest.mark.skipif(not CORPUS.is_dir(), reason="feedparser corpus not present")
def test_feedparser_corpus_never_raises_and_accounts_for_every_entry():
    files = _files()
    assert len(files) > 2000
    exceptions, unaccounted, whole_feed_refused = [], [], []
    for path in files:
        body = path.read_bytes()
        try:
            got = parse_feed(body, FEED_URL, max_entries=50)
        except Exception as exc:  # noqa: BLE001 - the point of the test
            exceptions.append(f"{path.name}: {type(exc).__name__}: {exc}")
            continue
        try:
            plain = feedparser.parse(body, response_headers={"content-location": FEED_URL})
        except Exception:  # noqa: BLE001 - plain feedparser itself raises on some files (unknown encodings)
            continue
        if got.error:
            # The whole feed is that feed's failure, with its reason code
            # (xml_entities, feed_unparseable): every entry is accounted for by it.
            assert got.error in ("xml_entities", "feed_unparseable") and not got.entries
            if plain.entries:
                whole_feed_refused.append(f"{path.name}: {got.error} ({len(plain.entries)} entries)")
            continue
        accounted = len(got.entries) + len(got.overflow) + len(got.skipped)
        if accounted != len(plain.entries):
            unaccounted.append(f"{path.name}: feedparser {len(plain.entries)}, accounted {accounted}")
        assert all(reason for reason, _ in got.skipped)
    assert exceptions == []
    assert unaccounted == []
    # Only feeds declaring XML entities are refused whole (billion laughs, XXE).
    assert all(": xml_entities " in r for r in whole_feed_refused), whole_feed_refused
