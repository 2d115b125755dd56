"""The WordPress REST API as a discovery method: `/wp-json/wp/v2/posts`.

Many think-tank sites run WordPress behind a theme that breaks or hides
/feed/ (Brookings' returns HTML), while the REST API still lists the posts.
We ask for the newest posts and only the fields we need; `date_gmt` is the
publication time (never `modified_gmt`, which changes on every edit).
"""
from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from html import unescape
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from extractors.feeds import MAX_FIELD, FeedEntry, safe_link

# WordPress caps per_page at 100; 30 covers several days of a busy site.
PER_PAGE = 30
FIELDS = "id,link,date_gmt,title,excerpt"
_TAG = re.compile(r"<[^>]+>")


def posts_url(api_url: str) -> str:
    """The API URL asking for the newest posts, only the fields we read."""
    parts = urlsplit(api_url)
    query = dict(parse_qsl(parts.query))
    query.setdefault("per_page", str(PER_PAGE))
    query.setdefault("orderby", "date")
    query.setdefault("_fields", FIELDS)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), ""))


def _text(value) -> str | None:
    if isinstance(value, dict):
        value = value.get("rendered")
    if not isinstance(value, str):
        return None
    text = " ".join(unescape(_TAG.sub(" ", value)).split())
    return text[:MAX_FIELD] or None


def _date(value) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "")).replace(tzinfo=timezone.utc)
    except ValueError:
        return None


def parse_posts(body: bytes, api_url: str) -> tuple[list[FeedEntry], str | None]:
    """(entries, error detail). An answer that is not a JSON list of posts is an error."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        return [], f"not JSON: {exc}"[:300]
    if not isinstance(data, list):
        return [], f"expected a JSON list of posts, got {type(data).__name__}"
    entries = []
    for post in data[:1000]:
        if not isinstance(post, dict):
            continue
        url = safe_link(post.get("link") if isinstance(post.get("link"), str) else None, api_url)
        if url is None:
            continue
        summary = _text(post.get("excerpt"))
        entries.append(FeedEntry(url=url, guid=str(post.get("id")) if post.get("id") is not None else None,
                                 title=_text(post.get("title")), author=None, published=_date(post.get("date_gmt")),
                                 summary=summary, words=len((summary or "").split())))
    return entries, None
