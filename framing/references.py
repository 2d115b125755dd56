"""Reference framings: a document in seeds/ plus a TOML file of metadata.

Publisher pages wrap the commentary in organisation blurbs, addresses, author bios
and photo captions, and PDF-to-text breaks sentences across pages. None of that is
framing, and left in it dominates any similarity, so it is stripped here by
generic rules (plus optional per-reference patterns in the TOML), never by
editing the seed files, which must stay byte-identical to what was published.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from .boilerplate import DISCLAIMER as _DISCLAIMER
from .sentences import clean_markup, split_sentences, word_count

DOC_SUFFIXES = (".txt", ".md")
REQUIRED_KEYS = ("id", "name", "description")

_CONTACT = re.compile(
    r"(^|\s)(address|ph|tel|phone|fax|e-?mail|web)\s*:|https?://|www\.\w|@\w+\.\w{2,}",
    re.I,
)
_CAPTION = re.compile(
    r"^[▲►■●▶]|^(photo|image|caption|pictured|file photo)\b|\((photo|credit|image)[^)]*\)\.?$",
    re.I,
)
_BIO = re.compile(
    r"^(dr\.?|prof\.?|professor)?\s*[A-Z][\w.\-']+( [A-Z][\w.\-']+){0,3},? (is|was|serves as) "
    r"(a |an |the )?(former |senior |deputy |executive )?(director|fellow|professor|research"
    r"|chair|lecturer|president|editor|analyst|scholar|associate|head|dean)",
    re.I,
)
_ABOUT_HEADING = re.compile(r"^about\b", re.I)
_TERMINAL = re.compile(r"[.!?:;…][\"'”’)\]]*$")


@dataclass(frozen=True)
class Reference:
    id: str
    name: str
    description: str
    metadata: dict
    sha256: str
    path: Path
    body_sentences: tuple[str, ...]  # all article sentences after boilerplate removal
    sentences: tuple[str, ...] = field(default=())  # framing-carrying subset

    @property
    def text(self) -> str:
        return " ".join(self.body_sentences)


def _is_heading(para: str) -> bool:
    """Title, byline, date, section head: short and without closing punctuation,
    ending the way headings do (capitalised word, number, bracket), not the way a
    sentence cut by a page break does (lowercase word, comma)."""
    if _TERMINAL.search(para) or word_count(para) > 18:
        return False
    words = para.split()
    last = words[-1].strip("\"'”’*") if words else ""
    return bool(last) and (last[0].isupper() or last[0].isdigit() or last.endswith(")"))


def _is_fragment(para: str) -> bool:
    return not _TERMINAL.search(para) and not _is_heading(para)


def _author_patterns(metadata: dict) -> list[re.Pattern]:
    authors = metadata.get("author", "")
    names = [a.strip() for a in re.split(r";| and ", authors) if a.strip()] if authors else []
    return [re.compile(r"^(dr\.?|prof\.?)?\s*" + re.escape(n) + r"\b", re.I) for n in names]


def strip_boilerplate(raw: str, metadata: dict | None = None) -> list[str]:
    """Return the commentary's paragraphs with publisher material removed and
    paragraphs split by page breaks re-joined."""
    metadata = metadata or {}
    extra = [re.compile(p, re.I) for p in metadata.get("boilerplate", [])]
    authors = _author_patterns(metadata)
    paras = [clean_markup(p) for p in re.split(r"\n\s*\n", raw.replace("\r\n", "\n"))]
    paras = [" ".join(p.split()) for p in paras if p.strip()]

    kept: list[str] = []
    in_about = False
    for para in paras:
        if _ABOUT_HEADING.match(para) and word_count(para) <= 6:
            in_about = True  # "About RCAS", "About Author", "ABOUT APLN" open a blurb
            continue
        if in_about:
            if _is_heading(para) and not _ABOUT_HEADING.match(para):
                in_about = False  # the next real heading (e.g. the title) ends it
            else:
                continue
        if (
            _CONTACT.search(para)
            or _CAPTION.search(para)
            or _DISCLAIMER.search(para)
            or _BIO.match(para)
            or any(p.match(para) for p in authors)
            or any(p.search(para) for p in extra)
        ):
            continue
        kept.append(para)

    # Re-join after removal, so a footer printed between the two halves of a
    # sentence does not keep them apart.
    joined: list[str] = []
    for para in kept:
        if joined and _is_fragment(joined[-1]):
            joined[-1] = f"{joined[-1]} {para}"
        else:
            joined.append(para)
    return [p for p in joined if not _is_heading(p)]


def extract_sentences(raw: str, metadata: dict | None = None, min_words: int = 5) -> list[str]:
    seen: set[str] = set()
    out: list[str] = []
    for para in strip_boilerplate(raw, metadata):
        for sentence in split_sentences(para):
            key = " ".join(sentence.lower().split())
            if word_count(sentence) < min_words or key in seen:
                continue  # publisher pages often repeat the lede under the photo
            seen.add(key)
            out.append(sentence)
    return out


def _find_document(toml_path: Path, metadata: dict) -> Path:
    if "document" in metadata:
        return toml_path.parent / metadata["document"]
    for suffix in DOC_SUFFIXES:
        candidate = toml_path.with_suffix(suffix)
        if candidate.exists():
            return candidate
    raise FileNotFoundError(f"{toml_path}: no document {toml_path.stem}{{.txt,.md}} beside it")


def read_reference_files(seeds_dir: Path) -> list[tuple[dict, Path, bytes]]:
    found = []
    for toml_path in sorted(Path(seeds_dir).glob("*.toml")):
        metadata = tomllib.loads(toml_path.read_text(encoding="utf-8"))
        missing = [k for k in REQUIRED_KEYS if not metadata.get(k)]
        if missing:
            raise ValueError(f"{toml_path}: missing {', '.join(missing)}")
        doc = _find_document(toml_path, metadata)
        found.append((metadata, doc, doc.read_bytes()))
    ids = [m["id"] for m, _, _ in found]
    if len(set(ids)) != len(ids):
        raise ValueError(f"duplicate framing ids in {seeds_dir}: {ids}")
    if not found:
        raise FileNotFoundError(f"no reference (*.toml + document) in {seeds_dir}")
    return found


def load_references(seeds_dir: Path, topic_threshold: float | None = None) -> list[Reference]:
    """Load every reference in seeds_dir and keep its framing-carrying sentences.

    A reference sentence "carries the topic" when another reference, or the
    neutral background text, says nearly the same thing; those sentences would
    make every article on the event look like every reference, so they are
    dropped from `sentences` (they stay in `body_sentences`).
    """
    from .contrast import drop_topic_sentences  # local: contrast imports lexical

    refs = []
    for metadata, doc, data in read_reference_files(seeds_dir):
        refs.append(
            Reference(
                id=str(metadata["id"]),
                name=str(metadata["name"]),
                description=str(metadata["description"]),
                metadata=dict(metadata),
                sha256=hashlib.sha256(data).hexdigest(),
                path=doc,
                body_sentences=tuple(extract_sentences(data.decode("utf-8"), metadata)),
            )
        )
    return drop_topic_sentences(refs, topic_threshold)
