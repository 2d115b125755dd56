"""What is never evidence: publisher boilerplate, headings and titles.

Three generic rules, shared by references and articles:
- a disclaimer or publisher line ("Expert comments reflect the views of their
  authors.", "first published in...") is not the author's framing (`is_disclaimer`);
- a line without closing punctuation is a title, heading, byline or caption: it
  may tell the topic (the relevance gate reads it) but it is not an argument
  (`is_heading`), and a title alone is never evidence;
- a sentence printed on many pages of one site is boilerplate whatever it says
  (`recurring_sentences`): callers that know an article's site pass those
  sentences in `ArticleText.boilerplate` (flows/demo_eval.py and the real-text
  evaluation do; the pipeline can pass what the warehouse has seen for a site).
"""

from __future__ import annotations

import re
from collections import Counter

from .patterns import Prefiltered

# Prefiltered: the same matches, skipping sentences that hold none of the words a match needs (patterns.py).
DISCLAIMER = Prefiltered(re.compile(
    r"views? (of|expressed|are those of) (the |their |its )?(authors?|writers?|contributors?|experts?)\b"
    r"|reflects? (only )?the (personal )?views? of|do(es)? not necessarily (reflect|represent)"
    r"|does not take (institutional|corporate) positions|(first|originally|also) published"
    r"|all rights reserved|welcome to visit|subscribe to|follow us on|sign up for|click here"
    r"|the opinions expressed|editorial (policy|standards)|this article (is|was) (republished|reproduced)",
    re.I,
))
_TERMINAL = re.compile(r"[.!?…][\"'”’)\]]{0,3}$")
# A sentence on at least this many distinct pages of one site, and on at least
# this share of the site's pages seen, is boilerplate: a template line is on
# (nearly) every page (the demo's disclaimer: 19 of 19), while a quotation or a
# stock phrase a writer reuses is on a few (at most 5 of 15 in the demo).
MIN_PAGES = 3
MIN_SHARE = 0.5


def key(sentence: str) -> str:
    return " ".join(sentence.lower().split())


def is_disclaimer(sentence: str) -> bool:
    return bool(DISCLAIMER.search(sentence))


def is_heading(line: str) -> bool:
    """No closing punctuation: a title, heading, byline, date or caption line."""
    return not _TERMINAL.search(line.strip())


def recurring_sentences(texts: list[str], min_pages: int = MIN_PAGES, min_share: float = MIN_SHARE) -> frozenset[str]:
    """Sentences (normalised by `key`) that occur on at least `min_pages` and at
    least `min_share` of the given texts, which should be pages of one site."""
    from .sentences import split_sentences

    counts = Counter(k for t in texts for k in {key(s) for s in split_sentences(t)})
    need = max(min_pages, min_share * len(texts))
    return frozenset(k for k, n in counts.items() if n >= need)


def site_boilerplate(pages: list[tuple[str, str]], min_pages: int = MIN_PAGES) -> dict[str, frozenset[str]]:
    """(site, text) pairs -> recurring sentences per site."""
    by_site: dict[str, list[str]] = {}
    for site, text in pages:
        by_site.setdefault(site, []).append(text)
    return {site: recurring_sentences(texts, min_pages) for site, texts in by_site.items()}
