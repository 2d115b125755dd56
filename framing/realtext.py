"""The real-text development set: a committed manifest, texts in an ignored cache.

The texts are third-party articles, so only the manifest is committed
(`framing/realtext/manifest.csv`: url, title, outlet, date, label, split,
justification). The texts live in a cache outside the repository, one JSON file
per article named by a hash of its URL, so every checkout on the machine shares
them. `python -m framing.realtext missing` lists manifest rows whose text is
not cached; `python -m framing.realtext check URL TITLE` says whether an
article is on the independent hold-out list (`../shared/holdout-exclude/`),
which a development set must never contain.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from .types import ArticleText

MANIFEST = Path(__file__).resolve().parent / "realtext" / "manifest.csv"
FIELDS = ("url", "title", "outlet", "date", "label", "split", "justification")
LABELS = ("transactional_truce", "institutional_engagement", "neither", "off_topic")
# The hold-out list sits beside the checkout in this workplace; FRAMEWATCH_HOLDOUT_EXCLUDE overrides.
HOLDOUT_CANDIDATES = ("../shared/holdout-exclude/exclude.txt", "../../shared/holdout-exclude/exclude.txt")


def cache_dir() -> Path:
    """Where cached texts live: $FRAMEWATCH_REALTEXT_CACHE, else ~/.cache/framewatch/realtext."""
    env = os.environ.get("FRAMEWATCH_REALTEXT_CACHE")
    if env:
        return Path(env)
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "framewatch" / "realtext"


def cache_key(url: str) -> str:
    return hashlib.sha256(url.strip().encode("utf-8")).hexdigest()[:16]


def cache_path(url: str) -> Path:
    return cache_dir() / f"{cache_key(url)}.json"


def write_cached(url: str, title: str, text: str) -> Path:
    path = cache_path(url)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"url": url, "title": title, "text": text}, ensure_ascii=False), encoding="utf-8")
    return path


# --- the independent hold-out list (its README gives this normalisation) ----------------------

def _sha(s: str) -> str:
    return hashlib.sha256(s.encode("utf-8")).hexdigest()


def norm_url(url: str) -> str:
    return re.sub(r"^[a-z][a-z0-9+.-]*://", "", url.strip().lower()).rstrip("/")


def norm_title(title: str) -> str:
    return re.sub(r"[^a-z0-9]", "", title.lower())


def holdout_hashes(path: Path | None = None) -> set[str]:
    """Every URL and title hash on the hold-out list (empty when the list is not here)."""
    candidates = [Path(os.environ["FRAMEWATCH_HOLDOUT_EXCLUDE"])] if os.environ.get("FRAMEWATCH_HOLDOUT_EXCLUDE") else []
    root = Path(__file__).resolve().parent.parent
    candidates += [root / c for c in HOLDOUT_CANDIDATES]
    for p in ([path] if path else candidates):
        if p.is_file():
            out = set()
            for line in p.read_text(encoding="utf-8").splitlines():
                out.update(h for h in line.split("\t") if h.strip())
            return {h.strip() for h in out}
    return set()


def is_held_out(url: str, title: str, hashes: set[str] | None = None) -> bool:
    hashes = holdout_hashes() if hashes is None else hashes
    return _sha(norm_url(url)) in hashes or _sha(norm_title(title)) in hashes


# --- the manifest --------------------------------------------------------------------------------

@dataclass(frozen=True)
class RealItem:
    url: str
    title: str
    outlet: str
    date: str
    label: str
    split: str
    justification: str

    @property
    def id(self) -> str:
        return cache_key(self.url)

    def doc(self) -> ArticleText | None:
        p = cache_path(self.url)
        if not p.is_file():
            return None
        d = json.loads(p.read_text(encoding="utf-8"))
        return ArticleText(d.get("title") or self.title, d.get("text") or "")


def load_manifest(path: Path = MANIFEST, split: str | None = None) -> list[RealItem]:
    if not path.is_file():
        return []
    with path.open(encoding="utf-8", newline="") as f:
        rows = [RealItem(**{k: (r.get(k) or "").strip() for k in FIELDS}) for r in csv.DictReader(f)]
    return [r for r in rows if split is None or r.split == split]


def missing(items: list[RealItem]) -> list[RealItem]:
    return [it for it in items if not cache_path(it.url).is_file()]


def main(argv: list[str]) -> int:
    if argv[:1] == ["missing"]:
        items = load_manifest()
        gone = missing(items)
        for it in gone:
            print(f"{it.split}\t{it.label}\t{it.url}")
        print(f"{len(items) - len(gone)} of {len(items)} texts cached in {cache_dir()}; {len(gone)} missing", file=sys.stderr)
        return 1 if gone else 0
    if argv[:1] == ["check"] and len(argv) == 3:
        held = is_held_out(argv[1], argv[2])
        print("HELD OUT: never use" if held else "ok")
        return 1 if held else 0
    print("usage: python -m framing.realtext missing | check URL TITLE", file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
