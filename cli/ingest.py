"""`framewatch run`, `demo` and `serve`: ingesting now, on the demo sites, or on a schedule."""
from __future__ import annotations

import os
from pathlib import Path

import typer
from rich.table import Table

from cli.app import (EXIT_CONFIG, EXIT_FAILED, EXIT_LOCKED, EXIT_NO_SERVER, EXIT_OK, EXIT_PARTIAL, EXIT_RUN_LOCKED, app,
                     console, data_dir_option, escape, fail, escape, overrides, settings_for)
from flows import progress
from flows.prefect_env import TemporaryServerError, configure_prefect, prepare_flow_run
from flows.run_report import summary_rows
from flows.settings import Settings

DEMO_DATA_DIR = Path("data/demo")


def _exit_code(summary: dict) -> int:
    return {"completed": EXIT_OK, "completed_with_errors": EXIT_PARTIAL, "failed": EXIT_FAILED}[summary["status"]]


def preflight(settings: Settings, overrides: dict, sources: bool = True, lock_timeout: float = 60.0) -> None:
    """Check what a flow would trip over before Prefect starts: a Prefect flow
    that fails prints its own traceback under our one-line message, 8-15 s later.
    The sources file must parse; the warehouse must not be locked by another run
    (waiting up to the usual lock timeout, as the flow would)."""
    from extractors.sources import SourcesFileError, load_sources
    from warehouse import WarehouseLockedError, connect

    effective = settings.model_copy(update={k: Path(v) for k, v in overrides.items() if k in ("data_dir", "sources_file")})
    if effective.classifier_backend == "embedding":  # its extra may not be installed: say so now, with the install line
        from framing.embedding import check_dependencies

        try:
            check_dependencies()
        except ImportError as exc:
            fail(EXIT_CONFIG, f"classifier_backend = \"embedding\": {exc}")
    if sources:
        try:
            load_sources(effective.sources_file)
        except SourcesFileError as exc:
            fail(EXIT_CONFIG, str(exc))
    if effective.database_path.exists():
        try:
            connect(effective.database_path, lock_timeout=lock_timeout).close()
        except WarehouseLockedError as exc:
            fail(EXIT_LOCKED, str(exc))


def start_prefect(data_dir: Path) -> None:
    """Prefect's settings and its temporary server (unless one is configured:
    flows/prefect_env.py says why), before a flow runs in this process."""
    try:
        prepare_flow_run(data_dir)
    except TemporaryServerError as exc:
        fail(EXIT_NO_SERVER, str(exc))


def _run_flow(settings: Settings, overrides: dict) -> dict:
    from extractors.sources import SourcesFileError
    from flows.runlock import RunLockedError
    from warehouse import WarehouseLockedError

    preflight(settings, overrides)
    start_prefect(overrides.get("data_dir") or settings.data_dir)
    from flows.daily_ingest import daily_ingest

    try:
        with progress.RichReporter(console) as bars, progress.reporting(bars):
            return daily_ingest(overrides=overrides)
    except SourcesFileError as exc:
        fail(EXIT_CONFIG, str(exc))
    except RunLockedError as exc:
        fail(EXIT_RUN_LOCKED, str(exc))
    except WarehouseLockedError as exc:
        fail(EXIT_LOCKED, str(exc))


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
        # Every field may come from a feed or a server: escaped, control characters removed.
        console.print(f"  [yellow]{escape(e['stage'])}[/yellow] {escape(e['source_id'] or '')} {escape(e['reason'])}: "
                      f"{escape(e['detail'] or '')} ({escape(e['url'])})", soft_wrap=True, highlight=False)
    n_errors = summary.get("error_count", len(summary["errors"]))
    if n_errors > 20:
        console.print(f"  ... and {n_errors - 20} more (table fetch_errors)")
    c_notes = sum(c.get(k, 0) for k in ("entries_skipped", "entries_deferred", "dates_distrusted"))
    if c_notes:
        console.print(f"  {c.get('entries_skipped', 0)} feed entries skipped (no usable link), {c.get('entries_deferred', 0)} "
                      f"over a feed's cap queued for the next run, {c.get('dates_distrusted', 0)} kept without their "
                      "untrusted date (table entry_notes)", soft_wrap=True, highlight=False)
    for run_id in summary.get("interrupted_runs") or []:
        console.print(f"  run {escape(run_id)} had been interrupted; its queued entries were resumed by this run",
                      soft_wrap=True, highlight=False)
    if c["entries_new"] == 0:
        console.print("Nothing new: no article page was fetched and no article row was added.")
    if summary.get("alerts"):
        from alerts.cli import print_check_summary

        print_check_summary(console, summary["alerts"], str(Path(summary["database"]).parent) if summary.get("database") else None)


@app.command()
def run(ctx: typer.Context, data_dir: Path = data_dir_option()) -> None:
    """Run one ingest now against the configured sources."""
    summary = _run_flow(settings_for(ctx, data_dir), overrides(data_dir))
    print_run_summary(summary)
    raise typer.Exit(_exit_code(summary))


@app.command()
def demo(ctx: typer.Context, port: int = typer.Option(47801, help="first of the demo sites' ports on 127.0.0.1")) -> None:
    """Serve the bundled demo sites on 127.0.0.1 and run the real flow against them."""
    from demo.server import SITES_DIR, serve_sites, site_dirs, write_sources_file

    DEMO_DATA_DIR.mkdir(parents=True, exist_ok=True)
    sources_file = DEMO_DATA_DIR / "sources.toml"
    from alerts.receiver import webhook_receiver

    # The webhook listens 11 below the sites, clear of their range.
    hook_port, n_sites = port - 11, len(site_dirs(SITES_DIR))
    busy = first_busy_port([hook_port, *range(port, port + n_sites)])
    if busy is not None:
        fail(EXIT_CONFIG, f"port {busy} on 127.0.0.1 is in use (the demo needs {hook_port} and {port}-{port + n_sites - 1}): "
                          f"stop what holds it, or choose other ports with `framewatch demo --port N` "
                          f"(`make demo DEMO_PORT=N`), e.g. --port {port + 100}")
    # A local webhook stands in for the team's Slack/Teams/e-mail: every alert
    # the demo delivers lands in data/demo/alerts-received.jsonl.
    with serve_sites(base_port=port) as sites, webhook_receiver(hook_port, DEMO_DATA_DIR / "alerts-received.jsonl") as rx:
        write_sources_file(sources_file, sites)
        console.print(f"Serving {len(sites)} demo sites on 127.0.0.1:{port}-{port + len(sites) - 1}")
        summary = _run_flow(
            settings_for(ctx),
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
    print_label_counts(Path(summary["database"]))
    console.print(f"\nDuckDB file: [bold]{escape(summary['database'])}[/bold]")
    snap = summary.get("snapshot")
    if snap:  # analysts open the snapshot, which also DuckDB 1.5 clients can read
        d = DEMO_DATA_DIR
        console.print(f"Analyst snapshot: [bold]{escape(snap)}[/bold]\nTry:", highlight=False)
        for hint in demo_hints(d):
            console.print(f"  {escape(hint)}", highlight=False, soft_wrap=True)
    raise typer.Exit(_exit_code(summary))


def first_busy_port(ports: list[int]) -> int | None:
    """The first of `ports` something already listens on at 127.0.0.1 (None: all free)."""
    import socket

    for p in ports:
        if not 0 < p < 65536:
            return p
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            # SO_REUSEADDR as http.server sets it: a port in TIME_WAIT is free to it.
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                sock.bind(("127.0.0.1", p))
            except OSError:
                return p
    return None


def demo_hints(data_dir: Path) -> list[str]:
    """The commands the demo suggests; a test runs each exactly as printed."""
    return [
        f'.venv/bin/framewatch sql -d {data_dir} "SELECT * FROM framing_weekly WHERE is_framing ORDER BY week, label"',
        f".venv/bin/framewatch report -d {data_dir}    # a chart and an HTML page in reports-out/",
        f".venv/bin/framewatch alerts -d {data_dir}",
        f".venv/bin/framewatch status -d {data_dir}",
    ]


def print_label_counts(db: Path) -> None:
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
def serve(ctx: typer.Context, data_dir: Path = data_dir_option()) -> None:
    """Run daily_ingest on the configured cron (default 06:00) until stopped; needs a Prefect server."""
    settings = settings_for(ctx, data_dir)
    if data_dir is not None:  # the scheduled runs load their settings themselves, from the environment
        os.environ["FRAMEWATCH_DATA_DIR"] = str(data_dir)
    # The operator watching `serve` wants each run's start, end and summary lines.
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "INFO")
    configure_prefect(settings.data_dir)
    from flows import schedule

    try:
        url = schedule.require_server()
    except schedule.NoServerError as exc:
        fail(EXIT_NO_SERVER, str(exc))
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


