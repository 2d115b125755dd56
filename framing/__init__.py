"""Framing classifier: scores commentaries on US-China relations against the
reference framings in seeds/ (see framing/README.md for the method).

The names below load on first use: `framing.settings` (read by every CLI
command through the top-level settings) must not pull in numpy and sklearn.
"""

from importlib import import_module
from typing import Protocol

from .settings import BACKENDS, DEFAULT_BACKEND
from .types import LABEL_MIXED, LABEL_NEITHER, LABEL_OFF_TOPIC, ArticleText, Classification, Evidence

_LAZY = {"DEFAULT_SEEDS": ".backends", "make_classifier": ".backends", "Reference": ".references",
         "load_references": ".references"}


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class Classifier(Protocol):
    name: str
    version: str
    params: dict
    references: list

    def classify_many(self, docs: list[ArticleText]) -> list[Classification]: ...


__all__ = [
    "ArticleText", "BACKENDS", "Classification", "Classifier", "DEFAULT_BACKEND", "DEFAULT_SEEDS",
    "Evidence", "LABEL_MIXED", "LABEL_NEITHER", "LABEL_OFF_TOPIC", "Reference",
    "load_references", "make_classifier",
]
