"""Domain objects (from extractors/ and framing/) to warehouse rows."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from warehouse.load import article_id


def article_row(a: Any, *, source_id: str | None, feed_guid: str | None, run_id: str, fetched_at: datetime) -> dict:
    return {
        "article_id": article_id(a.canonical_url),
        "canonical_url": a.canonical_url,
        "url": a.url,
        "source_id": source_id,
        "feed_guid": feed_guid,
        "title": a.title,
        "author": a.author,
        "published_at": a.published_at,
        "published_source": a.published_source,
        "site_name": a.site_name,
        "language": a.language,
        "text": a.text,
        "word_count": a.word_count,
        "content_sha256": a.content_sha256,
        "raw_sha256": a.raw_sha256,
        "story_id": getattr(a, "story_id", None) or article_id(a.canonical_url),  # final value set by story_rows
        "extractor_version": a.extractor_version,
        "language_method": getattr(a, "language_method", None),
        "canonical_source": getattr(a, "canonical_source", None),
        "dedup_reason": None,
        "fetched_at": fetched_at,
        "run_id": run_id,
    }


def classification_rows(aid: str, c: Any, *, run_id: str, at: datetime) -> tuple[dict, list[dict], list[dict]]:
    """One classification row, its per-framing scores, and its evidence rows."""
    key = {"article_id": aid, "classifier": c.classifier, "classifier_version": c.classifier_version}
    row = {
        **key,
        "label": c.label,
        "confidence": c.confidence,
        "relevance": c.relevance,
        "params": c.params,
        "reference_hashes": c.reference_hashes,
        "classified_at": at,
        "run_id": run_id,
    }
    scores = [{**key, "framing_id": fid, "score": float(s)} for fid, s in c.scores.items()]
    ranks: dict[str, int] = {}
    evidence = []
    for e in c.evidence:
        ranks[e.framing_id] = ranks.get(e.framing_id, 0) + 1
        evidence.append(
            {
                **key,
                "framing_id": e.framing_id,
                "rank": ranks[e.framing_id],
                "article_sentence": e.article_sentence,
                "reference_sentence": e.reference_sentence,
                "similarity": float(e.similarity),
            }
        )
    return row, scores, evidence


def framing_row(ref: Any) -> dict:
    m = ref.metadata or {}
    return {
        "framing_id": ref.id,
        "name": ref.name,
        "description": ref.description,
        "title": m.get("title"),
        "author": m.get("author"),
        "publisher": m.get("publisher"),
        "published": str(m.get("date")) if m.get("date") else None,
        "url": m.get("url"),
        "sha256": ref.sha256,
    }


def source_row(s: Any) -> dict:
    return {
        "source_id": s.id,
        "name": s.name,
        "site_url": s.site_url,
        "feed_url": getattr(s, "endpoint", None) or s.feed_url,  # the URL its discovery method polls
        "country": s.country,
        "language": s.language,
        "feed_verified": s.feed_verified,
        "discovery": getattr(s, "discovery", "feed"),
        "kind": getattr(s, "kind", "specialist"),
        "evidence": getattr(s, "evidence", None),
    }


def fingerprint_rows(f: Any, method: str) -> tuple[dict, list[dict]]:
    """An extractors.dedup.Fingerprint as its article_fingerprints row and LSH band rows."""
    row = {
        "article_id": f.article_id,
        "site": f.site,
        "title_key": f.title_key,
        "n_shingles": f.n_shingles,
        "minhash": f.minhash.astype("<u4").tobytes(),
        "method": method,
    }
    return row, [{"band_key": k, "article_id": f.article_id} for k in f.band_keys()]


def story_rows(articles: list[dict], assignment: Any, to_store: list[Any], method: str) -> dict[str, list[dict]]:
    """Apply an extractors.dedup.StoryAssignment: set story_id and dedup_reason
    on the new article rows (in place) and return the other rows to load:
    fingerprints and LSH bands of `to_store`, existing articles to re-point,
    and the stories to recompute."""
    for row in articles:
        row["story_id"] = assignment.story_of_new.get(row["article_id"], row["story_id"])
        row["dedup_reason"] = assignment.reasons.get(row["article_id"])
    fps, bands = [], []
    for f in to_store:
        fr, br = fingerprint_rows(f, method)
        fps.append(fr)
        bands.extend(br)
    return {
        "fingerprints": fps,
        "lsh_bands": bands,
        "story_updates": [
            {"article_id": a, "story_id": s, "dedup_reason": None if a == s else assignment.reasons.get(a)}
            for a, s in sorted(assignment.repointed.items())
        ],
    }
