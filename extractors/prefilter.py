"""Topic prefilter for general outlets: is this entry worth a page fetch?

A general outlet (a foreign-policy magazine, a broad think tank) publishes
ten pieces on other subjects for every one on China. For sources marked
`kind = "general"` the flow asks `prefilter` about each new entry, from its
title and feed summary only, before fetching the page.

Cheap and conservative: it keeps an entry unless it is sure. It skips only
when the title and summary together say enough to judge (MIN_WORDS) and
none of the terms below appears. The terms are deliberately broad (any
mention of China, Taiwan, Hong Kong, the trade and technology fights, the
region's security groupings): a false keep costs one page fetch, a false
skip loses an article. Each skip is recorded by the flow (reason
`prefilter_off_topic`, with the words it judged). Its recall on the real-text
set is measured by bench/bench_prefilter.py (bench/RESULTS.md).

This module cannot use framing/ (it sits above extractors/); the classifier
still judges every fetched article on its full text.
"""
from __future__ import annotations

import re

# Below this many words of title + summary there is too little to judge: keep.
MIN_WORDS = 6
TERMS = (
    r"chin(?:a|ese|as)", r"sino[- ]?\w*", r"beijing", r"prc", r"ccp", r"cpc", r"communist party",
    r"xi(?: jinping)?", r"li qiang", r"wang yi", r"taiwan\w*", r"taipei", r"hong kong", r"macau", r"tibet\w*",
    r"xinjiang", r"uyghurs?", r"shanghai", r"shenzhen", r"guangzhou", r"pla", r"people'?s liberation army",
    r"south china sea", r"east china sea", r"taiwan strait", r"spratly\w*", r"paracel\w*", r"scarborough",
    r"belt and road", r"bri", r"huawei", r"zte", r"tiktok", r"bytedance", r"deepseek", r"alibaba", r"tencent", r"smic",
    r"renminbi", r"yuan", r"rare[- ]earths?", r"tariffs?", r"trade (?:war|deal|truce|talks)", r"decoupl\w*",
    r"de-?risk\w*", r"export controls?", r"chips?", r"semiconductors?", r"entity list",
    r"indo-?pacific", r"aukus", r"quad", r"asean", r"apec", r"g-?20", r"brics",
    r"bilateral", r"great[- ]power", r"superpowers?", r"cold war", r"u\.?s\.?-china", r"us-china", r"washington and beijing",
    r"xi-?trump", r"trump-?xi", r"busan", r"summit",
)
# (?<!\w), not (?<![\w-]): "Biden-Xi" and "anti-China" must match.
_TERM_RE = re.compile(r"(?<!\w)(?:" + "|".join(TERMS) + r")(?!\w)", re.I)
_TAG = re.compile(r"<[^>]+>")


def prefilter(title: str | None, summary: str | None) -> tuple[bool, str | None]:
    """(fetch the page?, why not). Conservative: keeps whatever it cannot judge."""
    text = " ".join(_TAG.sub(" ", f"{title or ''} {summary or ''}").split())
    if _TERM_RE.search(text):
        return True, None
    words = len(text.split())
    if words < MIN_WORDS:
        return True, None
    return False, f"no China-related term in title or summary ({words} words): {text[:160]}"
