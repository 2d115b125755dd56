"""The sources file (TOML): which think tanks and outlets to poll, and how.

Each `[[source]]` table needs id and name, and the URL its discovery method
polls:
- discovery = "feed" (the default): `feed_url`, an RSS/Atom feed;
- discovery = "sitemap": `sitemap_url`, or none to take the sitemaps named
  in the site's robots.txt (`site_url` is then required);
- discovery = "wp-json": `api_url`, or none for `<site_url>/wp-json/wp/v2/posts`.

Descriptive keys: site_url, country, language, `kind` ("specialist": the
source publishes mostly on China and its relations; "general": a broad
outlet whose entries pass a cheap topic prefilter before their page is
fetched), `evidence` (where and when the URL was seen to work) and
`feed_verified` (true only once a framewatch run fetched and parsed it).

A malformed file is refused with the offending entry named, before any
request is made. `lint_sources` lists what is well-formed but incomplete
(an entry without its evidence line); the shipped file must have none.
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin, urlsplit

ID_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
DISCOVERY_METHODS = ("feed", "sitemap", "wp-json")
KINDS = ("specialist", "general")
WP_POSTS_PATH = "wp-json/wp/v2/posts"


class SourcesFileError(ValueError):
    pass


@dataclass(frozen=True)
class Source:
    id: str
    name: str
    feed_url: str | None = None
    site_url: str | None = None
    country: str | None = None
    language: str | None = None
    feed_verified: bool = False
    discovery: str = "feed"
    sitemap_url: str | None = None
    api_url: str | None = None
    kind: str = "specialist"
    evidence: str | None = None

    @property
    def endpoint(self) -> str:
        """The URL this source's discovery method polls (stored as `sources.feed_url`).

        A sitemap source without sitemap_url polls robots.txt, which names
        the site's sitemaps; the poller follows them from there."""
        if self.discovery == "sitemap":
            return self.sitemap_url or urljoin(self.site_url or "", "/robots.txt")
        if self.discovery == "wp-json":
            return self.api_url or urljoin(_with_slash(self.site_url or ""), WP_POSTS_PATH)
        return self.feed_url or ""

    @property
    def is_general(self) -> bool:
        return self.kind == "general"


def _with_slash(url: str) -> str:
    return url if url.endswith("/") else url + "/"


def is_http_url(value: object) -> bool:
    return isinstance(value, str) and urlsplit(value).scheme in ("http", "https") and bool(urlsplit(value).hostname)


def _check_entry(item: dict, where: str) -> None:
    unknown = set(item) - set(Source.__dataclass_fields__)
    if unknown:
        raise SourcesFileError(f"{where}: unknown keys {sorted(unknown)}")
    for key in ("id", "name"):
        if not isinstance(item.get(key), str) or not item[key].strip():
            raise SourcesFileError(f"{where}: '{key}' is required and must be a string")
    if not ID_RE.match(item["id"]):
        raise SourcesFileError(f"{where}: id {item['id']!r} must be lower-case letters, digits, '-' or '_'")
    method = item.get("discovery", "feed")
    if method not in DISCOVERY_METHODS:
        raise SourcesFileError(f"{where}: discovery must be one of {', '.join(DISCOVERY_METHODS)}, got {method!r}")
    kind = item.get("kind", "specialist")
    if kind not in KINDS:
        raise SourcesFileError(f"{where}: kind must be 'specialist' or 'general', got {kind!r}")
    for key in ("feed_url", "site_url", "sitemap_url", "api_url"):
        if key in item and not is_http_url(item[key]):
            raise SourcesFileError(f"{where}: {key} must be an http(s) URL, got {item[key]!r}")
    if method == "feed" and "feed_url" not in item:
        raise SourcesFileError(f"{where}: 'feed_url' is required when discovery = \"feed\"")
    if method == "sitemap" and "sitemap_url" not in item and "site_url" not in item:
        raise SourcesFileError(f"{where}: discovery = \"sitemap\" needs sitemap_url or site_url (for robots.txt)")
    if method == "wp-json" and "api_url" not in item and "site_url" not in item:
        raise SourcesFileError(f"{where}: discovery = \"wp-json\" needs api_url or site_url")
    for key in ("evidence", "country", "language"):
        if key in item and not isinstance(item[key], str):
            raise SourcesFileError(f"{where}: {key} must be a string")
    if "feed_verified" in item and not isinstance(item["feed_verified"], bool):
        raise SourcesFileError(f"{where}: feed_verified must be true or false")


def parse_sources(data: dict, origin: str = "sources") -> list[Source]:
    items = data.get("source")
    if not isinstance(items, list) or not items:
        raise SourcesFileError(f"{origin}: no [[source]] entries")
    seen: set[str] = set()
    out = []
    for i, item in enumerate(items, 1):
        where = f"{origin}: source #{i}"
        if not isinstance(item, dict):
            raise SourcesFileError(f"{where}: not a table")
        _check_entry(item, where)
        if item["id"] in seen:
            raise SourcesFileError(f"{where}: duplicate id {item['id']!r}")
        seen.add(item["id"])
        out.append(Source(**item))
    return out


def lint_sources(sources: list[Source]) -> list[str]:
    """Well-formed but incomplete entries, one line each (empty: all good)."""
    out = []
    for s in sources:
        if not (s.evidence or "").strip():
            out.append(f"{s.id}: no evidence line (where and when was this URL seen to work?)")
        if s.is_general and s.discovery != "feed" and not s.site_url:
            out.append(f"{s.id}: general source without site_url")
    return out


def load_sources(path: Path) -> list[Source]:
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SourcesFileError(f"sources file not found: {path}") from None
    except tomllib.TOMLDecodeError as exc:
        raise SourcesFileError(f"{path}: not valid TOML: {exc}") from None
    return parse_sources(data, str(path))


def entry_toml(entry: dict) -> str:
    """One `[[source]]` table as TOML text (tomli-w: correct quoting of any string)."""
    import tomli_w

    parse_sources({"source": [entry]}, "new entry")  # never append what load_sources would refuse
    return tomli_w.dumps({"source": [entry]})


def append_source(path: Path, entry: dict) -> None:
    """Append one entry to the sources file, refusing a duplicate id; the file
    is re-read afterwards, and restored if it no longer parses."""
    path = Path(path)
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    if old.strip():
        if any(s.id == entry["id"] for s in load_sources(path)):
            raise SourcesFileError(f"{path}: a source with id {entry['id']!r} already exists")
    text = entry_toml(entry)
    path.write_text(old + ("" if not old or old.endswith("\n") else "\n") + "\n" + text, encoding="utf-8")
    try:
        load_sources(path)
    except SourcesFileError:
        path.write_text(old, encoding="utf-8")
        raise
