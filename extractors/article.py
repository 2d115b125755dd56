"""Article text and metadata from page bytes (trafilatura), pure and picklable.

`extract_article` runs in worker processes, so it takes and returns plain
dataclasses and never touches the network or the warehouse.

Settings were chosen by measurement on the 181-page benchmark (see
bench/RESULTS.md): `fast=True, favor_recall=True` beats trafilatura's
defaults on F1 and is faster, because it skips the fallback extractors
that rarely win on article pages. `deduplicate` and `favor_precision`
lowered F1 there; tables stay in (commentaries quote tariff schedules).
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import date, datetime, timezone

import trafilatura
from htmldate import find_date
from lxml.html import HtmlElement, HTMLParser, fromstring
from trafilatura.metadata import META_URL, examine_meta, extract_author, extract_meta_json, extract_sitename, extract_title
from trafilatura.utils import decode_file, is_dubious_html, line_processing, repair_faulty_html

from extractors.feeds import FeedEntry
from extractors.urls import adopt_canonical

try:  # a light n-gram detector (also what trafilatura itself uses when present)
    import py3langid
except ImportError:  # pragma: no cover - declared dependency, but degrade to the page's lang attribute
    py3langid = None

MIN_WORDS = 120  # below this a "commentary" is a teaser, a paywall or a failed extraction
MAX_DEPTH = 255  # libxml2's HTML parser silently drops everything nested deeper


@dataclass(frozen=True)
class ExtractionSettings:
    """The trafilatura options we use; the benchmark sweeps these."""

    fast: bool = True
    favor_precision: bool = False
    favor_recall: bool = True
    include_tables: bool = True
    deduplicate: bool = False
    min_words: int = MIN_WORDS

    @property
    def tag(self) -> str:
        flags = [k for k in ("fast", "favor_precision", "favor_recall", "include_tables", "deduplicate") if getattr(self, k)]
        return "+".join(flags) or "defaults"


SETTINGS = ExtractionSettings()
EXTRACTOR_VERSION = f"trafilatura-{trafilatura.__version__}/fw3/{SETTINGS.tag}"


@dataclass
class ExtractedArticle:
    url: str
    canonical_url: str
    title: str | None
    author: str | None
    published_at: datetime | None
    published_source: str | None  # "page" (htmldate on the page) | "feed" | None
    site_name: str | None
    language: str | None
    text: str
    word_count: int
    content_sha256: str
    raw_sha256: str
    extractor_version: str = EXTRACTOR_VERSION
    language_method: str | None = None  # "py3langid" | "html_lang" | None
    canonical_source: str = "fetched"  # "link" (rel=canonical adopted) | "fetched"


@dataclass
class ExtractionFailure:
    url: str
    reason: str  # not_html | too_deep | extract_error | empty | too_short | extract_timeout | worker_died
    detail: str
    raw_sha256: str | None = None


_NORM = re.compile(r"\W+")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")


def normalise_text(text: str) -> str:
    """Lower case, punctuation and whitespace folded: the exact-duplicate key."""
    return _NORM.sub(" ", text.lower()).strip()


def normalised_text_hash(text: str) -> str:
    return hashlib.sha256(normalise_text(text).encode()).hexdigest()


def word_count(text: str) -> int:
    """Whitespace-separated words, counting CJK characters at 1.5 a word
    (Chinese and Japanese are written without spaces)."""
    cjk = len(_CJK.findall(text))
    if not cjk:
        return len(text.split())
    return len(_CJK.sub(" ", text).split()) + round(cjk / 1.5)


def parse_html(body: bytes) -> tuple[HtmlElement | None, bool]:
    """Parse page bytes as trafilatura would, and report whether libxml2 hit
    its nesting limit (deeper content is dropped without an exception; the
    only trace is the parser's error log)."""
    text = decode_file(body)
    beginning = text[:50].lower()
    dubious = is_dubious_html(beginning)
    text = repair_faulty_html(text, beginning)
    parser = HTMLParser(collect_ids=False, default_doctype=False, encoding="utf-8", remove_comments=True, remove_pis=True)
    try:
        tree = fromstring(text, parser=parser)
    except ValueError:  # a str with an encoding declaration: hand lxml the bytes
        tree = fromstring(text.encode("utf-8", "surrogatepass"), parser=parser)
    except Exception:
        return None, False
    too_deep = any("Excessive depth" in e.message for e in parser.error_log)
    if tree is not None and dubious and len(tree) < 2:
        tree = None
    return tree, too_deep


def _declared_canonical(tree: HtmlElement) -> str | None:
    for link in tree.iterfind(".//head/link[@rel]"):
        if "canonical" in (link.get("rel") or "").lower().split():
            return link.get("href")
    return None


def warm_up() -> None:
    """Load the language model now (about 1 s, once per process), e.g. in
    the extraction fork server before it forks workers."""
    if py3langid is not None:
        py3langid.classify("warm up the language identifier")


def detect_language(text: str, tree: HtmlElement | None) -> tuple[str | None, str | None]:
    if py3langid is not None and len(text) >= 40:
        # a few hundred characters identify a language reliably; the cost is linear in length
        lang, _score = py3langid.classify(text[:800])
        return lang, "py3langid"
    if tree is not None:
        declared = tree.get("lang") or tree.get("{http://www.w3.org/XML/1998/namespace}lang")
        if declared:
            return declared.split("-")[0].lower(), "html_lang"
    return None, None


@dataclass
class PageMetadata:
    title: str | None
    author: str | None
    sitename: str | None
    date: str | None  # ISO date from htmldate


def _clean(value: str | None) -> str | None:
    return line_processing(value[:10000]) if value else None


def page_metadata(tree: HtmlElement, url: str) -> PageMetadata:
    """trafilatura's metadata steps for the fields we keep (its
    extract_metadata also collects categories, tags and licence, a tenth
    of the stage's time for nothing we use), and htmldate on the page's
    markup and metadata only: the extensive text search found a date on
    2 more of 181 benchmark pages at 20% more metadata time, and a date
    guessed from body text is less trustworthy than the feed's, our fallback."""
    meta = examine_meta(tree)
    if meta.author and " " not in meta.author:  # as trafilatura: a single token is rarely a name
        meta.author = None
    try:
        meta = extract_meta_json(tree, meta)
    except Exception:  # trafilatura's JSON-LD parsing has edge-case bugs; keep what we have
        pass
    title = meta.title or extract_title(tree)
    author = meta.author or extract_author(tree)
    sitename = meta.sitename or extract_sitename(tree)
    if sitename:
        sitename = sitename.lstrip("@")
        if sitename and "." not in sitename and not sitename[0].isupper():
            sitename = sitename.title()
    elif url and (m := META_URL.match(url)):
        sitename = m[1]
    date_ = find_date(tree, url=meta.url or url, original_date=True, extensive_search=False, max_date=date.today().isoformat())
    return PageMetadata(_clean(title), _clean(author), _clean(sitename), date_)


def _parse_date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        dt = datetime.fromisoformat(value)
    except ValueError:
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)


def extract_article(
    body: bytes, url: str, entry: FeedEntry | None = None, settings: ExtractionSettings = SETTINGS
) -> ExtractedArticle | ExtractionFailure:
    raw_sha = hashlib.sha256(body).hexdigest()
    try:
        tree, too_deep = parse_html(body)
    except Exception as exc:
        return ExtractionFailure(url, "not_html", f"{type(exc).__name__}: {exc}"[:300], raw_sha)
    if tree is None:
        return ExtractionFailure(url, "not_html", "the bytes do not parse as an HTML document", raw_sha)
    if too_deep:
        return ExtractionFailure(url, "too_deep", f"elements nested deeper than {MAX_DEPTH} levels: the parser drops their text", raw_sha)
    declared = _declared_canonical(tree)
    try:
        meta = page_metadata(tree, url)
        doc = trafilatura.bare_extraction(
            tree,
            url=url,
            with_metadata=False,
            include_comments=False,
            fast=settings.fast,
            favor_precision=settings.favor_precision,
            favor_recall=settings.favor_recall,
            include_tables=settings.include_tables,
            deduplicate=settings.deduplicate,
        )
    except Exception as exc:  # trafilatura raises on some malformed trees: record, never abort
        return ExtractionFailure(url, "extract_error", f"{type(exc).__name__}: {exc}"[:300], raw_sha)
    text = ((doc.text if doc else None) or "").strip()
    if not text:
        return ExtractionFailure(url, "empty", "no main text found", raw_sha)
    words = word_count(text)
    if words < settings.min_words:
        return ExtractionFailure(url, "too_short", f"{words} words extracted (minimum {settings.min_words})", raw_sha)
    published = _parse_date(meta.date)
    source = "page" if published else None
    if published is None and entry is not None and entry.published is not None:
        published, source = entry.published, "feed"
    canon, canon_source = adopt_canonical(url, declared)
    language, language_method = detect_language(text, tree)
    return ExtractedArticle(
        url=url,
        canonical_url=canon,
        title=meta.title or (entry.title if entry else None),
        author=meta.author or (entry.author if entry else None),
        published_at=published,
        published_source=source,
        site_name=meta.sitename,
        language=language,
        text=text,
        word_count=words,
        content_sha256=normalised_text_hash(text),
        raw_sha256=raw_sha,
        language_method=language_method,
        canonical_source=canon_source,
    )
