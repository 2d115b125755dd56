"""The real-text set's manifest tooling and eval without the cache (issue 12).
All texts here are written for the test."""
from __future__ import annotations

import csv
import hashlib

from framing import realtext
from framing.realtext import FIELDS, merge_staging, norm_url, write_cached


def _staging(path, rows):
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=FIELDS)
        w.writeheader()
        for r in rows:
            w.writerow({k: r.get(k, "") for k in FIELDS})
    return path


def test_merge_is_stratified_deterministic_keeps_copies_together_and_drops_held_out(tmp_path, monkeypatch):
    monkeypatch.setenv("FRAMEWATCH_REALTEXT_CACHE", str(tmp_path / "cache"))
    story = " ".join(f"word{i}" for i in range(120))
    rows = []
    for label in ("transactional_truce", "neither"):
        for i in range(10):
            url = f"https://site{i}.example/{label}/{i}"
            rows.append({"url": url, "title": f"{label} piece {i}", "label": label, "justification": "x"})
            write_cached(url, f"{label} piece {i}", f"{label} {i} " + " ".join(f"other{label}{i}w{j}" for j in range(60)))
    # one story syndicated on two sites, with different titles
    for site in ("a", "b"):
        url = f"https://{site}.example/copy"
        rows.append({"url": url, "title": f"Copy on {site}", "label": "neither", "justification": "x"})
        write_cached(url, f"Copy on {site}", story)
    held = "https://held.example/out"
    rows.append({"url": held, "title": "Held out", "label": "neither", "justification": "x"})
    staging = _staging(tmp_path / "s.csv", rows)
    hashes = {hashlib.sha256(norm_url(held).encode()).hexdigest()}

    merged, notes = merge_staging([staging], hashes)
    again, _ = merge_staging([staging], hashes)
    assert merged == again
    assert held not in {r["url"] for r in merged} and any("hold-out" in n for n in notes)
    copies = [r["split"] for r in merged if r["url"].endswith("/copy")]
    assert len(copies) == 2 and len(set(copies)) == 1
    for label in ("transactional_truce", "neither"):
        splits = [r["split"] for r in merged if r["label"] == label]
        assert 0.35 <= splits.count("test") / len(splits) <= 0.55


def test_eval_skips_the_real_text_section_when_nothing_is_cached(tmp_path, monkeypatch):
    from rich.console import Console

    from framing.evaluate import run_eval

    monkeypatch.setenv("FRAMEWATCH_REALTEXT_CACHE", str(tmp_path / "empty"))
    n = len(realtext.load_manifest(split="test"))
    console = Console(record=True, width=300)
    out = run_eval(["lexical"], console=console)
    text = console.export_text()
    assert f"{n} of {n} texts are not cached" in text and "section skipped" in text
    assert out["lexical"]["realtext"] == {} and out["lexical"]["split"] == "test"


def test_append_adds_to_fit_only_and_drops_copies_of_manifest_stories(tmp_path, monkeypatch):
    monkeypatch.setenv("FRAMEWATCH_REALTEXT_CACHE", str(tmp_path / "cache"))
    test_story = " ".join(f"teststory{i}" for i in range(80))
    manifest = [{"url": "https://t.example/1", "title": "A test piece", "outlet": "", "date": "", "label": "neither",
                 "split": "test", "justification": "x"}]
    write_cached(manifest[0]["url"], manifest[0]["title"], test_story)
    new = [
        {"url": "https://n.example/fresh", "title": "Fresh piece", "label": "transactional_truce", "justification": "x"},
        {"url": "https://mirror.example/1", "title": "Syndicated", "label": "neither", "justification": "x"},
        {"url": "https://T.example/1/", "title": "Same URL", "label": "neither", "justification": "x"},
        {"url": "https://held.example/x", "title": "Held", "label": "neither", "justification": "x"},
    ]
    write_cached(new[0]["url"], new[0]["title"], " ".join(f"fresh{i}" for i in range(80)))
    write_cached(new[1]["url"], new[1]["title"], "Lead paragraph. " + test_story)
    hashes = {hashlib.sha256(norm_url("https://held.example/x").encode()).hexdigest()}
    rows, notes = realtext.append_fit(manifest, [_staging(tmp_path / "s.csv", new)], hashes)
    by_url = {r["url"]: r for r in rows}
    assert by_url["https://t.example/1"]["split"] == "test"
    assert by_url["https://n.example/fresh"]["split"] == "fit"
    assert set(by_url) == {"https://t.example/1", "https://n.example/fresh"}
    assert any("copy of a manifest story" in n and "mirror.example" in n for n in notes)
    assert any("duplicate URL" in n for n in notes) and any("hold-out" in n for n in notes)


def test_realtext_notes_print_no_control_codes():
    """URLs and titles in staging files come from the network: the notes
    `python -m framing.realtext` prints carry no terminal escape codes."""
    from framing.printable import plain

    assert plain("dropped (label ''): https://example.org/a\x1b[31mred\x07") == "dropped (label ''): https://example.org/a[31mred"
    assert plain("fit\tneither\thttps://example.org/") == "fit\tneither\thttps://example.org/"
