"""The `framewatch` Typer app, its exit codes and what every command shares.

Commands live one module per group (cli/ingest.py, cli/ops.py, cli/analyst.py,
cli/alerts.py, cli/history.py) and register themselves on `app`.

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
  7  another run (run, demo, backfill, reclassify, reextract) holds this warehouse's
     run lock; one line names its PID and start time. A lock left by a dead
     process is taken over automatically, so this always means a live run.

An unexpected exception is one line too (exit 1); FRAMEWATCH_TRACEBACK=1 shows
the traceback for a bug report.
"""
from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import typer
from rich.console import Console

from flows.config_view import ConfigError, load_or_explain, unknown_env_warnings
from flows.settings import Settings, check_data_dir

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Monitor how think tanks frame US-China relations.")
console = Console()
# Warnings go to stderr, so `framewatch config > framewatch.toml` and --csv output stay clean.
err_console = Console(stderr=True)

EXIT_OK, EXIT_CONFIG, EXIT_PARTIAL, EXIT_FAILED, EXIT_LOCKED, EXIT_NO_SERVER, EXIT_RUN_LOCKED = 0, 2, 3, 4, 5, 6, 7

# Every command that reads or writes the warehouse takes this one option.
DATA_DIR_HELP = "data folder holding framewatch.duckdb and its snapshot (default: data_dir from settings)"


def data_dir_option():
    return typer.Option(None, "--data-dir", "-d", help=DATA_DIR_HELP, show_default=False)


@app.callback()
def main(
    ctx: typer.Context,
    verbose: bool = typer.Option(False, "--verbose", "-v", help="show Prefect's own log lines (flow and task runs)"),
) -> None:
    """Validate the settings once for every command: a bad key stops here, named, with exit code 2."""
    if verbose:
        # Read by Prefect at import, which happens later (in the command).
        os.environ["PREFECT_LOGGING_LEVEL"] = "INFO"
    for line in unknown_env_warnings():
        err_console.print(f"[yellow]warning:[/yellow] {escape(line)}", highlight=False, soft_wrap=True)
    try:
        ctx.obj = load_or_explain()
    except ConfigError as exc:
        fail_config(*exc.lines)


def fail(code: int, *lines: str) -> None:
    """One `error:` line per message (never markup from the message itself), then exit."""
    for line in lines:
        console.print(f"[red]error:[/red] {escape(line)}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def fail_config(*lines: str) -> None:
    fail(EXIT_CONFIG, *lines)


# C0/C1 control characters (ESC starts terminal escape sequences) and the
# Unicode bidi overrides that reorder what a terminal shows; tab and newline stay.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


def escape(text: object) -> str:
    """Text from a feed, a page or a server, safe to print: Rich markup
    escaped (`[/]` in a link must not close a tag, or crash the print),
    control characters removed (no escape sequence reaches the terminal),
    and line breaks folded: one record, one line."""
    from rich.markup import escape as _escape

    return _escape(_CONTROL.sub("", " ".join(str(text).split()) if text is not None else ""))


def settings_for(ctx: typer.Context, data_dir: Path | None = None) -> Settings:
    """The validated settings, with --data-dir applied (flows get it through `overrides(data_dir)`)."""
    settings = ctx.obj if isinstance(ctx.obj, Settings) else load_or_explain()
    if data_dir is None:
        return settings
    try:
        check_data_dir(Path(data_dir))
    except ValueError as exc:
        fail_config(f"invalid --data-dir: {exc}")
    return settings.model_copy(update={"data_dir": Path(data_dir)})


def overrides(data_dir: Path | None) -> dict:
    """What a flow needs to honour --data-dir: every flow takes `overrides` for load_settings."""
    return {} if data_dir is None else {"data_dir": str(data_dir)}


def require_warehouse(db: Path) -> Path:
    if not Path(db).exists():
        fail_config(f"no warehouse at {db} yet: run `framewatch run` (or `framewatch demo`) first, or give --data-dir")
    return Path(db)


def main() -> None:
    """The `framewatch` entry point (pyproject.toml, `python -m cli`)."""
    try:
        app(prog_name="framewatch")
    except Exception as exc:  # a bug: one line for the user, the traceback on request
        if os.environ.get("FRAMEWATCH_TRACEBACK"):
            raise
        console.print(f"[red]error:[/red] internal error, {escape(type(exc).__name__)}: {escape(exc)} "
                      "(FRAMEWATCH_TRACEBACK=1 shows the traceback; please report it)", highlight=False, soft_wrap=True)
        sys.exit(1)
