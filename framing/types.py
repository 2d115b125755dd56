"""Public data types (re-exported by framing/__init__.py)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

LABEL_MIXED = "mixed"
LABEL_NEITHER = "neither"
LABEL_OFF_TOPIC = "off_topic"


@dataclass(frozen=True)
class ArticleText:
    title: str
    text: str
    # Sentences known to recur across the article's site (boilerplate.py): never evidence.
    boilerplate: frozenset = frozenset()


@dataclass(frozen=True)
class Evidence:
    framing_id: str
    article_sentence: str
    reference_sentence: str
    similarity: float


@dataclass
class Classification:
    label: str  # a framing id | "mixed" | "neither" | "off_topic"
    scores: dict[str, float]  # framing id -> calibrated score in [0, 1]
    confidence: float
    relevance: float
    evidence: list[Evidence] = field(default_factory=list)
    classifier: str = ""
    classifier_version: str = ""
    params: dict = field(default_factory=dict)
    reference_hashes: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return asdict(self)
