"""Helpers shared by the page templates."""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from html import escape

BASE = "{{BASE_URL}}"  # replaced by the demo server with http://127.0.0.1:<port>


def esc(text: str) -> str:
    return escape(text, quote=True)


def url(path: str) -> str:
    return BASE + path


@dataclass
class PageContext:
    """Everything a template needs besides the article itself."""
    site: dict
    most_read: list  # list of Article
    related: list  # list of Article
    note: str | None = None  # republication boilerplate, if any


def d_long_us(d: dt.datetime) -> str:  # November 6, 2025
    return f"{d:%B} {d.day}, {d.year}"


def d_long_uk(d: dt.datetime) -> str:  # 6 November 2025
    return f"{d.day} {d:%B %Y}"


def d_short_uk(d: dt.datetime) -> str:  # 06 Nov 2025
    return f"{d:%d %b %Y}"


def d_short_us(d: dt.datetime) -> str:  # Nov 6, 2025
    return f"{d:%b} {d.day}, {d.year}"


def iso(d: dt.datetime) -> str:
    return d.isoformat()


def paragraphs(paras: list[str], cls: str | None = None) -> str:
    attr = f' class="{cls}"' if cls else ""
    return "\n".join(f"<p{attr}>{esc(p)}</p>" for p in paras)


def link_list(articles: list, tag: str = "ul", cls: str = "") -> str:
    items = "\n".join(f'  <li><a href="{url(a.path)}">{esc(a.title)}</a></li>' for a in articles)
    return f'<{tag} class="{cls}">\n{items}\n</{tag}>'


def meta_tags(site: dict, art, with_date: bool = True) -> str:
    """The usual social/SEO head block; with_date=False leaves the date out of <meta>."""
    lines = [
        f'<meta name="description" content="{esc(art.summary)}">',
        f'<meta name="author" content="{esc(art.author)}">',
        f'<meta property="og:type" content="article">',
        f'<meta property="og:title" content="{esc(art.title)}">',
        f'<meta property="og:site_name" content="{esc(site["name"])}">',
        f'<meta property="og:url" content="{url(art.path)}">',
        f'<meta property="og:description" content="{esc(art.summary)}">',
        '<meta name="twitter:card" content="summary">',
        f'<link rel="canonical" href="{url(art.path)}">',
    ]
    if with_date:
        lines.append(f'<meta property="article:published_time" content="{iso(art.published)}">')
    return "\n".join(lines)


def json_ld(site: dict, art) -> str:
    data = {
        "@context": "https://schema.org",
        "@type": "NewsArticle" if art.label == "neutral_news" else "Article",
        "headline": art.title,
        "datePublished": iso(art.published),
        "author": {"@type": "Person", "name": art.author},
        "publisher": {"@type": "Organization", "name": site["name"], "url": url("/")},
        "mainEntityOfPage": url(art.path),
        "wordCount": art.word_count,
    }
    return ('<script type="application/ld+json">\n'
            + json.dumps(data, indent=2, ensure_ascii=False) + "\n</script>")


def author_bio(site: dict, name: str) -> str:
    for a in site["authors"]:
        if a["name"] == name:
            return a["bio"]
    return f"{name} is a contributor to {site['name']}."


def reading_minutes(art) -> int:
    return max(2, round(art.word_count / 220))


def copyright_line(site: dict) -> str:
    return f"&copy; 2025 {esc(site['name'])}. All rights reserved."
