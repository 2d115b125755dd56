"""Relevance gate: is the article about US-China relations at all?

Whole-document similarity is a good *topic* signal (that is its weakness for
framing and its strength here), but a piece on EU-China trade or on US-Russia
talks shares much of the vocabulary. So the gate combines topic similarity with
how often both countries appear in the same sentence: an article that mentions
China or the US in passing has few such sentences. The weights are fitted on
the dev set's fit split (see calibrate.py) and shipped in params/*.json.
"""

from __future__ import annotations

import re

import numpy as np

from .lexical import join_sentences
from .patterns import Prefiltered

# Prefiltered: the same matches, skipping sentences that hold none of the words a match needs (patterns.py).
_CHINA = Prefiltered(re.compile(
    r"\b(China|Chinese|Beijing|Xi|PRC|Sino|CCP|Communist Party|People's Liberation Army|PLA|Zhongnanhai)\b"
))
_US = Prefiltered(re.compile(
    r"(\bUnited States\b|\bU\.S\.|\bUS\b|\bUSA\b|\bAmerica|\bWashington\b|\bTrump\b|\bBiden\b"
    r"|\bWhite House\b|\bPentagon\b|\bCongress\b|\bState Department\b)"
))
_BILATERAL = Prefiltered(re.compile(
    r"\b(U\.?S\.?|America|American)\s?[-–]\s?(China|Chinese)\b|\b(China|Sino)\s?[-–]\s?(U\.?S\.?|America|American)\b"
    r"|between (Beijing|China) and (Washington|the United States|the US|America)"
    r"|between (Washington|the United States|the US|America) and (Beijing|China)"
    r"|\b(Washington and Beijing|Beijing and Washington)\b|\btwo (superpowers|largest economies)\b"
))

# Other countries and blocs: a sentence that names China and the US among
# others ("firms from Australia, China and the United States") is a list, not a
# statement about the relationship, so it does not count as a joint mention.
_OTHERS = Prefiltered(re.compile(
    r"\b(Japan|Korea|India|Russia|Britain|UK|Germany|France|Italy|Spain|Europe|European|EU|Australia|Canada"
    r"|Mexico|Brazil|Argentina|Chile|Bolivia|Peru|Nigeria|Africa|African|Indonesia|Vietnam|Malaysia|Thailand"
    r"|Philippines|Singapore|Taiwan|Pakistan|Iran|Israel|Saudi|Turkey|Ukraine|Egypt|Kenya|ASEAN|Myanmar"
    r"|Bangladesh|Poland|Netherlands|Sweden|Norway|Switzerland|Gulf)\b"
))
_PAIR = Prefiltered(re.compile(
    r"\b(the two|both|two) (countries|presidents|leaders|powers|sides|governments|capitals|militaries"
    r"|economies|superpowers|giants|delegations)\b|\bbilateral\b",
    re.I,
))
FEATURES = ("min_mentions", "joint_windows", "joint_frac", "pair_refs", "topic_sim")
_CAP = 5.0


def mention_arrays(sentences: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per sentence: names China, names the US, names a third country or bloc."""
    china = np.array([bool(_CHINA.search(s)) for s in sentences], dtype=bool)
    us = np.array([bool(_US.search(s)) for s in sentences], dtype=bool)
    third = np.array([bool(_OTHERS.search(s)) for s in sentences], dtype=bool)
    return china, us, third


def count_features(sentences: list[str], arrays: tuple | None = None) -> np.ndarray:
    """How much the text is about *both* countries together.

    A passing mention gives one or two sentences naming China (or the US); an
    article about the relationship names both many times and near each other.
    Counts are capped, so length does not decide relevance.
    """
    n = max(len(sentences), 1)
    china, us, listing = arrays or mention_arrays(sentences)
    bilateral = np.array([len(_BILATERAL.findall(s)) for s in sentences], dtype=float)
    # "the two presidents", "both sides": references to the pair, which only
    # mean the US and China when the text names both somewhere.
    pair = sum(bool(_PAIR.search(s)) for s in sentences) if china.any() and us.any() else 0
    joint = (china & us & ~listing) | (bilateral > 0)
    # Two adjacent sentences that between them name both countries.
    window = joint[:-1] | (china[:-1] & us[1:]) | (us[:-1] & china[1:]) if len(sentences) > 1 else joint
    return np.array(
        [
            min(china.sum(), us.sum(), _CAP) / _CAP if len(sentences) else 0.0,
            min(window.sum(), _CAP) / _CAP if len(sentences) else 0.0,
            joint.sum() / n,
            min(pair, _CAP) / _CAP,
        ],
        dtype=np.float64,
    )


THIRD_PARTY_FEATURES = ("china_frac", "us_frac", "third_frac", "third_without_pair_frac")


def third_party_features(sentences: list[str], arrays: tuple | None = None) -> np.ndarray:
    """How much of the text is about someone else: the share of sentences naming
    China, the US, a third country or bloc, and a third party without the US or
    without China. An EU-China or ASEAN story that mentions the US-China truce in
    passing names a third party in most sentences; a US-China piece rarely does."""
    n = max(len(sentences), 1)
    china, us, third = arrays or mention_arrays(sentences)
    return np.array([china.sum() / n, us.sum() / n, third.sum() / n, (third & ~(china & us)).sum() / n])


class RelevanceGate:
    """Logistic model over FEATURES; `topic_sim` is the lexical cosine between
    the article and the centroid of all reference and neutral-news text."""

    def __init__(self, encoder, topic_texts: list[str], coef: list[float], intercept: float):
        self._encoder = encoder
        centroid = np.asarray(encoder.encode(topic_texts).mean(axis=0)).ravel()
        self._centroid = centroid / (np.linalg.norm(centroid) or 1.0)
        self.coef = np.asarray(coef, dtype=np.float64)
        self.intercept = float(intercept)

    def features(self, docs_sentences: list[list[str]], third_party: bool = False) -> np.ndarray:
        """FEATURES per document; with third_party, THIRD_PARTY_FEATURES appended."""
        texts = [join_sentences(s) for s in docs_sentences]
        topic = self._encoder.encode(texts) @ self._centroid
        arrays = [mention_arrays(s) for s in docs_sentences]
        counts = np.vstack([count_features(s, a) for s, a in zip(docs_sentences, arrays)]) if texts else np.zeros((0, 4))
        out = np.column_stack([counts, np.asarray(topic).ravel()])
        if third_party:
            extra = np.vstack([third_party_features(s, a) for s, a in zip(docs_sentences, arrays)]) if texts else np.zeros((0, 4))
            out = np.hstack([out, extra])
        return out

    def probability(self, features: np.ndarray) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-(features @ self.coef + self.intercept)))
