"""Lexical sentence encoder: TF-IDF over stemmed unigrams and bigrams.

The vocabulary and IDF are fitted once on the reference and contrast sentences,
never on the articles being classified, so a score does not depend on which
other articles share the batch and runs stay comparable.
"""

from __future__ import annotations

import re
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache, partial

import numpy as np
from scipy.sparse import csr_matrix
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, CountVectorizer, TfidfTransformer

from .patterns import Prefiltered

_TOKEN = re.compile(r"[a-z][a-z\-']+|[0-9]{2,4}")
# Country names are stop words here: every on-topic sentence has them, so they
# carry topic, not framing. The relevance gate counts them separately.
_DOMAIN_STOP = {
    "china", "chinese", "beijing", "us", "u.s", "united", "states", "america",
    "american", "americans", "washington", "usa", "sino", "said", "says", "also", "would",
    "could", "one", "two", "new", "year", "years", "may", "might", "will",
}
_STOP = frozenset(ENGLISH_STOP_WORDS) | _DOMAIN_STOP
# For the relevance gate the country names are the signal, so keep them.
TOPIC_STOP = frozenset(ENGLISH_STOP_WORDS) - {"us"}
_NEGATORS = {"not", "no", "nor", "never"}

# Ordered longest first; a tiny Porter-like stripper is enough to conflate
# "transactional/transactions" and "engaging/engagement" without a dependency.
_SUFFIXES = (
    "ational", "ization", "isation", "fulness", "iveness", "ements", "ement",
    "ments", "ment", "ities", "ity", "ions", "ion", "ness", "ings", "ing",
    "ized", "ised", "izes", "ises", "ize", "ise", "ally", "ies", "ied", "ers",
    "er", "ed", "ly", "es", "al", "s",
)


# Concept classes: TF-IDF cannot see that "ceasefire" paraphrases "truce", and
# framings are mostly carried by such paraphrases. These are general words of
# foreign-policy commentary, not phrases of either reference; each surface form
# maps to one feature so paraphrases meet. Changing this list changes scores:
# bump METHOD_VERSION in core.py and refit.
_CONCEPTS = {
    "truce": "truce ceasefire cease-fire pause pauses hiatus timeout lull reprieve respite breather interlude",
    "transaction": "transactional transaction transactions deal deals deal-making dealmaking bargain bargains "
    "bargaining swap swaps quid",
    "fragile": "fragile fragility precarious reversible reversed provisional temporary shaky brittle unstable "
    "instability conditional",
    "confrontation": "confrontation confrontations escalation escalate escalating flare-up flare",
    "mechanism": "mechanism mechanisms channel channels dialogue dialogues consultation consultations hotline "
    "hotlines institution institutions institutional institutionalise institutionalised institutionalize "
    "working-level framework",
    "partner": "partner partners partnership partnerships friends friendship",
    "engagement": "engagement engage engaging engaged contact contacts communication communications exchanges",
    "zerosum": "zero-sum zerosum win-lose",
    "shortterm": "short-term immediate immediacy quick quickly impatient impatience",
    "personal": "personal personally personalised personalized leader-driven leader-to-leader rapport chemistry",
}
_CONCEPT_OF = {w: c for c, words in _CONCEPTS.items() for w in words.split()}


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    if word in _CONCEPT_OF:
        return "@" + _CONCEPT_OF[word]
    word = word.strip("'-")
    if word.endswith("'s"):
        word = word[:-2]
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


# Prefiltered: most sentences hold no "US" or "U.S" and skip the regex (patterns.py).
_US_FORMS = Prefiltered(re.compile(r"\bU\.S\.(?=\W)|\bU\.S\b|\bUS\b|\bUSA\b"))


# Within one batch the same sentence is analysed by the sentence encoder, the
# framing lexicon and for its length; a per-batch cache (never a global one,
# which would let a benchmark measure its own repeats) does the work once.
_BATCH_CACHE: ContextVar[dict | None] = ContextVar("framing_token_cache", default=None)


@contextmanager
def batch_token_cache():
    """A fresh cache for the batch; inside an active one (classify_many opens one
    around doc_states and the supervised layer), that one is kept."""
    if _BATCH_CACHE.get() is not None:
        yield
        return
    token = _BATCH_CACHE.set({})
    try:
        yield
    finally:
        _BATCH_CACHE.reset(token)


def analyze(text: str, stop: frozenset = _STOP) -> list[str]:
    cache = _BATCH_CACHE.get()
    if cache is None:
        return _analyze(text, stop)
    key = (text, id(stop))
    hit = cache.get(key)
    if hit is None:
        hit = cache[key] = _from_words(_words(text, cache), stop)
    return hit


def join_sentences(sentences: list[str]) -> str:
    """`" ".join(sentences)`; within a batch, `analyze` of the result is built
    from the sentences' cached words instead of a second regex pass over the
    whole text. Exact: no `_TOKEN` or `_US_FORMS` match can span the joining
    space, and the negator and bigram steps run over the joined word list just
    as `_analyze` would (tests/test_framing_tokens.py checks it on tricky text)."""
    text = " ".join(sentences)
    cache = _BATCH_CACHE.get()
    if cache is not None and len(sentences) > 1:  # one sentence is its own text
        cache[(text, "parts")] = sentences
    return text


def _words(text: str, cache: dict) -> list[str]:
    """The regex part of `_analyze`, cached per text: it is the same for both
    stop lists, and a joined text's words are its sentences' (join_sentences)."""
    key = (text, None)
    hit = cache.get(key)
    if hit is None:
        parts = cache.get((text, "parts"))
        if parts is None:
            hit = _raw_words(text)
        else:
            hit = [w for part in parts for w in _words(part, cache)]
        cache[key] = hit
    return hit


def _raw_words(text: str) -> list[str]:
    return _TOKEN.findall(_US_FORMS.sub(" usa ", text).lower())


def _analyze(text: str, stop: frozenset) -> list[str]:
    return _from_words(_raw_words(text), stop)


# What `_from_words` makes of a word under a stop list, remembered per stop list:
# one dict lookup per word instead of two set tests, a length test and a call
# to the stem cache (this loop runs over every word of every page three times).
# Memory: 1,253 pages gave 23,000 words, 3.3 MB for both stop lists (the stems
# are the stem cache's objects). A list found past _WORD_MEMO_SIZE words when a
# text starts is emptied, so a worker holds ~7 MB of it at most, however long the run.
_NEGATOR, _DROPPED = object(), object()
_WORD_MEMO: dict[frozenset, dict[str, object]] = {}
_WORD_MEMO_SIZE = 50_000


def _from_words(words: list[str], stop: frozenset) -> list[str]:
    """Stemmed content words plus adjacent bigrams; a negator is fused onto the
    next content word so "not sustainable" does not match "sustainable"."""
    memo = _WORD_MEMO.get(stop)
    if memo is None or len(memo) > _WORD_MEMO_SIZE:
        memo = _WORD_MEMO[stop] = {}
    tokens: list[str] = []
    negate = False
    for raw in words:
        token = memo.get(raw)
        if token is None:
            token = memo[raw] = (
                _NEGATOR if raw in _NEGATORS else _DROPPED if raw in stop or len(raw) < 3 else stem(raw)
            )
        if token is _NEGATOR:
            negate = True
            continue
        if token is _DROPPED:
            continue
        if negate:
            token = "not_" + token
            negate = False
        tokens.append(token)
    bigrams = [f"{a} {b}" for a, b in zip(tokens, tokens[1:])]
    return tokens + bigrams


def count_rows(token_lists: list[list[str]], vocabulary: dict[str, int], dtype=np.float32) -> csr_matrix:
    """The matrix sklearn's CountVectorizer.transform builds from these analysed
    texts (term counts as `dtype`, column indices sorted), bit for bit; its
    Python loop raised and caught a KeyError for every out-of-vocabulary token
    (most of an article's), here one dict lookup per token and numpy for the rest."""
    n, width = len(token_lists), len(vocabulary)
    get = vocabulary.get
    cols = np.array([get(t, -1) for toks in token_lists for t in toks], dtype=np.int64)
    rows = np.repeat(np.arange(n, dtype=np.int64), [len(toks) for toks in token_lists])
    known = cols >= 0
    # One sorted pass over (row, column) keys gives each row's distinct columns in
    # order with their counts: the CSR layout after sklearn's sort_indices.
    keys, counts = np.unique(rows[known] * width + cols[known], return_counts=True)
    indptr = np.searchsorted(keys, np.arange(n + 1, dtype=np.int64) * width)
    return csr_matrix(
        (counts.astype(dtype), (keys % width).astype(np.int32), indptr.astype(np.int32)), shape=(n, width)
    )


class LexicalEncoder:
    """Maps sentences to L2-normalised sparse TF-IDF rows; cosine = dot product."""

    name = "tfidf-stem-uni-bi"

    def __init__(self, fit_sentences: list[str], keep_countries: bool = False):
        self._stop = TOPIC_STOP if keep_countries else _STOP
        # sklearn's TfidfVectorizer is exactly these two steps; kept apart so that
        # encode can count with count_rows (same matrix) and reuse the transformer.
        self._vectorizer = CountVectorizer(analyzer=partial(analyze, stop=self._stop), min_df=1, dtype=np.float32)
        self._tfidf = TfidfTransformer(sublinear_tf=True, norm="l2").fit(self._vectorizer.fit_transform(fit_sentences))

    @property
    def vocabulary_size(self) -> int:
        return len(self._vectorizer.vocabulary_)

    def encode(self, sentences: list[str]):
        counts = count_rows([analyze(s, self._stop) for s in sentences], self._vectorizer.vocabulary_)
        return self._tfidf.transform(counts, copy=False)

    @staticmethod
    def similarity(a, b) -> np.ndarray:
        return np.asarray((a @ b.T).todense(), dtype=np.float32)

