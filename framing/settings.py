"""The framing classifier's settings, validated: a misspelt key or a bad value
fails when the classifier is built, instead of silently taking a default.

Each backend starts from its own defaults (framing/backends.py, embedding.py)
and callers (calibration, evaluation, benchmarks) override some. The settings
are part of the classifier version (framing/core.py hashes them), so they are
chosen in code, not in framewatch.toml; the top-level `classifier_backend`
setting picks the backend. #12's calibrated-parameters path belongs here too.
"""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

# Chosen by measurement, see framing/README.md ("Choosing the default backend").
DEFAULT_BACKEND = "lexical"
BACKENDS = ("lexical", "embedding")


class FramingSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    # Informational: which sentence encoder the backend uses (part of the version hash).
    encoder: str | None = None
    model: str | None = None  # embedding backend: the sentence-transformers model
    # Sentences kept per article before encoding (embedding is the slow step); None = all.
    max_sentences: int | None = Field(None, ge=1)
    # Views quoted in order to be rejected never count for a framing (stance.py).
    reported_speech: bool = False
    # Matches below this similarity count as no match (the backend's noise floor).
    min_similarity: float = Field(0.0, ge=0.0, le=1.0)
    # Which sentences a framing's vocabulary is counted from: those beating the
    # contrast text ("contrast") or those with a positive margin ("margin").
    lexicon_gate: Literal["contrast", "margin"] = "margin"
    # The margin feature averages this share of the text's sentences (at least 3); None = always 3.
    top_fraction: float | None = Field(None, gt=0.0, le=1.0)
    # Embedding backend only.
    batch_size: int = Field(64, ge=1)
    max_seq_length: int = Field(128, ge=8)
    threads: int | None = Field(None, ge=1)


def validate_settings(settings: dict) -> FramingSettings:
    """The typed settings; raises ValueError naming the bad key (pydantic's ValidationError)."""
    return FramingSettings.model_validate(settings)
