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

_CHINA = re.compile(
    r"\b(China|Chinese|Beijing|Xi|PRC|Sino|CCP|Communist Party|People's Liberation Army|PLA|Zhongnanhai)\b"
)
_US = re.compile(
    r"(\bUnited States\b|\bU\.S\.|\bUS\b|\bUSA\b|\bAmerica|\bWashington\b|\bTrump\b|\bBiden\b"
    r"|\bWhite House\b|\bPentagon\b|\bCongress\b|\bState Department\b)"
)
_BILATERAL = re.compile(
    r"\b(U\.?S\.?|America|American)\s?[-–]\s?(China|Chinese)\b|\b(China|Sino)\s?[-–]\s?(U\.?S\.?|America|American)\b"
    r"|between (Beijing|China) and (Washington|the United States|the US|America)"
    r"|between (Washington|the United States|the US|America) and (Beijing|China)"
    r"|\b(Washington and Beijing|Beijing and Washington)\b|\btwo (superpowers|largest economies)\b"
)

FEATURES = ("china_frac", "us_frac", "joint_frac", "bilateral_rate", "both_named", "topic_sim")


def count_features(sentences: list[str]) -> np.ndarray:
    """Share of sentences naming China, the US, both; bilateral phrases per sentence."""
    n = max(len(sentences), 1)
    china = us = joint = bilateral = 0
    for s in sentences:
        c = bool(_CHINA.search(s))
        u = bool(_US.search(s))
        b = len(_BILATERAL.findall(s))
        china += c
        us += u
        joint += (c and u) or b > 0
        bilateral += b
    both_named = float(china > 0 and us > 0)
    return np.array([china / n, us / n, joint / n, min(bilateral / n, 1.0), both_named], dtype=np.float64)


class RelevanceGate:
    """Logistic model over FEATURES; `topic_sim` is the lexical cosine between
    the article and the centroid of all reference and neutral-news text."""

    def __init__(self, encoder, topic_texts: list[str], coef: list[float], intercept: float):
        self._encoder = encoder
        centroid = np.asarray(encoder.encode(topic_texts).mean(axis=0)).ravel()
        self._centroid = centroid / (np.linalg.norm(centroid) or 1.0)
        self.coef = np.asarray(coef, dtype=np.float64)
        self.intercept = float(intercept)

    def features(self, docs_sentences: list[list[str]]) -> np.ndarray:
        texts = [" ".join(s) for s in docs_sentences]
        topic = self._encoder.encode(texts) @ self._centroid
        counts = np.vstack([count_features(s) for s in docs_sentences]) if texts else np.zeros((0, 5))
        return np.column_stack([counts, np.asarray(topic).ravel()])

    def probability(self, features: np.ndarray) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-(features @ self.coef + self.intercept)))
