"""Loading of the hand-written material in demo/content/."""
from __future__ import annotations

import datetime as dt
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

CONTENT = Path(__file__).resolve().parent.parent / "content"

# Bank files per label; off-topic pieces are whole articles, not banks.
BANK_FILES = {
    "transactional_truce": "transactional_truce.txt",
    "institutional_engagement": "institutional_engagement.txt",
    "hawkish": "hawkish.txt",
    "neutral_news": "neutral_news.txt",
}

LATE_TAG = "[late] "
EVENTS_TAG = re.compile(r"^\[events:([a-z0-9_,]+)\] ")


@dataclass(frozen=True)
class Paragraph:
    text: str
    late: bool = False  # only usable once the Busan meeting has happened
    events: frozenset | None = None  # only usable for articles about these events


@dataclass
class Bank:
    label: str
    sections: dict[str, list[Paragraph]] = field(default_factory=dict)


@dataclass(frozen=True)
class Event:
    id: str
    date: dt.date
    window: int
    name: str
    title: str
    facts: tuple[str, ...]


@dataclass(frozen=True)
class OffTopic:
    key: str
    title: str
    topic: str
    paragraphs: tuple[str, ...]


@dataclass(frozen=True)
class Republished:
    title: str
    republished_title: str
    author: str
    event: str
    edit_from: str
    edit_to: str
    paragraphs: tuple[str, ...]


def _blocks(text: str) -> list[str]:
    """Blank-line separated blocks, with comment lines dropped and lines re-joined."""
    out, cur = [], []
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        if not line.strip():
            if cur:
                out.append(" ".join(cur))
                cur = []
            continue
        cur.append(line.strip())
    if cur:
        out.append(" ".join(cur))
    return out


def load_bank(label: str) -> Bank:
    bank = Bank(label)
    current = None
    raw = (CONTENT / BANK_FILES[label]).read_text(encoding="utf-8")
    # Sections are introduced by "@@ name"; titles are one per line, prose is per block.
    for chunk in raw.split("@@ ")[1:]:
        name, _, body = chunk.partition("\n")
        current = name.strip()
        if current == "titles":
            items = [l.strip() for l in body.splitlines() if l.strip() and not l.startswith("#")]
        else:
            items = _blocks(body)
        paras = []
        for item in items:
            late = item.startswith(LATE_TAG)
            item = item[len(LATE_TAG):] if late else item
            m = EVENTS_TAG.match(item)
            events = frozenset(m.group(1).split(",")) if m else None
            paras.append(Paragraph(item[m.end():] if m else item, late, events))
        bank.sections[current] = paras
    return bank


def load_banks() -> dict[str, Bank]:
    return {label: load_bank(label) for label in BANK_FILES}


def load_events() -> dict[str, Event]:
    data = tomllib.loads((CONTENT / "events.toml").read_text(encoding="utf-8"))
    return {
        e["id"]: Event(e["id"], e["date"], e["window"], e["name"], e["title"], tuple(e["facts"]))
        for e in data["event"]
    }


def load_sites() -> list[dict]:
    return tomllib.loads((CONTENT / "sites.toml").read_text(encoding="utf-8"))["site"]


def _header_and_body(path: Path) -> tuple[dict[str, str], list[str]]:
    head, _, body = path.read_text(encoding="utf-8").partition("\n\n")
    meta = {}
    for line in head.splitlines():
        key, _, value = line.partition(":")
        meta[key.strip()] = value.strip()
    return meta, _blocks(body)


def load_off_topic() -> list[OffTopic]:
    items = []
    for path in sorted((CONTENT / "off_topic").glob("*.txt")):
        meta, paras = _header_and_body(path)
        items.append(OffTopic(path.stem, meta["title"], meta["topic"], tuple(paras)))
    return items


def load_republished() -> Republished:
    meta, paras = _header_and_body(CONTENT / "republished.txt")
    return Republished(meta["title"], meta["republished_title"], meta["author"], meta["event"],
                       meta["edit_from"], meta["edit_to"], tuple(paras))
