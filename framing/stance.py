"""Distancing cues: sentences that report a view in order to reject it.

Sentence similarity cannot tell "Busan is a fragile truce" from "commentators
call Busan a fragile truce; they are wrong". A sentence that attributes a claim
to others or rejects it may still be quoted as evidence, but it cannot add to a
framing's score (its margin is capped at zero). The cue list is deliberately
generic English rhetoric, not tied to either reference. Reported speech is a
second, optional cue (backend setting `reported_speech`).
"""

from __future__ import annotations

import re
from typing import NamedTuple

from .patterns import Prefiltered

# Two kinds of distancing, which real writing uses for opposite ends (issue 12):
# *attributing* a view to others ("many analysts", "analysts have") is how news
# and commentary carry a framing they adopt ("analysts called it a pause"), while
# *rejecting* a view ("the commentariat has settled on...; that story misses
# what happened", "not a hiatus but...") argues against it. Both cap a sentence's
# margin; the supervised layer sees them as separate shares, and a rejected
# sentence's words never enter its vocabulary features (core.py).
# Prefiltered: the same matches, skipping sentences that hold none of the words a match needs (patterns.py).
_ATTRIBUTED = Prefiltered(re.compile(
    r"\b(some|many|other|most) (commentators|analysts|observers|critics|pundits|experts|officials|scholars)\b"
    r"|\b(analysts|commentators|pundits|critics|sceptics|skeptics) (keep|now|often|still|like to|have|who)\b",
    re.I,
))
_REJECTED = Prefiltered(re.compile(
    r"\bcommentariat\b|\bconventional wisdom\b|\bcomfortable consensus\b|\bthe (popular|prevailing|dominant) (view|narrative|reading)\b"
    r"|\b(is|are) (mistaken|wrong|backwards|misguided|a myth)\b|\bhave it backwards\b|\bmisses what\b"
    r"|\b(description|story|narrative|reading|claim|label) (is|are) (mistaken|wrong|misleading)\b"
    r"|\bnot (a|an|the) [^.,;]{1,40}\bbut\b|\bno mere\b|\bit is tempting to\b",
    re.I,
))


# Reported speech: a sentence that attributes a statement to someone else
# ("the foreign ministry said...", "according to the readout...") reports a
# position; the framing of a commentary is carried by its author's own voice.
# News pieces are mostly such sentences, and their vocabulary ("keep channels
# open", "continue consultations") otherwise reads like an engagement framing.
_REPORTED = Prefiltered(re.compile(
    r"\b(said|says|told (reporters|journalists|a|the)|according to|in a statement|statement (said|read)"
    r"|readout|spokes(man|woman|person)|announced|confirmed|stated)\b",
    re.I,
))


class StanceCues(NamedTuple):
    """Which distancing cues one sentence carries (each regex run once)."""

    attributed: bool
    rejected: bool
    reported: bool

    def distanced(self, reported_speech: bool = False) -> bool:
        """The one rule for a capped margin: attributed or rejecting, and
        reported speech where the backend counts it (`reported_speech`)."""
        return self.attributed or self.rejected or (reported_speech and self.reported)


def stance_cues(sentence: str) -> StanceCues:
    return StanceCues(is_attributed(sentence), is_rejected(sentence), is_reported(sentence))


def is_attributed(sentence: str) -> bool:
    return bool(_ATTRIBUTED.search(sentence))


def is_rejected(sentence: str) -> bool:
    return bool(_REJECTED.search(sentence))


def is_distanced(sentence: str, reported_speech: bool = False) -> bool:
    return stance_cues(sentence).distanced(reported_speech)


def is_reported(sentence: str) -> bool:
    return bool(_REPORTED.search(sentence))
