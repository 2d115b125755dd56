"""Framing-classifier commands: `framewatch eval` and `framewatch calibrate`."""
from __future__ import annotations

from pathlib import Path

import typer

from cli.app import app, console, data_dir_option, escape, fail_config, require_warehouse, settings_for

LABELS_HELP = "CSV of your own labels: a url or article_id column and a label column (extra columns ignored)"


def _embedding_installed() -> bool:
    import importlib.util

    return importlib.util.find_spec("sentence_transformers") is not None


def _classifier(settings, backend: str, params_path: Path | None = None):
    from framing import make_classifier
    from framing.labels import calibrated_params_path

    path = params_path or calibrated_params_path(settings.data_dir, backend)
    return make_classifier(backend, settings.seeds_dir, **({"params_path": path} if path else {})), path


def labelled_items(settings, labels: Path, framing_ids: list[str]) -> list:
    """(article_id, gold, ArticleText) for the labelled articles found in the warehouse.

    Rows that name no stored article, or an article without text, are skipped
    with one line each; nothing is lost (the CSV is only read)."""
    import duckdb

    from framing import ArticleText
    from framing.labels import read_labels
    from warehouse import connect

    try:
        rows, skipped = read_labels(labels, framing_ids)
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        fail_config(str(exc))
    db = require_warehouse(settings.database_path)
    try:
        conn = connect(db, read_only=True)
    except duckdb.Error as exc:
        fail_config(f"cannot open {db}: {exc}")
    items, seen = [], set()
    try:
        for row in rows:
            if row.by == "article_id":
                hit = conn.execute("SELECT article_id, title, text FROM articles WHERE article_id = ?", [row.key]).fetchone()
            else:
                hit = conn.execute(
                    "SELECT article_id, title, text FROM articles WHERE canonical_url = ? OR url = ? LIMIT 1", [row.key, row.key]
                ).fetchone()
            if hit is None:
                skipped.append(f"line {row.line}: no article {row.key} in the warehouse")
            elif not hit[2]:
                skipped.append(f"line {row.line}: article {hit[0]} has no text")
            elif hit[0] in seen:
                skipped.append(f"line {row.line}: article {hit[0]} labelled twice; the first label is used")
            else:
                seen.add(hit[0])
                items.append((hit[0], row.label, ArticleText(hit[1] or "", hit[2])))
    finally:
        conn.close()
    for line in skipped:
        console.print(f"[yellow]skipped[/yellow] {escape(line)}", highlight=False, soft_wrap=True)
    if not items:
        fail_config(f"{labels}: no labelled article found in {db}")
    console.print(f"{len(items)} labelled articles from {escape(labels)} ({len(skipped)} rows skipped)", highlight=False)
    return items


@app.command("eval")
def eval_command(
    ctx: typer.Context,
    backend: list[str] = typer.Option(None, "--backend", "-b", help="lexical and/or embedding (default: every installed backend)"),
    demo: bool = typer.Option(True, "--demo/--no-demo", help="also score the demo corpus as an external test set"),
    realtext: bool = typer.Option(True, "--realtext/--no-realtext", help="score the real-text test and fit splits (cached texts)"),
    labels: Path = typer.Option(None, "--labels", help=LABELS_HELP + "; scores the warehouse's articles instead"),
    data_dir: Path = data_dir_option(),
) -> None:
    """Evaluate the framing classifier: the real-text test split (with 95% intervals)
    and fit split, the dev set's held-out split and the demo corpus; or, with
    --labels, your own labelled articles in the warehouse."""
    from framing import BACKENDS
    from framing.evaluate import evaluate_labels, run_eval

    settings = settings_for(ctx, data_dir)
    backends = backend or [b for b in BACKENDS if b == "lexical" or _embedding_installed()]
    if labels is not None:
        for b in backends:
            clf, path = _classifier(settings, b)
            console.print(f"{clf.name} {clf.version} ({'calibrated: ' + escape(path) if path else 'shipped parameters'})", highlight=False)
            evaluate_labels(clf, labelled_items(settings, labels, [r.id for r in clf.references]), labels.name, console)
        return
    external = None
    if demo:
        from flows.demo_eval import load_demo_items

        external = load_demo_items()
    for b in backends:
        from framing.labels import calibrated_params_path

        path = calibrated_params_path(settings.data_dir, b) if data_dir is not None else None
        run_eval([b], settings.seeds_dir, console, external=external, external_name="demo", realtext=realtext, params_path=path)


@app.command()
def calibrate(
    ctx: typer.Context,
    labels: Path = typer.Option(..., "--labels", help=LABELS_HELP),
    backend: str = typer.Option("lexical", "--backend", "-b", help="lexical or embedding"),
    data_dir: Path = data_dir_option(),
) -> None:
    """Refit the classifier's fitted weights and thresholds on your labels (with
    cross-validation), write them into the data folder as a new classifier
    version and print before/after figures. `framewatch reclassify` then applies it;
    the shipped parameters are never changed."""
    from rich.table import Table

    from framing import make_classifier
    from framing.evaluate import evaluate_labels, figures
    from framing.labels import calibrate_on_labels, write_params

    settings = settings_for(ctx, data_dir)
    clf, path = _classifier(settings, backend)
    ids = [r.id for r in clf.references]
    items = labelled_items(settings, labels, ids)
    console.print(f"before: {clf.name} {clf.version} ({'calibrated: ' + escape(path) if path else 'shipped parameters'})", highlight=False)
    before = evaluate_labels(clf, items, labels.name)
    params, cv_pred = calibrate_on_labels(clf, items, labels, log=lambda m: console.print(escape(m), highlight=False))
    out = write_params(params, settings.data_dir, backend)
    new = make_classifier(backend, settings.seeds_dir, params_path=out)
    after = figures([g for _, g, _ in items], list(cv_pred), ids)
    table = Table(title=f"{len(items)} labelled articles: before vs after (after = 5-fold cross-validated labels)")
    for col in ("figure", f"before {clf.version}", f"after {new.version}"):
        table.add_column(col, justify="left" if col == "figure" else "right")
    for name, title in (("macro_f1_core", "macro-F1 {A, B, neither}"), ("direction", "A-vs-B direction"), ("relevance_f1", "relevance F1")):
        cells = []
        for rep in (before, after):
            lo, hi = rep["intervals"][name]
            cells.append(f"{rep[name]:.3f} ({lo:.3f}-{hi:.3f})")
        table.add_row(title, *cells)
    console.print(table)
    console.print(
        f"wrote {escape(out)}: classifier version {new.version}. Run `framewatch reclassify"
        f"{' -d ' + escape(data_dir) if data_dir else ''}` to apply it (older versions' rows stay).",
        highlight=False, soft_wrap=True,
    )
