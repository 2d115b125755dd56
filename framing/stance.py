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

from .patterns import Prefiltered

# Prefiltered: the same matches, skipping sentences that hold none of the words a match needs (patterns.py).
_CUES = Prefiltered(re.compile(
    r"\b(some|many|other|most) (commentators|analysts|observers|critics|pundits|experts|officials|scholars)\b"
    r"|\b(analysts|commentators|pundits|critics|sceptics|skeptics) (keep|now|often|still|like to|have|who)\b"
    r"|\bcommentariat\b|\bconventional wisdom\b|\bcomfortable consensus\b|\bthe (popular|prevailing|dominant) (view|narrative|reading)\b"
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


def is_distanced(sentence: str, reported_speech: bool = False) -> bool:
    return bool(_CUES.search(sentence) or (reported_speech and _REPORTED.search(sentence)))


def is_reported(sentence: str) -> bool:
    return bool(_REPORTED.search(sentence))
