"""The `framewatch` command line. Orchestration only: each command calls a
flow or a warehouse/framing function and prints the result.

Exit codes (for schedulers and scripts):
  0  run completed, no errors
  1  unexpected internal error
  2  bad configuration or usage (e.g. malformed sources file or setting)
  3  run completed, but some feeds or pages failed (recorded in fetch_errors)
  4  run failed: no feed could be polled (e.g. no network)
  5  the warehouse is locked by another process
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from flows.prefect_env import configure_prefect

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Monitor how think tanks frame US-China relations.")
console = Console()

EXIT_OK, EXIT_CONFIG, EXIT_PARTIAL, EXIT_FAILED, EXIT_LOCKED = 0, 2, 3, 4, 5
DEMO_DATA_DIR = Path("data/demo")


def _exit_code(summary: dict) -> int:
    return {"completed": EXIT_OK, "completed_with_errors": EXIT_PARTIAL, "failed": EXIT_FAILED}[summary["status"]]


def _run_flow(overrides: dict) -> dict:
    from extractors.sources import SourcesFileError
    from warehouse import WarehouseLockedError

    configure_prefect(overrides.get("data_dir", os.environ.get("FRAMEWATCH_DATA_DIR", "data")))
    from flows.daily_ingest import daily_ingest

    try:
        return daily_ingest(overrides=overrides)
    except SourcesFileError as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(EXIT_CONFIG) from None
    except WarehouseLockedError as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(EXIT_LOCKED) from None


def print_run_summary(summary: dict) -> None:
    c, t = summary["counts"], summary["timings"]
    table = Table(title=f"run {summary['run_id']}: {summary['status']}", show_header=True)
    table.add_column("stage")
    table.add_column("count", justify="right")
    table.add_column("seconds", justify="right")
    rows = [
        ("feeds polled", c["feeds_polled"], t.get("poll")),
        ("  not modified (304 or same bytes)", c["feeds_not_modified"], None),
        ("  failed", c["feeds_failed"], None),
        ("entries in feeds", c["entries_seen"], None),
        ("  new (not seen before)", c["entries_new"], None),
        ("pages fetched", c["pages_fetched"], t.get("fetch")),
        ("  failed", c["pages_failed"], None),
        ("articles extracted", c["articles_extracted"], t.get("extract")),
        ("  extraction failed", c["extraction_failed"], None),
        ("articles classified", c["articles_classified"], t.get("classify")),
        ("articles loaded", c["articles_loaded"], t.get("load")),
    ]
    for name, n, secs in rows:
        table.add_row(name, str(n), f"{secs:.2f}" if secs is not None else "")
    console.print(table)
    for e in summary["errors"][:20]:
        console.print(f"  [yellow]{e['stage']}[/yellow] {e['source_id'] or ''} {e['reason']}: {e['detail'] or ''} ({e['url']})")
    if len(summary["errors"]) > 20:
        console.print(f"  ... and {len(summary['errors']) - 20} more (table fetch_errors)")
    if c["entries_new"] == 0:
        console.print("Nothing new: no article page was fetched and no article row was added.")
    if summary.get("alerts"):
        from alerts.cli import print_check_summary

        print_check_summary(console, summary["alerts"])


@app.command()
def run() -> None:
    """Run one ingest now against the configured sources."""
    summary = _run_flow({})
    print_run_summary(summary)
    raise typer.Exit(_exit_code(summary))


@app.command()
def demo(port: int = typer.Option(47801, help="first of the demo sites' ports on 127.0.0.1")) -> None:
    """Serve the bundled demo sites on 127.0.0.1 and run the real flow against them."""
    from demo.server import serve_sites

    DEMO_DATA_DIR.mkdir(parents=True, exist_ok=True)
    sources_file = DEMO_DATA_DIR / "sources.toml"
    from alerts.receiver import webhook_receiver

    # A local webhook stands in for the team's Slack/Teams/e-mail: every alert
    # the demo delivers lands in data/demo/alerts-received.jsonl.
    with serve_sites(base_port=port) as sites, webhook_receiver(port - 11, DEMO_DATA_DIR / "alerts-received.jsonl") as rx:
        lines = []
        for s in sites:
            lines += [
                "[[source]]", f'id = "{s.id}"', f'name = "{s.name}"', f'site_url = "{s.base_url}/"',
                f'feed_url = "{s.feed_url}"', f'country = "{s.country or ""}"', f'language = "{s.language or "en"}"',
                "feed_verified = true", "",
            ]
        sources_file.write_text("\n".join(lines))
        console.print(f"Serving {len(sites)} demo sites on 127.0.0.1:{port}-{port + len(sites) - 1}")
        summary = _run_flow(
            {
                "data_dir": str(DEMO_DATA_DIR),
                "sources_file": str(sources_file),
                # The demo's own servers are on loopback, which the SSRF guard refuses by default.
                "fetch": {"allow_hosts": ["127.0.0.1"], "min_interval": 0.05},
                # ~90 stories over 16 weeks: far below the 150-story default baseline,
                # so the demo watches with 30 (and the detector counts per week).
                "alerts": {"min_baseline_stories": 30},
                "alert_urls": [rx.url],
            }
        )
        summary.setdefault("alerts", {})["received_by_demo_webhook"] = [m.get("title") for m in rx.received]
    print_run_summary(summary)
    _print_label_counts(Path(summary["database"]))
    console.print(f"\nDuckDB file: [bold]{summary['database']}[/bold]")
    console.print(
        "Try: framewatch sql \"SELECT label, count(*) FROM classifications GROUP BY label\"\n"
        f"  or: duckdb {summary['database']} -c \"SELECT title, published_at FROM articles ORDER BY published_at LIMIT 5\""
    )
    raise typer.Exit(_exit_code(summary))


def _print_label_counts(db: Path) -> None:
    from warehouse import connect, query

    conn = connect(db, read_only=True)
    try:
        rows = conn.execute(query("labels_count")).fetchall()
    finally:
        conn.close()
    table = Table(title="articles per label (all stored articles)")
    table.add_column("label")
    table.add_column("articles", justify="right")
    for label, n in rows:
        table.add_row(label, str(n))
    console.print(table)


@app.command()
def status(database: Path = typer.Option(None, help="DuckDB file (default: from settings)")) -> None:
    """Recent runs, articles per label, and the last success per source."""
    from flows.settings import load_settings
    from warehouse import connect, query

    db = database or load_settings().database_path
    if not Path(db).exists():
        console.print(f"No warehouse at {db} yet: run `framewatch run` (or `framewatch demo`) first.")
        raise typer.Exit(EXIT_CONFIG)
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
    _print_label_counts(Path(db))
    s = Table(title="sources")
    for col in ("source", "last success", "status", "failures in a row", "last error"):
        s.add_column(col)
    for sid, _name, ok_at, st, fails, err in srcs:
        s.add_row(sid, f"{ok_at:%Y-%m-%d %H:%M}" if ok_at else "never", str(st or ""), str(fails or 0), (err or "")[:60])
    console.print(s)


# ---------------------------------------------------------------- alerts (issue 7)
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


def main() -> None:  # pragma: no cover
    app()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
