"""What the explorer shows, read from the analyst snapshot.

The snapshot is ATTACHed read-only to an in-memory DuckDB: the app never
opens the pipeline's file for reading, so it never blocks a run, and a
run never blocks it. The snapshot is replaced by an atomic rename when a
run publishes a new one; every request checks the file's identity (inode,
mtime, size) and, when it changed, opens the new one. On opening, the
stories (one row per story, from the story_framings view) are copied into
memory once, so every overview is an aggregate over a table in RAM rather
than a re-evaluation of the view (which on a 1M-article warehouse takes
seconds).

Label corrections are overlaid from warehouse/corrections.py (snapshot
table + pending store), so a correction shows on the next request.
"""
from __future__ import annotations

import json
import os
import threading
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import duckdb

from reports.palette import OTHER_LABELS, display_name
from reports.stats import wilson
from warehouse import corrections as corr

GRAINS = ("day", "week", "month")
LABEL_MODES = ("classifier", "corrected")
# Lists stop here: an analyst reads tens of stories, not thousands; the
# counts above a list always give the full number.
MAX_LIST = 200


@dataclass
class Filters:
    grain: str = "week"
    start: date | None = None
    end: date | None = None
    sources: list[str] = field(default_factory=list)
    framings: list[str] = field(default_factory=list)  # labels whose share is drawn (default: every framing)
    labels: list[str] = field(default_factory=list)    # stories listed and counted in volume (default: all)
    label_mode: str = "classifier"

    def __post_init__(self):
        if self.grain not in GRAINS:
            raise ValueError(f"grain must be one of {', '.join(GRAINS)}")
        if self.label_mode not in LABEL_MODES:
            raise ValueError(f"labels must be one of {', '.join(LABEL_MODES)}")


def _key(path: Path):
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    return (st.st_ino, st.st_mtime_ns, st.st_size)


class NoSnapshotError(RuntimeError):
    pass


class Explorer:
    """The data behind every page. Thread-safe: one lock around the
    in-memory database (the app serves one analyst, requests are short)."""

    def __init__(self, snapshot: Path | str, database: Path | str):
        self.snapshot = Path(snapshot)
        self.database = Path(database)
        self.lock = threading.RLock()
        self._conn: duckdb.DuckDBPyConnection | None = None
        self._key = None
        self._snap_corrections: list[dict] = []
        self._corr_sig = None
        self.acknowledged: dict[str, datetime] = {}  # acks made here, until the snapshot shows them
        self.meta: dict = {}
        self._loading: threading.Thread | None = None

    # ------------------------------------------------------------ snapshot
    def conn(self) -> duckdb.DuckDBPyConnection:
        """The loaded snapshot. The first one is loaded here; a newer one is
        loaded in the background while the current one keeps serving, so no
        request ever waits for the copy (seconds on a 1M-article warehouse)."""
        with self.lock:
            if self._conn is None:
                key = _key(self.snapshot)
                if key is None:
                    raise NoSnapshotError(
                        f"no analyst snapshot at {self.snapshot}: run `framewatch run` (or `framewatch demo`) first")
                self._swap(key, *self._build())
            else:
                self.refresh()
            self._refresh_corrections()
            return self._conn

    def refresh(self) -> bool:
        """Start loading a newly published snapshot in the background; True if one is (being) loaded."""
        key = _key(self.snapshot)
        if key is None or key == self._key:
            return False
        if self._loading is None or not self._loading.is_alive():
            self._loading = threading.Thread(target=self._load_in_background, args=(key,), name="snapshot-loader", daemon=True)
            self._loading.start()
        return True

    def _load_in_background(self, key) -> None:
        try:
            built = self._build()
        except Exception as exc:  # e.g. replaced again while reading: the next refresh tries again
            self.meta["load_error"] = f"{type(exc).__name__}: {exc}"
            return
        with self.lock:
            self._swap(key, *built)

    def _build(self):
        """Open the snapshot and copy what the overview aggregates into memory (no lock: a separate database)."""
        conn = duckdb.connect()
        path = str(self.snapshot).replace("'", "''")
        conn.execute(f"ATTACH '{path}' AS snap (READ_ONLY)")
        # Only what aggregates and filters need; titles and URLs come from
        # snap.articles for the few stories a list shows.
        conn.execute("""
            CREATE TABLE stories AS
            SELECT story_id, article_id, source_id, dated_at, story_date, copies, label, confidence, classifier_version
            FROM snap.main.story_framings
        """)
        names = dict(conn.execute("SELECT framing_id, coalesce(name, framing_id) FROM snap.main.framings").fetchall())
        sources = dict(conn.execute("SELECT source_id, coalesce(name, source_id) FROM snap.main.sources").fetchall())
        version = conn.execute("SELECT classifier, classifier_version FROM snap.main.current_classifier").fetchall()
        published = conn.execute(
            "SELECT max(published_at) FROM snap.main.snapshot_info").fetchall() if self._has(conn, "snapshot_info") else [(None,)]
        rng = conn.execute("SELECT min(story_date), max(story_date), count(*) FROM stories").fetchall()[0]
        snap_corrections = corr.snapshot_corrections(conn, "snap")
        conn.execute("CREATE TABLE corrections (article_id VARCHAR PRIMARY KEY, label VARCHAR)")
        meta = {
            "framings": names, "sources": sources,
            "classifier": f"{version[0][0]} {version[0][1]}" if version else None,
            "published_at": published[0][0].isoformat() if published[0][0] else None,
            "first_date": rng[0].isoformat() if rng[0] else None, "last_date": rng[1].isoformat() if rng[1] else None,
            "stories": rng[2],
            "labels": list(names) + list(OTHER_LABELS),
            "has_diagnosis": "diagnosis" in self._columns(conn, "source_health"),
        }
        acked = set()
        if self._has(conn, "alerts"):
            acked = {a for (a,) in conn.execute("SELECT alert_id FROM snap.main.alerts WHERE status = 'acknowledged'").fetchall()}
        return conn, meta, snap_corrections, acked

    def _swap(self, key, conn, meta, snap_corrections, acked) -> None:
        old = self._conn
        self._conn, self._key, self._corr_sig = conn, key, None
        self.meta, self._snap_corrections = meta, snap_corrections
        # Acks the new snapshot already shows need no overlay any more.
        self.acknowledged = {k: v for k, v in self.acknowledged.items() if k not in acked}
        if old is not None:
            old.close()

    @staticmethod
    def _has(conn, table: str) -> bool:
        return bool(conn.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_catalog = 'snap' AND table_name = ?", [table]
        ).fetchall()[0][0])

    @staticmethod
    def _columns(conn, table: str) -> list[str]:
        return [c for (c,) in conn.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_catalog = 'snap' AND table_name = ? "
            "ORDER BY ordinal_position", [table]).fetchall()]

    # --------------------------------------------------------- corrections
    def all_corrections(self) -> list[dict]:
        return corr.combine(self._snap_corrections, corr.pending_rows(self.database))

    def _refresh_corrections(self) -> None:
        rows = self.all_corrections()
        sig = tuple(r["correction_id"] for r in rows)
        if sig == self._corr_sig:
            return
        latest = corr.latest_per_article(rows)
        self._conn.execute("DELETE FROM corrections")
        if latest:
            self._conn.executemany("INSERT INTO corrections VALUES (?, ?)", [[a, r["label"]] for a, r in latest.items()])
        self._corr_sig = sig

    def add_correction(self, article_id: str, label: str, note: str | None, corrected_by: str) -> dict:
        with self.lock:
            conn = self.conn()
            rows = conn.execute(
                "SELECT s.story_id, a.canonical_url, s.label, s.classifier_version FROM stories s "
                "LEFT JOIN snap.main.articles a USING (article_id) WHERE s.article_id = ?", [article_id]
            ).fetchall()
            if not rows:
                raise corr.CorrectionError(f"no story with article_id {article_id!r} in the snapshot")
            story_id, url, original, version = rows[0]
            classifier = (self.meta.get("classifier") or " ").split(" ")[0] or None
            row = corr.record(self.database, article_id=article_id, label=label, allowed_labels=self.meta["labels"],
                              corrected_by=corrected_by, note=note, story_id=story_id, url=url, original_label=original,
                              classifier=classifier, classifier_version=version)
            self._refresh_corrections()
            return row

    # ------------------------------------------------------------- queries
    def _label_expr(self, f: Filters) -> str:
        return "coalesce(c.label, s.label)" if f.label_mode == "corrected" else "s.label"

    @staticmethod
    def _where(f: Filters, params: list, with_labels: bool = True) -> str:
        """Conditions on the rows of _base() (alias b); appends their parameters."""
        cond = ["TRUE"]
        if f.start:
            cond.append("b.story_date >= ?")
            params.append(f.start)
        if f.end:
            cond.append("b.story_date <= ?")
            params.append(f.end)
        if f.sources:
            cond.append("list_contains(?, b.source_id)")
            params.append(f.sources)
        if with_labels and f.labels:
            cond.append("list_contains(?, b.lab)")
            params.append(f.labels)
        return " AND ".join(cond)

    def _base(self, f: Filters) -> str:
        return f"(SELECT s.*, {self._label_expr(f)} AS lab FROM stories s LEFT JOIN corrections c USING (article_id))"

    def overview(self, f: Filters) -> dict:
        with self.lock:
            conn = self.conn()
            params: list = []
            where = self._where(f, params, with_labels=False)
            sql = f"""
                SELECT date_trunc('{f.grain}', b.story_date)::DATE AS bucket, b.lab AS label, count(*) AS stories
                FROM {self._base(f)} b
                WHERE {where}
                GROUP BY ALL ORDER BY bucket, label
            """
            rows = conn.execute(sql, params).fetchall()
            corrections_applied = conn.execute("SELECT count(*) FROM corrections").fetchall()[0][0]
        framings = f.framings or list(self.meta["framings"])
        by_bucket: dict = {}
        for bucket, label, n in rows:
            by_bucket.setdefault(bucket, {})[label] = n
        shares, volume = [], []
        for bucket, counts in sorted(by_bucket.items()):
            on_topic = sum(n for lab, n in counts.items() if lab != "off_topic")
            for label, n in counts.items():
                if not f.labels or label in f.labels:
                    volume.append({"bucket": bucket.isoformat(), "label": label, "stories": n})
            for label in framings:
                k = counts.get(label, 0)
                lo, hi = wilson(k, on_topic)
                shares.append({"bucket": bucket.isoformat(), "end": self.bucket_end(bucket, f.grain).isoformat(),
                               "label": label, "k": k, "n": on_topic,
                               "share": k / on_topic if on_topic else None, "lo": lo, "hi": hi})
        if f.label_mode == "corrected":
            mode = f"classifier labels ({self.meta['classifier']}) with {corrections_applied} analyst correction(s) applied"
        else:
            mode = f"classifier labels ({self.meta['classifier']}), no corrections applied"
        return {"shares": shares, "volume": volume, "alerts": self.alert_windows(), "label_mode": mode,
                "framings": framings, "grain": f.grain}

    @staticmethod
    def bucket_end(bucket: date, grain: str) -> date:
        if grain == "day":
            return bucket
        if grain == "week":
            return bucket + timedelta(days=6)
        nxt = (bucket.replace(day=28) + timedelta(days=4)).replace(day=1)
        return nxt - timedelta(days=1)

    def alert_windows(self) -> list[dict]:
        with self.lock:
            conn = self.conn()
            if not self._has(conn, "alerts"):
                return []
            rows = conn.execute("""
                SELECT alert_id, framing_id, direction, summary,
                       CAST(timezone('UTC', window_start) AS DATE), CAST(timezone('UTC', coalesce(window_end, detected_at)) AS DATE)
                FROM snap.main.alerts WHERE kind = 'framing_shift' AND window_start IS NOT NULL ORDER BY window_start
            """).fetchall()
        return [{"alert_id": a, "label": fr, "direction": d, "summary": s, "start": st.isoformat(), "end": en.isoformat()}
                for a, fr, d, s, st, en in rows]

    def stories(self, f: Filters, bucket: date | None = None, label: str | None = None, query: str | None = None,
                on_topic_only: bool = False) -> dict:
        """Stories matching the filters, in one period (bucket) and/or with one label, and/or matching a search."""
        with self.lock:
            conn = self.conn()
            params: list = []
            where = self._where(f, params)
            if bucket:
                where += " AND b.story_date BETWEEN ? AND ?"
                params += [bucket, self.bucket_end(bucket, f.grain)]
            if label:
                where += " AND b.lab = ?"
                params.append(label)
            if on_topic_only:
                where += " AND b.lab <> 'off_topic'"
            join = ""
            if query:
                terms = [t for t in query.split() if t][:10]
                join = "JOIN snap.main.articles a ON a.article_id = b.article_id"
                for t in terms:
                    where += " AND (a.title ILIKE ? OR a.text ILIKE ?)"
                    like = "%" + t.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
                    params += [like, like]
                where = where.replace("ILIKE ?", "ILIKE ? ESCAPE '\\'")
            base = f"FROM {self._base(f)} b {join} WHERE {where}"
            total = conn.execute(f"SELECT count(*) {base}", params).fetchall()[0][0]
            mix = conn.execute(f"SELECT b.lab, count(*) {base} GROUP BY ALL ORDER BY 2 DESC", params).fetchall()
            rows = conn.execute(
                f"SELECT l.story_id, l.article_id, l.source_id, t.title, t.canonical_url, l.story_date, l.copies, "
                f"l.label, l.lab, l.confidence FROM (SELECT b.* {base} ORDER BY b.dated_at DESC, b.story_id LIMIT {MAX_LIST}) l "
                f"LEFT JOIN snap.main.articles t USING (article_id) ORDER BY l.dated_at DESC, l.story_id", params
            ).fetchall()
            stories = [dict(zip(("story_id", "article_id", "source_id", "title", "url", "date", "copies",
                                 "classifier_label", "label", "confidence"), r)) for r in rows]
            self._details(conn, stories)
        latest = corr.latest_per_article(self.all_corrections())
        for s in stories:
            s["date"] = s["date"].isoformat() if s["date"] else None
            s["source_name"] = self.meta["sources"].get(s["source_id"], s["source_id"])
            s["label_name"] = display_name(s["label"], self.meta["framings"])
            c = latest.get(s["article_id"])
            s["correction"] = {k: c[k] for k in ("label", "note", "corrected_by", "corrected_at")} if c else None
        return {"total": total, "shown": len(stories), "mix": [{"label": lab, "stories": n} for lab, n in mix],
                "stories": stories}

    def _details(self, conn, stories: list[dict]) -> None:
        """Scores, the top evidence pairs and the copies of each listed story, three queries for the whole list."""
        if not stories:
            return
        ids = [s["article_id"] for s in stories]
        sids = [s["story_id"] for s in stories]
        scores: dict = {}
        for aid, fr, score in conn.execute("""
            SELECT fs.article_id, fs.framing_id, fs.score FROM snap.main.framing_scores fs
            JOIN snap.main.current_classifier v USING (classifier, classifier_version)
            WHERE list_contains(?, fs.article_id) ORDER BY fs.framing_id""", [ids]).fetchall():
            scores.setdefault(aid, {})[fr] = round(score, 3)
        evidence: dict = {}
        for aid, fr, rank, art, ref, sim in conn.execute("""
            SELECT article_id, framing_id, rank, article_sentence, reference_sentence, similarity
            FROM snap.main.article_evidence WHERE list_contains(?, article_id) AND rank <= 2
            ORDER BY article_id, framing_id, rank""", [ids]).fetchall():
            evidence.setdefault(aid, []).append({"framing": fr, "rank": rank, "article_sentence": art,
                                                 "reference_sentence": ref, "similarity": round(sim, 3) if sim is not None else None})
        copies: dict = {}
        for sid, aid, src, url, pub, orig in conn.execute("""
            SELECT story_id, article_id, source_id, canonical_url, published_at, is_original FROM snap.main.story_copies
            WHERE list_contains(?, story_id) ORDER BY story_id, is_original DESC, published_at""", [sids]).fetchall():
            copies.setdefault(sid, []).append({"article_id": aid, "source_name": self.meta["sources"].get(src, src),
                                               "url": url, "published_at": pub.isoformat() if pub else None,
                                               "is_original": orig})
        for s in stories:
            s["scores"] = scores.get(s["article_id"], {})
            s["evidence"] = evidence.get(s["article_id"], [])
            s["copy_list"] = copies.get(s["story_id"], [])

    def sources(self) -> list[dict]:
        with self.lock:
            conn = self.conn()
            cols = self._columns(conn, "source_health")
            cur = conn.execute("SELECT * FROM snap.main.source_health ORDER BY status = 'ok', name")
            health = [dict(zip(cols, r)) for r in cur.fetchall()]
            vol = {sid: (n, n30) for sid, n, n30 in conn.execute("""
                SELECT source_id, count(*), count(*) FILTER (WHERE story_date > (SELECT max(story_date) FROM stories) - 30)
                FROM stories GROUP BY ALL""").fetchall()}
            mix: dict = {}
            for sid, lab, n in conn.execute("SELECT source_id, label, count(*) FROM stories GROUP BY ALL").fetchall():
                mix.setdefault(sid, {})[lab] = n
        out = []
        for h in health:
            n, n30 = vol.get(h["source_id"], (0, 0))
            out.append({
                "source_id": h["source_id"], "name": h.get("name"), "status": h.get("status"),
                "diagnosis": h.get("diagnosis"), "last_success_at": _iso(h.get("last_success_at")),
                "last_new_item_at": _iso(h.get("last_new_item_at")), "consecutive_failures": h.get("consecutive_failures"),
                "errors_7d": h.get("errors_7d"), "last_error": h.get("last_error"), "stories": n,
                "stories_last_30_days_of_data": n30,
                "labels": {lab: mix.get(h["source_id"], {})[lab] for lab in self.meta["labels"] if lab in mix.get(h["source_id"], {})},
            })
        return out

    def alerts(self) -> list[dict]:
        with self.lock:
            conn = self.conn()
            if not self._has(conn, "alerts"):
                return []
            cols = self._columns(conn, "alerts")
            rows = [dict(zip(cols, r)) for r in conn.execute(
                "SELECT * FROM snap.main.alerts ORDER BY detected_at DESC NULLS LAST, alert_id").fetchall()]
        out = []
        for a in rows:
            stories = a.get("stories")
            stories = json.loads(stories) if isinstance(stories, str) else (stories or [])
            status, acked_at = a["status"], a.get("acknowledged_at")
            if a["alert_id"] in self.acknowledged and status != "acknowledged":
                status, acked_at = "acknowledged", self.acknowledged[a["alert_id"]]
            out.append({
                "alert_id": a["alert_id"], "kind": a["kind"], "summary": a.get("summary"), "status": status,
                "framing": a.get("framing_id"), "framing_name": display_name(a.get("framing_id") or "", self.meta["framings"]),
                "source_id": a.get("source_id"), "direction": a.get("direction"),
                "baseline_share": a.get("baseline_share"), "current_share": a.get("current_share"),
                "window_start": _iso(a.get("window_start")), "window_end": _iso(a.get("window_end")),
                "detected_at": _iso(a.get("detected_at")), "acknowledged_at": _iso(acked_at),
                "stories": [{k: s.get(k) for k in ("story_id", "article_id", "title", "url", "label", "published_at", "evidence")}
                            for s in stories],
            })
        return out


def _iso(v):
    if isinstance(v, datetime):
        return v.astimezone(timezone.utc).isoformat(timespec="seconds")
    if isinstance(v, date):
        return v.isoformat()
    return v
