"""`framewatch sources`: source health and diagnosis; `sources add URL`; `sources check`.

Every text that came from the network (titles, error details, URLs) is
escaped and stripped of control characters before Rich prints it.
"""
from __future__ import annotations

import re
from datetime import datetime, timezone
from pathlib import Path

import typer
from rich.table import Table

from cli.app import EXIT_CONFIG, EXIT_PARTIAL, app, console, data_dir_option, escape, fail, require_warehouse, settings_for

sources_app = typer.Typer(help="Sources: health and diagnosis (default), `add URL` to find a feed, `check` to re-diagnose.",
                          invoke_without_command=True)
app.add_typer(sources_app, name="sources")

def clean(text: object, n: int | None = None) -> str:
    """Network text made safe for the terminal (cli.app.escape), cut to n characters."""
    s = str(text if text is not None else "")
    return escape(s[:n] if n else s)


def _warn_contact(settings) -> None:
    from extractors.politeness import contact_warning

    w = contact_warning(settings.fetch.contact)
    if w:
        console.print(f"[yellow]warning:[/yellow] {escape(w)}", highlight=False, soft_wrap=True)


def _when(t) -> str:
    return f"{t:%m-%d %H:%M}" if t else "never"


@sources_app.callback()
def sources(ctx: typer.Context, data_dir: Path = data_dir_option()) -> None:
    """Per source: health status (the source_health view), the last poll's diagnosis and what to do."""
    if ctx.invoked_subcommand is not None:
        return
    from extractors.feed_health import hint
    from warehouse import connect, named_rows

    settings = settings_for(ctx, data_dir)
    db = require_warehouse(settings.database_path)
    conn = connect(db, read_only=True)
    try:
        rows = named_rows(conn, "source_health")
    finally:
        conn.close()
    threshold = rows[0]["failure_threshold"] if rows else settings.fetch.failure_threshold
    t = Table(title=f"source health (failing at {threshold} failed polls in a row; details: SELECT * FROM source_health)")
    t.add_column("source", no_wrap=True)
    for col in ("status", "diagnosis", "via", "last success", "fails", "last new", "what to do"):
        t.add_column(col)
    for r in rows:
        diag = r["diagnosis"] or "-"
        if r["moved"] and r["status"] != "disabled":
            diag += " (moved)"
        status = f"[red]{r['status']}[/red]" if r["status"] in ("failing", "disabled") else r["status"]
        if r["needs_action"]:
            diag = f"[yellow]{escape(diag)}[/yellow]"
        else:
            diag = escape(diag)
        advice = r["disabled_reason"] if r["disabled"] else hint(r["diagnosis"])
        t.add_row(clean(r["source_id"]), status, diag, clean(r["discovery"]), _when(r["last_success_at"]),
                  str(r["consecutive_failures"]), _when(r["last_new_item_at"]), clean(advice, 120))
    console.print(t)
    acting = [r["source_id"] for r in rows if r["needs_action"]]
    if acting:
        console.print(f"[yellow]{len(acting)} source(s) need action:[/yellow] {clean(', '.join(acting))} "
                      "(polled less often until fixed: every 2, 4, then 7 days)", soft_wrap=True)


def _fetcher(settings):
    from extractors.http import Fetcher
    from flows.batches import fetch_policy

    return Fetcher(fetch_policy(settings, settings.fetch.max_feed_bytes))


@sources_app.command("check")
def check(ctx: typer.Context) -> None:
    """Re-diagnose every source in the sources file now, without ingesting anything.

    Exit code 3 when some source needs action (not_a_feed, blocked, robots_disallowed, gone)."""
    from extractors.feed_health import NEEDS_ACTION, hint
    from extractors.poll import discover_many
    from extractors.sources import SourcesFileError, lint_sources, load_sources

    settings = settings_for(ctx)
    try:
        srcs = load_sources(settings.sources_file)
    except SourcesFileError as exc:
        fail(EXIT_CONFIG, str(exc))
    _warn_contact(settings)
    for line in lint_sources(srcs):
        console.print(f"[yellow]sources file:[/yellow] {escape(line)}", highlight=False)
    with _fetcher(settings) as fetcher:
        polls = discover_many(fetcher, srcs, {}, datetime.now(timezone.utc), settings.fetch.stale_days,
                              settings.fetch.max_hosts_in_parallel)
    t = Table(title=f"diagnosis of {len(polls)} sources ({settings.sources_file})")
    for col in ("source", "via", "diagnosis", "what the poll saw", "what to do"):
        t.add_column(col)
    for p in polls:
        code, detail = p.diagnosis
        t.add_row(clean(p.source.id), clean(p.source.discovery), escape(code), clean(detail, 100), escape(hint(code)))
    console.print(t)
    if any(p.diagnosis[0] in NEEDS_ACTION for p in polls):
        raise typer.Exit(EXIT_PARTIAL)


@sources_app.command("add")
def add(
    ctx: typer.Context,
    url: str = typer.Argument(..., help="a site or section URL, e.g. https://example.org/analysis/"),
    source_id: str | None = typer.Option(None, "--id", help="source id (default: from the host name)"),
    name: str | None = typer.Option(None, "--name", help="display name (default: the feed's or page's title)"),
    kind: str = typer.Option("specialist", "--kind", help="specialist (mostly China) or general (topic prefilter applies)"),
    country: str | None = typer.Option(None, "--country", help="two-letter country code"),
    dry_run: bool = typer.Option(False, "--dry-run", help="show what was found; do not write the sources file"),
) -> None:
    """Find URL's feed (<link rel=alternate>, usual and WordPress paths), else its WordPress API or
    sitemaps; validate the best with a real fetch and parse; append the entry to the sources file."""
    from extractors.feed_finder import entry_for, find_route, suggest_id
    from extractors.sources import KINDS, SourcesFileError, is_http_url, append_source, entry_toml

    settings = settings_for(ctx)
    if not is_http_url(url):
        fail(EXIT_CONFIG, f"not an http(s) URL: {url}")
    if kind not in KINDS:
        fail(EXIT_CONFIG, f"--kind must be 'specialist' or 'general', got {kind!r}")
    _warn_contact(settings)
    with _fetcher(settings) as fetcher:
        found = find_route(fetcher, url, stale_days=settings.fetch.stale_days)
    for method, cand, outcome in found.tried:
        console.print(f"  tried {escape(method):8} {clean(cand, 100)}: {clean(outcome, 120)}", highlight=False, soft_wrap=True)
    if not found.ok:
        fail(EXIT_PARTIAL, f"no working feed, WordPress API or dated sitemap found for {url}; nothing written")
    p = found.poll
    newest = f"{p.newest_item_at:%Y-%m-%d}" if p.newest_item_at else "undated"
    text = {True: "full text", False: "teasers only (pages will be fetched)", None: "links only (pages will be fetched)"}[found.full_text]
    console.print(f"[green]found[/green] {escape(found.discovery)} {clean(found.endpoint)}: {len(p.entries)} items, "
                  f"newest {newest}, {text}; diagnosis {escape(p.diagnosis[0])}", highlight=False, soft_wrap=True)
    entry = entry_for(found, source_id or suggest_id(url), name, kind, country)
    try:
        if dry_run:
            typer.echo(entry_toml(entry))
            return
        append_source(settings.sources_file, entry)
    except SourcesFileError as exc:
        fail(EXIT_CONFIG, str(exc))
    console.print(f"appended [bold]{escape(entry['id'])}[/bold] to {escape(settings.sources_file)}", highlight=False)
