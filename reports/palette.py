"""Colours per label, stable by id: the report and the explorer both use these.

A framing's colour depends only on its own id, never on how many framings
there are or their order, so adding a framing (a new file in seeds/)
recolours nothing. The two reference framings and the other labels have
fixed colours; any other framing id gets one from PALETTE by a hash of the
id (sha1: the same on every machine and run, unlike Python's hash()).
"""
from __future__ import annotations

import hashlib

FIXED = {
    "transactional_truce": "#d62728",
    "institutional_engagement": "#1f77b4",
    "mixed": "#9467bd",
    "neither": "#8c8c8c",
    "off_topic": "#d9d9d9",
}
# Colour-blind-friendly picks distinct from the fixed ones.
PALETTE = ["#2ca02c", "#ff7f0e", "#17becf", "#e377c2", "#bcbd22", "#8c564b", "#393b79", "#637939"]
OTHER_LABELS = ("mixed", "neither", "off_topic")


def colour(label: str) -> str:
    if label in FIXED:
        return FIXED[label]
    digest = hashlib.sha1(label.encode("utf-8")).digest()
    return PALETTE[digest[0] % len(PALETTE)]


def colours(labels) -> dict[str, str]:
    return {label: colour(label) for label in labels}


def display_name(label: str, names: dict[str, str]) -> str:
    """A framing's name from the framings table; the other labels in words."""
    return names.get(label) or {"mixed": "Mixed", "neither": "Neither framing", "off_topic": "Off topic"}.get(label, label)
