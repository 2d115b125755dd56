"""The classifier's shortcuts must not change what it computes: a document's
tokens built from its sentences' cached words (lexical.join_sentences) equal
the tokens of the joined text analysed from scratch, and a page's result does
not depend on the batch it is classified in (the batch cache is shared by
everything in one classify_many call)."""

import pytest

from framing import ArticleText, make_classifier
from framing.devset import load_devset
from framing.lexical import _STOP, TOPIC_STOP, _analyze, analyze, batch_token_cache, join_sentences

# Sentence ends where a regex or the negator could behave differently at the
# joining space: "U.S." / "U.S" / "US" at either end, a negator that must carry
# over to the next sentence's first word, numbers, hyphens, apostrophes and
# non-ASCII text whose lower-casing changes length.
TRICKY = [
    ["Beijing agreed to resume talks with the U.S.", "US officials said it is not", "sustainable, and never", "was."],
    ["A pact between the U.S", "USA and China in 2025.", "The 1999-2000 talks failed.", "People's Liberation Army drills."],
    ["İstanbul hosted the Sino-American round.", "ſaid the envoy: no", "Deal-making is a zero-sum game."],
    ["Only one sentence here about the truce."],
    [],
    ["", "not", "", "truce pause"],
]


@pytest.mark.parametrize("parts", TRICKY)
@pytest.mark.parametrize("stop", [_STOP, TOPIC_STOP], ids=["framing", "topic"])
def test_a_joined_text_analyses_as_its_sentences(parts, stop):
    expected = _analyze(" ".join(parts), stop)
    with batch_token_cache():
        for s in parts:  # the sentences' words are cached first, as in doc_states
            analyze(s, _STOP)
        text = join_sentences(parts)
        assert text == " ".join(parts)
        assert analyze(text, stop) == expected
    assert analyze(text, stop) == expected  # and without a cache


def test_a_nested_batch_cache_reuses_the_outer_one():
    with batch_token_cache():
        first = analyze("The truce is fragile.")
        with batch_token_cache():
            assert analyze("The truce is fragile.") is first


def test_a_page_is_classified_the_same_alone_and_in_a_batch():
    clf = make_classifier("lexical")
    docs = [it.doc for it in load_devset()[::6]] + [ArticleText("", ""), ArticleText("US and China", "")]
    together = [c.to_dict() for c in clf.classify_many(docs)]
    alone = [clf.classify_many([d])[0].to_dict() for d in docs]
    assert together == alone
    assert {c["label"] for c in together} >= {"off_topic", "transactional_truce", "institutional_engagement"}


def test_count_rows_is_sklearns_count_matrix():
    import numpy as np
    from sklearn.feature_extraction.text import CountVectorizer

    from framing.lexical import count_rows

    fit = ["The truce is fragile and temporary.", "Dialogue channels and working-level mechanisms matter."]
    vec = CountVectorizer(analyzer=analyze, dtype=np.float32).fit(fit)
    docs = ["", "Unknown words only here.", "The truce, the truce: fragile, fragile, fragile.", *fit, "Channels; a pause."]
    expected = vec.transform(docs)
    got = count_rows([analyze(d) for d in docs], vec.vocabulary_)
    assert got.shape == expected.shape and got.dtype == expected.dtype
    assert got.has_sorted_indices
    for a in ("data", "indices", "indptr"):
        assert np.array_equal(getattr(got, a), getattr(expected, a)), a
    assert got[2].max() == 3.0  # repeated terms are counted


def test_the_word_memo_stays_bounded_and_changes_no_token(monkeypatch):
    from framing import lexical

    text = "Not all analysts agree: the ceasefire is a fragile, temporary and reversible pause in U.S.-China rivalry."
    expected = _analyze(text, _STOP)
    monkeypatch.setattr(lexical, "_WORD_MEMO", {})
    monkeypatch.setattr(lexical, "_WORD_MEMO_SIZE", 3)
    assert _analyze(text, _STOP) == expected
    assert len(lexical._WORD_MEMO[_STOP]) > 3  # checked when a text starts, not per word
    assert _analyze("No pause, but not a truce either.", _STOP) == ["not_@truce", "not_@truce", "not_@truce not_@truce"]
    assert len(lexical._WORD_MEMO[_STOP]) == 6  # emptied, then this text's six distinct words
    assert _analyze(text, _STOP) == expected
