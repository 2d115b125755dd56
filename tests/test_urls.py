"""URL canonicalisation on real-world messy URLs (shapes seen in think-tank
and news feeds), the tracking-parameter list itself, and rel=canonical."""
from __future__ import annotations

import pytest

from extractors.urls import TRACKING_PARAMS, TRACKING_PREFIXES, adopt_canonical, canonical_url, same_site, site_key

CASES = [
    # campaign tags from a newsletter, mixed-case host, fragment
    (
        "https://WWW.Brookings.EDU/articles/the-us-china-truce/?utm_source=newsletter&utm_medium=email&utm_campaign=weekly#comments",
        "https://brookings.edu/articles/the-us-china-truce",
    ),
    # Facebook and Google click ids mixed with a real parameter
    (
        "https://www.csis.org/analysis/china-trade?page=2&fbclid=IwAR0abcDEF123&gclid=Cj0KCQiA",
        "https://csis.org/analysis/china-trade?page=2",
    ),
    # Mailchimp: mc_cid AND mc_eid both stripped (the missing-comma pitfall)
    (
        "https://www.chinausfocus.com/foreign-policy/a-truce?mc_cid=4d2f1e&mc_eid=9b8c7a6d5e",
        "https://chinausfocus.com/foreign-policy/a-truce",
    ),
    # default ports on both schemes, trailing dot on the host
    ("http://www.rcas.top.:80/index.php/article/123/", "http://rcas.top/index.php/article/123"),
    ("https://apln.network:443/analysis/commentaries/engagement", "https://apln.network/analysis/commentaries/engagement"),
    # a non-default port is kept
    ("http://127.0.0.1:47801/commentary/truce.html?utm_source=rss", "http://127.0.0.1:47801/commentary/truce.html"),
    # parameters sorted, blank values kept, identifying ids untouched
    ("https://www.cfr.org/blog/post?b=2&a=1&empty=", "https://cfr.org/blog/post?a=1&b=2&empty="),
    ("https://example.cn/index.php?cid=123&gallery=2&uid=9", "https://example.cn/index.php?cid=123&gallery=2&uid=9"),
    # HTML-escaped ampersands copied out of a feed
    ("https://www.lowyinstitute.org/the-interpreter/article?id=7&amp;utm_source=rss&amp;utm_medium=rss", "https://lowyinstitute.org/the-interpreter/article?id=7"),
    # whitespace and a newline pasted around the URL
    ("  https://www.stimson.org/2025/china-us-relations/\n", "https://stimson.org/2025/china-us-relations"),
    # repeated slashes and dot segments
    ("https://carnegieendowment.org//research/2025/11/./china/../china-us", "https://carnegieendowment.org/research/2025/11/china-us"),
    # percent-escape case and escaped unreserved characters
    ("https://example.org/caf%c3%a9/%7Euser/a%2db", "https://example.org/caf%C3%A9/~user/a-b"),
    # the root keeps its slash; an empty path becomes the root
    ("https://www.rand.org", "https://rand.org/"),
    ("https://www.rand.org/?utm_source=x", "https://rand.org/"),
    # HubSpot, Marketo, Microsoft, TikTok, LinkedIn, Instagram, Yandex trackers
    (
        "https://www.iiss.org/online-analysis/2025/11/taiwan?_hsenc=p2ANqtz-abc&_hsmi=12345&mkt_tok=eyJpIjoi&msclkid=abc&ttclid=x&li_fat_id=y&igshid=z&yclid=1",
        "https://iiss.org/online-analysis/2025/11/taiwan",
    ),
    # AMP variant parameter and Matomo campaign tags
    ("https://www.scmp.com/news/china/article/3300000/us-china?amp=1&pk_campaign=feed&mtm_source=x", "https://scmp.com/news/china/article/3300000/us-china"),
    # internationalised domain name given in punycode
    ("https://xn--bcher-kva.example/Artikel", "https://bücher.example/Artikel"),
    # a path with a space in it
    ("https://example.org/china us/notes", "https://example.org/china%20us/notes"),
    # upper-case scheme, tracking parameter names in upper case
    ("HTTPS://Example.org/A/B/?UTM_SOURCE=x&FBCLID=y", "https://example.org/A/B"),
]


@pytest.mark.parametrize("raw,expected", CASES)
def test_canonical_url(raw, expected):
    assert canonical_url(raw) == expected


def test_canonical_url_is_idempotent():
    for raw, _ in CASES:
        once = canonical_url(raw)
        assert canonical_url(once) == once


@pytest.mark.parametrize("name", sorted(TRACKING_PARAMS))
def test_every_listed_tracking_parameter_is_stripped(name):
    # A missing comma in the list would concatenate two names; each listed
    # name must be a plausible single parameter and be removed on its own.
    assert len(name) < 16, f"suspiciously long tracking parameter {name!r}: a missing comma?"
    assert canonical_url(f"https://example.org/a?id=1&{name}=zz") == "https://example.org/a?id=1"


@pytest.mark.parametrize("prefix", TRACKING_PREFIXES)
def test_every_tracking_prefix_is_stripped(prefix):
    assert canonical_url(f"https://example.org/a?{prefix}anything=1&x=2") == "https://example.org/a?x=2"


def test_site_key_uses_the_registrable_domain():
    assert site_key("https://www.brookings.edu/a") == "brookings.edu"
    assert site_key("https://sub.example.co.uk/x") == "example.co.uk"
    assert site_key("http://127.0.0.1:47801/x") == "127.0.0.1:47801"
    assert same_site("https://m.example.com/a", "https://www.example.com/b")
    assert not same_site("http://127.0.0.1:47801/x", "http://127.0.0.1:47802/x")


def test_rel_canonical_adopted_on_the_same_site_only():
    page = "https://www.example.org/commentary/truce.html?utm_source=rss"
    assert adopt_canonical(page, "/commentary/truce?x=1&utm_medium=feed") == ("https://example.org/commentary/truce?x=1", "link")
    assert adopt_canonical(page, "https://m.example.org/commentary/truce") == ("https://m.example.org/commentary/truce", "link")
    # a republished copy pointing at the original publisher keeps its own URL
    assert adopt_canonical(page, "https://chinausfocus.com/truce") == ("https://example.org/commentary/truce.html", "fetched")
    # a CMS pointing every article at the front page is ignored
    assert adopt_canonical(page, "https://www.example.org/") == ("https://example.org/commentary/truce.html", "fetched")
    assert adopt_canonical(page, None) == ("https://example.org/commentary/truce.html", "fetched")
    assert adopt_canonical(page, "javascript:void(0)") == ("https://example.org/commentary/truce.html", "fetched")
