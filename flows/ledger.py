"""What one run has done so far: counts, timings, errors and rows to load.

The flow adds to it stage by stage and hands `to_batch()` to the warehouse
at the end, so everything a run writes lands in one transaction.
"""
from __future__ import annotations

import time
import uuid
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone

from warehouse.load import LoadBatch

STAGE_COUNTS = (
    "feeds_polled", "feeds_not_modified", "feeds_conditional", "feeds_304", "feeds_flagged", "feeds_failed", "entries_seen", "entries_new", "retries_due",
    "pages_fetched", "pages_failed", "articles_extracted", "extraction_failed", "articles_classified",
    "articles_loaded", "errors",
)


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


@dataclass
class RunLedger:
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    started_at: datetime = field(default_factory=utcnow)
    counts: Counter = field(default_factory=lambda: Counter({k: 0 for k in STAGE_COUNTS}))
    timings: dict[str, float] = field(default_factory=dict)
    labels: Counter = field(default_factory=Counter)
    batch: LoadBatch = field(default_factory=lambda: LoadBatch(run={}))

    @contextmanager
    def timed(self, stage: str):
        t = time.perf_counter()
        try:
            yield
        finally:
            self.timings[stage] = self.timings.get(stage, 0.0) + time.perf_counter() - t

    def error(self, stage: str, source_id: str | None, url: str | None, reason: str | None, detail: str | None, status: int | None = None) -> None:
        self.batch.errors.append(
            {
                "run_id": self.run_id, "occurred_at": utcnow(), "stage": stage, "source_id": source_id,
                "url": url, "reason": reason or "unknown", "detail": (detail or "")[:1000] or None,
                "http_status": status,
            }
        )

    def retry_later(self, canonical_url: str, source_id: str, entry, reason: str) -> None:
        now = utcnow()
        self.batch.retries.append(
            {
                "canonical_url": canonical_url, "url": entry.url, "source_id": source_id,
                "feed_guid": entry.guid, "feed_title": entry.title, "feed_author": entry.author,
                "feed_published": entry.published, "attempts": 1, "first_failed_at": now,
                "last_failed_at": now, "last_reason": reason, "status": "pending",
            }
        )

    def absorb(self, part: "RunLedger") -> None:
        """Add a batch's counts, seconds of work, failures and retries to the run's."""
        self.counts.update(part.counts)
        for stage, secs in part.timings.items():
            self.timings[stage] = self.timings.get(stage, 0.0) + secs
        self.batch.errors.extend(part.batch.errors)
        self.batch.retries.extend(part.batch.retries)

    @property
    def status(self) -> str:
        if self.counts["feeds_polled"] and self.counts["feeds_failed"] == self.counts["feeds_polled"]:
            return "failed"
        return "completed_with_errors" if self.batch.errors else "completed"

    def finish(self, flow_run_id: str | None) -> LoadBatch:
        self.counts["articles_loaded"] = len(self.batch.articles)
        self.counts["errors"] = len(self.batch.errors)
        self.batch.run = {
            "run_id": self.run_id, "flow_run_id": flow_run_id, "started_at": self.started_at,
            "finished_at": utcnow(), "status": self.status, "counts": dict(self.counts),
            "timings": {k: round(v, 3) for k, v in self.timings.items()},
            "error_count": len(self.batch.errors), "message": None,
        }
        return self.batch

    def summary(self, database: str) -> dict:
        return {
            "run_id": self.run_id, "status": self.status, "counts": dict(self.counts),
            "timings": dict(self.timings), "labels": dict(self.labels), "database": database,
            "errors": list(self.batch.errors),
        }
