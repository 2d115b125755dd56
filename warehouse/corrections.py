"""Analysts' label corrections: durable at once, in the warehouse soon after.

The warehouse has one writer at a time, and the daily run holds it for
minutes. A correction must neither wait for the run nor make the run wait,
and must never be lost. So a correction goes first into a small *pending
store* next to the warehouse (`label-corrections.sqlite`, SQLite in WAL
mode: durable on commit, many writers, stdlib), and from there into the
warehouse table `label_corrections` (migration 008) by `merge_pending()`,
a short write that gives up after `lock_timeout` seconds when a run holds
the file and is simply tried again later (the explorer retries every
`MERGE_EVERY` seconds; `framewatch labels export` tries once). Rows stay
in the pending store after merging (marked merged): it is a journal, and
merging is idempotent (correction_id is the primary key on both sides).

Readers see both at once: `all_corrections()` is the union of the
snapshot's table and the pending store, so a correction shows in the
explorer and in the exported CSV the moment it is made, before or after
any run.
"""
from __future__ import annotations

import csv
import getpass
import sqlite3
import uuid
from collections.abc import Iterable
from datetime import datetime, timezone
from pathlib import Path

import duckdb

from warehouse.db import WarehouseLockedError, connect

PENDING_FILE = "label-corrections.sqlite"
# The labels a story can be corrected to besides the framing ids.
OTHER_LABELS = ("mixed", "neither", "off_topic")
# The CSV `framewatch eval --labels` and `calibrate --labels` read.
CSV_COLUMNS = ("url", "article_id", "label", "note", "corrected_by", "corrected_at")
FIELDS = ("correction_id", "article_id", "story_id", "url", "original_label", "classifier", "classifier_version",
          "label", "note", "corrected_by", "corrected_at")


class CorrectionError(ValueError):
    pass


def pending_path(database: Path | str) -> Path:
    return Path(database).with_name(PENDING_FILE)


def _open_pending(database: Path | str) -> sqlite3.Connection:
    path = pending_path(database)
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, timeout=30)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")  # a correction the analyst saw saved survives a power cut
    conn.execute(
        "CREATE TABLE IF NOT EXISTS pending (correction_id TEXT PRIMARY KEY, article_id TEXT NOT NULL, story_id TEXT, "
        "url TEXT, original_label TEXT, classifier TEXT, classifier_version TEXT, label TEXT NOT NULL, note TEXT, "
        "corrected_by TEXT NOT NULL, corrected_at TEXT NOT NULL, merged_at TEXT)"
    )
    return conn


def default_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name (some containers): still record something honest
        return "unknown"


def record(database: Path | str, *, article_id: str, label: str, allowed_labels: Iterable[str], corrected_by: str,
           note: str | None = None, story_id: str | None = None, url: str | None = None,
           original_label: str | None = None, classifier: str | None = None,
           classifier_version: str | None = None) -> dict:
    """Store one correction durably in the pending store; returns it as a dict."""
    allowed = set(allowed_labels)
    if label not in allowed:
        raise CorrectionError(f"label must be one of {', '.join(sorted(allowed))}, not {label!r}")
    if not article_id:
        raise CorrectionError("article_id is required")
    corrected_by = (corrected_by or "").strip() or default_user()
    row = {
        "correction_id": uuid.uuid4().hex, "article_id": article_id, "story_id": story_id, "url": url,
        "original_label": original_label, "classifier": classifier, "classifier_version": classifier_version,
        "label": label, "note": (note or "").strip() or None, "corrected_by": corrected_by[:200],
        "corrected_at": datetime.now(timezone.utc).isoformat(timespec="microseconds"),
    }
    conn = _open_pending(database)
    try:
        with conn:
            conn.execute(f"INSERT INTO pending ({', '.join(FIELDS)}) VALUES ({', '.join('?' * len(FIELDS))})",
                         [row[f] for f in FIELDS])
    finally:
        conn.close()
    return row


def pending_rows(database: Path | str, unmerged_only: bool = False) -> list[dict]:
    if not pending_path(database).exists():
        return []
    conn = _open_pending(database)
    try:
        conn.row_factory = sqlite3.Row
        where = " WHERE merged_at IS NULL" if unmerged_only else ""
        return [dict(r) for r in conn.execute(f"SELECT * FROM pending{where} ORDER BY corrected_at")]
    finally:
        conn.close()


def merge_pending(database: Path | str, lock_timeout: float = 2.0) -> int:
    """Copy unmerged corrections into the warehouse; the number merged.

    Raises WarehouseLockedError when a run holds the warehouse for longer
    than lock_timeout: the rows stay pending and the caller tries later.
    """
    rows = pending_rows(database, unmerged_only=True)
    if not rows or not Path(database).exists():
        return 0
    conn = connect(database, lock_timeout=lock_timeout)
    try:
        conn.executemany(
            f"INSERT INTO label_corrections ({', '.join(FIELDS)}, merged_at) "
            f"VALUES ({', '.join('?' * len(FIELDS))}, now()) ON CONFLICT DO NOTHING",
            [[r[f] for f in FIELDS] for r in rows],
        )
    finally:
        conn.close()
    now = datetime.now(timezone.utc).isoformat()
    pconn = _open_pending(database)
    try:
        with pconn:
            pconn.executemany("UPDATE pending SET merged_at = ? WHERE correction_id = ?", [(now, r["correction_id"]) for r in rows])
    finally:
        pconn.close()
    return len(rows)


def try_merge(database: Path | str, lock_timeout: float = 2.0) -> tuple[int, str | None]:
    """merge_pending that reports a locked warehouse instead of raising: (merged, reason)."""
    try:
        return merge_pending(database, lock_timeout), None
    except WarehouseLockedError:
        return 0, "the warehouse is busy (a run holds it); the corrections stay pending and are merged later"


def snapshot_corrections(conn: duckdb.DuckDBPyConnection, catalog: str | None = None) -> list[dict]:
    """The corrections in an open snapshot (none if it predates migration 008)."""
    where = f" AND table_catalog = '{catalog}'" if catalog else ""
    exists = conn.execute(
        f"SELECT count(*) FROM information_schema.tables WHERE table_name = 'label_corrections'{where}").fetchall()[0][0]
    if not exists:
        return []
    prefix = f"{catalog}.main." if catalog else ""
    cur = conn.execute(f"SELECT {', '.join(FIELDS)} FROM {prefix}label_corrections")
    return [dict(zip(FIELDS, r)) for r in cur.fetchall()]


def _iso(value) -> str:
    if isinstance(value, datetime):
        return value.astimezone(timezone.utc).isoformat(timespec="microseconds")
    return str(value)


def combine(snapshot_rows: list[dict], pending: list[dict]) -> list[dict]:
    """Union by correction_id, corrected_at as ISO text, oldest first."""
    out = {r["correction_id"]: {**r, "corrected_at": _iso(r["corrected_at"])} for r in snapshot_rows}
    for r in pending:
        out.setdefault(r["correction_id"], {f: r.get(f) for f in FIELDS})
    return sorted(out.values(), key=lambda r: (r["corrected_at"], r["correction_id"]))


def latest_per_article(rows: list[dict]) -> dict[str, dict]:
    """article_id -> its newest correction (later corrections supersede earlier ones)."""
    out: dict[str, dict] = {}
    for r in rows:  # oldest first: the last one wins
        out[r["article_id"]] = r
    return out


def all_corrections(snapshot: Path | str, database: Path | str) -> list[dict]:
    """Every correction: the snapshot's table plus the pending store."""
    from warehouse.analyst import open_snapshot

    snap_rows: list[dict] = []
    if Path(snapshot).exists():
        conn = open_snapshot(snapshot)
        try:
            snap_rows = snapshot_corrections(conn)
        finally:
            conn.close()
    return combine(snap_rows, pending_rows(database))


def write_csv(rows: Iterable[dict], out: Path | str) -> int:
    """The labels CSV (url,article_id,label,note,corrected_by,corrected_at): one row per article, its newest correction."""
    latest = latest_per_article(list(rows))
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(CSV_COLUMNS)
        for r in sorted(latest.values(), key=lambda r: r["corrected_at"]):
            w.writerow([r.get(c) or "" for c in CSV_COLUMNS])
    return len(latest)


__all__ = ["record", "merge_pending", "try_merge", "all_corrections", "write_csv", "pending_rows", "latest_per_article",
           "combine", "snapshot_corrections", "CorrectionError", "OTHER_LABELS", "CSV_COLUMNS"]
