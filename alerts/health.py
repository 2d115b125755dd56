"""Source health alerts: a feed that went quiet, or one that keeps failing.

A framing-shift alert is only as good as its inputs: a think tank whose
feed moved, or whose server has been failing for a week, silently changes
the mix. So these alert too, once per outage.

- source_failing: `consecutive_failures >= K` polls in a row (table
  `sources`, kept by extractors/feed_health.py). One alert per outage: the
  dedup key includes the last success before it, so a source that recovers
  and fails again alerts again.
- source_silent: polls succeed but nothing new for much longer than usual:
  silence_factor x the median gap between its recent items, and at least
  min_silence_days (so a daily publisher is not flagged over a long
  weekend). Needs 5+ items to know what "usual" is. One alert per silence:
  keyed on the last item's time.
"""
from __future__ import annotations

from datetime import datetime

import duckdb

from alerts.detect import alert_id
from alerts.settings import AlertSettings
from warehouse import named_rows

MIN_ITEMS_FOR_USUAL_GAP = 5


def _row(kind: str, source_id: str, key: str, summary: str, start: datetime | None, now: datetime, details: dict) -> dict:
    return {
        "alert_id": alert_id(key), "kind": kind, "framing_id": None, "source_id": source_id, "direction": None,
        "baseline_share": None, "current_share": None, "magnitude": None,
        "window_start": start, "window_end": now, "detected_at": now, "stories": [], "status": "new",
        "delivery_attempts": 0, "dedup_key": key, "summary": summary, "details": details, "delivered_to": [],
    }


def check_sources(conn: duckdb.DuckDBPyConnection, s: AlertSettings, failure_threshold: int, now: datetime) -> list[dict]:
    rows = []
    for r in named_rows(conn, "alert_source_activity"):
        sid = r["source_id"]
        if r["disabled"]:
            continue  # disabled on purpose (e.g. HTTP 410): already visible in `framewatch status`
        fails = r["consecutive_failures"] or 0
        if fails >= failure_threshold:
            since = r["last_success_at"]
            key = f"source_failing:{sid}:{since.isoformat() if since else 'never'}"
            rows.append(_row(
                "source_failing", sid, key,
                f"Source {sid} failed {fails} polls in a row (last success: "
                f"{since:%Y-%m-%d %H:%M} UTC); last error: {(r['last_error'] or '')[:120]}" if since else
                f"Source {sid} failed {fails} polls in a row and never succeeded; last error: {(r['last_error'] or '')[:120]}",
                since, now, {"consecutive_failures": fails, "threshold": failure_threshold, "last_error": r["last_error"]},
            ))
            continue  # a failing feed is also silent; one alert says it
        last, gap, items = r["last_item_at"], r["median_gap_days"], r["recent_items"] or 0
        if last is None or gap is None or items < MIN_ITEMS_FOR_USUAL_GAP:
            continue
        limit = max(s.silence_factor * gap, s.min_silence_days)
        silent_days = (now - last).total_seconds() / 86400
        if silent_days > limit:
            key = f"source_silent:{sid}:{last.isoformat()}"
            rows.append(_row(
                "source_silent", sid, key,
                f"Source {sid} has had nothing new for {silent_days:.0f} days (usually an item every "
                f"{gap:.1f} days; alert after {limit:.0f})",
                last, now, {"silent_days": round(silent_days, 1), "median_gap_days": round(gap, 2),
                            "limit_days": round(limit, 1), "recent_items": items},
            ))
    return rows
