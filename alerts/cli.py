"""What `framewatch alerts` prints; flows/cli.py only wires the commands."""
from __future__ import annotations

import json
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from warehouse import connect, named_rows, query
from warehouse.db import transaction


def _rows(db: Path, read_only: bool = True) -> list[dict]:
    conn = connect(db, read_only=read_only)
    try:
        return named_rows(conn, "alerts_list")
    finally:
        conn.close()


def print_alerts(console: Console, db: Path, limit: int = 20) -> None:
    try:
        rows = _rows(db)[:limit]
    except Exception as exc:  # warehouse from before the alerts migration
        if "alerts" not in str(exc):
            raise
        rows = []
    if not rows:
        console.print("No alerts yet.")
        return
    t = Table(title=f"alerts (newest first, up to {limit})")
    for col in ("id", "kind", "what", "window", "status", "delivery"):
        t.add_column(col)
    for a in rows:
        window = f"{a['window_start']:%Y-%m-%d}..{a['window_end']:%Y-%m-%d}" if a["window_start"] else ""
        delivery = f"{a['delivery_attempts']} attempt(s)" + (f"; {a['last_delivery_error']}" if a["last_delivery_error"] and a["status"] == "new" else "")
        t.add_row(*(escape(str(v)) for v in (a["alert_id"], a["kind"], a["summary"], window, a["status"], delivery)))
    console.print(t)
    for a in rows:
        stories = json.loads(a["stories"]) if isinstance(a["stories"], str) else (a["stories"] or [])
        if a["kind"] != "framing_shift" or a["status"] == "acknowledged":
            continue
        console.print(f"\n[bold]{escape(a['alert_id'])}[/bold] {escape(str(a['summary']))}", highlight=False)
        details = json.loads(a["details"]) if isinstance(a["details"], str) else (a["details"] or {})
        console.print(f"  {details.get('granularity')} CUSUM statistic {details.get('statistic', 0):.1f} >= "
                      f"threshold {details.get('threshold', 0):.1f}; baseline {details.get('baseline_stories')} stories")
        console.print("  Evidence (stories that drove it):")
        for s in stories:
            # Titles, URLs and sentences come from the network: never markup.
            line = f"  - {(s.get('published_at') or '')[:10]} [{s.get('label')}] {s.get('title') or s['story_id']}  {s.get('url') or ''}"
            console.print(escape(line), highlight=False)
            if s.get("evidence"):
                console.print(escape(f"      \u201c{s['evidence'][:200]}\u201d"), highlight=False)
    console.print("\nAcknowledge with: framewatch alerts ack ID")


def acknowledge(db: Path, alert_id: str) -> bool:
    conn = connect(db)
    try:
        with transaction(conn):  # counts as a change: the next run republishes the snapshot
            return bool(conn.execute(query("alert_ack"), [alert_id]).fetchall())
    finally:
        conn.close()


def print_check_summary(console: Console, summary: dict, data_dir: str | None = None) -> None:
    """The alerts part of a run summary (framewatch run / demo); the hints name
    the run's data dir, so they work exactly as printed."""
    if summary.get("error"):
        console.print(f"[red]alerts:[/red] check failed: {escape(str(summary['error']))}", highlight=False)
        return
    gran = summary.get("granularity")
    console.print(
        f"\n[bold]Alerts[/bold]: {summary['new']} new, {summary['delivered']} delivered, {summary['failed']} failed "
        f"delivery (retried next run), {summary['pending']} waiting."
        + (f" Detector: {gran} CUSUM at {summary.get('stories_per_week', 0):.0f} on-topic stories/week, "
           f"minimum baseline {summary.get('min_baseline_stories')} stories." if gran else "")
    )
    if gran == "weekly":
        console.print("  (weekly counts: the low-volume fallback, below alerts.weekly_below_per_week stories a week)")
    if summary.get("blocked_reason"):
        console.print(f"  No framing-shift alert possible now: {summary['blocked_reason']}")
    for line in summary.get("new_alerts", []):
        console.print(f"  [yellow]new[/yellow] {escape(str(line))}", highlight=False)  # titles come from the network
    for e in summary.get("errors", []):
        console.print(f"  [red]delivery[/red] {escape(str(e))}", highlight=False)
    if "received_by_demo_webhook" in summary:
        got = summary["received_by_demo_webhook"]
        console.print(f"  Demo webhook (127.0.0.1) received {len(got)} alert(s) this run"
                      + ("; nothing new was sent." if not got else ":"))
        for t in got:
            console.print(f"    {escape(str(t))}", highlight=False)
    if summary.get("new") or summary.get("pending"):
        d = f" -d {data_dir}" if data_dir else ""
        console.print(f"  List with evidence: framewatch alerts{escape(d)}   Acknowledge: framewatch alerts ack ID{escape(d)}",
                      highlight=False, soft_wrap=True)
