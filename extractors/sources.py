"""The sources file (TOML): which think tanks to poll.

Each `[[source]]` table needs id, name and feed_url; site_url, country,
language and feed_verified are descriptive. A malformed file is refused
with the offending entry named, before any request is made.
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

ID_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


class SourcesFileError(ValueError):
    pass


@dataclass(frozen=True)
class Source:
    id: str
    name: str
    feed_url: str
    site_url: str | None = None
    country: str | None = None
    language: str | None = None
    feed_verified: bool = False


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
        unknown = set(item) - {f for f in Source.__dataclass_fields__}
        if unknown:
            raise SourcesFileError(f"{where}: unknown keys {sorted(unknown)}")
        for key in ("id", "name", "feed_url"):
            if not isinstance(item.get(key), str) or not item[key].strip():
                raise SourcesFileError(f"{where}: '{key}' is required and must be a string")
        if not ID_RE.match(item["id"]):
            raise SourcesFileError(f"{where}: id {item['id']!r} must be lower-case letters, digits, '-' or '_'")
        if item["id"] in seen:
            raise SourcesFileError(f"{where}: duplicate id {item['id']!r}")
        seen.add(item["id"])
        if urlsplit(item["feed_url"]).scheme not in ("http", "https"):
            raise SourcesFileError(f"{where}: feed_url must be an http(s) URL, got {item['feed_url']!r}")
        out.append(Source(**item))
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
