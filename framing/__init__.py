"""Framing classifier: scores commentaries on US-China relations against the
reference framings in seeds/ (see framing/README.md for the method)."""

from typing import Protocol

from .backends import BACKENDS, DEFAULT_BACKEND, DEFAULT_SEEDS, make_classifier
from .references import Reference, load_references
from .types import LABEL_MIXED, LABEL_NEITHER, LABEL_OFF_TOPIC, ArticleText, Classification, Evidence


class Classifier(Protocol):
    name: str
    version: str
    params: dict
    references: list[Reference]

    def classify_many(self, docs: list[ArticleText]) -> list[Classification]: ...


__all__ = [
    "ArticleText", "BACKENDS", "Classification", "Classifier", "DEFAULT_BACKEND", "DEFAULT_SEEDS",
    "Evidence", "LABEL_MIXED", "LABEL_NEITHER", "LABEL_OFF_TOPIC", "Reference",
    "load_references", "make_classifier",
]
