"""The `framewatch` command line. Orchestration only: each command calls a
flow or a warehouse/framing function and prints the result.

Exit codes (for schedulers and scripts):
  0  run completed, no errors
  1  unexpected internal error
  2  bad configuration or usage (e.g. malformed sources file or setting, no warehouse yet)
  3  run completed, but some feeds or pages failed (recorded in fetch_errors);
     `reextract`: some articles kept their old extraction (raw page missing,
     extraction failed; recorded in fetch_errors with stage 'reextract')
  4  run failed: no feed could be polled (e.g. no network)
  5  the warehouse is locked by another process
  6  `serve`: no persistent Prefect server (PREFECT_API_URL unset or not answering)
"""
from __future__ import annotations

import os
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from flows import progress
from flows.config_view import ConfigError, effective_config, load_or_explain
from flows.prefect_env import configure_prefect
from flows.run_report import summary_rows
from flows.settings import Settings, _config_file

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Monitor how think tanks frame US-China relations.")
console = Console()

EXIT_OK, EXIT_CONFIG, EXIT_PARTIAL, EXIT_FAILED, EXIT_LOCKED, EXIT_NO_SERVER = 0, 2, 3, 4, 5, 6
DEMO_DATA_DIR = Path("data/demo")


@app.callback()
def main(
    ctx: typer.Context,
    verbose: bool = typer.Option(False, "--verbose", "-v", help="show Prefect's own log lines (flow and task runs)"),
) -> None:
    """Validate the settings once for every command: a bad key stops here, named, with exit code 2."""
    if verbose:
        # Read by Prefect at import, which happens later (in the command).
        os.environ["PREFECT_LOGGING_LEVEL"] = "INFO"
    try:
        ctx.obj = load_or_explain()
    except ConfigError as exc:
        for line in exc.lines:
            console.print(f"[red]error:[/red] {line}", markup=True, highlight=False, soft_wrap=True)
        raise typer.Exit(EXIT_CONFIG) from None


def _settings(ctx: typer.Context) -> Settings:
    return ctx.obj if isinstance(ctx.obj, Settings) else load_or_explain()


def _exit_code(summary: dict) -> int:
    return {"completed": EXIT_OK, "completed_with_errors": EXIT_PARTIAL, "failed": EXIT_FAILED}[summary["status"]]


def _run_flow(settings: Settings, overrides: dict) -> dict:
    from extractors.sources import SourcesFileError
    from warehouse import WarehouseLockedError

    configure_prefect(overrides.get("data_dir") or settings.data_dir)
    from flows.daily_ingest import daily_ingest

    try:
        with progress.RichReporter(console) as bars, progress.reporting(bars):
            return daily_ingest(overrides=overrides)
    except SourcesFileError as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(EXIT_CONFIG) from None
    except WarehouseLockedError as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(EXIT_LOCKED) from None


def print_run_summary(summary: dict) -> None:
    c = summary["counts"]
    table = Table(title=f"run {summary['run_id']}: {summary['status']}", show_header=True)
    table.add_column("stage")
    table.add_column("count", justify="right")
    table.add_column("seconds", justify="right")
    for name, n, secs in summary_rows(summary):
        table.add_row(name, str(n), f"{secs:.2f}" if secs is not None else "")
    console.print(table)
    for e in summary["errors"][:20]:
        # One line per failure, never wrapped, so `grep` and log scrapers see it whole.
        console.print(f"  [yellow]{e['stage']}[/yellow] {e['source_id'] or ''} {e['reason']}: {e['detail'] or ''} ({e['url']})",
                      soft_wrap=True, highlight=False)
    if len(summary["errors"]) > 20:
        console.print(f"  ... and {len(summary['errors']) - 20} more (table fetch_errors)")
    if c["entries_new"] == 0:
        console.print("Nothing new: no article page was fetched and no article row was added.")
    if summary.get("alerts"):
        from alerts.cli import print_check_summary

        print_check_summary(console, summary["alerts"])


@app.command()
def run(ctx: typer.Context) -> None:
    """Run one ingest now against the configured sources."""
    summary = _run_flow(_settings(ctx), {})
    print_run_summary(summary)
    raise typer.Exit(_exit_code(summary))


@app.command()
def demo(ctx: typer.Context, port: int = typer.Option(47801, help="first of the demo sites' ports on 127.0.0.1")) -> None:
    """Serve the bundled demo sites on 127.0.0.1 and run the real flow against them."""
    from demo.server import serve_sites, write_sources_file

    DEMO_DATA_DIR.mkdir(parents=True, exist_ok=True)
    sources_file = DEMO_DATA_DIR / "sources.toml"
    from alerts.receiver import webhook_receiver

    # A local webhook stands in for the team's Slack/Teams/e-mail: every alert
    # the demo delivers lands in data/demo/alerts-received.jsonl.
    with serve_sites(base_port=port) as sites, webhook_receiver(port - 11, DEMO_DATA_DIR / "alerts-received.jsonl") as rx:
        write_sources_file(sources_file, sites)
        console.print(f"Serving {len(sites)} demo sites on 127.0.0.1:{port}-{port + len(sites) - 1}")
        summary = _run_flow(
            _settings(ctx),
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
    snap = summary.get("snapshot")
    if snap:  # analysts open the snapshot, which also DuckDB 1.5 clients can read
        console.print(
            f"Analyst snapshot: [bold]{snap}[/bold]\n"
            f"Try: .venv/bin/framewatch sql -d {snap} \"SELECT * FROM framing_weekly WHERE is_framing ORDER BY week, label\"\n"
            f"  or: .venv/bin/framewatch report -d {snap}    (a chart and an HTML page in reports-out/)"
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
def status(ctx: typer.Context, database: Path = typer.Option(None, help="DuckDB file (default: from settings)")) -> None:
    """Recent runs, articles per label, and the last success per source."""
    from warehouse import connect, query

    db = database or _settings(ctx).database_path
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


@app.command()
def config(ctx: typer.Context) -> None:
    """Print the effective settings (file, environment, defaults) with secrets masked."""
    path = _config_file()
    where = "found" if path.is_file() else "not found: defaults and FRAMEWATCH_* variables only"
    # Plain echo, not rich: `[fetch]` would be taken for markup.
    typer.echo(f"# settings file: {path.resolve()} ({where})")
    typer.echo("# each line ends with where its value comes from; env vars win over the file")
    for line in effective_config(_settings(ctx)):
        typer.echo(line)


@app.command()
def serve(ctx: typer.Context) -> None:
    """Run daily_ingest on the configured cron (default 06:00) until stopped; needs a Prefect server."""
    settings = _settings(ctx)
    # The operator watching `serve` wants each run's start, end and summary lines.
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "INFO")
    configure_prefect(settings.data_dir)
    from flows import schedule

    try:
        url = schedule.require_server()
    except schedule.NoServerError as exc:
        console.print(f"[red]error:[/red] {exc}", highlight=False, soft_wrap=True)
        raise typer.Exit(EXIT_NO_SERVER) from None
    console.print(
        f"Serving {schedule.FLOW_NAME}/{schedule.DEPLOYMENT_NAME} on {url}: cron {settings.schedule_cron!r} "
        f"in {settings.timezone}, next run {_next_run(settings)}. Ctrl-C stops it and pauses the schedule.",
        highlight=False, soft_wrap=True,
    )
    schedule.serve(settings)


def _next_run(settings: Settings) -> str:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from cronsim import CronSim

    tz = ZoneInfo(settings.timezone)
    return f"{next(CronSim(settings.schedule_cron, datetime.now(tz))):%Y-%m-%d %H:%M %Z}"


@app.command()
def sources(ctx: typer.Context, database: Path = typer.Option(None, help="DuckDB file (default: from settings)")) -> None:
    """Feed health per source: last attempt and success, status, failures in a row, why."""
    from extractors.feed_health import is_flagged
    from warehouse import connect, named_rows

    settings = _settings(ctx)
    db = database or settings.database_path
    if not Path(db).exists():
        console.print(f"No warehouse at {db} yet: run `framewatch run` (or `framewatch demo`) first.")
        raise typer.Exit(EXIT_CONFIG)
    conn = connect(db, read_only=True)
    try:
        rows = named_rows(conn, "source_health")
    finally:
        conn.close()
    when = lambda t: f"{t:%m-%d %H:%M}" if t else "never"  # noqa: E731
    t = Table(title=f"feed health (flagged at {settings.fetch.failure_threshold} failures in a row; "
                    "details: SELECT * FROM sources / fetch_errors)")
    t.add_column("source", no_wrap=True)
    t.add_column("state", no_wrap=True)
    for col in ("last attempt", "last success", "status", "fails", "last new", "items", "last error"):
        t.add_column(col)
    for r in rows:
        fails = r["consecutive_failures"] or 0
        state = ("disabled" if r["disabled"] else "FLAGGED" if is_flagged(r, settings.fetch.failure_threshold)
                 else "failing" if fails else "ok")
        if r["moved"] and not r["disabled"]:
            state += " (moved)"
        err = r["disabled_reason"] if r["disabled"] else (r["last_error"] or "").split(":", 1)[0]
        t.add_row(r["source_id"], state, when(r["last_attempt_at"]), when(r["last_success_at"]), str(r["last_status"] or ""),
                  str(fails), when(r["last_new_item_at"]), str(r["items_seen"] or 0), (err or "")[:40])
    console.print(t)


# Commands kept in their own modules register themselves on `app`.
from flows import cli_analyst, cli_history  # noqa: E402,F401
