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
        "story_id": getattr(a, "story_id", None) or article_id(a.canonical_url),
        "extractor_version": a.extractor_version,
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
        "feed_url": s.feed_url,
        "country": s.country,
        "language": s.language,
        "feed_verified": s.feed_verified,
    }
