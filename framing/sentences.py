"""Sentence splitting and light normalisation shared by references and articles.

A regex splitter rather than a model: it must be fast on batches of thousands of
articles and must not need downloads. The abbreviation list matters for this
domain because "U.S." and "Oct." would otherwise cut sentences in half.

Every line is a boundary: trafilatura puts the title, headings and paragraphs on
lines of their own (single newlines), and a heading glued onto the next sentence
reads as one long sentence that matches nothing well. Hard-wrapped plain text is
not what the pipeline produces (references are re-joined by references.py first).

The splitter is linear in the input by construction: the boundary regex is a
single left-to-right scan, and the abbreviation check only looks back a bounded
number of characters (`_LOOKBACK`) from each candidate, never to the start of the
sentence. (Looking back with `\\S+$` over the whole pending chunk made a page of
"A. A. A. ..." quadratic: 80,000 characters took 85 s.) bench/bench_classify.py
times a 2 MB page; tests/test_framing_sentences.py checks it stays well under a second.
"""

from __future__ import annotations

import re

# Tokens that end with a period but do not end a sentence.
_ABBREVIATIONS = {
    "u.s", "u.k", "u.n", "e.u", "p.r.c", "d.c", "mr", "mrs", "ms", "dr", "prof",
    "st", "no", "nos", "vs", "etc", "e.g", "i.e", "jan", "feb", "mar", "apr", "jun",
    "jul", "aug", "sep", "sept", "oct", "nov", "dec", "gen", "adm", "sen", "rep",
    "gov", "lt", "col", "capt", "inc", "ltd", "co", "corp", "jr", "sr", "approx", "fig",
}
# Abbreviations that are also nouns, so they often end a sentence ("...talks with
# the U.S. At the same time..."). After these, a capitalised function word
# ("At", "The", "But") opens a new sentence; a capitalised content word ("U.S.
# President", "U.K. Foreign Office") does not.
_SENTENCE_FINAL_ABBREVIATIONS = {"u.s", "u.k", "u.n", "e.u", "p.r.c", "d.c", "etc", "inc", "ltd", "co", "corp"}
_OPENERS = frozenset(
    "a an the at in on by for from to of as but and or yet so if when while after before since although though "
    "this that these those there here it its he she they we i you his her their our my what which who why how "
    "however meanwhile still now then instead moreover indeed also both neither nor not no such some many most "
    "each every one all".split()
)
# An abbreviation is a few characters: look back at most this far for it.
_LOOKBACK = 24

_MARKUP = [
    (re.compile(r"<[^>]{1,80}>"), ""),  # stray HTML tags such as <u>
    (re.compile(r"\*\*|__|(?<!\w)\*(?=\S)|(?<=\S)\*(?!\w)"), ""),  # markdown emphasis
    (re.compile(r"^\s{0,3}#{1,6}\s*", re.M), ""),  # markdown headings
    (re.compile(r"[ \t\u00a0]+"), " "),
]

# Candidate boundary: terminal punctuation, optional closing quote/bracket, space,
# then something that can open a sentence.
_BOUNDARY = re.compile(r"([.!?…])([\"'”’)\]]{0,3})\s+(?=[\"'“‘(\[]?[A-Z0-9▲])")
_NEXT_WORD = re.compile(r"[\"'“‘(\[]?([A-Za-z]+)")
_INITIALS = re.compile(r"(?:[a-z]\.)*[a-z]")


def clean_markup(text: str) -> str:
    for pattern, repl in _MARKUP:
        text = pattern.sub(repl, text)
    return text.strip()


def _word_before(para: str, start: int, end: int) -> str:
    """The whitespace-delimited word ending at `end`, if it is short (bounded look-back)."""
    lo = max(start, end - _LOOKBACK)
    chunk = para[lo:end]
    cut = chunk.rfind(" ")
    if cut < 0 and lo > start:
        return ""  # longer than any abbreviation
    return chunk[cut + 1:]


def _is_abbreviation(word: str) -> bool:
    word = word.lstrip("(\"'“‘").rstrip(".").lower()
    if word in _ABBREVIATIONS:
        return True
    # Initials such as "J." or "A.B." are rarely sentence ends in commentary.
    return bool(_INITIALS.fullmatch(word))


def _continues(para: str, match: re.Match) -> bool:
    """True when the period at `match` belongs to an abbreviation inside a sentence."""
    word = _word_before(para, 0, match.start(1)).lstrip("(\"'“‘").lower()
    if not word or not _is_abbreviation(word):
        return False
    if word.rstrip(".") in _SENTENCE_FINAL_ABBREVIATIONS:
        nxt = _NEXT_WORD.match(para, match.end(), match.end() + _LOOKBACK)
        if nxt and nxt.group(1).lower() in _OPENERS:
            return False
    return True


def split_sentences(text: str) -> list[str]:
    """Split running text into sentences; every line break is a boundary."""
    sentences: list[str] = []
    for para in re.split(r"[\r\n]+", text):
        para = " ".join(para.split())
        if not para:
            continue
        start = 0
        for match in _BOUNDARY.finditer(para):
            if match.group(1) == "." and _continues(para, match):
                continue
            sentence = para[start:match.end(2)].strip()
            if sentence:
                sentences.append(sentence)
            start = match.end()
        tail = para[start:].strip()
        if tail:
            sentences.append(tail)
    return sentences


def word_count(text: str) -> int:
    return len(text.split())
