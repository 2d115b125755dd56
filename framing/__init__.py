"""Framing classification against reference documents in seeds/.

Placeholder implementation of the final interface (issue 2); the real
classifier replaces the method, not the interface.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

DEFAULT_SEEDS = Path(__file__).resolve().parent.parent / "seeds"
LABELS_EXTRA = ("mixed", "neither", "off_topic")


@dataclass(frozen=True)
class Evidence:
    framing_id: str
    article_sentence: str
    reference_sentence: str
    similarity: float


@dataclass
class Classification:
    label: str
    scores: dict[str, float]
    confidence: float
    relevance: float
    evidence: list[Evidence]
    classifier: str
    classifier_version: str
    params: dict
    reference_hashes: dict[str, str]


@dataclass(frozen=True)
class ArticleText:
    title: str
    text: str


@dataclass
class Reference:
    id: str
    name: str
    description: str
    metadata: dict
    sha256: str
    sentences: list[str] = field(default_factory=list)


class Classifier(Protocol):
    name: str
    version: str
    params: dict
    references: list[Reference]

    def classify_many(self, docs: list[ArticleText]) -> list[Classification]: ...


_IDS = {"000_8ee74f47851907a3": "transactional_truce", "001_0cf817d37338e6e9": "institutional_engagement"}


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in re.split(r"(?<=[.!?])\s+", text) if len(s.split()) >= 6]


def load_references(seeds_dir: Path = DEFAULT_SEEDS) -> list[Reference]:
    refs = []
    for p in sorted(Path(seeds_dir).glob("*.txt")):
        raw = p.read_bytes()
        rid = _IDS.get(p.stem, p.stem)
        refs.append(Reference(rid, rid, "", {}, hashlib.sha256(raw).hexdigest(), _sentences(raw.decode("utf-8"))))
    return refs


class _KeywordClassifier:
    name = "framewatch-placeholder"
    version = "0"
    params: dict = {}

    def __init__(self, seeds_dir: Path):
        self.references = load_references(seeds_dir)

    def classify_many(self, docs: list[ArticleText]) -> list[Classification]:
        out = []
        for d in docs:
            low = d.text.lower()
            rel = 1.0 if ("china" in low and ("united states" in low or "u.s." in low or " us " in low)) else 0.0
            out.append(
                Classification(
                    label="neither" if rel else "off_topic",
                    scores={r.id: 0.0 for r in self.references},
                    confidence=0.0,
                    relevance=rel,
                    evidence=[],
                    classifier=self.name,
                    classifier_version=self.version,
                    params=self.params,
                    reference_hashes={r.id: r.sha256 for r in self.references},
                )
            )
        return out


def make_classifier(backend: str = "lexical", seeds_dir: Path = DEFAULT_SEEDS) -> Classifier:
    return _KeywordClassifier(seeds_dir)
