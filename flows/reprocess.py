"""Reclassify and re-extract stored articles, without fetching anything again.

`reclassify` gives every stored article a classification by the current
classifier (name + version; the version covers parameters and reference
documents, see framing/README.md "Versioning"). Rows of older versions stay
for comparison; the new version becomes the one the views report once it
covers every article. `reextract` re-runs extraction on the raw pages kept
in the raw store (extractors/raw_store.py) for every article extracted by
another extractor version, updates the article in place (the previous
extraction goes to `article_extractions`) and classifies again the articles
whose title or text changed.

Both page through the warehouse by article_id, a short read connection per
batch, and run through the one batch loop (flows/batch_loop.py) and run
recorder (flows/runs.py) of every flow: each batch is loaded in its own
transaction, so an interrupted call keeps what it finished and the next call
skips it. Both hold the warehouse's run lock. With nothing to do, neither
writes a row. See docs/reprocess.md.
"""
from __future__ import annotations

from collections import Counter
from datetime import datetime
from pathlib import Path

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

import extractors.article as article_mod
from extractors.article import ExtractionFailure
from extractors.extract_pool import extract_many
from extractors.feeds import FeedEntry
from extractors.raw_store import RawStore
from flows import progress
from flows.batch_loop import run_batches
from flows.ingest_steps import publish_analyst_snapshot
from flows.ledger import RunLedger, utcnow
from flows.page_work import classifier_for, reference_framings
from flows.runlock import run_lock
from flows.runs import RunRecorder
from flows.settings import Settings, load_settings
from framing import ArticleText
from warehouse import connect, named_rows, promote_classifier
from warehouse.load import LoadBatch
from warehouse.rows import classification_rows, framing_row


def _read(db_path: Path, name: str, params: list) -> list[dict]:
    """One named query on a connection opened for it alone: the warehouse is
    never held open while a batch is classified or extracted."""
    conn = connect(db_path)
    try:
        return named_rows(conn, name, params)
    finally:
        conn.close()


@task(name="classify_stored", cache_policy=NO_CACHE)
def classify_stored(chunk: list[dict], settings: Settings, run_id: str, at: datetime | None = None) -> tuple[list, list, list]:
    """Classification, score and evidence rows for stored articles ({article_id, title, text})."""
    rows, at = chunk, at or utcnow()
    clf = classifier_for(settings)
    results = clf.classify_many([ArticleText(r["title"] or "", r["text"] or "") for r in rows])
    crows, scores, evidence = [], [], []
    for r, c in zip(rows, results):
        crow, s, e = classification_rows(r["article_id"], c, run_id=run_id, at=at)
        crows.append(crow)
        scores.extend(s)
        evidence.extend(e)
    return crows, scores, evidence


def _framings(settings: Settings) -> list[dict]:
    # The references in use go in with the rows classified against them
    # (an edited reference's sha256 is updated in `framings`).
    return [framing_row(r) for r in reference_framings(settings)]


def _finish(settings: Settings, run: RunRecorder, message: str) -> str | None:
    """The final runs row; analysts read the snapshot: republish it if anything changed."""
    run.finish(message)
    published = publish_analyst_snapshot(settings.database_path, settings.snapshot_path)
    return str(settings.snapshot_path) if published else None


def _pages(db: Path, name: str, params: list, batch_size: int):
    """The rows of a keyset-paged named query, one batch at a time (read lazily by the batch loop)."""
    after = ""
    while rows := _read(db, name, [*params, after, batch_size]):
        after = rows[-1]["article_id"]
        yield rows


@flow(name="reclassify")
def reclassify(overrides: dict | None = None) -> dict:
    """Classify every stored article that has no classification by the current
    classifier version; old versions' rows stay. `overrides` are Settings fields."""
    settings = load_settings(**(overrides or {}))
    db = settings.database_path
    clf = classifier_for(settings)
    out = {"classifier": clf.name, "classifier_version": clf.version, "articles": 0, "already_current": 0,
           "classified": 0, "loaded": 0, "rows": Counter(), "batches": 0, "made_current": False,
           "current": None, "snapshot": None, "database": str(db)}
    if not _planned(db, out, "reclassify_status", [clf.name, clf.version], "classify"):
        return out
    with run_lock(db, "reclassify"):
        run = RunRecorder(db, "reclassify")
        with run.failing():

            def on_done(rows, part) -> None:
                run.start_once()
                crows, scores, evidence = part
                run.counts["articles_classified"] += len(crows)
                out["batches"] += 1
                run.message = f"{clf.name} {clf.version}, batch {out['batches']}"
                loaded = run.commit(LoadBatch(framings=_framings(settings), classifications=crows, framing_scores=scores, evidence=evidence))
                for table in ("classifications", "framing_scores", "evidence"):
                    out["rows"][table] += loaded[table]
                out["classified"] += len(rows)
                out["loaded"] += loaded["classifications"]
                progress.advance("classify", len(rows))

            run_batches(classify_stored, _pages(db, "reclassify_next", [clf.name, clf.version], settings.batch_size),
                        {"settings": settings, "run_id": run.run_id}, settings, on_done)
            if out["loaded"]:
                out["made_current"] = _make_current_if_complete(db, clf.name, clf.version)
            if run.started:
                out["snapshot"] = _finish(settings, run, f"{clf.name} {clf.version}: {out['classified']} classified")
    out["current"] = _current(db)
    out["rows"] = dict(out["rows"])
    out["message"] = (f"classified {out['classified']} of {out['articles']} articles with {clf.name} {clf.version} "
                      f"({out['already_current']} already had it)"
                      if out["loaded"] else
                      f"nothing to do: all {out['articles']} articles already have {clf.name} {clf.version}; no row written")
    return out


def _planned(db: Path, out: dict, status_query: str, params: list, stage: str) -> bool:
    """Fill `out` with how many articles there are and how many are already
    current, and announce the rest to the progress display; False (with the
    message in `out`) when there is no warehouse yet."""
    if not Path(db).exists():
        out["message"] = f"no warehouse at {db}"
        return False
    [st] = _read(db, status_query, params)
    out["articles"], out["already_current"] = st["articles"], st["already_current"]
    progress.plan(stage, st["articles"] - st["already_current"])
    return True


def _make_current_if_complete(db: Path, classifier: str, version: str) -> bool:
    """The one rule for the current version (warehouse.db.promote_classifier):
    once the new version covers as many articles as the current one."""
    conn = connect(db)
    try:
        return promote_classifier(conn, classifier, version)
    finally:
        conn.close()


def _current(db: Path) -> str | None:
    rows = _read(db, "current_classifier_version", [])
    return f"{rows[0]['classifier']} {rows[0]['classifier_version']}" if rows else None


# ---------------------------------------------------------------- re-extraction

def _entry(row: dict) -> FeedEntry:
    """What the feed told us, as far as the article row still knows it: the
    extractor falls back to it for a title or date the page lacks."""
    published = row["published_at"] if row["published_source"] == "feed" else None
    return FeedEntry(row["url"], row["feed_guid"], row["title"], row["author"], published, None)


def _error(run_id: str, url: str, reason: str, detail: str | None) -> dict:
    # source_id NULL: a missing raw page or a changed extractor is our
    # problem, not the source's, and must not count in its health (source_health).
    return {"run_id": run_id, "occurred_at": utcnow(), "stage": "reextract", "source_id": None, "url": url,
            "reason": reason, "detail": (detail or "")[:1000] or None, "http_status": None}


def _raw_pages(store: RawStore, rows: list[dict], run_id: str, errors: list[dict]) -> list[tuple[dict, bytes]]:
    pages = []
    for r in rows:
        sha = r["raw_sha256"]
        try:
            if not sha:
                raise FileNotFoundError("the article has no raw_sha256 (loaded before the raw store existed)")
            pages.append((r, store.get(sha)))
        except FileNotFoundError as exc:
            errors.append(_error(run_id, r["url"], "raw_missing", str(exc) if not sha else f"not in the raw store: {sha}"))
        except ValueError as exc:  # the file does not hash back to its name
            errors.append(_error(run_id, r["url"], "raw_corrupt", str(exc)))
    return pages


@task(name="reextract_batch", cache_policy=NO_CACHE)
def reextract_batch(chunk: list[dict], settings: Settings, run_id: str, version: str) -> tuple[list[dict], list[dict], list[dict]]:
    """Extract the stored raw pages of `rows` again: (article updates, rows
    whose title or text changed, error rows). Failures keep the old extraction."""
    rows = chunk
    errors: list[dict] = []
    pages = _raw_pages(RawStore(settings.raw_store_dir), rows, run_id, errors)
    results = extract_many([(body, r["url"], _entry(r)) for r, body in pages], workers=settings.extract_workers or None)
    updates, changed = [], []
    for (r, _), x in zip(pages, results):
        if isinstance(x, ExtractionFailure):
            errors.append(_error(run_id, r["url"], x.reason, x.detail))
            continue
        # The article keeps its identity (article_id, canonical_url, story):
        # a rel=canonical the new extractor adopts differently is not followed.
        updates.append({
            "article_id": r["article_id"], "title": x.title, "author": x.author, "published_at": x.published_at,
            "published_source": x.published_source, "site_name": x.site_name, "language": x.language,
            "language_method": x.language_method, "text": x.text, "word_count": x.word_count,
            "content_sha256": x.content_sha256, "extractor_version": version, "run_id": run_id,
        })
        if (x.title or "", x.text) != (r["title"] or "", r["text"] or ""):
            changed.append({"article_id": r["article_id"], "title": x.title, "text": x.text})
    return updates, changed, errors


@flow(name="reextract")
def reextract(overrides: dict | None = None) -> dict:
    """Re-extract every article whose extractor_version is not the current
    one from its stored raw page, then classify the changed texts again."""
    settings = load_settings(**(overrides or {}))
    db = settings.database_path
    version = article_mod.EXTRACTOR_VERSION  # looked up now, not at import: the version this call writes
    out = {"extractor_version": version, "articles": 0, "already_current": 0, "reextracted": 0, "text_changed": 0,
           "reclassified": 0, "failed": 0, "reasons": Counter(), "batches": 0, "snapshot": None, "database": str(db)}
    if not _planned(db, out, "reextract_status", [version], "extract"):
        return out
    with run_lock(db, "reextract"):
        run = RunRecorder(db, "reextract")
        with run.failing():

            def on_done(rows, part) -> None:
                run.start_once()
                updates, changed, errors = part
                crows, scores, evidence = classify_stored.fn(changed, settings, run.run_id) if changed else ([], [], [])
                out["batches"] += 1
                ledger = RunLedger(run_id=run.run_id)
                ledger.counts.update(articles_reextracted=len(updates), text_changed=len(changed), articles_classified=len(crows))
                ledger.batch.errors = errors
                run.add(ledger)
                run.message = f"extractor {version}, batch {out['batches']}"
                run.commit(LoadBatch(
                    errors=errors, article_updates=updates, framings=_framings(settings) if crows else [],
                    # the same classifier version's rows of the old text make way for the new text's
                    replaced_classifications=[{"article_id": c["article_id"], "classifier": c["classifier"],
                                               "classifier_version": c["classifier_version"]} for c in crows],
                    classifications=crows, framing_scores=scores, evidence=evidence,
                ))
                out["reextracted"] += len(updates)
                out["text_changed"] += len(changed)
                out["reclassified"] += len(crows)
                out["failed"] += len(errors)
                out["reasons"].update(e["reason"] for e in errors)
                progress.advance("extract", len(rows), ok=len(updates))
                if crows:
                    progress.advance("classify", len(crows))

            run_batches(reextract_batch, _pages(db, "reextract_next", [version], settings.batch_size),
                        {"settings": settings, "run_id": run.run_id, "version": version}, settings, on_done)
            if run.started:
                out["snapshot"] = _finish(settings, run, f"extractor {version}: {out['reextracted']} re-extracted")
    out["reasons"] = dict(out["reasons"])
    todo = out["articles"] - out["already_current"]
    why = ", ".join(f"{k}: {n}" for k, n in sorted(out["reasons"].items()))
    out["message"] = (f"re-extracted {out['reextracted']} of {todo} articles with {version}; {out['text_changed']} texts changed "
                      f"and were classified again; {out['failed']} kept their old extraction" + (f" ({why})" if why else "")
                      if todo else
                      f"nothing to do: all {out['articles']} articles already extracted by {version}; no row written")
    return out
