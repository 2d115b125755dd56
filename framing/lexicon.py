"""Framing vocabulary: which (concept-mapped) terms each reference uses more
than the other references and the contrast text.

A document-level complement to sentence matching: a commentary can carry a
framing through scattered words ("ceasefire", "reversible", "quick wins") without
any one sentence paraphrasing a reference sentence. Weights are smoothed log
ratios (positive part only), derived from the references alone, so a new
reference gets its own vocabulary with no labelled data. A sentence lends its
words to framing F only when it matches F better than the contrast text (see
core.py), so hawkish prose that borrows F's vocabulary does not count for F.
"""

from __future__ import annotations

import numpy as np
from sklearn.feature_extraction.text import CountVectorizer

from .lexical import analyze, count_rows

SMOOTHING = 0.5


class FramingLexicon:
    def __init__(self, framing_sentences: dict[str, list[str]], contrast: list[str]):
        self._vectorizer = CountVectorizer(analyzer=analyze, dtype=np.float32)
        groups = list(framing_sentences.items()) + [("__contrast__", contrast)]
        self._vectorizer.fit([s for _, sents in groups for s in sents])
        counts = {g: np.asarray(self._vectorizer.transform(sents).sum(axis=0)).ravel() for g, sents in groups}
        vocab = len(self._vectorizer.vocabulary_)
        self.ids = list(framing_sentences)
        weights = []
        for fid in self.ids:
            own = counts[fid]
            rest = sum(c for g, c in counts.items() if g != fid)
            log_own = np.log((own + SMOOTHING) / (own.sum() + SMOOTHING * vocab))
            log_rest = np.log((rest + SMOOTHING) / (rest.sum() + SMOOTHING * vocab))
            weights.append(np.where(own > 0, np.clip(log_own - log_rest, 0, None), 0.0))
        self._weights = np.vstack(weights).T.astype(np.float32)  # (vocab, n_framings)

    def sentence_weights(self, sentences: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """Per sentence: summed framing weight (n, n_framings) and token count (n,)."""
        if not sentences:
            return np.zeros((0, len(self.ids))), np.zeros(0)
        tokens = [analyze(t) for t in sentences]
        x = count_rows(tokens, self._vectorizer.vocabulary_)  # = self._vectorizer.transform(sentences), faster
        lengths = np.array([len(t) for t in tokens], dtype=np.float32)
        return np.asarray(x @ self._weights), lengths
