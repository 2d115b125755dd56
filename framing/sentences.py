"""Sentence splitting and light normalisation shared by references and articles.

A regex splitter rather than a model: it must be fast on batches of thousands of
articles and must not need downloads. The abbreviation list matters for this
domain because "U.S." and "Oct." would otherwise cut sentences in half.
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

_MARKUP = [
    (re.compile(r"<[^>]{1,80}>"), ""),  # stray HTML tags such as <u>
    (re.compile(r"\*\*|__|(?<!\w)\*(?=\S)|(?<=\S)\*(?!\w)"), ""),  # markdown emphasis
    (re.compile(r"^\s{0,3}#{1,6}\s*", re.M), ""),  # markdown headings
    (re.compile(r"[ \t\u00a0]+"), " "),
]

# Candidate boundary: terminal punctuation, optional closing quote/bracket, space,
# then something that can open a sentence.
_BOUNDARY = re.compile(r"([.!?…])([\"'”’)\]]*)\s+(?=[\"'“‘(\[]?[A-Z0-9▲])")
_WORD_BEFORE = re.compile(r"(\S+)$")


def clean_markup(text: str) -> str:
    for pattern, repl in _MARKUP:
        text = pattern.sub(repl, text)
    return text.strip()


def _is_abbreviation(chunk: str) -> bool:
    match = _WORD_BEFORE.search(chunk)
    if not match:
        return False
    word = match.group(1).lstrip("(\"'“‘").rstrip(".").lower()
    if word in _ABBREVIATIONS:
        return True
    # Initials such as "J." or "A.B." are rarely sentence ends in commentary.
    return bool(re.fullmatch(r"(?:[a-z]\.)*[a-z]", word))


def split_sentences(text: str) -> list[str]:
    """Split running text into sentences; paragraphs are always boundaries."""
    sentences: list[str] = []
    for para in re.split(r"\n\s*\n|\r\n\s*\r\n", text):
        para = " ".join(para.split())
        if not para:
            continue
        start = 0
        for match in _BOUNDARY.finditer(para):
            end = match.end(2)
            if match.group(1) == "." and _is_abbreviation(para[start:match.start(1)]):
                continue
            sentence = para[start:end].strip()
            if sentence:
                sentences.append(sentence)
            start = match.end()
        tail = para[start:].strip()
        if tail:
            sentences.append(tail)
    return sentences


def word_count(text: str) -> int:
    return len(text.split())
