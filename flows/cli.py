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
import sys
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
            f"Try: framewatch sql -d {snap} \"SELECT * FROM framing_weekly ORDER BY week, label\"\n"
            f"  or: duckdb -readonly {snap} -c \"SELECT title, published_at FROM articles ORDER BY published_at LIMIT 5\""
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
def backfill(
    ctx: typer.Context,
    urls: Path = typer.Option(None, "--urls", help="file of article URLs, one a line (# comments allowed)"),
    since: str = typer.Option(None, "--since", help="YYYY-MM-DD: page back each source's feed, then its sitemap"),
) -> None:
    """Load older articles; resumable: rerun after an interruption and it skips what is loaded."""
    from datetime import datetime

    from extractors.sources import SourcesFileError
    from warehouse import WarehouseLockedError

    settings = _settings(ctx)
    if not urls and not since:
        console.print("[red]error:[/red] give --urls FILE and/or --since YYYY-MM-DD")
        raise typer.Exit(EXIT_CONFIG)
    if urls and not urls.is_file():
        console.print(f"[red]error:[/red] no such file: {urls}")
        raise typer.Exit(EXIT_CONFIG)
    try:
        since_dt = datetime.fromisoformat(since) if since else None
    except ValueError:
        console.print(f"[red]error:[/red] --since must be a date like 2025-09-01, got {since!r}")
        raise typer.Exit(EXIT_CONFIG) from None
    configure_prefect(settings.data_dir)
    from flows.backfill import backfill as backfill_flow

    try:
        with progress.RichReporter(console) as bars, progress.reporting(bars):
            result = backfill_flow(urls_file=str(urls) if urls else None, since=since_dt)
    except (SourcesFileError, WarehouseLockedError) as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(EXIT_LOCKED if isinstance(exc, WarehouseLockedError) else EXIT_CONFIG) from None
    console.print(
        f"backfill: {result['candidates']} candidate articles, {result['already_loaded']} already loaded, "
        f"{result['loaded']} loaded now, {result['failed']} failed (see fetch_errors; retried next run) "
        f"in {result['batches']} batches -> {result['database']}"
    )
    raise typer.Exit(EXIT_PARTIAL if result["failed"] else EXIT_OK)


def _reprocess(ctx: typer.Context, name: str) -> dict:
    """Run the reclassify or reextract flow (flows/reprocess.py) with progress bars."""
    from warehouse import WarehouseLockedError

    settings = _settings(ctx)
    if not settings.database_path.exists():
        console.print(f"No warehouse at {settings.database_path} yet: run `framewatch run` (or `framewatch demo`) first.")
        raise typer.Exit(EXIT_CONFIG)
    configure_prefect(settings.data_dir)
    from flows import reprocess

    try:
        with progress.RichReporter(console) as bars, progress.reporting(bars):
            return getattr(reprocess, name)()
    except WarehouseLockedError as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(EXIT_LOCKED) from None


@app.command()
def reclassify(ctx: typer.Context) -> None:
    """Classify every stored article again with the current classifier and references
    (no fetching); older versions' rows stay. Resumable. See docs/reprocess.md."""
    out = _reprocess(ctx, "reclassify")
    console.print(f"reclassify: {out['message']}; current version: {out['current']}", highlight=False, soft_wrap=True)
    raise typer.Exit(EXIT_OK)


@app.command()
def reextract(ctx: typer.Context) -> None:
    """Extract stored raw pages again where the extractor version changed (no fetching);
    changed texts are classified again, earlier extractions kept. See docs/reprocess.md."""
    out = _reprocess(ctx, "reextract")
    console.print(f"reextract: {out['message']}", highlight=False, soft_wrap=True)
    raise typer.Exit(EXIT_PARTIAL if out["failed"] else EXIT_OK)


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
    from warehouse import connect, query

    settings = _settings(ctx)
    db = database or settings.database_path
    if not Path(db).exists():
        console.print(f"No warehouse at {db} yet: run `framewatch run` (or `framewatch demo`) first.")
        raise typer.Exit(EXIT_CONFIG)
    conn = connect(db, read_only=True)
    try:
        cur = conn.execute(query("source_health"))
        cols = [d[0] for d in cur.description]
        rows = [dict(zip(cols, r)) for r in cur.fetchall()]
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

