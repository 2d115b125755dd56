"""One run at a time per warehouse: a lock file beside the DuckDB file.

Two runs on one data dir fetch every page twice, duplicate evidence rows
and overwrite each other's feed state, so every flow that writes the
warehouse (daily_ingest, backfill, reclassify, reextract) holds this lock
for its whole run. The lock is an advisory `flock` on `<database>.run.lock`:
the kernel releases it when the holder dies, however it dies (SIGKILL, out
of memory), so a lock left by a dead process is taken over by the next run
without any staleness heuristic. The file itself holds the holder's PID and
start time, for the one-line message a second run prints.
"""
from __future__ import annotations

import fcntl
import json
import os
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path


class RunLockedError(RuntimeError):
    """Another run holds the warehouse's run lock."""

    def __init__(self, path: Path, holder: dict):
        self.path, self.holder = path, holder
        pid, started, kind = holder.get("pid", "?"), holder.get("started_at", "?"), holder.get("kind", "run")
        super().__init__(f"another framewatch {kind} is running on this warehouse (PID {pid}, started {started}); "
                         f"lock file {path}")


def lock_path(db_path: Path | str) -> Path:
    db_path = Path(db_path)
    return db_path.with_name(db_path.name + ".run.lock")


def _holder(fd: int) -> dict:
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        return json.loads(os.read(fd, 4096).decode() or "{}")
    except (OSError, ValueError):
        return {}


@contextmanager
def run_lock(db_path: Path | str, kind: str = "run"):
    """Hold the warehouse's run lock for the block, or raise RunLockedError at once."""
    path = lock_path(db_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise RunLockedError(path, _holder(fd)) from None
        holder = {"pid": os.getpid(), "started_at": datetime.now(timezone.utc).isoformat(timespec="seconds"), "kind": kind}
        os.ftruncate(fd, 0)
        os.lseek(fd, 0, os.SEEK_SET)
        os.write(fd, json.dumps(holder).encode())
        try:
            yield holder
        finally:
            os.ftruncate(fd, 0)  # released: nobody holds it (the file stays; removing it would race a new holder)
    finally:
        os.close(fd)  # closing the descriptor releases the flock
