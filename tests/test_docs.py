"""Docs that cannot drift: every relative link and every project file path named
in the README, docs/, framing/README.md, prefect.yaml and the SQL comments
exists; every figure the README's measured tables quote appears in
bench/RESULTS.md or framing/README.md, where the commands that measure them
write them."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TOP_DIRS = (".ci", "alerts", "bench", "cli", "demo", "docs", "extractors", "flows", "framing", "reports", "seeds", "tests", "warehouse")
ROOT_FILES = ("README.md", "Makefile", "pyproject.toml", "constraints.txt", "sources.toml", "prefect.yaml")

# A project path: starts with one of the top-level folders (or is a root file),
# optionally followed by `::name` (a function in it).
PATH_RE = re.compile(r"(?<![\w./-])((?:%s)/[\w./-]*|%s)(?![\w/-])" % ("|".join(map(re.escape, TOP_DIRS)), "|".join(map(re.escape, ROOT_FILES))))
LINK_RE = re.compile(r"\]\(([^)\s]+)\)")


def documents() -> list[Path]:
    docs = [ROOT / "README.md", ROOT / "framing" / "README.md", ROOT / "prefect.yaml"]
    docs += sorted((ROOT / "docs").glob("*.md"))
    docs += sorted((ROOT / "warehouse" / "sql").glob("*.sql"))
    return docs


def _text(doc: Path) -> str:
    text = doc.read_text()
    if doc.suffix in (".sql", ".yaml"):  # only the comments name files
        marker = "--" if doc.suffix == ".sql" else "#"
        text = "\n".join(line.split(marker, 1)[1] for line in text.splitlines() if marker in line)
    return text


def named_paths(doc: Path) -> list[tuple[str, Path]]:
    """(as written, resolved) for every relative link and project path in `doc`."""
    text = _text(doc)
    out = []
    for link in LINK_RE.findall(text):
        if re.match(r"^[a-z]+:", link) or link.startswith("#"):
            continue
        out.append((link, (doc.parent / link.split("#", 1)[0]).resolve()))
    for m in PATH_RE.finditer(text):
        path = m.group(1).split("::", 1)[0].rstrip(".")
        if any(ch in path for ch in "*<>") or "NNN" in path:
            continue  # a pattern, not a file
        out.append((path, ROOT / path))
    return out


@pytest.mark.parametrize("doc", documents(), ids=lambda d: str(d.relative_to(ROOT)))
def test_every_path_and_relative_link_named_in_the_docs_exists(doc):
    missing = sorted({written for written, path in named_paths(doc) if not path.exists()})
    assert not missing, f"{doc.relative_to(ROOT)} names paths that do not exist: {missing}"


def test_the_checker_sees_a_missing_file(tmp_path):
    doc = tmp_path / "x.md"
    doc.write_text("See [running](running.md) and `flows/nope.py::main`, and `flows/settings.py`.")
    names = {w: p.exists() for w, p in named_paths(doc)}
    assert names == {"running.md": False, "flows/nope.py": False, "flows/settings.py": True}


def readme_figures() -> list[str]:
    """The numbers in the README's measured tables (rows under a heading that says
    measured or performance), e.g. 0.851, 224/s, 14.6/s."""
    text = (ROOT / "README.md").read_text()
    figures = []
    for section in re.split(r"^#+ ", text, flags=re.M):
        head = section.splitlines()[0].lower() if section else ""
        if "measured" not in head and "performance" not in head:
            continue
        for line in section.splitlines():
            if line.startswith("|") and not line.startswith("|--") and not line.startswith("|---"):
                figures += re.findall(r"\*{0,2}(\d+\.\d+|\d[\d,]*(?:\.\d+)?/s)\*{0,2}", line)
    return figures


def test_readme_figures_are_quoted_from_the_measurements():
    sources = (ROOT / "bench" / "RESULTS.md").read_text() + (ROOT / "framing" / "README.md").read_text()
    figures = readme_figures()
    assert figures, "the checker found no figure in the README's measured tables"
    missing = [f for f in figures if f not in sources and f.removesuffix("/s") not in sources]
    assert not missing, f"README figures not found in bench/RESULTS.md or framing/README.md: {missing}"
