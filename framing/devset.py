"""Load the labelled dev set (framing/devset/*.txt)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from .types import ArticleText

DEVSET_DIR = Path(__file__).resolve().parent / "devset"


@dataclass(frozen=True)
class DevItem:
    id: str
    label: str
    split: str
    doc: ArticleText
    attrs: dict = field(default_factory=dict)

    @property
    def framings(self) -> tuple[str, ...]:
        """Framings present: the label itself, or both parts of a mixed piece."""
        if self.label == "mixed":
            return tuple(self.attrs.get("framings", "").split(","))
        return (self.label,)

    @property
    def tags(self) -> tuple[str, ...]:
        return tuple(t for t in self.attrs.get("tags", "").split(",") if t)


def _parse(path: Path) -> list[DevItem]:
    items, header, lines = [], None, []

    def flush():
        if header is None:
            return
        attrs = dict(kv.split("=", 1) for kv in header.split())
        body = [ln for ln in lines]
        title = ""
        if body and body[0].startswith("Title:"):
            title = body.pop(0)[len("Title:"):].strip()
        text = "\n".join(body).strip()
        items.append(DevItem(attrs.pop("id"), attrs.pop("label"), attrs.pop("split"), ArticleText(title, text), attrs))

    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("=== "):
            flush()
            header, lines = line[4:], []
        elif header is not None:
            lines.append(line)
    flush()
    return items


def load_devset(split: str | None = None, directory: Path = DEVSET_DIR) -> list[DevItem]:
    items = [it for p in sorted(directory.glob("*.txt")) for it in _parse(p)]
    return [it for it in items if split is None or it.split == split]


def devset_sha256(directory: Path = DEVSET_DIR) -> str:
    digest = hashlib.sha256()
    for p in sorted(directory.glob("*.txt")):
        digest.update(p.name.encode() + b"\0" + p.read_bytes())
    return digest.hexdigest()
