"""One pass per page in the extraction workers: extraction, classification, MinHash."""
from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

from extractors.article import ExtractionFailure
from extractors.extract_pool import extract_many
from flows.page_work import PageDone, page_fn, pages_fn
from flows.settings import PROJECT_ROOT

MINI = Path(__file__).parent / "fixtures" / "sites" / "mini" / "commentary"
BASE = "http://mini.example"


def _settings(backend: str, tmp_path: Path):
    """What page_fn reads of the settings (no calibrated params in tmp_path: the shipped ones)."""
    return SimpleNamespace(classifier_backend=backend, seeds_dir=PROJECT_ROOT / "seeds", data_dir=tmp_path)


def _pages():
    return [((MINI / n).read_bytes().replace(b"{{BASE_URL}}", BASE.encode()), f"{BASE}/commentary/{n}", None)
            for n in ("truce.html", "engage.html", "rice.html")]


def test_workers_return_each_article_classified_with_its_minhash_signature(tmp_path):
    out = extract_many(_pages(), workers=2, extract_fn=page_fn(_settings("lexical", tmp_path)))
    assert all(isinstance(d, PageDone) for d in out), out
    assert {d.classification.label for d in out} >= {"off_topic"}  # the rice piece
    for d in out:
        assert d.fingerprint.canonical_url == d.article.canonical_url  # article_id: set by the flow
        assert d.fingerprint.n_shingles > 0 and len(d.fingerprint.minhash) > 0
        assert d.classification.classifier and d.classification.classifier_version


def test_a_classifier_that_fails_is_that_pages_failure_not_the_runs(tmp_path):
    out = extract_many(_pages()[:2], workers=1, extract_fn=page_fn(_settings("no-such-backend", tmp_path)))
    assert [type(r) for r in out] == [ExtractionFailure, ExtractionFailure]
    assert {r.reason for r in out} == {"classify_error"}
    assert all(r.raw_sha256 for r in out)


def test_the_flows_framings_rows_are_those_of_the_classifiers_references(tmp_path):
    """The flow records the references without building the classifier (no sklearn in its process)."""
    from flows.page_work import classifier_for, reference_framings
    from warehouse.rows import framing_row

    settings = _settings("lexical", tmp_path)
    assert [framing_row(r) for r in reference_framings(settings)] == [framing_row(r) for r in classifier_for(settings).references]


def test_pages_classified_together_are_classified_as_one_by_one(tmp_path):
    settings = _settings("lexical", tmp_path)
    pages = _pages() * 3
    alone = extract_many(pages, workers=1, extract_fn=page_fn(settings), pages_per_message=1)
    together = extract_many(pages, workers=1, batch_fn=pages_fn(settings), pages_per_message=9)
    assert [d.classification for d in together] == [d.classification for d in alone]
    assert [d.fingerprint.minhash.tolist() for d in together] == [d.fingerprint.minhash.tolist() for d in alone]
    failed = extract_many(pages[:2], workers=1, batch_fn=pages_fn(_settings("no-such-backend", tmp_path)))
    assert {r.reason for r in failed} == {"classify_error"}
