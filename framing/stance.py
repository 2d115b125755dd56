"""Distancing cues: sentences that report a view in order to reject it.

Sentence similarity cannot tell "Busan is a fragile truce" from "commentators
call Busan a fragile truce; they are wrong". A sentence that attributes a claim
to others or rejects it may still be quoted as evidence, but it cannot add to a
framing's score (its margin is capped at zero). The cue list is deliberately
generic English rhetoric, not tied to either reference.
"""

from __future__ import annotations

import re

_CUES = re.compile(
    r"\b(some|many|other|most) (commentators|analysts|observers|critics|pundits|experts|officials|scholars)\b"
    r"|\b(analysts|commentators|pundits|critics|sceptics|skeptics) (keep|now|often|still|like to|have|who)\b"
    r"|\bcommentariat\b|\bconventional wisdom\b|\bcomfortable consensus\b|\bthe (popular|prevailing|dominant) (view|narrative|reading)\b"
    r"|\b(is|are) (mistaken|wrong|backwards|misguided|a myth)\b|\bhave it backwards\b|\bmisses what\b"
    r"|\b(description|story|narrative|reading|claim|label) (is|are) (mistaken|wrong|misleading)\b"
    r"|\bnot (a|an|the) [^.,;]{1,40}\bbut\b|\bno mere\b|\bit is tempting to\b",
    re.I,
)


def is_distanced(sentence: str) -> bool:
    return bool(_CUES.search(sentence))
