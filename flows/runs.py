"""The one run recorder of every flow that writes the warehouse.

daily_ingest, backfill, reclassify and reextract all record themselves the
same way: a `runs` row with status `running` is committed when the run
starts; every batch rewrites it (same run_id, cumulative counts) in the
batch's own transaction; the end of the run writes the final status. A run
killed at any point stays `running` until the next run, which holds the run
lock (flows/runlock.py) and so knows the earlier one is dead: it marks it
`interrupted` and resumes its queue. `framewatch status` lists every one.
"""
from __future__ import annotations

from collections import Counter
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from flows.ledger import STAGE_COUNTS, RunLedger, utcnow
from warehouse import connect
from warehouse.db import transaction
from warehouse.load import LoadBatch, load_batch

MAX_KEPT_ERRORS = 20  # errors shown in the summary; all of them are in fetch_errors


def flow_run_id() -> str | None:
    from prefect.runtime import flow_run

    return str(flow_run.id) if flow_run.id else None


class RunRecorder:
    def __init__(self, db_path: Path, kind: str = "daily_ingest"):
        self.db_path = Path(db_path)
        self.kind = kind
        self.ledger = RunLedger()  # run_id, started_at
        self.run_id = self.ledger.run_id
        self.started_at: datetime = self.ledger.started_at
        self.counts: Counter = Counter({k: 0 for k in STAGE_COUNTS})
        self.timings: dict[str, float] = {}
        self.labels: Counter = Counter()
        self.errors: list[dict] = []  # the first MAX_KEPT_ERRORS, for the summary
        self.error_count = 0
        self.message: str | None = None
        self.started = False  # set by start_once
        self.interrupted: list[str] = []
        self.feeds_all_failed = False

    # -- state -------------------------------------------------------------
    def timed(self, stage: str):
        return self.ledger.timed(stage)

    def add(self, part: RunLedger) -> None:
        """A batch's counts, seconds and failures, added as the batch commits."""
        self.counts.update(part.counts)
        for stage, secs in part.timings.items():
            self.ledger.timings[stage] = self.ledger.timings.get(stage, 0.0) + secs
        self.add_errors(part.batch.errors)

    def add_errors(self, errors: list[dict]) -> None:
        self.error_count += len(errors)
        self.counts["errors"] = self.error_count
        room = MAX_KEPT_ERRORS - len(self.errors)
        if room > 0:
            self.errors.extend(errors[:room])

    @property
    def status(self) -> str:
        if self.feeds_all_failed:
            return "failed"
        return "completed_with_errors" if self.error_count else "completed"

    def row(self, status: str | None = None) -> dict:
        return {
            "run_id": self.run_id, "flow_run_id": flow_run_id(), "started_at": self.started_at,
            "finished_at": None if status in (None, "running") else utcnow(), "status": status or "running",
            "counts": dict(self.counts), "timings": {k: round(v, 3) for k, v in self.ledger.timings.items()},
            "error_count": self.error_count, "message": f"{self.kind}: {self.message}" if self.message else self.kind,
        }

    # -- writes ------------------------------------------------------------
    def start(self, conn=None) -> list[str]:
        """Mark runs that died `interrupted`, record this one as `running`.
        Call with the run lock held. Returns the interrupted run ids."""
        from warehouse.db import query

        own = conn is None
        conn = connect(self.db_path) if own else conn
        try:
            with transaction(conn, change=False):
                self.interrupted = [r for (r,) in conn.execute(query("mark_interrupted_runs"), [self.run_id]).fetchall()]
            load_batch(conn, LoadBatch(run=self.row()))
        finally:
            if own:
                conn.close()
        return self.interrupted

    def start_once(self) -> None:
        """start() on the first call only: reprocessing with nothing to do writes no runs row."""
        if not self.started:
            self.start()
            self.started = True

    def commit(self, batch: LoadBatch, conn=None) -> dict[str, int]:
        """Load `batch` with this run's row (cumulative counts) in one transaction."""
        batch.run = self.row()
        if conn is not None:
            return load_batch(conn, batch)
        conn = connect(self.db_path)
        try:
            return load_batch(conn, batch)
        finally:
            conn.close()

    def finish(self, message: str | None = None, conn=None) -> dict:
        if message:
            self.message = message
        own = conn is None
        conn = connect(self.db_path) if own else conn
        try:
            load_batch(conn, LoadBatch(run=self.row(self.status)))
        finally:
            if own:
                conn.close()
        return self.summary()

    @contextmanager
    def failing(self):
        """An exception ends the run as `failed` in `runs`, with its reason (then re-raised).
        A run killed outright cannot do this: the next run marks it `interrupted`."""
        try:
            yield
        except BaseException as exc:
            self.feeds_all_failed = True  # status 'failed'
            try:
                self.finish(f"failed: {type(exc).__name__}: {exc}"[:500])
            except Exception:  # noqa: BLE001 - the original error matters more; the next run marks this one interrupted
                pass
            raise

    def summary(self) -> dict:
        return {
            "run_id": self.run_id, "status": self.status, "counts": dict(self.counts),
            "timings": dict(self.ledger.timings), "labels": dict(self.labels), "database": str(self.db_path),
            "errors": list(self.errors), "error_count": self.error_count, "interrupted_runs": list(self.interrupted),
        }
