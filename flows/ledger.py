"""What one batch (or one step) of a run did: counts, timings, errors, retries.

A batch fills its own RunLedger wherever it runs (a thread, a process, a
Dask worker); the flow turns it into that batch's LoadBatch and adds its
counts to the run (flows/runs.py), which records them in `runs` with every
committed batch.
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
    # nothing dropped silently (flows/ingest_steps.py): entries not queued (no or non-http link),
    # over a feed's cap (queued for the next run), kept without their untrusted feed date,
    # and entries left in the queue by an earlier, interrupted run
    "entries_skipped", "entries_deferred", "dates_distrusted", "entries_resumed",
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
    batch: LoadBatch = field(default_factory=LoadBatch)

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
