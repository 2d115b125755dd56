"""Extraction: metadata and date provenance, failures with reasons, the
nesting-depth trap, the per-page time limit, and the raw page store."""
from __future__ import annotations

import gzip
import hashlib
import os
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest

from extractors.article import ExtractedArticle, ExtractionFailure, extract_article, normalised_text_hash, word_count
from extractors.extract_pool import extract_many
from extractors.feeds import FeedEntry
from extractors.raw_store import RawStore

MINI = Path(__file__).parent / "fixtures" / "sites" / "mini" / "commentary"
BASE = "http://127.0.0.1:47999"

PARAS = [
    "Washington and Beijing keep describing their relationship through the language of rivalry, yet the working level tells a quieter story of officials who still pick up the phone.",
    "Trade negotiators met four times this autumn, and each round produced a short list of goods on which both sides agreed to suspend the newest tariffs for another season.",
    "Military channels are thinner but not closed: a maritime safety dialogue resumed after a long pause, and both navies exchanged notices before exercises near contested waters.",
    "None of this amounts to a settlement of the deeper disputes over technology, Taiwan or the rules of the regional order, and neither capital pretends that it does.",
    "What it does show is that both governments have decided the costs of an open rupture are higher than the costs of managed friction, at least for the coming year.",
    "For the smaller states of the region that is welcome news, because their prosperity depends on trade flowing across the Pacific rather than on picking a side in a contest.",
]


def page(body_paras: list[str], head: str = "", title: str = "Managed Friction Across the Pacific") -> bytes:
    ps = "".join(f"<p>{p}</p>" for p in body_paras)
    return (
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{title} | Harbour Review</title>{head}</head>"
        "<body><nav><a href='/'>Home</a> <a href='/about'>About us</a> <a href='/subscribe'>Subscribe</a></nav>"
        f"<main><article><h1>{title}</h1>{ps}</article></main>"
        "<footer>Harbour Review. All rights reserved.</footer></body></html>"
    ).encode()


def mini(name: str) -> bytes:
    return (MINI / name).read_bytes().replace(b"{{BASE_URL}}", BASE.encode())


def test_metadata_from_the_page_with_page_date_provenance():
    url = f"{BASE}/commentary/engage.html?utm_source=rss"
    a = extract_article(mini("engage.html"), url)
    assert isinstance(a, ExtractedArticle), a
    assert a.title == "Building Channels That Last"
    assert a.author == "Li Wei"
    assert a.published_at == datetime(2025, 11, 10, tzinfo=timezone.utc)
    assert a.published_source == "page"
    assert (a.language, a.language_method) == ("en", "py3langid")
    # <link rel=canonical> on the same site is adopted (and cleaned)
    assert (a.canonical_url, a.canonical_source) == (f"{BASE}/commentary/engage.html", "link")
    assert "cookies" not in a.text and "Most read" not in a.text and "All rights reserved" not in a.text
    assert a.word_count >= 120
    assert a.content_sha256 == normalised_text_hash(a.text)


def test_feed_date_is_used_and_recorded_when_the_page_has_none():
    body = page(PARAS * 2)
    entry = FeedEntry(f"{BASE}/friction", "g1", "Managed friction", "Ann Lee", datetime(2025, 11, 3, 8, tzinfo=timezone.utc), None)
    a = extract_article(body, f"{BASE}/friction", entry)
    assert isinstance(a, ExtractedArticle), a
    assert (a.published_at, a.published_source) == (entry.published, "feed")
    assert a.author == "Ann Lee"  # from the feed: the page names nobody
    b = extract_article(body, f"{BASE}/friction", None)
    assert (b.published_at, b.published_source) == (None, None)


def test_too_short_and_empty_pages_fail_with_a_reason():
    short = extract_article(page(PARAS[:2]), f"{BASE}/teaser")
    assert isinstance(short, ExtractionFailure) and short.reason == "too_short"
    assert "minimum 120" in short.detail and short.raw_sha256
    empty = extract_article(b"<html><head><title>Gone</title></head><body><div></div></body></html>", f"{BASE}/empty")
    assert isinstance(empty, ExtractionFailure) and empty.reason == "empty", empty
    nav_only = extract_article(b"<html><body><nav><a href='/'>Home</a></nav></body></html>", f"{BASE}/nav")
    assert isinstance(nav_only, ExtractionFailure) and nav_only.reason in ("empty", "too_short")
    junk = extract_article(b"\x00\x01 not html at all", f"{BASE}/junk")
    assert isinstance(junk, ExtractionFailure)


def test_page_nested_deeper_than_255_levels_is_detected():
    deep = "<div>" * 300 + "".join(f"<p>{p}</p>" for p in PARAS * 2) + "</div>" * 300
    body = f"<html><head><title>Deep</title></head><body><article>{deep}</article></body></html>".encode()
    r = extract_article(body, f"{BASE}/deep")
    assert isinstance(r, ExtractionFailure) and r.reason == "too_deep", r
    shallow = "<div>" * 100 + "".join(f"<p>{p}</p>" for p in PARAS * 2) + "</div>" * 100
    ok = extract_article(f"<html><head><title>Ok</title></head><body><article>{shallow}</article></body></html>".encode(), f"{BASE}/ok")
    assert isinstance(ok, ExtractedArticle), ok


def test_word_count_counts_cjk_text():
    assert word_count("one two three") == 3
    assert word_count("中美关系" * 30) == 80  # 120 characters / 1.5


# Module-level so worker processes can unpickle them.
def _slow_or_crashing(body, url, entry, settings):
    if "sleep" in url:
        time.sleep(120)
    if "crash" in url:
        os._exit(3)
    return extract_article(body, url, entry, settings)


def test_pool_kills_a_stuck_worker_and_records_a_timeout():
    good = (mini("truce.html"), f"{BASE}/commentary/truce.html", None)
    pages = [good, (b"<html></html>", f"{BASE}/sleep", None), good, (b"<html></html>", f"{BASE}/crash", None), good]
    t = time.monotonic()
    out = extract_many(pages, workers=2, timeout=3.0, extract_fn=_slow_or_crashing)
    assert time.monotonic() - t < 60  # not the 120 s the stuck page wanted
    assert [type(r).__name__ for r in out] == ["ExtractedArticle", "ExtractionFailure", "ExtractedArticle", "ExtractionFailure", "ExtractedArticle"]
    assert out[1].reason == "extract_timeout" and out[1].url.endswith("/sleep")
    assert out[3].reason == "worker_died"


def _slow_or_crashing_many(pages, settings):
    return [_slow_or_crashing(b, u, e, settings) for b, u, e in pages]


def test_pages_travel_several_to_a_message_and_only_the_page_at_fault_fails():
    """A message whose worker hangs or dies is split; its other pages are extracted all the same."""
    good = (mini("truce.html"), f"{BASE}/commentary/truce.html", None)
    pages = [good] * 20
    pages[3] = (b"<html></html>", f"{BASE}/sleep", None)
    pages[12] = (b"<html></html>", f"{BASE}/crash", None)
    out = extract_many(pages, workers=2, timeout=3.0, batch_fn=_slow_or_crashing_many, pages_per_message=5)
    kinds = [type(r).__name__ for r in out]
    assert kinds.count("ExtractedArticle") == 18, kinds
    assert out[3].reason == "extract_timeout" and out[3].url.endswith("/sleep")
    assert out[12].reason == "worker_died" and out[12].url.endswith("/crash")


def test_pool_gives_the_same_results_as_in_process():
    pages = [(mini(n), f"{BASE}/commentary/{n}", None) for n in ("truce.html", "engage.html", "rice.html")]
    pooled = extract_many(pages, workers=2)
    direct = [extract_article(*p) for p in pages]
    assert [r.text for r in pooled] == [r.text for r in direct]


def test_raw_store_reads_pages_stored_at_the_earlier_gzip_level(tmp_path):
    # Stores written before the level went from 6 to 1 stay readable, and a
    # page stored then is not rewritten.
    store = RawStore(tmp_path / "raw")
    body = mini("truce.html")
    sha = hashlib.sha256(body).hexdigest()
    old = gzip.compress(body, compresslevel=6, mtime=0)
    store.path(sha).parent.mkdir(parents=True)
    store.path(sha).write_bytes(old)
    assert store.get(sha) == body
    assert store.put(body) == sha and store.path(sha).read_bytes() == old


def test_raw_store_round_trip(tmp_path):
    store = RawStore(tmp_path / "raw")
    body = mini("truce.html")
    sha = store.put(body)
    path = store.path(sha)
    assert path == tmp_path / "raw" / sha[:2] / sha[2:4] / f"{sha}.html.gz"
    assert gzip.decompress(path.read_bytes()) == body
    assert store.get(sha) == body and sha in store
    mtime = path.stat().st_mtime_ns
    assert store.put(body) == sha and path.stat().st_mtime_ns == mtime  # written once
    assert list(store) == [sha]
    assert not list(path.parent.glob(".tmp-*"))  # no temporary files left behind
    # re-extraction without refetching gives the same article
    a = extract_article(store.get(sha), f"{BASE}/commentary/truce.html")
    assert a.raw_sha256 == sha
    with pytest.raises(FileNotFoundError):
        store.get("0" * 64)
    with pytest.raises(ValueError):
        store.path("../../etc/passwd")
    path.write_bytes(gzip.compress(b"tampered"))
    with pytest.raises(ValueError):
        store.get(sha)
