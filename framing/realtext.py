"""The real-text development set: a committed manifest, texts in an ignored cache.

The texts are third-party articles, so only the manifest is committed
(`framing/realtext/manifest.csv`: url, title, outlet, date, label, split,
justification). The texts live in a cache outside the repository, one JSON file
per article named by a hash of its URL, so every checkout on the machine shares
them. `python -m framing.realtext missing` lists manifest rows whose text is
not cached; `python -m framing.realtext check URL TITLE` says whether an
article is on the independent hold-out list (`../shared/holdout-exclude/`),
which a development set must never contain. `merge STAGING.csv...` builds the
manifest and its fit/test split from labelled staging files; `append
STAGING.csv...` adds later texts to the fit split only (the test split is fixed).
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

from .printable import plain  # URLs and titles come from the network: no control codes on the terminal
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


# --- building the manifest from labelled staging files ------------------------------------------

TEST_SHARE = 0.45  # about 55% fit / 45% test, per label
SHINGLE = 8  # words per shingle for spotting syndicated copies
COPY_CONTAINMENT = 0.5  # share of the shorter text's shingles found in the other: a copy


def _shingles(text: str) -> set[int]:
    words = re.findall(r"[a-z0-9]+", text.lower())
    return {hash(" ".join(words[i:i + SHINGLE])) for i in range(max(len(words) - SHINGLE + 1, 0))}


def copy_groups(rows: list[dict]) -> list[int]:
    """Group index per row: rows with the same normalised title, or whose cached
    texts share most 8-word shingles, are copies of one story (union-find)."""
    parent = list(range(len(rows)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    texts = []
    for r in rows:
        p = cache_path(r["url"])
        texts.append(json.loads(p.read_text(encoding="utf-8")).get("text", "") if p.is_file() else "")
    sh = [_shingles(t) for t in texts]
    titles = [norm_title(r["title"]) for r in rows]
    for i in range(len(rows)):
        for j in range(i):
            small = min(len(sh[i]), len(sh[j]))
            same_title = titles[i] and titles[i] == titles[j]
            copied = small >= 20 and len(sh[i] & sh[j]) / small >= COPY_CONTAINMENT
            if same_title or copied:
                parent[find(i)] = find(j)
    return [find(i) for i in range(len(rows))]


def read_staging(paths: list[Path], hashes: set[str], seen: set[str] | None = None) -> tuple[list[dict], list[str]]:
    """Labelled rows of staging CSVs; unlabelled, held-out and already-seen URLs are
    dropped and reported (`seen` holds normalised URLs and grows)."""
    rows, notes, seen = [], [], set() if seen is None else seen
    for path in paths:
        with Path(path).open(encoding="utf-8", newline="") as f:
            for r in csv.DictReader(f):
                r = {k: (r.get(k) or "").strip() for k in FIELDS}
                if r["label"] not in LABELS:
                    notes.append(f"dropped (label {r['label']!r}): {r['url']}")
                elif is_held_out(r["url"], r["title"], hashes):
                    notes.append(f"dropped (on the hold-out list): {r['url']}")
                elif norm_url(r["url"]) in seen:
                    notes.append(f"dropped (duplicate URL): {r['url']}")
                else:
                    seen.add(norm_url(r["url"]))
                    rows.append(r)
    return rows, notes


def merge_staging(paths: list[Path], hashes: set[str] | None = None) -> tuple[list[dict], list[str]]:
    """Rows of the staging CSVs -> manifest rows with a deterministic split.

    Per label, copy groups are ordered by a hash of their first URL and the first
    ones go to `test` until it holds TEST_SHARE of the label's rows, so the split
    does not depend on file order and copies of one story share a split.
    Held-out, duplicate-URL and unlabelled rows are dropped and reported."""
    rows, notes = read_staging(paths, holdout_hashes() if hashes is None else hashes)
    groups = copy_groups(rows)
    members: dict[int, list[int]] = {}
    for i, g in enumerate(groups):
        members.setdefault(g, []).append(i)
    for g, idx in members.items():
        if len(idx) > 1:
            notes.append(f"copies kept in one split: {', '.join(rows[i]['url'] for i in idx)}")
    for label in LABELS:
        label_groups = sorted(
            {groups[i] for i, r in enumerate(rows) if r["label"] == label},
            key=lambda g: hashlib.sha256(rows[g]["url"].encode()).hexdigest(),
        )
        total = sum(r["label"] == label for r in rows)
        in_test = 0
        for g in label_groups:
            split = "test" if in_test < round(TEST_SHARE * total) else "fit"
            for i in members[g]:
                if rows[i]["label"] == label:
                    rows[i]["split"] = split
                    in_test += split == "test"
    # A group with mixed labels follows its first member's split.
    for g, idx in members.items():
        for i in idx:
            rows[i]["split"] = rows[idx[0]]["split"]
    rows.sort(key=lambda r: (r["split"], r["label"], r["url"]))
    return rows, notes


def append_fit(manifest: list[dict], paths: list[Path], hashes: set[str] | None = None) -> tuple[list[dict], list[str]]:
    """Rows of the staging CSVs added to an existing manifest's fit split only.

    The test split is fixed once measured, so later texts only ever feed the fit
    split. A new row that is a copy of any manifest story (same normalised title
    or most shingles shared, `copy_groups`) is dropped: a copy of a test story in
    the fit split would leak the test into the fit."""
    seen = {norm_url(r["url"]) for r in manifest}
    new, notes = read_staging(paths, holdout_hashes() if hashes is None else hashes, seen)
    groups = copy_groups(manifest + new)
    known = set(groups[: len(manifest)])
    kept = []
    for r, g in zip(new, groups[len(manifest):]):
        if g in known:
            notes.append(f"dropped (a copy of a manifest story): {r['url']}")
        else:
            kept.append({**r, "split": "fit"})
    rows = sorted(manifest + kept, key=lambda r: (r["split"], r["label"], r["url"]))
    return rows, notes


def write_manifest(rows: list[dict], path: Path = MANIFEST) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=FIELDS)
        w.writeheader()
        w.writerows(rows)


def main(argv: list[str]) -> int:
    if argv[:1] == ["missing"]:
        items = load_manifest()
        gone = missing(items)
        for it in gone:
            print(plain(f"{it.split}\t{it.label}\t{it.url}"))
        print(f"{len(items) - len(gone)} of {len(items)} texts cached in {cache_dir()}; {len(gone)} missing", file=sys.stderr)
        return 1 if gone else 0
    if argv[:1] == ["check"] and len(argv) == 3:
        held = is_held_out(argv[1], argv[2])
        print("HELD OUT: never use" if held else "ok")
        return 1 if held else 0
    if argv[:1] == ["merge"] and len(argv) > 1:
        rows, notes = merge_staging([Path(p) for p in argv[1:]])
        write_manifest(rows)
        for n in notes:
            print(plain(n), file=sys.stderr)
        counts = {(r["split"], r["label"]): 0 for r in rows}
        for r in rows:
            counts[(r["split"], r["label"])] += 1
        print(f"wrote {MANIFEST}: {len(rows)} rows; " + ", ".join(f"{s}/{lab} {n}" for (s, lab), n in sorted(counts.items())), file=sys.stderr)
        return 0
    if argv[:1] == ["append"] and len(argv) > 1:
        with MANIFEST.open(encoding="utf-8", newline="") as f:
            manifest = [{k: (r.get(k) or "").strip() for k in FIELDS} for r in csv.DictReader(f)]
        rows, notes = append_fit(manifest, [Path(p) for p in argv[1:]])
        write_manifest(rows)
        for n in notes:
            print(plain(n), file=sys.stderr)
        print(f"wrote {MANIFEST}: {len(rows) - len(manifest)} rows added to the fit split ({len(rows)} in all)", file=sys.stderr)
        return 0
    print("usage: python -m framing.realtext missing | check URL TITLE | merge STAGING.csv... | append STAGING.csv...", file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
