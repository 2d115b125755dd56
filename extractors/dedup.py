"""One story however often it is republished: exact, near-duplicate and
title rules, and the earliest publication as the story's original.

Pure functions over plain records; the flow fetches the relevant existing
articles from the warehouse (warehouse.load.dedup_candidates) and loads
what `assign_stories` returns, all in the run's single transaction.

Two articles are copies of one story when any of these holds:
  * exact: the same normalised-text hash (articles.content_sha256);
  * near-duplicate: MinHash over 5-word shingles (datasketch 2's
    "affine32" signatures, 128 permutations, LSH banding to find
    candidates) estimates that the
    shorter text is at least 60% contained in the longer one and their
    Jaccard similarity is at least 0.25 (so an excerpt of a tenth of a piece
    does not count). Containment rather than Jaccard alone is what survives
    republishing: another site's boilerplate, a trimmed intro or an added
    editor's note change the sizes, not the shared body;
  * title: the same normalised title on the same site within 7 days.
Copies are grouped transitively (union-find). The story's id is the
article_id of its earliest publication (undated copies rank after dated
ones, then first seen, then article_id); when a newly found copy is
earlier, the story's id moves to it and the existing rows are re-pointed
in the same transaction as the insert, so a failed run changes nothing.
"""
from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

import numpy as np

from extractors.article import normalise_text
from extractors.urls import site_key

NUM_PERM = 128
SEED = 1
SCHEME = "affine32"  # datasketch 2's default; stored signatures are only comparable within one scheme
SHINGLE_WORDS = 5
LSH_THRESHOLD = 0.2  # candidate retrieval only; the decision uses the thresholds below
MIN_CONTAINMENT = 0.6
MIN_JACCARD = 0.25
TITLE_WINDOW = timedelta(days=7)
MIN_TITLE_WORDS = 3  # "Commentary" or "Weekly roundup" alone identify nothing
FINGERPRINT_VERSION = f"minhash{NUM_PERM}-{SCHEME}-s{SEED}-w{SHINGLE_WORDS}"

# datasketch's MinHashLSH(threshold=LSH_THRESHOLD, num_perm=NUM_PERM) picks
# 28 bands of 2 rows (tests/test_dedup.py checks it still does). Its b and r
# are written down, and the signatures computed below, because datasketch
# imports scipy (~45 MB) and the flow process, which only compares stored
# signatures, should not carry it.
_LSH_PARAMS = (28, 2)
# datasketch 2's "affine32" scheme, bit for bit (tests/test_dedup.py compares):
# sha1_hash32 of each shingle, the MurmurHash3 finalizer, then a_k * h + b_k
# mod 2^32 for k permutations drawn from RandomState(SEED). Vectorised over the
# shingles, with the permutations drawn once per process rather than per
# signature: 2.6 ms -> 1.9 ms a page on the benchmark's pages.
_gen = np.random.RandomState(SEED)
_PERM_A = _gen.randint(0, 1 << 31, NUM_PERM, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
_PERM_B = _gen.randint(0, 1 << 32, NUM_PERM, dtype=np.uint32)
del _gen
_EMPTY = np.full(NUM_PERM, 0xFFFFFFFF, dtype=np.uint32)
_TITLE_SUFFIX = re.compile(r"\s+[|\-–—:]\s+[^|\-–—:]{2,60}$")


@dataclass
class Fingerprint:
    """What dedup needs of one article; persisted in article_fingerprints."""

    article_id: str
    canonical_url: str
    content_sha256: str
    site: str
    title_key: str | None
    published_at: datetime | None
    seen_at: datetime | None  # fetched_at: orders undated copies
    n_shingles: int
    minhash: np.ndarray  # uint32[NUM_PERM]
    story_id: str | None = None  # None for a new article

    def band_keys(self) -> list[int]:
        return band_keys(self.minhash)


def shingles(text: str, k: int = SHINGLE_WORDS) -> set[bytes]:
    words = normalise_text(text).split()
    if len(words) < k:
        return {" ".join(words).encode()} if words else set()
    return {" ".join(words[i : i + k]).encode() for i in range(len(words) - k + 1)}


def minhash_of(sh: set[bytes]) -> np.ndarray:
    if not sh:
        return _EMPTY.copy()
    sha1 = hashlib.sha1
    hv = np.frombuffer(b"".join([sha1(s).digest()[:4] for s in sh]), dtype="<u4").astype(np.uint32).reshape(-1, 1)
    hv ^= hv >> np.uint32(16)
    hv *= np.uint32(0x85EBCA6B)
    hv ^= hv >> np.uint32(13)
    hv *= np.uint32(0xC2B2AE35)
    hv ^= hv >> np.uint32(16)
    return (hv * _PERM_A + _PERM_B).min(axis=0)


def title_key(title: str | None) -> str | None:
    """Lower case, the site's " | Site Name" suffix and punctuation removed."""
    if not title:
        return None
    t = title.strip()
    stripped = _TITLE_SUFFIX.sub("", t)
    if len(stripped.split()) >= MIN_TITLE_WORDS:
        t = stripped
    key = normalise_text(t)
    return key if len(key.split()) >= MIN_TITLE_WORDS else None


def fingerprint(
    article_id: str,
    canonical_url: str,
    title: str | None,
    text: str,
    content_sha256: str,
    published_at: datetime | None,
    seen_at: datetime | None = None,
    story_id: str | None = None,
) -> Fingerprint:
    sh = shingles(text)
    return Fingerprint(
        article_id, canonical_url, content_sha256, site_key(canonical_url), title_key(title),
        published_at, seen_at, len(sh), minhash_of(sh), story_id,
    )


def fingerprint_from_row(row: dict) -> Fingerprint:
    """A stored article (warehouse `dedup_candidates` row) as a Fingerprint;
    recomputed from its text when it has no stored signature of this method."""
    if row.get("minhash") is not None and row.get("method") == FINGERPRINT_VERSION:
        return Fingerprint(
            row["article_id"], row["canonical_url"], row["content_sha256"], row["site"], row["title_key"],
            row["published_at"], row["fetched_at"], row["n_shingles"],
            np.frombuffer(row["minhash"], dtype="<u4").astype(np.uint32), row["story_id"],
        )
    return fingerprint(
        row["article_id"], row["canonical_url"], row["title"], row.get("text") or "", row["content_sha256"],
        row["published_at"], row["fetched_at"], row["story_id"],
    )


def band_keys(minhash: np.ndarray) -> list[int]:
    """One signed 64-bit key per LSH band (band index included), for lookups in SQL."""
    b, r = _LSH_PARAMS
    out = []
    for i in range(b):
        h = hashlib.blake2b(minhash[i * r : (i + 1) * r].tobytes(), digest_size=8, person=b"fw-lsh%02d" % i)
        out.append(int.from_bytes(h.digest(), "big", signed=True))
    return out


def similarity(a: Fingerprint, b: Fingerprint) -> tuple[float, float]:
    """(Jaccard, containment of the smaller in the larger), estimated from MinHash."""
    if not a.n_shingles or not b.n_shingles:
        return 0.0, 0.0
    j = float(np.mean(a.minhash == b.minhash))
    inter = j * (a.n_shingles + b.n_shingles) / (1 + j)
    return j, min(1.0, inter / min(a.n_shingles, b.n_shingles))


def near_duplicates(a: Fingerprint, b: Fingerprint) -> bool:
    j, c = similarity(a, b)
    return j >= MIN_JACCARD and c >= MIN_CONTAINMENT


def same_title_story(a: Fingerprint, b: Fingerprint) -> bool:
    if not a.title_key or a.title_key != b.title_key or a.site != b.site:
        return False
    ta, tb = a.published_at or a.seen_at, b.published_at or b.seen_at
    return ta is None or tb is None or abs(ta - tb) <= TITLE_WINDOW


def _order(f: Fingerprint) -> tuple:
    """Earliest publication first; undated after dated; then first seen."""
    far = datetime.max.replace(tzinfo=timezone.utc)
    return (f.published_at is None, f.published_at or far, f.seen_at or far, f.article_id)


class _UnionFind:
    def __init__(self, keys: Iterable[str]):
        self.parent = {k: k for k in keys}

    def find(self, k: str) -> str:
        while self.parent[k] != k:
            self.parent[k] = self.parent[self.parent[k]]
            k = self.parent[k]
        return k

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[rb] = ra


@dataclass
class StoryAssignment:
    story_of_new: dict[str, str] = field(default_factory=dict)  # new article_id -> story_id
    repointed: dict[str, str] = field(default_factory=dict)  # existing article_id -> its new story_id
    touched_stories: set[str] = field(default_factory=set)  # story ids whose summary must be recomputed
    reasons: dict[str, str] = field(default_factory=dict)  # copy (not the original) -> rule that linked it: exact | near | title


def assign_stories(new: list[Fingerprint], existing: list[Fingerprint]) -> StoryAssignment:
    """Group new articles with each other and with the relevant existing ones.

    `existing` must hold every member of every story that any candidate
    belongs to (the warehouse query returns whole stories), with story_id set."""
    everyone = {f.article_id: f for f in existing}
    for f in new:
        everyone.setdefault(f.article_id, f)
    uf = _UnionFind(everyone)
    reasons: dict[str, str] = {}  # strongest rule that linked each article to another

    def link(a: str, b: str, why: str) -> None:
        for x in (a, b):
            reasons.setdefault(x, why)
        uf.union(a, b)
    # existing stories stay whole
    first_of: dict[str, str] = {}
    for f in existing:
        if f.story_id:
            uf.union(first_of.setdefault(f.story_id, f.article_id), f.article_id)
    # exact: same normalised text
    by_hash: dict[str, str] = {}
    for f in list(existing) + list(new):
        if f.content_sha256 in by_hash:
            link(by_hash[f.content_sha256], f.article_id, "exact")
        else:
            by_hash[f.content_sha256] = f.article_id
    # near-duplicates: LSH for candidates (articles sharing all rows of any
    # band, as datasketch's MinHashLSH), MinHash estimates to decide
    b, r = _LSH_PARAMS
    buckets: dict[tuple[int, bytes], list[str]] = {}
    for aid, f in everyone.items():
        if f.n_shingles:
            for i in range(b):
                buckets.setdefault((i, f.minhash[i * r : (i + 1) * r].tobytes()), []).append(aid)
    for f in new:
        if not f.n_shingles:
            continue
        others = {o for i in range(b) for o in buckets[(i, f.minhash[i * r : (i + 1) * r].tobytes())]}
        for other in sorted(others):
            if other != f.article_id and near_duplicates(f, everyone[other]):
                link(other, f.article_id, "near")
    # title: same normalised title, same site, within 7 days
    by_title: dict[tuple[str, str], list[Fingerprint]] = {}
    for f in everyone.values():
        if f.title_key:
            by_title.setdefault((f.site, f.title_key), []).append(f)
    for f in new:
        for other in by_title.get((f.site, f.title_key), []) if f.title_key else []:
            if other.article_id != f.article_id and same_title_story(f, other):
                link(other.article_id, f.article_id, "title")
    # one story per cluster, named after its earliest publication
    clusters: dict[str, list[Fingerprint]] = {}
    for aid, f in everyone.items():
        clusters.setdefault(uf.find(aid), []).append(f)
    out = StoryAssignment()
    new_ids = {f.article_id for f in new}
    for members in clusters.values():
        if not any(m.article_id in new_ids for m in members):
            continue  # untouched existing story
        story = min(members, key=_order).article_id
        out.touched_stories.add(story)
        for m in members:
            if m.article_id in new_ids:
                out.story_of_new[m.article_id] = story
                if m.article_id != story and m.article_id in reasons:
                    out.reasons[m.article_id] = reasons[m.article_id]
            elif m.story_id != story:
                out.repointed[m.article_id] = story
                out.reasons[m.article_id] = reasons.get(m.article_id, "near")
                if m.story_id:
                    out.touched_stories.add(m.story_id)
    return out


def pairs_in_same_story(assignment: StoryAssignment) -> set[frozenset[str]]:
    """Every pair of new articles put in one story (for evaluation)."""
    groups: dict[str, list[str]] = {}
    for aid, story in assignment.story_of_new.items():
        groups.setdefault(story, []).append(aid)
    return {frozenset((a, b)) for g in groups.values() for i, a in enumerate(g) for b in g[i + 1 :]}

