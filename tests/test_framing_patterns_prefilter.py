"""The regex pre-check (framing/patterns.py) must never change a match: every
wrapped regex gives what the plain regex gives, on the dev set's sentences,
on case and Unicode tricks, and on random text built from the regexes' own words."""

import random
import re

import pytest

from framing import boilerplate, lexical, relevance, stance
from framing.devset import load_devset
from framing.patterns import Prefiltered, required_strings
from framing.sentences import split_sentences

WRAPPED = {
    "china": relevance._CHINA, "us": relevance._US, "others": relevance._OTHERS, "bilateral": relevance._BILATERAL,
    "pair": relevance._PAIR, "attributed": stance._ATTRIBUTED, "rejected": stance._REJECTED, "reported": stance._REPORTED, "disclaimer": boilerplate.DISCLAIMER,
    "us_forms": lexical._US_FORMS,
}
TRICKS = [
    "The minister \u017faid so.",  # long s: matches "said" under IGNORECASE, lower() keeps it
    "SPO\u212aESMAN Li spoke.",  # Kelvin sign: matches "k"
    "\u0130t is tempting to call it a truce.",  # dotted capital I: lower() is two characters
    "Critics ARE WRONG about U.S.-China ties; SOME COMMENTATORS disagree.",
    "Washington and Beijing", "U.S.\u2013China talks", "Sino-American", "reviews of the authors",
    "not a truce, but a pause", "not the deal, but", "", "US", "Xi.",
]


def _random_texts(rx: re.Pattern, n: int, seed: int) -> list[str]:
    """Shuffled words of the regex itself, with case flips and punctuation."""
    words = re.findall(r"[A-Za-z']+|\.", rx.pattern.replace(r"\b", " ").replace(r"\s", " ")) + ["the", "-", "\u2013", ",", "\u0131"]
    rnd = random.Random(seed)
    out = []
    for _ in range(n):
        if rnd.random() < 0.5:  # a run of the regex's words in order: phrases match more often
            start = rnd.randrange(len(words))
            picked = words[start:start + rnd.randint(1, 6)]
        else:
            picked = [rnd.choice(words) for _ in range(rnd.randint(1, 8))]
        picked = [w.upper() if rnd.random() < 0.1 else w.capitalize() if rnd.random() < 0.1 else w for w in picked]
        out.append(rnd.choice([" ", "", "  "]).join(picked))
    return out


@pytest.fixture(scope="module")
def dev_sentences():
    return [s for it in load_devset() for s in split_sentences(it.doc.text)] + [it.doc.title for it in load_devset()]


@pytest.mark.parametrize("name", sorted(WRAPPED))
def test_the_pre_check_changes_no_match(name, dev_sentences):
    wrapped = WRAPPED[name]
    assert isinstance(wrapped, Prefiltered) and wrapped.needles  # the pre-check is in use
    texts = dev_sentences + TRICKS + _random_texts(wrapped.rx, 3000, seed=len(name))
    for t in texts:
        assert bool(wrapped.search(t)) == bool(wrapped.rx.search(t)), t
        assert wrapped.findall(t) == wrapped.rx.findall(t), t
        assert wrapped.sub(" usa ", t) == wrapped.rx.sub(" usa ", t), t
    assert sum(bool(wrapped.rx.search(t)) for t in texts) > 5  # the texts do exercise the regex


def test_case_folding_tricks_match_as_before():
    assert stance.is_reported(TRICKS[0]) and stance.is_reported(TRICKS[1]) and stance.is_distanced(TRICKS[2])


@pytest.mark.parametrize(
    "pattern, flags, expected",
    [
        (r"\bU\.?S\.?\b", 0, {"US", "U.S", "US.", "U.S."}),
        (r"\b(some|many) (pundits|critics)\b", re.I, {"some pundits", "some critics", "many pundits", "many critics"}),
        (r"x[^.]{1,9}\bbut\b", 0, {"but"}),
        (r"(alpha|)beta", 0, {"beta", "alphabeta"}),
        (r"(alpha|)\w", 0, None),  # an alternative may match nothing: no needle is certain
        (r"Caf\u00e9", re.I, {"caf"}),  # under IGNORECASE a non-ASCII literal ends the run
        (r"[a-z]+", 0, None),
    ],
)
def test_required_strings_are_read_off_the_syntax_tree(pattern, flags, expected):
    got = required_strings(re.compile(pattern, flags))
    assert (set(got) if got else None) == expected
