"""check_alerts: detect, record, deliver. Called at the end of daily_ingest.

Order matters for "never twice, never lost":
1. detect on the whole history and insert only alerts the table does not
   hold yet (dedup_key UNIQUE + the overlap rule for shifts), in one
   transaction; emit a Prefect event for each alert actually inserted;
2. close the warehouse, then deliver every alert still 'new' -- this run's
   and any whose delivery failed before -- so slow targets never hold
   DuckDB's single write lock;
3. reopen and record per alert which targets took it.
"""
from __future__ import annotations

import json
import logging
from datetime import datetime, timezone
from pathlib import Path

from prefect import task
from prefect.cache_policies import NO_CACHE

from alerts import deliver
from alerts.detect import check_shifts, is_repeat
from alerts.health import check_sources, store_policy
from alerts.settings import AlertContext
from warehouse import connect, named_rows, query
from warehouse.load import to_arrow

log = logging.getLogger(__name__)


def record_new_alerts(conn, rows: list[dict], now: datetime, cooldown_days: int) -> list[dict]:
    """Insert the rows the table does not hold yet; return those inserted."""
    existing_ids = {a for (a,) in conn.execute(query("alert_ids")).fetchall()}
    shifts = conn.execute(query("alert_existing_shifts")).fetchall()
    fresh = []
    for r in rows:
        if r["alert_id"] in existing_ids:
            continue
        if r["kind"] == "framing_shift":
            if is_repeat(r, shifts, cooldown_days):
                continue
            shifts.append((r["alert_id"], r["framing_id"], r["direction"], r["window_start"], r["window_end"]))
        fresh.append({**r, "created_at": now})
        existing_ids.add(r["alert_id"])
    if fresh:
        conn.register("new_alerts", to_arrow(conn, "alerts", fresh))
        try:
            conn.execute("BEGIN TRANSACTION")
            conn.execute(query("insert_alert"))
            conn.execute("COMMIT")
        except Exception:
            conn.execute("ROLLBACK")
            raise
        finally:
            conn.unregister("new_alerts")
    return fresh


def run_check(db_path: Path | str, settings: AlertContext, now: datetime | None = None, conn=None) -> dict:
    """The work of check_alerts, callable without Prefect (CLI, tests).

    `conn`: the caller's open connection to the warehouse, used instead of
    opening it twice (and left open). A run that fetched nothing passes the
    one it holds: each open costs ~50 ms, a fair part of an all-304 run.
    The file then stays open while alerts are delivered."""
    now = now or datetime.now(timezone.utc)
    s = settings.alerts
    summary = {"new": 0, "new_alerts": [], "delivered": 0, "failed": 0, "pending": 0, "errors": [],
               "granularity": None, "stories_per_week": 0.0, "blocked_reason": None, "events": 0,
               "targets": len(settings.alert_urls), "min_baseline_stories": s.min_baseline_stories}
    if not Path(db_path).exists():
        summary["blocked_reason"] = "no warehouse yet"
        return summary
    own = conn is None
    conn = connect(db_path) if own else conn
    try:
        shifts = check_shifts(conn, s)
        store_policy(conn, s.failure_threshold or settings.fetch.failure_threshold, s.silence_factor,
                     s.min_silence_days, settings.fetch.stale_days, now)
        health = check_sources(conn, now)
        fresh = record_new_alerts(conn, shifts.rows + health, now, s.cooldown_days)
        pending = named_rows(conn, "alerts_undelivered")
    finally:
        if own:
            conn.close()
    summary.update(granularity=shifts.granularity, stories_per_week=round(shifts.stories_per_week, 1),
                   blocked_reason=shifts.blocked_reason, baseline_stories=shifts.baseline_stories,
                   new=len(fresh), new_alerts=[f"{a['alert_id']} {a['summary']}" for a in fresh])
    summary["events"] = sum(deliver.emit(a) for a in fresh)

    tgs = deliver.targets(settings.alert_urls)
    outcomes = []
    if tgs:
        for a in pending:
            done, errors = deliver.send(a, tgs)
            all_done = all(t.fingerprint in done for t in tgs)
            outcomes.append((a["alert_id"], "; ".join(errors) or None, done, all_done))
            a["status"] = "sent" if all_done else "new"
            summary["delivered" if all_done else "failed"] += 1
            summary["errors"] += errors
        conn = connect(db_path) if own else conn
        try:
            for alert_id, err, done, all_done in outcomes:
                conn.execute(query("alert_mark_delivery"), [alert_id, err, json.dumps(done), all_done])
        finally:
            if own:
                conn.close()
    summary["pending"] = len(pending) - summary["delivered"]
    if not tgs and pending:
        summary["errors"].append("no alert_urls configured: alerts stay 'new' (see README, Alerts)")
    deliver.publish_artifact(deliver.artifact_markdown(summary, pending))
    return summary


@task(name="check_alerts", cache_policy=NO_CACHE)
def check_alerts(db_path: Path | str, settings: AlertContext, conn=None) -> dict:
    """Detect framing shifts and source outages, record and deliver alerts.

    Never fails the calling flow: the articles are loaded by now, and an
    alerting problem is reported in the summary (and retried next run).
    `conn`: see run_check.
    """
    try:
        return run_check(db_path, settings, conn=conn)
    except Exception as exc:
        log.exception("alert check failed")
        return {"error": f"{type(exc).__name__}: {exc}", "new": 0, "delivered": 0, "failed": 0, "pending": 0}
