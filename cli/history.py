"""`framewatch backfill`, `reclassify`, `reextract`: filling in and redoing history."""
from __future__ import annotations

from pathlib import Path

import typer

from flows import progress
from cli.app import (EXIT_CONFIG, EXIT_LOCKED, EXIT_OK, EXIT_PARTIAL, EXIT_RUN_LOCKED, app, console, data_dir_option, fail, overrides,
                     require_warehouse, settings_for)
from cli.ingest import preflight, start_prefect


@app.command()
def backfill(
    ctx: typer.Context,
    data_dir: Path = data_dir_option(),
    urls: Path = typer.Option(None, "--urls", help="file of article URLs, one a line (# comments allowed)"),
    since: str = typer.Option(None, "--since", help="YYYY-MM-DD: page back each source's feed, then its sitemap"),
) -> None:
    """Load older articles; resumable: rerun after an interruption and it skips what is loaded."""
    from datetime import datetime

    from extractors.sources import SourcesFileError
    from flows.runlock import RunLockedError
    from warehouse import WarehouseLockedError

    settings = settings_for(ctx, data_dir)
    if not urls and not since:
        fail(EXIT_CONFIG, "give --urls FILE and/or --since YYYY-MM-DD")
    if urls and not urls.is_file():
        fail(EXIT_CONFIG, f"no such file: {urls}")
    try:
        since_dt = datetime.fromisoformat(since) if since else None
    except ValueError:
        fail(EXIT_CONFIG, f"--since must be a date like 2025-09-01, got {since!r}")
    preflight(settings, overrides(data_dir))
    start_prefect(settings.data_dir)
    from flows.backfill import backfill as backfill_flow

    try:
        with progress.RichReporter(console) as bars, progress.reporting(bars):
            result = backfill_flow(urls_file=str(urls) if urls else None, since=since_dt, overrides=overrides(data_dir))
    except RunLockedError as exc:
        fail(EXIT_RUN_LOCKED, str(exc))
    except (SourcesFileError, WarehouseLockedError) as exc:
        fail(EXIT_LOCKED if isinstance(exc, WarehouseLockedError) else EXIT_CONFIG, str(exc))
    console.print(
        f"backfill: {result['candidates']} candidate articles, {result['already_loaded']} already loaded, "
        f"{result['loaded']} loaded now, {result['failed']} failed (see fetch_errors; retried next run) "
        f"in {result['batches']} batches -> {result['database']}"
    )
    raise typer.Exit(EXIT_PARTIAL if result["failed"] else EXIT_OK)


def _reprocess(ctx: typer.Context, data_dir: Path | None, name: str) -> dict:
    """Run the reclassify or reextract flow (flows/reprocess.py) with progress bars."""
    from flows.runlock import RunLockedError
    from warehouse import WarehouseLockedError

    settings = settings_for(ctx, data_dir)
    require_warehouse(settings.database_path)
    preflight(settings, overrides(data_dir), sources=False)
    start_prefect(settings.data_dir)
    from flows import reprocess

    try:
        with progress.RichReporter(console) as bars, progress.reporting(bars):
            return getattr(reprocess, name)(overrides=overrides(data_dir))
    except RunLockedError as exc:
        fail(EXIT_RUN_LOCKED, str(exc))
    except WarehouseLockedError as exc:
        fail(EXIT_LOCKED, str(exc))


@app.command()
def reclassify(ctx: typer.Context, data_dir: Path = data_dir_option()) -> None:
    """Classify every stored article again with the current classifier and references
    (no fetching); older versions' rows stay. Resumable. See docs/reprocess.md."""
    out = _reprocess(ctx, data_dir, "reclassify")
    console.print(f"reclassify: {out['message']}; current version: {out['current']}", highlight=False, soft_wrap=True)
    raise typer.Exit(EXIT_OK)


@app.command()
def reextract(ctx: typer.Context, data_dir: Path = data_dir_option()) -> None:
    """Extract stored raw pages again where the extractor version changed (no fetching);
    changed texts are classified again, earlier extractions kept. See docs/reprocess.md."""
    out = _reprocess(ctx, data_dir, "reextract")
    console.print(f"reextract: {out['message']}", highlight=False, soft_wrap=True)
    raise typer.Exit(EXIT_PARTIAL if out["failed"] else EXIT_OK)
