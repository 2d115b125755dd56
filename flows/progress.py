"""Progress of a run, reported at stage and batch boundaries.

The flow calls `plan()` and `advance()`; by default nothing happens (scheduled
runs, tests). The CLI installs a rich progress display for `run` and `demo`
with `reporting(RichReporter(console))`. Kept out of the ledger so the flow
stays free of any display code.
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Protocol

# Stage -> what its bar is called. The order is the order bars appear in.
STAGES = {
    "feeds": "feeds polled",
    "pages": "pages fetched",
    "extract": "articles extracted",
    "classify": "articles classified",
}


class Reporter(Protocol):
    def plan(self, stage: str, total: int) -> None: ...

    def advance(self, stage: str, done: int, ok: int) -> None: ...


class NullReporter:
    def plan(self, stage: str, total: int) -> None:
        pass

    def advance(self, stage: str, done: int, ok: int) -> None:
        pass


_reporter: Reporter = NullReporter()


def plan(stage: str, total: int) -> None:
    """`total` items will go through `stage` in this run."""
    _reporter.plan(stage, total)


def advance(stage: str, done: int, ok: int | None = None) -> None:
    """`done` more items went through `stage`, `ok` of them successfully (default: all)."""
    _reporter.advance(stage, done, done if ok is None else ok)


@contextmanager
def reporting(reporter: Reporter):
    global _reporter
    previous, _reporter = _reporter, reporter
    try:
        yield reporter
    finally:
        _reporter = previous


class RichReporter:
    """One bar per stage: items through the stage out of those planned, and how many succeeded."""

    def __init__(self, console):
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self.progress = Progress(
            TextColumn("{task.description:<20}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("ok {task.fields[ok]}"),
            TimeElapsedColumn(),
            console=console,
        )
        self.tasks: dict[str, int] = {}
        self.ok: dict[str, int] = {}

    def __enter__(self):
        self.progress.start()
        return self

    def __exit__(self, *exc) -> None:
        self.progress.stop()

    def plan(self, stage: str, total: int) -> None:
        self.ok[stage] = 0
        if stage in self.tasks:
            self.progress.update(self.tasks[stage], total=total, completed=0, ok=0)
        else:
            self.tasks[stage] = self.progress.add_task(STAGES.get(stage, stage), total=total, ok=0)

    def advance(self, stage: str, done: int, ok: int) -> None:
        if stage not in self.tasks:  # advanced without a plan: the total is unknown
            self.tasks[stage] = self.progress.add_task(STAGES.get(stage, stage), total=None, ok=0)
            self.ok[stage] = 0
        self.ok[stage] += ok
        self.progress.update(self.tasks[stage], advance=done, ok=self.ok[stage])
