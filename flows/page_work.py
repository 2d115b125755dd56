"""Everything CPU-bound about one page, in one pass, in an extraction worker
process (extractors/extract_pool.py): extraction, classification and the
MinHash signature dedup needs.

The flow's process only fetches, coordinates and writes: classification in
its threads competed for the GIL, and MinHash ran serially after all
batches (issue #13: 6.65x the extraction-bound limit). Each worker builds
the classifier once (`get_classifier` is cached per process). The per-page
time limit of the pool bounds classification too: a page whose extraction
plus classification runs past it is killed and recorded (`extract_timeout`).
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import lru_cache, partial
from pathlib import Path
from types import SimpleNamespace

from extractors.article import ExtractedArticle, ExtractionFailure, ExtractionSettings, extract_article
from extractors.dedup import Fingerprint, fingerprint
from extractors.extract_pool import add_preload
from framing import ArticleText, Classification

# The fork server imports this module and the classifier's code (sklearn and
# scipy with it) once; every worker it forks then starts with them loaded
# (copy-on-write). The flow's own process never classifies a page, so it
# imports neither (~55 MB): it reads only the references' files, for the
# `framings` rows.
add_preload(__name__)
add_preload("framing.backends")


@dataclass
class PageDone:
    article: ExtractedArticle
    classification: Classification
    fingerprint: Fingerprint


@lru_cache(maxsize=4)
def get_classifier(backend: str, seeds_dir: str, params_path: str | None = None, params_mtime: int = 0):
    """One classifier per process: references (or a model) load once, not per batch.
    (params_mtime only keys the cache: a re-run `calibrate` gives a new classifier.)"""
    from framing import make_classifier

    return make_classifier(backend, Path(seeds_dir), **({"params_path": Path(params_path)} if params_path else {}))


def classifier_spec(settings) -> dict:
    """Which classifier the runs use: the data dir's calibrated parameters when
    `framewatch calibrate` wrote some (framing/labels.py), else the shipped ones."""
    from framing.labels import calibrated_params_path

    path = calibrated_params_path(settings.data_dir, settings.classifier_backend)
    return {"backend": settings.classifier_backend, "seeds_dir": str(settings.seeds_dir),
            "params_path": str(path) if path else None, "params_mtime": path.stat().st_mtime_ns if path else 0}


def classifier_for(settings):
    """The runs' classifier in this process (the workers build theirs from the same spec)."""
    return get_classifier(**classifier_spec(settings))


def reference_framings(settings) -> list[SimpleNamespace]:
    """What the `framings` rows record of the references the runs' classifier
    scores against (id, name, description, metadata, sha256 of the document),
    read as load_references reads them but without its sentence analysis,
    which imports sklearn (tests/test_page_work.py checks both agree)."""
    return _references(str(settings.seeds_dir))


@lru_cache(maxsize=4)
def _references(seeds_dir: str) -> list[SimpleNamespace]:
    # Once per process, as the classifier (get_classifier) was.
    from framing.references import read_reference_files

    return [SimpleNamespace(id=str(m["id"]), name=str(m["name"]), description=str(m["description"]), metadata=dict(m),
                            sha256=hashlib.sha256(data).hexdigest())
            for m, _doc, data in read_reference_files(Path(seeds_dir))]


def _fingerprint(x: ExtractedArticle) -> Fingerprint:
    # article_id is the warehouse's key (warehouse.load.article_id), set by the flow
    # when it builds the row: the workers need not import DuckDB and Arrow for it.
    return fingerprint("", x.canonical_url, x.title, x.text, x.content_sha256, x.published_at, datetime.now(timezone.utc))


def process_page(body: bytes, url: str, entry, settings: ExtractionSettings, *, spec: dict) -> PageDone | ExtractionFailure:
    x = extract_article(body, url, entry, settings)
    if isinstance(x, ExtractionFailure):
        return x
    try:
        [c] = get_classifier(**spec).classify_many([ArticleText(x.title or "", x.text)])
    except Exception as exc:  # noqa: BLE001 - one poison page is that page's failure, never the run's
        return ExtractionFailure(url, "classify_error", f"{type(exc).__name__}: {exc}"[:300], x.raw_sha256)
    return PageDone(x, c, _fingerprint(x))


def process_pages(pages: list, settings: ExtractionSettings, *, spec: dict) -> list[PageDone | ExtractionFailure]:
    """process_page for a message's pages, classified in one call: the same
    classifications, somewhat cheaper (bench/RESULTS.md, "Per-page CPU in the
    extraction workers": 3% for 8 pages a call there, 18% for 32 in a quick
    check). If that call fails, each page is classified alone, so a poison
    page fails by itself."""
    done = [extract_article(b, u, e, settings) for b, u, e in pages]
    articles = [x for x in done if isinstance(x, ExtractedArticle)]
    try:
        labels = get_classifier(**spec).classify_many([ArticleText(x.title or "", x.text) for x in articles])
    except Exception:  # noqa: BLE001 - found below, page by page
        return [x if isinstance(x, ExtractionFailure) else process_page(b, u, e, settings, spec=spec)
                for x, (b, u, e) in zip(done, pages)]
    by_page = iter(labels)
    return [x if isinstance(x, ExtractionFailure) else PageDone(x, next(by_page), _fingerprint(x)) for x in done]


def page_fn(settings):
    """The picklable per-page function extract_many runs in its workers."""
    return partial(process_page, spec=classifier_spec(settings))


def pages_fn(settings):
    """The picklable per-message function (several pages) extract_many runs in its workers."""
    return partial(process_pages, spec=classifier_spec(settings))
