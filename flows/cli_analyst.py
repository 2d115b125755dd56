"""Analyst commands: `framewatch sql`, `export`, `report`, `alerts`, `eval`."""
from __future__ import annotations

import sys
from pathlib import Path

import typer
from rich.table import Table

from flows.cli import EXIT_CONFIG, _settings, app, console


def _snapshot_path(database: Path | None) -> Path:
    from flows.settings import load_settings

    return database or load_settings().snapshot_path


def _print_result(result) -> None:
    table = Table(show_header=True, header_style="bold")
    for col in result.columns:
        table.add_column(col)
    for row in result.rows:
        table.add_row(*("NULL" if v is None else str(v) for v in row))
    console.print(table)
    console.print(f"{len(result.rows)} row{'s' if len(result.rows) != 1 else ''}")


@app.command("sql")
def sql_command(
    query: str = typer.Argument(None, help="SQL to run; omit for an interactive shell"),
    csv_out: bool = typer.Option(False, "--csv", help="print CSV instead of a table"),
    database: Path = typer.Option(None, "--database", "-d", help="DuckDB file (default: the analyst snapshot)"),
) -> None:
    """Query the analyst snapshot (read-only; never blocks a run). See docs: For analysts."""
    import csv

    import duckdb

    from warehouse.analyst import SnapshotMissingError, interactive, run_sql

    path = _snapshot_path(database)
    try:
        if query is None:
            interactive(path, _print_result, lambda msg: console.print(f"[red]{msg}[/red]"))
            return
        result = run_sql(path, query)
    except SnapshotMissingError as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(EXIT_CONFIG) from None
    except duckdb.Error as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(EXIT_CONFIG) from None
    if csv_out:
        w = csv.writer(sys.stdout)
        w.writerow(result.columns)
        w.writerows(result.rows)
    else:
        _print_result(result)


@app.command("export")
def export_command(
    fmt: str = typer.Option("parquet", "--format", help="parquet (partitioned by month) or csv"),
    out: Path = typer.Option(Path("export"), "--out", "-o", help="output directory"),
    database: Path = typer.Option(None, "--database", "-d", help="DuckDB file (default: the analyst snapshot)"),
) -> None:
    """Write every analyst view and table as Parquet (partitioned by month) or CSV."""
    from warehouse.analyst import FORMATS, SnapshotMissingError, export

    if fmt not in FORMATS:
        console.print(f"[red]error:[/red] --format must be one of {', '.join(FORMATS)}")
        raise typer.Exit(EXIT_CONFIG)
    try:
        written = export(_snapshot_path(database), out, fmt)
    except SnapshotMissingError as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(EXIT_CONFIG) from None
    for name, target, n in written:
        console.print(f"{name:<24} {n:>8} rows  {target}")


# ---------------------------------------------------------------- alerts
alerts_app = typer.Typer(help="Framing-shift and source-health alerts: list them, acknowledge one.")
app.add_typer(alerts_app, name="alerts")


def _alerts_db(database: Path | None) -> Path:
    from flows.settings import load_settings

    db = database or load_settings().database_path
    if not Path(db).exists():
        console.print(f"No warehouse at {db} yet: run `framewatch run` (or `framewatch demo`) first.")
        raise typer.Exit(EXIT_CONFIG)
    return Path(db)


@alerts_app.callback(invoke_without_command=True)
def alerts_list(
    ctx: typer.Context,
    database: Path = typer.Option(None, help="DuckDB file (default: from settings)"),
    limit: int = typer.Option(20, help="most recent alerts to show"),
) -> None:
    """List alerts, newest first, with the stories and evidence behind each."""
    if ctx.invoked_subcommand:
        return
    from alerts.cli import print_alerts

    print_alerts(console, _alerts_db(database), limit)


@alerts_app.command("ack")
def alerts_ack(
    alert_id: str = typer.Argument(..., help="the alert's id, as listed by `framewatch alerts`"),
    database: Path = typer.Option(None, help="DuckDB file (default: from settings)"),
) -> None:
    """Acknowledge an alert: a person has seen it."""
    from alerts.cli import acknowledge

    if not acknowledge(_alerts_db(database), alert_id):
        console.print(f"[red]error:[/red] no unacknowledged alert {alert_id!r}")
        raise typer.Exit(EXIT_CONFIG)
    console.print(f"Acknowledged {alert_id}.")


@app.command()
def report(
    ctx: typer.Context,
    out: Path = typer.Option(Path("reports-out"), "--out", "-o", help="folder for framewatch-report.html and .png"),
    database: Path = typer.Option(None, "--database", "-d", help="DuckDB file (default: the analyst snapshot)"),
) -> None:
    """Render the weekly framing chart (PNG) and a self-contained HTML report."""
    from reports.build import build_report

    db = database or _settings(ctx).snapshot_path
    if not Path(db).exists():
        console.print(f"[red]error:[/red] no warehouse at {db}: run `framewatch run` (or `framewatch demo`) first")
        raise typer.Exit(EXIT_CONFIG)
    try:
        html, png = build_report(Path(db), out)
    except ValueError as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(EXIT_CONFIG) from None
    console.print(f"report: {html}\nchart:  {png}")


@app.command("eval")
def eval_command(
    ctx: typer.Context,
    backend: list[str] = typer.Option(None, "--backend", "-b", help="lexical and/or embedding (default: every installed backend)"),
    demo: bool = typer.Option(True, "--demo/--no-demo", help="also score the demo corpus as an external test set"),
) -> None:
    """Evaluate the framing classifier on the held-out part of the labelled dev set
    and on the demo corpus (written independently: an external test set)."""
    from framing import BACKENDS
    from framing.evaluate import run_eval

    backends = backend or [b for b in BACKENDS if b == "lexical" or _embedding_installed()]
    external = None
    if demo:
        from flows.demo_eval import load_demo_items

        external = load_demo_items()
    run_eval(backends, _settings(ctx).seeds_dir, console, external=external, external_name="demo")


def _embedding_installed() -> bool:
    import importlib.util

    return importlib.util.find_spec("sentence_transformers") is not None
