"""`framewatch ui` (the explorer web app) and `framewatch labels` (analysts' label corrections)."""
from __future__ import annotations

from pathlib import Path

import typer

from cli.app import app, console, data_dir_option, escape, fail_config, settings_for

labels_app = typer.Typer(help="Analysts' label corrections (made in `framewatch ui`): export them as CSV.")
app.add_typer(labels_app, name="labels")


@app.command("ui")
def ui(
    ctx: typer.Context,
    port: int = typer.Option(None, "--port", "-p", help="port on 127.0.0.1 (default: explorer.port, 8765)"),
    host: str = typer.Option(None, "--host", help="address to listen on (default: explorer.host, 127.0.0.1)"),
    user: str = typer.Option(None, "--user", help="name recorded with label corrections (default: your login name)"),
    data_dir: Path = data_dir_option(),
) -> None:
    """The analyst's explorer: trends, drill-down, search, sources, alerts, label corrections, in the browser."""
    import uvicorn

    from explorer.web import create_app

    settings = settings_for(ctx, data_dir)
    cfg = settings.explorer
    host, port = host or cfg.host, port or cfg.port
    if not settings.snapshot_path.exists():
        fail_config(f"no analyst snapshot at {settings.snapshot_path} yet: run `framewatch run` (or `framewatch demo`) "
                    "first, or give --data-dir")
    allowed = ["127.0.0.1", "localhost"] + ([host] if host not in ("127.0.0.1", "localhost", "0.0.0.0") else [])
    web = create_app(settings.snapshot_path, settings.database_path, user=user, merge_every=cfg.merge_every,
                     merge_lock_timeout=cfg.merge_lock_timeout, allowed_hosts=["*"] if host == "0.0.0.0" else allowed)
    console.print(f"framewatch explorer on [bold]http://{escape(host)}:{port}/[/bold] "
                  f"(snapshot {escape(settings.snapshot_path)}; Ctrl-C stops it)", highlight=False)
    try:
        uvicorn.run(web, host=host, port=port, log_level="warning")
    except OSError as exc:
        fail_config(f"cannot listen on {host}:{port}: {exc}; choose another with --port")


@labels_app.command("export")
def labels_export(
    ctx: typer.Context,
    out: Path = typer.Option(Path("labels.csv"), "--out", "-o", help="CSV to write"),
    data_dir: Path = data_dir_option(),
) -> None:
    """Write the corrected labels as CSV (url,article_id,label,note,corrected_by,corrected_at), the newest
    correction per article: the file `framewatch eval --labels` and `calibrate --labels` read."""
    from warehouse.corrections import all_corrections, try_merge, write_csv

    settings = settings_for(ctx, data_dir)
    if not settings.database_path.exists() and not settings.snapshot_path.exists():
        fail_config(f"no warehouse at {settings.database_path} yet: run `framewatch run` first, or give --data-dir")
    # Pending corrections go into the warehouse now if no run holds it; the CSV has them either way.
    _merged, reason = try_merge(settings.database_path, lock_timeout=2.0)
    n = write_csv(all_corrections(settings.snapshot_path, settings.database_path), out)
    console.print(f"{n} corrected label(s) written to {escape(out)}", highlight=False)
    if reason:
        console.print(f"note: {escape(reason)}", highlight=False)
