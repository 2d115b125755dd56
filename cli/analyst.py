"""Analyst commands: `framewatch sql`, `export`, `report` (`eval` and `calibrate` are in cli/framing_cmds.py)."""
from __future__ import annotations

import sys
from pathlib import Path

import typer
from rich.table import Table

from cli.app import app, console, data_dir_option, escape, fail_config, require_warehouse, settings_for


DATABASE_HELP = "a DuckDB file to read instead (default: the analyst snapshot in the data folder)"


def _snapshot_path(ctx: typer.Context, data_dir: Path | None, database: Path | None) -> Path:
    return database or settings_for(ctx, data_dir).snapshot_path


def _print_result(result) -> None:
    table = Table(show_header=True, header_style="bold")
    for col in result.columns:
        table.add_column(col)
    for row in result.rows:
        # Cells hold titles and text from the network: Rich markup escaped, control codes removed.
        table.add_row(*("NULL" if v is None else escape(v) for v in row))
    console.print(table)
    console.print(f"{len(result.rows)} row{'s' if len(result.rows) != 1 else ''}")


@app.command("sql")
def sql_command(
    ctx: typer.Context,
    query: str = typer.Argument(None, help="SQL to run; omit for an interactive shell"),
    csv_out: bool = typer.Option(False, "--csv", help="print CSV instead of a table"),
    data_dir: Path = data_dir_option(),
    database: Path = typer.Option(None, "--database", help=DATABASE_HELP),
) -> None:
    """Query the analyst snapshot (read-only; never blocks a run). See docs: For analysts."""
    import csv

    import duckdb

    from warehouse.analyst import SnapshotMissingError, interactive, run_sql

    path = _snapshot_path(ctx, data_dir, database)
    try:
        if query is None:
            interactive(path, _print_result, lambda msg: console.print(f"[red]{escape(msg)}[/red]"))
            return
        result = run_sql(path, query)
    except SnapshotMissingError as exc:
        fail_config(str(exc))
    except duckdb.Error as exc:
        fail_config(str(exc))
    if csv_out:
        w = csv.writer(sys.stdout)
        w.writerow(result.columns)
        w.writerows(result.rows)
    else:
        _print_result(result)


@app.command("export")
def export_command(
    ctx: typer.Context,
    fmt: str = typer.Option("parquet", "--format", help="parquet (partitioned by month) or csv"),
    out: Path = typer.Option(Path("export"), "--out", "-o", help="output directory"),
    data_dir: Path = data_dir_option(),
    database: Path = typer.Option(None, "--database", help=DATABASE_HELP),
    include_all: bool = typer.Option(False, "--all", help="also the dedup feature's internal MinHash tables"),
) -> None:
    """Write every analyst view and table: Parquet (time-based ones partitioned by month, the rest one file each) or CSV."""
    from warehouse.analyst import FORMATS, SnapshotMissingError, export

    if fmt not in FORMATS:
        fail_config(f"--format must be one of {', '.join(FORMATS)}")
    try:
        written = export(_snapshot_path(ctx, data_dir, database), out, fmt, include_internal=include_all)
    except SnapshotMissingError as exc:
        fail_config(str(exc))
    for name, target, n in written:
        console.print(f"{name:<24} {n:>8} rows  {target}")


@app.command()
def report(
    ctx: typer.Context,
    out: Path = typer.Option(Path("reports-out"), "--out", "-o", help="folder for framewatch-report.html and .png"),
    data_dir: Path = data_dir_option(),
    database: Path = typer.Option(None, "--database", help=DATABASE_HELP),
) -> None:
    """Render the weekly framing chart (PNG) and a self-contained HTML report."""
    from reports.build import build_report

    db = require_warehouse(_snapshot_path(ctx, data_dir, database))
    try:
        html, png = build_report(Path(db), out)
    except ValueError as exc:
        fail_config(str(exc))
    console.print(f"report: {html}\nchart:  {png}")
