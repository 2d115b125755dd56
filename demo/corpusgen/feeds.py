"""Feeds (RSS 2.0 or Atom), robots.txt and site.toml for each site."""
from __future__ import annotations

from email.utils import format_datetime
from xml.sax.saxutils import escape

from .common import iso, url

DC_NS = "http://purl.org/dc/elements/1.1/"
ATOM_NS = "http://www.w3.org/2005/Atom"


def _x(text: str) -> str:
    return escape(text, {'"': "&quot;"})


def rss(site: dict, arts: list) -> str:
    newest = arts[0].published if arts else None
    items = []
    for a in arts:
        items.append(f"""    <item>
      <title>{_x(a.title)}</title>
      <link>{url(a.path)}</link>
      <guid isPermaLink="true">{url(a.path)}</guid>
      <pubDate>{format_datetime(a.published)}</pubDate>
      <dc:creator>{_x(a.author)}</dc:creator>
      <category>{'News' if a.label == 'neutral_news' else 'Commentary'}</category>
      <description>{_x(a.summary)}</description>
    </item>""")
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:dc="{DC_NS}" xmlns:atom="{ATOM_NS}">
  <channel>
    <title>{_x(site['name'])}</title>
    <link>{url('/')}</link>
    <description>{_x(site['tagline'])}</description>
    <language>en</language>
    <atom:link href="{url('/feed.xml')}" rel="self" type="application/rss+xml"/>
    <lastBuildDate>{format_datetime(newest) if newest else ''}</lastBuildDate>
{chr(10).join(items)}
  </channel>
</rss>
"""


def atom(site: dict, arts: list) -> str:
    entries = []
    for a in arts:
        entries.append(f"""  <entry>
    <title>{_x(a.title)}</title>
    <link rel="alternate" type="text/html" href="{url(a.path)}"/>
    <id>{url(a.path)}</id>
    <published>{iso(a.published)}</published>
    <updated>{iso(a.published)}</updated>
    <author><name>{_x(a.author)}</name></author>
    <summary>{_x(a.summary)}</summary>
  </entry>""")
    updated = iso(arts[0].published) if arts else ""
    return f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="{ATOM_NS}">
  <title>{_x(site['name'])}</title>
  <subtitle>{_x(site['tagline'])}</subtitle>
  <link rel="alternate" type="text/html" href="{url('/')}"/>
  <link rel="self" type="application/atom+xml" href="{url('/feed.xml')}"/>
  <id>{url('/')}</id>
  <updated>{updated}</updated>
{chr(10).join(entries)}
</feed>
"""


def feed(site: dict, arts: list) -> str:
    return atom(site, arts) if site["feed_format"] == "atom" else rss(site, arts)


def robots() -> str:
    return "User-agent: *\nAllow: /\nDisallow: /private/\n"


def site_toml(site: dict) -> str:
    return (f'id = "{site["id"]}"\nname = "{site["name"]}"\nsite_url_path = "/"\n'
            f'feed_path = "/feed.xml"\nfeed_format = "{site["feed_format"]}"\n'
            f'country = "{site["country"]}"\nlanguage = "{site["language"]}"\n')
