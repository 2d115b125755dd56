"""The per-stage summary every run ends with, in three forms from one list of rows:
a rich table (CLI), a Prefect markdown artifact and log lines (scheduled runs,
where nobody watches a terminal).
"""
from __future__ import annotations

ARTIFACT_KEY = "framewatch-run-summary"
MAX_LISTED_ERRORS = 20


def summary_rows(summary: dict) -> list[tuple[str, int, float | None]]:
    """(stage, count, seconds or None) in the order the run goes through them."""
    c, t = summary["counts"], summary["timings"]
    return [
        ("feeds polled", c["feeds_polled"], t.get("poll")),
        ("  not modified (304 or same bytes)", c["feeds_not_modified"], None),
        ("  conditional requests sent", c.get("feeds_conditional", 0), None),
        ("  answered 304 Not Modified", c.get("feeds_304", 0), None),
        ("  flagged (failing in a row)", c.get("feeds_flagged", 0), None),
        ("  failed", c["feeds_failed"], None),
        ("entries in feeds", c["entries_seen"], None),
        ("  skipped: no usable link", c.get("entries_skipped", 0), None),
        ("  over a feed's cap: queued for next run", c.get("entries_deferred", 0), None),
        ("  kept without their untrusted date", c.get("dates_distrusted", 0), None),
        ("  to fetch (new, retried, resumed)", c["entries_new"], None),
        ("pages fetched", c["pages_fetched"], t.get("fetch")),
        ("  failed", c["pages_failed"], None),
        # extraction, classification and MinHash run in one pass per page (flows/page_work.py): one figure
        ("articles extracted", c["articles_extracted"], t.get("extract")),
        ("  extraction failed", c["extraction_failed"], None),
        ("articles classified", c["articles_classified"], t.get("classify")),
        ("new stories (copies grouped)", c.get("stories_new", 0), t.get("dedup")),
        ("articles loaded", c["articles_loaded"], t.get("load")),
    ]


def _secs(s: float | None) -> str:
    return f"{s:.2f}" if s is not None else ""


def summary_markdown(summary: dict) -> str:
    lines = [
        f"# framewatch run {summary['run_id']}: {summary['status']}",
        "",
        f"Warehouse: `{summary['database']}`",
        "",
        "| stage | count | seconds |",
        "|---|---:|---:|",
    ]
    lines += [f"| {name.strip() if not name.startswith('  ') else '↳ ' + name.strip()} | {n} | {_secs(s)} |"
              for name, n, s in summary_rows(summary)]
    labels = summary.get("labels") or {}
    lines += ["", "## New articles per label", ""]
    if labels:
        lines += ["| label | articles |", "|---|---:|"]
        lines += [f"| {label} | {n} |" for label, n in sorted(labels.items(), key=lambda kv: (-kv[1], kv[0]))]
    else:
        lines.append("No new article in this run.")
    errors = summary.get("errors") or []
    lines += ["", f"## Failures ({summary.get('error_count', len(errors))})", ""]
    if errors:
        lines += ["| stage | source | reason | URL |", "|---|---|---|---|"]
        for e in errors[:MAX_LISTED_ERRORS]:
            lines.append(f"| {e['stage']} | {e['source_id'] or ''} | {e['reason']} | {e['url'] or ''} |")
        total = summary.get("error_count", len(errors))
        if total > MAX_LISTED_ERRORS:
            lines.append(f"\n... and {total - MAX_LISTED_ERRORS} more in the warehouse table `fetch_errors`.")
    else:
        lines.append("None.")
    return "\n".join(lines) + "\n"


def summary_log_lines(summary: dict) -> list[str]:
    width = max(len(name) for name, _, _ in summary_rows(summary))
    out = [f"run {summary['run_id']}: {summary['status']}"]
    out += [f"{name:<{width}} {n:>7} {_secs(s):>8}" for name, n, s in summary_rows(summary)]
    if summary.get("labels"):
        out.append("new per label: " + ", ".join(f"{k}={v}" for k, v in sorted(summary["labels"].items())))
    return out


def publish_summary(summary: dict) -> None:
    """From inside a flow run: the summary as a markdown artifact and in the run's log."""
    from prefect import get_run_logger
    from prefect.artifacts import create_markdown_artifact

    create_markdown_artifact(
        key=ARTIFACT_KEY,
        markdown=summary_markdown(summary),
        description=f"framewatch run {summary['run_id']}: counts and seconds per stage, new articles per label, failures",
    )
    logger = get_run_logger()
    for line in summary_log_lines(summary):
        logger.info(line)
