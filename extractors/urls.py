"""URL canonicalisation: one spelling per article, so the dedup key is stable.

courlan does the generic normalisation (punycode hosts, percent-quoting of
the path, repeated slashes, default ports); our rules do the rest. We do
NOT use courlan's tracker filter on the query: it matches by pattern
(anything starting "ga", "gl", "ref", "source", "uid", "cid", ...), which
would drop identifying parameters such as `?gallery=2` or `?cid=123` and
merge different articles into one key. Our list is explicit instead.
"""
from __future__ import annotations

import re
from urllib.parse import parse_qsl, quote, urljoin, urlencode, urlsplit, urlunsplit

from courlan.clean import decode_punycode, normalize_part
from courlan.urlutils import get_tldinfo

# Parameters that identify a click, a campaign or a share, not a document.
# One literal per line, each with its own comma: a missing comma between two
# string literals silently concatenates them ("mc_cid" "mc_eid" ==
# "mc_cidmc_eid"), so neither would be stripped; tests/test_urls.py checks
# that every entry here is actually removed.
TRACKING_PREFIXES = (
    "utm_",      # Google Analytics campaign tags: utm_source, utm_medium, ...
    "pk_",       # Matomo/Piwik campaigns
    "mtm_",      # Matomo
    "hsa_",      # HubSpot ads
    "vero_",     # Vero
    "oly_",      # Omeda
    "at_",       # Adobe/AT Internet: at_medium, at_campaign
)
TRACKING_PARAMS = frozenset(
    {
        "fbclid",
        "gclid",
        "gclsrc",
        "dclid",
        "gbraid",
        "wbraid",
        "msclkid",
        "twclid",
        "ttclid",
        "li_fat_id",
        "mc_cid",
        "mc_eid",
        "yclid",
        "igshid",
        "igsh",
        "_hsenc",
        "_hsmi",
        "__hstc",
        "__hssc",
        "__hsfp",
        "hsctatracking",
        "mkt_tok",
        "_ga",
        "_gl",
        "ref",
        "ref_src",
        "ref_url",
        "referrer",
        "cmpid",
        "ncid",
        "sr_share",
        "s_cid",
        "icid",
        "ito",
        "xtor",
        "wt.mc_id",
        "ocid",
        "spm",
        "smid",
        "amp",
    }
)
DEFAULT_PORTS = {"http": 80, "https": 443}
_PCT = re.compile(r"%[0-9a-fA-F]{2}")
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")


def is_tracking(name: str) -> bool:
    n = name.lower()
    return n in TRACKING_PARAMS or n.startswith(TRACKING_PREFIXES)


def _pct_normal(s: str) -> str:
    """RFC 3986 6.2.2: upper-case escapes, decode escaped unreserved characters."""

    def fix(m: re.Match) -> str:
        ch = chr(int(m.group(0)[1:], 16))
        return ch if ch in _UNRESERVED else m.group(0).upper()

    return _PCT.sub(fix, s)


def _remove_dot_segments(path: str) -> str:
    out: list[str] = []
    for seg in path.split("/")[1:] if path.startswith("/") else path.split("/"):
        if seg == "..":
            if out:
                out.pop()
        elif seg != ".":
            out.append(seg)
    last = path.rsplit("/", 1)[-1]
    trailing = last in (".", "..")
    return "/" + "/".join(out) + ("/" if trailing and out else "")


def _host(parts) -> str:
    host = (parts.hostname or "").lower().rstrip(".")
    host = decode_punycode(host)
    return host[4:] if host.startswith("www.") else host


def canonical_url(url: str) -> str:
    """Lower-case scheme and host (no `www.`), no default port, no fragment,
    no tracking parameters, the remaining parameters sorted, dot segments
    and repeated slashes removed, escapes normalised, and no trailing slash
    on a path other than the root (the policy: `/a/b/` and `/a/b` are one page)."""
    url = url.strip().replace("&amp;", "&")
    url = re.sub(r"\s", lambda m: quote(m.group(0)), url)
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = _host(parts)
    try:
        port = parts.port
    except ValueError:
        port = None
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    netloc = host if port is None or DEFAULT_PORTS.get(scheme) == port else f"{host}:{port}"
    path = _pct_normal(normalize_part(re.sub(r"/{2,}", "/", parts.path or "/")))
    path = _remove_dot_segments(path)
    if len(path) > 1 and path.endswith("/"):
        path = path.rstrip("/") or "/"
    params = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not is_tracking(k)]
    query = urlencode(sorted(params), quote_via=quote, safe="/:,")
    return urlunsplit((scheme, netloc, path, query, ""))


def site_key(url: str) -> str:
    """The site a URL belongs to: the registrable domain (`brookings.edu` for
    `www.brookings.edu` and `sub.brookings.edu`), or host:port for IP
    addresses and names without a public suffix (tests, intranets)."""
    parts = urlsplit(url.strip())
    _domain, fld = get_tldinfo(url.strip(), fast=False)
    if fld:
        return fld.lower()
    host = _host(parts)
    try:
        port = parts.port
    except ValueError:
        port = None
    return host if port is None or DEFAULT_PORTS.get(parts.scheme.lower()) == port else f"{host}:{port}"


def same_site(a: str, b: str) -> bool:
    return site_key(a) == site_key(b)


def adopt_canonical(page_url: str, declared: str | None) -> tuple[str, str]:
    """The canonical URL of a fetched page and where it came from.

    A page's `<link rel=canonical>` is adopted when it points to the same
    site (a syndicated copy pointing at the original publisher stays a
    separate article: the story grouping links them) and does not point to
    the site's front page from an article (a common CMS misconfiguration
    that would merge every article into one key). Returns (url, "link") or
    (url, "fetched")."""
    own = canonical_url(page_url)
    if not declared or not declared.strip():
        return own, "fetched"
    href = urljoin(page_url, declared.strip())
    if urlsplit(href).scheme.lower() not in ("http", "https"):
        return own, "fetched"
    cand = canonical_url(href)
    if not same_site(cand, own):
        return own, "fetched"
    if urlsplit(cand).path in ("", "/") and urlsplit(own).path not in ("", "/"):
        return own, "fetched"
    return cand, "link"
