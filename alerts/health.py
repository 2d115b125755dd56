"""Source health alerts: a feed that went quiet, or one that keeps failing.

A framing-shift alert is only as good as its inputs: a think tank whose
feed moved, or whose server has been failing for a week, silently changes
the mix. So these alert too, once per outage.

What "failing" and "silent" mean is defined once, in the warehouse view
`source_health` (warehouse/sql/views.sql; thresholds from health_policy,
written by every run). This module only turns its `status` into alerts:

- source_failing: status 'failing' (failure_threshold polls in a row). One
  alert per outage: the dedup key includes the last success before it, so a
  source that recovers and fails again alerts again.
- source_silent: status 'silent' (nothing new for silence_limit_days, i.e.
  silence_factor x its usual gap and at least min_silence_days). One alert
  per silence: keyed on the last item's time.
"""
from __future__ import annotations

from datetime import datetime

import duckdb

from alerts.detect import alert_id
from warehouse import named_rows, query


def _row(kind: str, source_id: str, key: str, summary: str, start: datetime | None, now: datetime, details: dict) -> dict:
    return {
        "alert_id": alert_id(key), "kind": kind, "framing_id": None, "source_id": source_id, "direction": None,
        "baseline_share": None, "current_share": None, "magnitude": None,
        "window_start": start, "window_end": now, "detected_at": now, "stories": [], "status": "new",
        "delivery_attempts": 0, "dedup_key": key, "summary": summary, "details": details, "delivered_to": [],
    }


def store_policy(conn: duckdb.DuckDBPyConnection, failure_threshold: int, silence_factor: float,
                 min_silence_days: float, stale_days: int, now: datetime) -> None:
    """Write the thresholds this check runs with, so the view and `framewatch sources` use them too."""
    conn.execute(query("set_health_policy"), [failure_threshold, silence_factor, min_silence_days, stale_days, now])


def check_sources(conn: duckdb.DuckDBPyConnection, now: datetime) -> list[dict]:
    """Alerts for sources the source_health view calls failing or silent (as of `now`)."""
    rows = []
    for r in named_rows(conn, "alert_source_activity", [now]):
        sid = r["source_id"]
        if r["status"] == "failing":
            fails, threshold, since = r["consecutive_failures"], r["failure_threshold"], r["last_success_at"]
            key = f"source_failing:{sid}:{since.isoformat() if since else 'never'}"
            rows.append(_row(
                "source_failing", sid, key,
                f"Source {sid} failed {fails} polls in a row (last success: "
                f"{since:%Y-%m-%d %H:%M} UTC); last error: {(r['last_error'] or '')[:120]}" if since else
                f"Source {sid} failed {fails} polls in a row and never succeeded; last error: {(r['last_error'] or '')[:120]}",
                since, now, {"consecutive_failures": fails, "threshold": threshold, "last_error": r["last_error"],
                             "diagnosis": r["diagnosis"]},
            ))
        elif r["status"] == "silent":
            last, gap, limit, silent = r["last_item_at"], r["median_gap_days"], r["silence_limit_days"], r["silent_days"]
            key = f"source_silent:{sid}:{last.isoformat()}"
            rows.append(_row(
                "source_silent", sid, key,
                f"Source {sid} has had nothing new for {silent:.0f} days (usually an item every "
                f"{gap:.1f} days; alert after {limit:.0f})",
                last, now, {"silent_days": round(silent, 1), "median_gap_days": round(gap, 2),
                            "limit_days": round(limit, 1), "recent_items": r["recent_items"]},
            ))
    return rows
