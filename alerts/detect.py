"""From the warehouse's daily counts to framing-shift alert rows.

The whole history is re-run on every check (a few thousand periods of
numpy: milliseconds). That keeps the detector stateless and reproducible --
the same data always give the same detections -- and the alerts table's
dedup_key, plus the overlap rule below, turn "detected again" into "already
alerted".
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone

import duckdb
import numpy as np

from alerts.calibrate import load_thresholds
from alerts.cusum import Detection, FramingState, detect, params_for, to_weekly
from alerts.settings import AlertSettings
from warehouse import named_rows, query


@dataclass
class DailyCounts:
    days: list[date]
    framings: list[str]
    k: np.ndarray  # (F, T) stories per framing per day
    n: np.ndarray  # (T,) on-topic stories per day


@dataclass
class ShiftCheck:
    rows: list[dict] = field(default_factory=list)  # new alert rows (not yet deduplicated against the table)
    granularity: str | None = None
    stories_per_week: float = 0.0
    baseline_stories: int = 0
    blocked_reason: str | None = None  # why the latest period could not be watched


def daily_counts(conn: duckdb.DuckDBPyConnection) -> DailyCounts:
    rows = conn.execute(query("alert_daily_counts")).fetchall()
    framings = [f for (f,) in conn.execute(query("alert_framing_ids")).fetchall()]
    if not rows:
        return DailyCounts([], framings, np.zeros((len(framings), 0)), np.zeros(0))
    first, last = rows[0][0], rows[-1][0]
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    k = np.zeros((len(framings), len(days)))
    n = np.zeros(len(days))
    idx = {f: i for i, f in enumerate(framings)}
    for day, label, stories in rows:
        t = (day - first).days
        n[t] += stories  # every on-topic label counts, 'mixed' and 'neither' too
        if label in idx:
            k[idx[label], t] += stories
    return DailyCounts(days, framings, k, n)


def choose_granularity(c: DailyCounts, s: AlertSettings) -> tuple[str, float]:
    """Daily CUSUM at normal volume, weekly below `weekly_below_per_week`
    stories a week (judged on the most recent baseline+lag span)."""
    span = min(len(c.days), s.baseline_days + s.lag_days)
    per_week = float(c.n[-span:].sum() / span * 7) if span else 0.0
    if s.granularity != "auto":
        return s.granularity, per_week
    return ("weekly" if per_week < s.weekly_below_per_week else "daily"), per_week


def _ts(d: date) -> datetime:
    return datetime(d.year, d.month, d.day, tzinfo=timezone.utc)


def alert_id(dedup_key: str) -> str:
    return hashlib.sha256(dedup_key.encode()).hexdigest()[:10]


def _pct(x: float) -> str:
    return f"{100 * x:.0f}%"


def check_shifts(conn: duckdb.DuckDBPyConnection, s: AlertSettings) -> ShiftCheck:
    c = daily_counts(conn)
    out = ShiftCheck()
    if not c.days or not c.framings:
        out.blocked_reason = "no classified on-topic stories yet"
        return out
    gran, per_week = choose_granularity(c, s)
    out.granularity, out.stories_per_week = gran, per_week
    params = params_for(gran, baseline_days=s.baseline_days, lag_days=s.lag_days, cooldown_days=s.cooldown_days,
                        min_baseline=s.min_baseline_stories, odds_ratio=s.shift_odds_ratio)
    thresholds = load_thresholds(gran, s.target_false_alarms_per_year, s.shift_odds_ratio)
    if gran == "weekly":
        k, n, offset = to_weekly(c.k, c.n, c.days[0].weekday())
        start = c.days[0] - timedelta(days=offset)
        first_day = lambda t: start + timedelta(days=7 * t)  # noqa: E731
        last_day = lambda t: start + timedelta(days=7 * t + 6)  # noqa: E731
    else:
        k, n = c.k, c.n
        first_day = last_day = lambda t: c.days[0] + timedelta(days=t)  # noqa: E731
    res = detect(k, n, c.framings, params, thresholds)
    out.baseline_stories = res.last_baseline_stories
    if res.blocked_reason:
        out.blocked_reason = res.blocked_reason
        if "needs" in res.blocked_reason and per_week > 0:
            short = s.min_baseline_stories - res.last_baseline_stories
            out.blocked_reason += (
                f"; at {per_week:.0f} on-topic stories a week that is about {short / per_week:.0f} more weeks"
                f" (plus the {s.lag_days}-day lag), or lower alerts.min_baseline_stories"
            )
    fidx = {f: i for i, f in enumerate(c.framings)}
    for d in res.detections:
        out.rows.append(_shift_row(conn, d, k, n, fidx, first_day(d.change_index), last_day(d.alarm_index), gran, s))
    return out


def _share(k: np.ndarray, n: np.ndarray, f: int, a: int, b: int) -> tuple[float, int, int]:
    kk, nn = int(k[f, a:b + 1].sum()), int(n[a:b + 1].sum())
    return (kk / nn if nn else 0.0), kk, nn


def _shift_row(conn, d: Detection, k, n, fidx, start: date, end: date, gran: str, s: AlertSettings) -> dict:
    p: FramingState = d.primary
    current, kk, nn = _share(k, n, fidx[p.framing], d.change_index, d.alarm_index)
    moved = []
    for m in d.moved:
        cur, mk, mn = _share(k, n, fidx[m.framing], d.change_index, d.alarm_index)
        moved.append({"framing_id": m.framing, "direction": m.direction, "baseline_share": round(m.baseline_share, 4),
                      "current_share": round(cur, 4), "stories": mk, "of": mn,
                      "statistic": round(m.statistic, 3), "threshold": round(m.threshold, 3)})
    risers = {m["framing_id"] for m in moved if m["direction"] == "up"}
    stories = _evidence(conn, start, end, p.framing if p.direction == "up" else None, risers, s.max_evidence_stories)
    verb = "rose" if p.direction == "up" else "fell"
    others = "; ".join(f"{m['framing_id']} {'rose' if m['direction'] == 'up' else 'fell'} "
                       f"{_pct(m['baseline_share'])} -> {_pct(m['current_share'])}" for m in moved[1:])
    summary = (f"Framing shift: {p.framing} {verb} from {_pct(p.baseline_share)} to {_pct(current)} of on-topic "
               f"stories ({kk} of {nn}, {start:%Y-%m-%d}..{end:%Y-%m-%d})" + (f"; {others}" if others else ""))
    key = f"framing_shift:{p.framing}:{p.direction}:{start.isoformat()}"
    return {
        "alert_id": alert_id(key), "kind": "framing_shift", "framing_id": p.framing, "source_id": None,
        "direction": p.direction, "baseline_share": p.baseline_share, "current_share": current,
        "magnitude": abs(current - p.baseline_share), "window_start": _ts(start), "window_end": _ts(end),
        "detected_at": _ts(end), "stories": stories, "status": "new", "delivery_attempts": 0,
        "dedup_key": key, "summary": summary, "delivered_to": [],
        "details": {"granularity": gran, "statistic": p.statistic, "threshold": p.threshold,
                    "baseline_stories": p.baseline_stories, "window_stories": nn, "moved": moved,
                    "odds_ratio": s.shift_odds_ratio, "target_false_alarms_per_year": s.target_false_alarms_per_year},
    }


def _evidence(conn, start: date, end: date, label: str | None, risers: set[str], limit: int) -> list[dict]:
    """The stories that drove it: for a rise, those with the rising label;
    for a fall, those that took its place (rising co-movers first)."""
    rows = named_rows(conn, "alert_window_stories", [start, end])
    if label is not None:
        rows = [r for r in rows if r["label"] == label]
    else:
        rows = sorted(rows, key=lambda r: r["label"] not in risers)  # stable: keeps confidence order
    return [{"story_id": r["story_id"], "article_id": r["article_id"], "title": r["title"], "url": r["url"],
             "source_id": r["source_id"], "label": r["label"],
             "published_at": r["item_at"].isoformat() if r["item_at"] else None,
             "confidence": r["confidence"], "evidence": r["article_sentence"],
             "reference_sentence": r["reference_sentence"]} for r in rows[:limit]]


def is_repeat(row: dict, existing: list[tuple], cooldown_days: int) -> bool:
    """The same shift seen again with a slightly different path (late
    articles, a re-classification) must not alert twice: any framing-shift
    alert detected within the cool-down of this one covers it."""
    for _id, _f, _d, _ws, we in existing:
        if we is not None and abs((row["window_end"] - we).total_seconds()) <= cooldown_days * 86400:
            return True
    return False
