"""Reclassify and re-extract a warehouse built by the real flow, with the
fixture sites already shut down: nothing may be fetched again."""
from __future__ import annotations

import shutil

import duckdb
import pytest

import extractors.article as article_mod
from demo.server import serve_sites
from flows.daily_ingest import daily_ingest
from flows.reprocess import reclassify, reextract
from flows.settings import PROJECT_ROOT
from tests.conftest import FIXTURES, ingest_overrides

pytestmark = pytest.mark.usefixtures("prefect_harness")

TABLES = ("articles", "classifications", "framing_scores", "evidence", "article_extractions", "fetch_errors", "runs")


def _rows(db, sql, params=None):
    with duckdb.connect(str(db), read_only=True) as conn:
        return conn.execute(sql, params or []).fetchall()


def _counts(db) -> dict[str, int]:
    return {t: _rows(db, f"SELECT count(*) FROM {t}")[0][0] for t in TABLES}


@pytest.fixture
def warehouse(tmp_path, monkeypatch):
    """Settings of a warehouse loaded by one daily run, whose sites are gone again."""
    with serve_sites(FIXTURES / "sites", base_port=0) as sites:
        overrides = ingest_overrides(tmp_path, sites)
        summary = daily_ingest(overrides=overrides)
    assert summary["counts"]["articles_loaded"] == 3

    # Belt and braces next to the stopped server: any fetch is a test failure.
    def no_fetching(*a, **k):
        raise AssertionError("reprocessing must not fetch")

    monkeypatch.setattr("extractors.http.Fetcher.fetch_many", no_fetching)
    monkeypatch.setattr("extractors.http.Fetcher.fetch", no_fetching)
    return overrides, summary["database"]


def _edited_seeds(tmp_path):
    """A copy of seeds/ with one reference's text changed (a sentence added)."""
    seeds = tmp_path / "seeds"
    shutil.copytree(PROJECT_ROOT / "seeds", seeds)
    doc = sorted(seeds.glob("*.txt"))[0]
    doc.write_text(doc.read_text(encoding="utf-8") + "\n\nBoth capitals say a steady truce serves their trade and their markets.\n",
                   encoding="utf-8")
    return seeds


def test_reclassify_with_unchanged_classifier_and_references_adds_no_rows(warehouse):
    overrides, db = warehouse
    before = _counts(db)
    out = reclassify(overrides=overrides)
    assert (out["articles"], out["already_current"], out["classified"], out["loaded"]) == (3, 3, 0, 0)
    assert out["snapshot"] is None and "nothing to do" in out["message"]
    assert _counts(db) == before


def test_reclassify_after_a_reference_changes_adds_one_new_version_per_article(warehouse, tmp_path):
    overrides, db = warehouse
    [(old_version,)] = _rows(db, "SELECT DISTINCT classifier_version FROM classifications")
    before = _counts(db)
    edited = {**overrides, "seeds_dir": str(_edited_seeds(tmp_path))}

    out = reclassify(overrides=edited)
    new_version = out["classifier_version"]
    assert new_version != old_version
    assert (out["articles"], out["already_current"], out["classified"], out["loaded"]) == (3, 0, 3, 3)
    assert out["made_current"] and out["current"].endswith(new_version)
    after = _counts(db)
    assert after["classifications"] == before["classifications"] + 3
    assert after["framing_scores"] == 2 * before["framing_scores"]  # one score per framing, both versions
    assert after["articles"] == before["articles"] and after["article_extractions"] == 0
    per_version = dict(_rows(db, "SELECT classifier_version, count(*) FROM classifications GROUP BY 1"))
    assert per_version == {old_version: 3, new_version: 3}  # the old rows stay, for comparison
    assert _rows(db, "SELECT DISTINCT classifier_version FROM latest_classifications") == [(new_version,)]
    assert _rows(db, "SELECT count(*) FROM latest_classifications")[0][0] == 3
    # the edited reference's new hash is recorded with the rows and in framings
    hashes = _rows(db, "SELECT DISTINCT reference_hashes FROM classifications WHERE classifier_version = ?", [new_version])
    assert len(hashes) == 1 and _rows(db, "SELECT count(*) FROM framings")[0][0] == 2

    again = reclassify(overrides=edited)  # equal versions change nothing
    assert (again["classified"], again["loaded"]) == (0, 0)
    assert _counts(db) == after


def test_interrupted_reclassify_resumes_and_switches_versions_only_when_complete(warehouse, tmp_path, monkeypatch):
    overrides, db = warehouse
    edited = {**overrides, "seeds_dir": str(_edited_seeds(tmp_path)), "batch_size": 2}
    [(old_version,)] = _rows(db, "SELECT DISTINCT classifier_version FROM classifications")
    import flows.reprocess as rp

    real, calls = rp.RunRecorder.commit, []

    def fail_second_batch(self, batch, conn=None):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("interrupted")
        return real(self, batch, conn)

    monkeypatch.setattr(rp.RunRecorder, "commit", fail_second_batch)
    with pytest.raises(RuntimeError):
        reclassify(overrides=edited)
    # two of three articles are on the new version: the views still report the old one
    assert _rows(db, "SELECT DISTINCT classifier_version FROM latest_classifications") == [(old_version,)]
    # the failed call is in `runs`, as failed, with its reason
    assert _rows(db, "SELECT status, message LIKE '%interrupted%' FROM runs WHERE message LIKE 'reclassify%'") == [("failed", True)]
    monkeypatch.setattr(rp.RunRecorder, "commit", real)
    out = reclassify(overrides=edited)
    assert (out["already_current"], out["classified"], out["made_current"]) == (2, 1, True)
    assert _rows(db, "SELECT count(DISTINCT classifier_version) FROM latest_classifications")[0][0] == 1


def test_reextract_with_unchanged_extractor_version_changes_nothing(warehouse):
    overrides, db = warehouse
    before = _counts(db)
    out = reextract(overrides=overrides)
    assert (out["articles"], out["already_current"], out["reextracted"], out["batches"]) == (3, 3, 0, 0)
    assert "nothing to do" in out["message"]
    assert _counts(db) == before


def test_reextract_after_the_extractor_changes_uses_the_raw_store_and_reclassifies_changed_texts(warehouse, monkeypatch):
    overrides, db = warehouse
    originals = dict(_rows(db, "SELECT article_id, text FROM articles"))
    [(old_version,)] = _rows(db, "SELECT DISTINCT extractor_version FROM articles")
    victim = sorted(originals)[0]
    # What an older extractor left behind: one article cut short (and its
    # classification made from the full text, as the pipeline would have).
    with duckdb.connect(str(db)) as conn:
        conn.execute("UPDATE articles SET text = left(text, 400) WHERE article_id = ?", [victim])
    classified_at = dict(_rows(db, "SELECT article_id, classified_at FROM classifications"))
    before = _counts(db)
    monkeypatch.setattr(article_mod, "EXTRACTOR_VERSION", old_version + "+next")

    out = reextract(overrides=overrides)
    assert (out["articles"], out["already_current"], out["reextracted"], out["failed"]) == (3, 0, 3, 0)
    assert (out["text_changed"], out["reclassified"]) == (1, 1)
    after = _counts(db)
    assert after["articles"] == 3 and after["article_extractions"] == 3
    # the same classifier version: the cut text's rows were replaced, not added to
    assert {t: after[t] for t in ("classifications", "framing_scores")} == {t: before[t] for t in ("classifications", "framing_scores")}
    assert dict(_rows(db, "SELECT article_id, text FROM articles")) == originals
    assert _rows(db, "SELECT DISTINCT extractor_version FROM articles") == [(old_version + "+next",)]
    new_at = dict(_rows(db, "SELECT article_id, classified_at FROM classifications"))
    assert [a for a in new_at if new_at[a] != classified_at[a]] == [victim]
    # the previous extraction is kept, with the label analysts saw for it
    hist = _rows(db, "SELECT article_id, extractor_version, length(text), label FROM article_extractions ORDER BY article_id")
    assert {h[1] for h in hist} == {old_version}
    assert [h[2] for h in hist if h[0] == victim] == [400] and all(h[3] for h in hist)

    again = reextract(overrides=overrides)  # equal versions change nothing
    assert again["reextracted"] == 0 and _counts(db) == after


def test_reextract_records_a_missing_raw_page_and_keeps_the_article(warehouse, tmp_path, monkeypatch):
    overrides, db = warehouse
    [(sha, aid)] = _rows(db, "SELECT raw_sha256, article_id FROM articles ORDER BY article_id LIMIT 1")
    from extractors.raw_store import RawStore

    RawStore(tmp_path / "data" / "raw").path(sha).unlink()
    monkeypatch.setattr(article_mod, "EXTRACTOR_VERSION", "next")
    out = reextract(overrides=overrides)
    assert (out["reextracted"], out["failed"], out["reasons"]) == (2, 1, {"raw_missing": 1})
    assert _rows(db, "SELECT extractor_version <> 'next' FROM articles WHERE article_id = ?", [aid]) == [(True,)]
    assert _rows(db, "SELECT stage, reason, source_id FROM fetch_errors") == [("reextract", "raw_missing", None)]


def test_cli_commands_say_what_they_did_with_documented_exit_codes(warehouse, tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from cli.app import EXIT_CONFIG, EXIT_OK, EXIT_PARTIAL, app

    overrides, db = warehouse
    runner = CliRunner()
    monkeypatch.setenv("FRAMEWATCH_DATA_DIR", str(tmp_path / "nowhere"))
    assert runner.invoke(app, ["reclassify"]).exit_code == EXIT_CONFIG
    monkeypatch.setenv("FRAMEWATCH_DATA_DIR", overrides["data_dir"])
    result = runner.invoke(app, ["reclassify"])
    assert result.exit_code == EXIT_OK, result.output
    assert "nothing to do" in result.output and "no row written" in result.output
    result = runner.invoke(app, ["reextract"])
    assert result.exit_code == EXIT_OK and "nothing to do" in result.output, result.output
    [(sha,)] = _rows(db, "SELECT raw_sha256 FROM articles ORDER BY article_id LIMIT 1")
    from extractors.raw_store import RawStore

    RawStore(tmp_path / "data" / "raw").path(sha).unlink()
    monkeypatch.setattr(article_mod, "EXTRACTOR_VERSION", "next")
    result = runner.invoke(app, ["reextract"])
    assert result.exit_code == EXIT_PARTIAL, result.output
    assert "re-extracted 2 of 3" in result.output and "raw_missing: 1" in result.output


def test_the_sql_in_docs_reprocess_runs_on_the_analyst_snapshot(warehouse, tmp_path, monkeypatch):
    import re

    overrides, db = warehouse
    edited = {**overrides, "seeds_dir": str(_edited_seeds(tmp_path))}
    reclassify(overrides=edited)
    monkeypatch.setattr(article_mod, "EXTRACTOR_VERSION", "next")
    out = reextract(overrides=edited)
    assert out["reextracted"] == 3 and out["snapshot"]
    doc = (PROJECT_ROOT / "docs" / "reprocess.md").read_text()
    versions, moves, changes = re.findall(r"```sql\n(.*?)```", doc, flags=re.S)
    snap = out["snapshot"]
    rows = _rows(snap, versions)
    assert [(r[2], r[4]) for r in rows] == [(False, 3), (True, 3)]  # old version kept, new one current
    assert sum(r[2] for r in _rows(snap, moves)) == 3
    assert len(_rows(snap, changes)) == 3
