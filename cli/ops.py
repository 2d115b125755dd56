"""`framewatch status` and `config`: what the operator checks (`sources` is cli/sources.py)."""
from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from cli.app import app, console, data_dir_option, escape, require_warehouse, settings_for
from cli.ingest import print_label_counts
from flows.config_view import effective_config
from flows.settings import _config_file


@app.command()
def status(ctx: typer.Context, data_dir: Path = data_dir_option()) -> None:
    """Recent runs, articles per label, and the last success per source."""
    from warehouse import connect, query

    db = require_warehouse(settings_for(ctx, data_dir).database_path)
    conn = connect(db, read_only=True)
    try:
        runs = conn.execute(query("recent_runs")).fetchall()
        srcs = conn.execute(query("source_last_success")).fetchall()
    finally:
        conn.close()
    t = Table(title="recent runs")
    for col in ("run", "started", "status", "errors"):
        t.add_column(col)
    for run_id, started, _fin, st, _counts, n_err, _msg in runs:
        t.add_row(run_id, f"{started:%Y-%m-%d %H:%M}", st, str(n_err))
    console.print(t)
    print_label_counts(Path(db))
    s = Table(title="sources")
    for col in ("source", "last success", "status", "failures in a row", "last error"):
        s.add_column(col)
    for sid, _name, ok_at, st, fails, err in srcs:
        # The last error's detail comes from a server: escaped like every network text.
        s.add_row(escape(sid), f"{ok_at:%Y-%m-%d %H:%M}" if ok_at else "never", escape(st or ""), str(fails or 0), escape((err or "")[:60]))
    console.print(s)


@app.command()
def config(ctx: typer.Context) -> None:
    """Print the effective settings (file, environment, defaults) with secrets masked."""
    path = _config_file()
    where = "found" if path.is_file() else "not found: defaults and FRAMEWATCH_* variables only"
    # Plain echo, not rich: `[fetch]` would be taken for markup.
    typer.echo(f"# settings file: {path.resolve()} ({where})")
    typer.echo("# each line ends with where its value comes from; env vars win over the file")
    for line in effective_config(settings_for(ctx)):
        typer.echo(line)
