"""Token-shingle precision / recall / F1 of extracted text against a reference.

The method of the article-extraction benchmark this data comes from: word
tokens (\\w+), 4-token shingles counted as multisets, per-page counts
normalised so a long page weighs no more than a short one; precision and
recall are averaged over pages and F1 is their harmonic mean.
"""
from __future__ import annotations

import re
import statistics
from collections import Counter

_TOKEN = re.compile(r"\w+", re.UNICODE)


def shingles(text: str | None, n: int = 4) -> Counter:
    tokens = _TOKEN.findall(text or "")
    if len(tokens) < n:
        return Counter([tuple(tokens)]) if tokens else Counter()
    return Counter(tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1))


def page_counts(true: str, pred: str | None, n: int = 4) -> tuple[float, float, float]:
    """(tp, fp, fn) for one page, normalised to sum to 1."""
    t, p = shingles(true, n), shingles(pred, n)
    tp = sum((t & p).values())
    fp = sum(p.values()) - tp
    fn = sum(t.values()) - tp
    total = tp + fp + fn
    return (tp / total, fp / total, fn / total) if total else (0.0, 0.0, 0.0)


def _precision(tp: float, fp: float, fn: float) -> float:
    if fp == fn == 0:
        return 1.0
    return tp / (tp + fp) if tp + fp else 0.0


def _recall(tp: float, fp: float, fn: float) -> float:
    if fp == fn == 0:
        return 1.0
    return tp / (tp + fn) if tp + fn else 0.0


def score(pairs: list[tuple[str, str | None]], n: int = 4) -> dict[str, float]:
    """pairs: (reference text, extracted text or None). Pages with no
    extracted text count as precision-undefined (skipped) and recall 0."""
    counts = [page_counts(t, p, n) for t, p in pairs]
    precisions = [_precision(*c) for c in counts if c[0] + c[1] > 0]
    recalls = [_recall(*c) for c in counts if c[0] + c[2] > 0]
    p = statistics.mean(precisions) if precisions else 0.0
    r = statistics.mean(recalls) if recalls else 0.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": p, "recall": r, "f1": f1, "pages": len(pairs)}
