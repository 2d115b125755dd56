"""The supervised layer: two small logistic models fitted on labelled text.

The sentence-matching scores (core.py) know the references but not how real
writing carries a framing: quoted experts a piece adopts, hawkish "leverage"
pieces that use deal vocabulary, EU-China or ASEAN stories that mention the
truce in passing. Two models learn that from labelled fit-split text only
(`calibrate.py`; the real-text and dev fit splits, never a test split):

- the **relevance gate**: the relevance counts (relevance.py, including how
  often a third country or bloc is named) plus TF-IDF of the whole text with
  country names kept -> P(about US-China relations);
- the **framing model**: per reference its sentence-match margin and vocabulary
  score (core.py), the shares of reported, attributed and rejecting sentences
  (stance.py), plus TF-IDF of the text without its rejecting sentences ->
  P(each reference framing | neither).

Both are plain numbers in params/<backend>.json (vocabulary, IDF, standardisation,
coefficients), applied here with numpy, so runs need no fitting and no
download. Classes are the reference ids plus `neither`: a reference added
later falls back to the shared calibration until `calibrate` is re-run.
"""

from __future__ import annotations

from collections import Counter
from functools import lru_cache
from itertools import repeat

import numpy as np

from .lexical import _STOP, TOPIC_STOP, analyze

STOPS = {"framing": _STOP, "topic": TOPIC_STOP}


class Tfidf:
    """sklearn's TfidfVectorizer(sublinear_tf=True, norm="l2") applied from its fitted
    vocabulary and IDF, so the shipped JSON is all that is needed."""

    def __init__(self, vocab: list[str], idf: list[float], stop: str):
        self.index = {t: i for i, t in enumerate(vocab)}
        self.idf = np.asarray(idf, dtype=np.float64)
        self.stop = STOPS[stop]

    def transform(self, texts: list[str]):
        """Sparse (n, vocabulary) rows: a dense matrix cost more than the model."""
        from scipy.sparse import csr_matrix

        indptr, cols, vals = [0], [], []
        for text in texts:
            counts = Counter(analyze(text, self.stop))
            # Terms in first-seen order, as before: the order of the sums below.
            # map() looks them up without a Python-level loop per term.
            j = np.fromiter(map(self.index.get, counts, repeat(-1)), dtype=np.int64, count=len(counts))
            n = np.fromiter(counts.values(), dtype=np.int64, count=len(counts))
            j, n = j[j >= 0], n[j >= 0]
            # Whole-row numpy arithmetic instead of three numpy scalar operations per
            # term; the same IEEE operations in the same order, so the same bits:
            # 1 + log(n) comes from scalar calls (_sublinear), and the squares are
            # summed left to right as before, not pairwise.
            counts_seen, at = np.unique(n, return_inverse=True)
            v = np.array([_sublinear(int(k)) for k in counts_seen], dtype=np.float64)[at] * self.idf[j]
            norm = np.sqrt(sum((v * v).tolist())) or 1.0
            cols.append(j)
            vals.append(v / norm)
            indptr.append(indptr[-1] + len(j))
        cols_, vals_ = (np.concatenate(cols), np.concatenate(vals)) if texts else ([], [])
        return csr_matrix((vals_, cols_, indptr), shape=(len(texts), len(self.index)))


@lru_cache(maxsize=1024)
def _sublinear(n: int) -> float:
    """sklearn's sublinear tf, 1 + log(n), for a term count n, as a scalar call (the
    bits the per-term code gave); called once per distinct count in a text."""
    return 1.0 + np.log(n)


class LinearModel:
    """Standardised dense features + TF-IDF -> softmax (or sigmoid for two classes)."""

    def __init__(self, p: dict):
        self.classes = list(p["classes"])
        self.n_dense = int(p["dense"])
        self.mean = np.asarray(p["mean"])
        self.scale = np.asarray(p["scale"])
        self.tfidf = Tfidf(p["vocab"], p["idf"], p["stop"]) if p.get("vocab") else None
        self.coef = np.asarray(p["coef"])
        self.intercept = np.asarray(p["intercept"])

    def decision(self, dense: np.ndarray, texts: list[str]) -> np.ndarray:
        x = (np.asarray(dense, dtype=np.float64) - self.mean) / self.scale
        z = x @ self.coef[:, : self.n_dense].T + self.intercept
        if self.tfidf:
            z = z + np.asarray(self.tfidf.transform(texts) @ self.coef[:, self.n_dense:].T)
        return z

    def proba(self, dense: np.ndarray, texts: list[str]) -> np.ndarray:
        z = self.decision(dense, texts)
        if len(self.classes) == 2:  # sklearn's binary form: one row of coefficients
            p1 = 1.0 / (1.0 + np.exp(-z[:, 0]))
            return np.column_stack([1.0 - p1, p1])
        z = z - z.max(axis=1, keepdims=True)
        e = np.exp(z)
        return e / e.sum(axis=1, keepdims=True)
