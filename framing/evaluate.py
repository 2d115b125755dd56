"""`framewatch eval`: held-out figures for each backend.

Figures are computed on the dev set's `test` split (`fit` was used for the
calibration and thresholds shipped in params/) and, when the caller passes one,
on an external test set: labelled texts written by someone else, never used for
fitting (the CLI passes the demo corpus, extracted by flows/demo_eval.py: this
package must not import the extractors). The dev set is small and written by the
classifier's author, so the external figures are the honest check on transfer.
"""

from __future__ import annotations

import time
from pathlib import Path

from rich.markup import escape

from .backends import DEFAULT_SEEDS, make_classifier
from .devset import load_devset
from .metrics import binary_f1, confusion, macro_f1, per_class
from .types import LABEL_MIXED, LABEL_NEITHER, LABEL_OFF_TOPIC

ACCEPT_RELEVANCE_F1 = 0.95
ACCEPT_MACRO_F1 = 0.85


def evaluate_backend(backend: str, seeds_dir: Path = DEFAULT_SEEDS, split: str = "test", clf=None) -> dict:
    clf = clf or make_classifier(backend, seeds_dir)
    items = load_devset(split)
    report = score_items(clf, [(it.id, it.label, it.doc) for it in items], split, {it.id: it.tags for it in items})
    return report


def evaluate_external(backend: str, items: list, name: str = "external", seeds_dir: Path = DEFAULT_SEEDS, clf=None) -> dict:
    """Figures on an external test set: `items` are (id, gold label, ArticleText)."""
    return score_items(clf or make_classifier(backend, seeds_dir), list(items), name)


def score_items(clf, items: list, split: str, tags: dict | None = None) -> dict:
    """Classify (id, gold, ArticleText) items and compute every reported figure."""
    ids = [r.id for r in clf.references]
    tags = tags or {}
    started = time.perf_counter()
    results = clf.classify_many([doc for _, _, doc in items])
    elapsed = time.perf_counter() - started

    gold = [g for _, g, _ in items]
    pred = [r.label for r in results]
    labels = ids + [LABEL_NEITHER, LABEL_MIXED, LABEL_OFF_TOPIC]
    core = ids + [LABEL_NEITHER]
    on_topic_gold = [g != LABEL_OFF_TOPIC for g in gold]
    on_topic_pred = [p != LABEL_OFF_TOPIC for p in pred]

    stance = []
    for (item_id, _, _), r in zip(items, results):
        for tag in tags.get(item_id, ()):
            if tag.startswith("stance_vs_"):
                target = tag[len("stance_vs_"):]
                stance.append({"id": item_id, "against": target, "label": r.label, "passed": r.label != target})
    short_evidence = [
        item_id
        for (item_id, _, _), r in zip(items, results)
        if r.label in ids and sum(e.framing_id == r.label for e in r.evidence) < 2
    ]
    return {
        "backend": clf.backend,
        "classifier": clf.name,
        "classifier_version": clf.version,
        "split": split,
        "n": len(items),
        "labels": labels,
        "per_class": per_class(gold, pred, labels),
        "macro_f1_core": macro_f1(gold, pred, core),
        "macro_f1_all": macro_f1(gold, pred, labels),
        "relevance_f1": binary_f1(on_topic_gold, on_topic_pred),
        "confusion": confusion(gold, pred, labels),
        "stance": stance,
        "framing_labels_missing_evidence": short_evidence,
        "seconds": elapsed,
        "items": [
            {"id": item_id, "gold": g, "pred": r.label, "scores": r.scores,
             "relevance": r.relevance, "confidence": r.confidence, "evidence": r.evidence}
            for (item_id, g, _), r in zip(items, results)
        ],
    }


def _print(report: dict, console) -> None:
    from rich.table import Table

    labels = report["labels"]
    what = "external test set" if report.get("external") else "split"
    table = Table(title=f"{report['classifier']} {report['classifier_version']} — {report['split']} {what}, n={report['n']}")
    for col in ("label", "precision", "recall", "F1", "support"):
        table.add_column(col, justify="left" if col == "label" else "right")
    for label in labels:
        s = report["per_class"][label]
        table.add_row(label, f"{s['precision']:.3f}", f"{s['recall']:.3f}", f"{s['f1']:.3f}", str(s["support"]))
    console.print(table)
    ok_macro = report["macro_f1_core"] >= ACCEPT_MACRO_F1
    ok_rel = report["relevance_f1"] >= ACCEPT_RELEVANCE_F1
    accept = "" if not report.get("external") else " (acceptance applies to the dev split; shown for reference)"
    console.print(
        f"macro-F1 over {{{', '.join(labels[:-2])}}}: [bold]{report['macro_f1_core']:.3f}[/bold] "
        f"({'meets' if ok_macro else 'BELOW'} {ACCEPT_MACRO_F1}); macro-F1 all labels {report['macro_f1_all']:.3f}; "
        f"relevance F1: [bold]{report['relevance_f1']:.3f}[/bold] ({'meets' if ok_rel else 'BELOW'} {ACCEPT_RELEVANCE_F1}){accept}"
    )
    matrix = Table(title="confusion (rows gold, columns predicted)")
    matrix.add_column("gold \\ pred")
    short = {label: label[:12] for label in labels}
    for label in labels:
        matrix.add_column(short[label], justify="right")
    for label, row in zip(labels, report["confusion"]):
        matrix.add_row(short[label], *[str(v) for v in row])
    console.print(matrix)
    for case in report["stance"]:
        mark = "pass" if case["passed"] else "FAIL"
        console.print(f"stance test {case['id']}: uses {case['against']}'s concept against it -> {case['label']} [{mark}]")
    if report["framing_labels_missing_evidence"]:
        console.print(f"[red]framing labels with <2 evidence pairs: {report['framing_labels_missing_evidence']}[/red]")
    shown = set()
    for item in report["items"]:
        if item["pred"] in shown or item["pred"] not in labels[:-3]:
            continue
        shown.add(item["pred"])
        console.print(f"\n[bold]sample evidence[/bold] {item['id']} (gold {item['gold']}, predicted {item['pred']}, scores {item['scores']})")
        for ev in [e for e in item["evidence"] if e.framing_id == item["pred"]]:
            console.print(f"  {ev.similarity:.3f}  article: {ev.article_sentence}\n         reference: {ev.reference_sentence}")
    console.print(f"\n{report['n']} texts in {report['seconds']:.2f}s\n")


def run_eval(backends: list[str], seeds_dir: Path = DEFAULT_SEEDS, console=None,
             external: list | None = None, external_name: str = "demo") -> dict:
    """Evaluate each backend on the held-out split and, if given, on the external
    items (id, gold, ArticleText); print the figures and return them as
    {backend: dev report} with the external report under report["external"]."""
    if console is None:
        from rich.console import Console

        console = Console()
    out = {}
    for backend in backends:
        try:
            clf = make_classifier(backend, seeds_dir)
            report = evaluate_backend(backend, seeds_dir, clf=clf)
        except ImportError as exc:
            console.print(f"[yellow]{backend}: skipped ({escape(str(exc))})[/yellow]")  # the hint names the [embed] extra
            out[backend] = {"backend": backend, "skipped": str(exc)}
            continue
        _print(report, console)
        if external:
            ext = evaluate_external(backend, external, external_name, seeds_dir, clf=clf)
            ext["external"] = True
            _print(ext, console)
            report["external"] = ext
        out[backend] = report
    return out


if __name__ == "__main__":
    import sys

    run_eval(sys.argv[1:] or ["lexical", "embedding"])
