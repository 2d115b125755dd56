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

from .backends import DEFAULT_SEEDS, make_classifier
from .devset import load_devset
from .metrics import binary_f1, bootstrap_interval, confusion, direction, macro_f1, per_class
from .printable import safe
from .types import LABEL_MIXED, LABEL_NEITHER, LABEL_OFF_TOPIC

ACCEPT_RELEVANCE_F1 = 0.95
ACCEPT_MACRO_F1 = 0.85
# Targets on real commentary (issue 12): the real-text test split and analysts' own labels.
REAL_TARGETS = {"macro_f1_core": 0.80, "direction": 0.93, "relevance_f1": 0.97}


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
        **figures(gold, pred, ids),
        "stance": stance,
        "framing_labels_missing_evidence": short_evidence,
        "seconds": elapsed,
        "items": [
            {"id": item_id, "gold": g, "pred": r.label, "scores": r.scores,
             "relevance": r.relevance, "confidence": r.confidence, "evidence": r.evidence}
            for (item_id, g, _), r in zip(items, results)
        ],
    }


def figures(gold: list[str], pred: list[str], ids: list[str]) -> dict:
    """Every reported figure from gold and predicted labels (ids: the framing ids)."""
    labels = ids + [LABEL_NEITHER, LABEL_MIXED, LABEL_OFF_TOPIC]
    core = ids + [LABEL_NEITHER]
    on_topic_gold = [g != LABEL_OFF_TOPIC for g in gold]
    on_topic_pred = [p != LABEL_OFF_TOPIC for p in pred]
    intervals = {
        "macro_f1_core": bootstrap_interval(gold, pred, lambda g, p: macro_f1(g, p, core)),
        "direction": bootstrap_interval(gold, pred, lambda g, p: direction(g, p, ids)),
        "relevance_f1": bootstrap_interval(
            gold, pred, lambda g, p: binary_f1([x != LABEL_OFF_TOPIC for x in g], [x != LABEL_OFF_TOPIC for x in p])
        ),
    }
    return {
        "per_class": per_class(gold, pred, labels),
        "macro_f1_core": macro_f1(gold, pred, core),
        "macro_f1_all": macro_f1(gold, pred, labels),
        "relevance_f1": binary_f1(on_topic_gold, on_topic_pred),
        "direction": direction(gold, pred, ids),
        "intervals": intervals,
        "confusion": confusion(gold, pred, labels),
    }


def _figure(report: dict, name: str) -> str:
    lo, hi = report["intervals"][name]
    return f"[bold]{report[name]:.3f}[/bold] (95% CI {lo:.3f}-{hi:.3f})"


def _print(report: dict, console) -> None:
    from rich.table import Table

    labels = report["labels"]
    kind = report.get("kind", "external" if report.get("external") else "dev")
    what = {"dev": "split", "external": "external test set", "real": "real-text split", "labels": "analyst labels"}[kind]
    table = Table(title=f"{report['classifier']} {report['classifier_version']} — {safe(report['split'])} {what}, n={report['n']}")
    for col in ("label", "precision", "recall", "F1", "support"):
        table.add_column(col, justify="left" if col == "label" else "right")
    for label in labels:
        s = report["per_class"][label]
        table.add_row(label, f"{s['precision']:.3f}", f"{s['recall']:.3f}", f"{s['f1']:.3f}", str(s["support"]))
    console.print(table)
    core = ", ".join(labels[:-2])
    if kind in ("real", "labels"):
        marks = {k: "meets" if report[k] >= t else "BELOW" for k, t in REAL_TARGETS.items()}
        console.print(
            f"macro-F1 over {{{core}}} (mixed counts as an error): {_figure(report, 'macro_f1_core')} "
            f"({marks['macro_f1_core']} {REAL_TARGETS['macro_f1_core']}); "
            f"A-vs-B direction: {_figure(report, 'direction')} ({marks['direction']} {REAL_TARGETS['direction']}); "
            f"relevance F1: {_figure(report, 'relevance_f1')} ({marks['relevance_f1']} {REAL_TARGETS['relevance_f1']})"
        )
    else:
        ok_macro = report["macro_f1_core"] >= ACCEPT_MACRO_F1
        ok_rel = report["relevance_f1"] >= ACCEPT_RELEVANCE_F1
        accept = "" if kind == "dev" else " (acceptance applies to the dev split; shown for reference)"
        console.print(
            f"macro-F1 over {{{core}}}: {_figure(report, 'macro_f1_core')} "
            f"({'meets' if ok_macro else 'BELOW'} {ACCEPT_MACRO_F1}); macro-F1 all labels {report['macro_f1_all']:.3f}; "
            f"A-vs-B direction {_figure(report, 'direction')}; "
            f"relevance F1: {_figure(report, 'relevance_f1')} ({'meets' if ok_rel else 'BELOW'} {ACCEPT_RELEVANCE_F1}){accept}"
        )
    matrix = Table(title="confusion (rows gold, columns predicted)")
    matrix.add_column("gold \\ pred")
    for label in labels:
        matrix.add_column(label[:12], justify="right")
    for label, row in zip(labels, report["confusion"]):
        matrix.add_row(label[:12], *[str(v) for v in row])
    console.print(matrix)
    for case in report["stance"]:
        mark = "pass" if case["passed"] else "FAIL"
        console.print(f"stance test {case['id']}: uses {case['against']}'s concept against it -> {case['label']} [{mark}]")
    if report["framing_labels_missing_evidence"]:
        console.print(f"[red]framing labels with <2 evidence pairs: {safe(report['framing_labels_missing_evidence'])}[/red]")
    shown = set()
    for item in report["items"]:
        if item["pred"] in shown or item["pred"] not in labels[:-3]:
            continue
        shown.add(item["pred"])
        console.print(f"\n[bold]sample evidence[/bold] {safe(item['id'])} (gold {safe(item['gold'])}, predicted {item['pred']}, scores {item['scores']})")
        for ev in [e for e in item["evidence"] if e.framing_id == item["pred"]]:
            console.print(f"  {ev.similarity:.3f}  article: {safe(ev.article_sentence)}\n         reference: {safe(ev.reference_sentence)}")
    console.print(f"\n{report['n']} texts in {report['seconds']:.2f}s\n")


def realtext_items(split: str) -> tuple[list, int]:
    """(id, gold, ArticleText) for the cached texts of one real-text split, and how many are missing."""
    from .realtext import load_manifest

    rows = load_manifest(split=split)
    items = [(it.id, it.label, doc) for it in rows if (doc := it.doc()) is not None]
    return items, len(rows) - len(items)


def evaluate_realtext(clf, split: str, console=None) -> dict | None:
    """The real-text split's report, or None (with a note) when no text is cached."""
    items, gone = realtext_items(split)
    if console is not None and gone:
        from .realtext import cache_dir

        console.print(f"[yellow]real-text {split} split: {gone} of {gone + len(items)} texts are not cached in "
                      f"{safe(cache_dir())} (python -m framing.realtext missing lists them)"
                      f"{'; section skipped' if not items else '; figures are on the cached ones only'}[/yellow]")
    if not items:
        return None
    report = score_items(clf, items, split)
    report["kind"] = "real"
    report["missing"] = gone
    return report


def run_eval(backends: list[str], seeds_dir: Path = DEFAULT_SEEDS, console=None,
             external: list | None = None, external_name: str = "demo", realtext: bool = True,
             params_path: Path | None = None) -> dict:
    """Evaluate each backend on the real-text test and fit splits (when cached),
    the dev set's held-out split and, if given, the external items (id, gold,
    ArticleText); print the figures and return {backend: dev report}, with the
    external report under report["external"] and the real-text ones under
    report["realtext"]["test" | "fit"]."""
    if console is None:
        from rich.console import Console

        console = Console()
    out = {}
    for backend in backends:
        try:
            clf = make_classifier(backend, seeds_dir, **({"params_path": params_path} if params_path else {}))
            report = evaluate_backend(backend, seeds_dir, clf=clf)
        except ImportError as exc:
            console.print(f"[yellow]{backend}: skipped ({safe(exc)})[/yellow]")
            out[backend] = {"backend": backend, "skipped": str(exc)}
            continue
        report["realtext"] = {}
        if realtext:
            for split in ("test", "fit"):
                real = evaluate_realtext(clf, split, console)
                if real is not None:
                    if split == "fit":
                        console.print("[dim]real-text fit split: the supervised layer was fitted on these texts "
                                      "(in-sample figures, not an estimate of accuracy)[/dim]")
                    _print(real, console)
                    report["realtext"][split] = real
        _print(report, console)
        if external:
            ext = evaluate_external(backend, external, external_name, seeds_dir, clf=clf)
            ext["external"] = True
            _print(ext, console)
            report["external"] = ext
        out[backend] = report
    return out


def evaluate_labels(clf, items: list, name: str, console=None) -> dict:
    """Figures on an analyst's labelled articles: (id, gold, ArticleText)."""
    report = score_items(clf, items, name)
    report["kind"] = "labels"
    if console is not None:
        _print(report, console)
    return report


if __name__ == "__main__":
    import sys

    run_eval(sys.argv[1:] or ["lexical", "embedding"])
