"""Cue regexes with a cheap pre-check, same results.

The cue, boilerplate and country regexes run on every sentence, and Python's
`re` has no fast scan for a pattern that opens with `\\b` or a group: it tries
the whole pattern at every position of every sentence (a quarter of the
classifier's time). A flat alternation of plain strings does get `re`'s fast
first-character scan. So each regex is paired with the strings one of which
every match must contain, read off the regex's own syntax tree (never
written by hand, so they cannot drift from the regex): a sentence with none of
them cannot match and skips the regex; any other runs the regex as before.
`search` and `findall` return exactly what the plain regex returns
(tests/test_framing_patterns_prefilter.py compares them on tricky text).
"""

from __future__ import annotations

import re
import re._constants as C  # the stdlib's own regex parser: private, but stable within a Python release
import re._parser as P

_MAX_STRINGS = 64  # alternatives expanded per literal run; beyond this, the run is cut
# Under IGNORECASE these match an ASCII letter but do not lower-case to it
# (found by trying every code point: "İ".lower() is two characters, "ı" and "ſ"
# stay as they are); a sentence holding one skips the pre-check.
_FOLDS_TO_ASCII = ("\u0130", "\u0131", "\u017f")


class Prefiltered:
    """`rx` behind a pre-check; `search`, `findall` and `sub` as on `rx`."""

    def __init__(self, rx: re.Pattern):
        self.rx = rx
        self.ignorecase = bool(rx.flags & re.IGNORECASE)
        needles = required_strings(rx)
        # A needle holding another is redundant: the other is found wherever it is.
        self.needles = needles and frozenset(n for n in needles if not any(o != n and o in n for o in needles))
        self._pre = re.compile(_alternation(self.needles)) if needles else None

    def _may_match(self, text: str) -> bool:
        if self._pre is None:
            return True
        if self.ignorecase:
            if not text.isascii() and any(c in text for c in _FOLDS_TO_ASCII):
                return True
            text = text.lower()
        return self._pre.search(text) is not None

    def search(self, text: str):
        return self.rx.search(text) if self._may_match(text) else None

    def findall(self, text: str) -> list:
        return self.rx.findall(text) if self._may_match(text) else []

    def sub(self, repl: str, text: str) -> str:
        return self.rx.sub(repl, text) if self._may_match(text) else text


def required_strings(rx: re.Pattern) -> frozenset[str] | None:
    """Non-empty strings one of which every match of `rx` contains (lower-cased
    if `rx` ignores case), or None when the syntax tree does not give such a set."""
    found = _sequence(P.parse(rx.pattern, rx.flags).data, bool(rx.flags & re.IGNORECASE))[1]
    return frozenset(found) if found else None


def _alternation(needles: frozenset[str]) -> str:
    """The needles as a regex that shares prefixes ("comment(?:ariat|ators)"):
    `re` tries a flat alternation's branches one by one at every position, so
    a hundred needles cost a hundred tries where this costs a few."""
    trie: dict = {}
    for n in needles:
        node = trie
        for ch in n:
            node = node.setdefault(ch, {})
        node[""] = {}  # end of a needle

    def emit(node: dict) -> str:
        if "" in node:
            return ""  # a needle ends here: finding this much is enough
        alts = [re.escape(ch) + emit(sub) for ch, sub in sorted(node.items())]
        return alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"

    return emit(trie)


def _better(a: set | None, b: set | None) -> set | None:
    """The set with the longer shortest string (the more selective pre-check)."""
    if not b or "" in b:
        return a
    if not a or min(map(len, b)) > min(map(len, a)):
        return b
    return a


def _sequence(items, ignorecase: bool) -> tuple[set | None, set | None]:
    """(every string the items can match, if few and known; required strings)."""
    run: set | None = {""}  # strings the current stretch of fully known items can match
    best, whole = None, True
    for op, av in items:
        exact, required = _item(op, av, ignorecase)
        if exact is not None and len(run) * len(exact) <= _MAX_STRINGS:
            run = {a + b for a in run for b in exact}
            continue
        whole = False
        best = _better(_better(best, run), required if exact is None else exact)
        run = {""}
    best = _better(best, run)
    return (run if whole else None), best


def _item(op, av, ignorecase: bool) -> tuple[set | None, set | None]:
    if op is C.LITERAL:
        if ignorecase and av > 127:
            return None, None
        return {chr(av).lower() if ignorecase else chr(av)}, None
    if op in (C.AT, C.ASSERT, C.ASSERT_NOT):  # zero-width: dropping the check only widens the matches
        return {""}, None
    if op is C.SUBPATTERN:
        _group, add_flags, del_flags, sub = av
        return _sequence(sub.data, ignorecase) if not (add_flags or del_flags) else (None, None)
    if op is C.BRANCH:
        parts = [_sequence(alt.data, ignorecase) for alt in av[1]]
        exact = set().union(*(e for e, _ in parts)) if all(e is not None for e, _ in parts) else None
        if exact is not None and len(exact) > _MAX_STRINGS:
            exact = None
        required = [r for _, r in parts]
        return exact, (set().union(*required) if all(required) else None)
    if op in (C.MAX_REPEAT, C.MIN_REPEAT, C.POSSESSIVE_REPEAT):
        lo, hi, sub = av
        exact, required = _sequence(sub.data, ignorecase)
        if lo == hi == 1:
            return exact, required
        if lo == 0 and hi == 1 and exact is not None:
            return exact | {""}, None
        return None, (required or exact) if lo >= 1 else None
    if op is C.IN and all(o is C.LITERAL for o, _ in av) and not (ignorecase and any(v > 127 for _, v in av)):
        return {chr(v).lower() if ignorecase else chr(v) for _, v in av}, None
    return None, None
