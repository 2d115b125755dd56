"""Extraction across cores, with a time limit per document.

trafilatura is CPU-bound (tens of ms a page) and has no time limit of its
own: a pathological page can keep it busy for minutes. Each page therefore
goes to a worker process of our own; a worker still busy past the limit is
killed (SIGKILL: a stuck regex cannot be interrupted any other way), its
page recorded as `extract_timeout`, and a fresh worker takes its place.
`concurrent.futures` cannot do this: it has no way to kill one worker.

Pages travel to a worker several at a time (`pages_per_message`), so a
worker can hand them on in one call (`batch_fn`: flows/page_work.py
classifies a message's pages together, cheaper than one by one). The time
limit then applies to the message; a message that runs past it, or whose
worker dies, is split and its pages sent again one per message, each with
the whole limit, so only the page at fault is recorded as failed.

Workers come from a fork server that has already imported trafilatura:
starting one costs milliseconds, not the ~1 s of a spawned interpreter,
and it is safe although the flow runs threads (the server is forked from
a clean single-threaded process, never from the flow's). Where fork
servers do not exist (Windows, macOS default) we fall back to spawn.
"""
from __future__ import annotations

import multiprocessing as mp
import os
import time
from collections import deque
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait

from extractors.article import SETTINGS, ExtractedArticle, ExtractionFailure, ExtractionSettings, extract_article
from extractors.feeds import FeedEntry

Page = tuple[bytes, str, "FeedEntry | None"]
Result = ExtractedArticle | ExtractionFailure

DEFAULT_TIMEOUT = 30.0  # seconds per message; the slowest benchmark page takes < 1 s
MAX_TASKS_PER_WORKER = 500  # pages; bound the growth of trafilatura's caches in long runs
# Pages per message: enough to classify together (and to cut round trips),
# few enough that each worker gets several messages of a 200-page batch.
PAGES_PER_MESSAGE = 8


_PRELOAD = ["extractors._preload"]


def add_preload(module: str) -> None:
    """Have the fork server import `module` too before forking workers (a
    layer above, e.g. flows.page_work with framing, adds its own). Takes
    effect if called before the first extract_many of the process."""
    if module not in _PRELOAD:
        _PRELOAD.append(module)


def _context() -> mp.context.BaseContext:
    if "forkserver" in mp.get_all_start_methods():
        ctx = mp.get_context("forkserver")
        ctx.set_forkserver_preload(list(_PRELOAD))
        return ctx
    return mp.get_context("spawn")


def _run(pages: list[Page], settings: ExtractionSettings, fn, batch_fn) -> list[Result]:
    if batch_fn is not None:
        return batch_fn(pages, settings)
    return [fn(b, u, e, settings) for b, u, e in pages]


def _worker_main(conn: Connection, settings: ExtractionSettings, fn=extract_article, batch_fn=None) -> None:
    while True:
        try:
            msg = conn.recv()
        except (EOFError, OSError):
            return
        if msg is None:
            return
        ids, pages = msg
        try:
            res = _run(pages, settings, fn, batch_fn)
        except BaseException as exc:  # the functions catch page errors themselves; this is the last line
            res = [ExtractionFailure(u, "extract_error", f"{type(exc).__name__}: {exc}"[:300]) for _, u, _ in pages]
        conn.send((ids, res))


@dataclass
class _Worker:
    proc: mp.process.BaseProcess
    conn: Connection
    job: list[int] | None = None
    deadline: float = 0.0
    done: int = 0

    @classmethod
    def start(cls, ctx, settings: ExtractionSettings, fn=extract_article, batch_fn=None) -> _Worker:
        parent, child = ctx.Pipe(duplex=True)
        proc = ctx.Process(target=_worker_main, args=(child, settings, fn, batch_fn), daemon=True, name="framewatch-extract")
        proc.start()
        child.close()
        return cls(proc, parent)

    def stop(self, kill: bool = False) -> None:
        if kill:
            self.proc.kill()
        else:
            try:
                self.conn.send(None)
            except OSError:
                self.proc.kill()
        self.proc.join(timeout=5)
        if self.proc.is_alive():
            self.proc.kill()
            self.proc.join()
        self.conn.close()


def extract_in_process(pages: list[Page], settings: ExtractionSettings = SETTINGS) -> list[Result]:
    """No pool and no time limit: for benchmarks and tiny inputs in tests."""
    return _run(pages, settings, extract_article, None)


def extract_many(
    pages: list[Page],
    workers: int | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    settings: ExtractionSettings = SETTINGS,
    extract_fn=extract_article,
    batch_fn=None,
    pages_per_message: int = PAGES_PER_MESSAGE,
) -> list[Result]:
    """Extract every page in worker processes; results in input order.

    A page still being extracted after `timeout` seconds becomes
    ExtractionFailure(reason="extract_timeout"); a worker that dies
    (out of memory, a crash in lxml) becomes reason="worker_died".
    Either way the other pages are unaffected. `extract_fn` (a picklable
    module-level function with extract_article's signature) is for tests;
    `batch_fn(pages, settings) -> results`, if given, does a message's pages at once."""
    if not pages:
        return []
    if mp.current_process().daemon:
        # A daemonic process (a Dask worker under its nanny, a pool worker)
        # may not start children. Extract here, without the time limit; Dask
        # clusters should set distributed.worker.daemon = False (README).
        return _run(pages, settings, extract_fn, batch_fn)
    n = min(workers or os.cpu_count() or 1, len(pages))
    k = max(1, min(pages_per_message, len(pages) // (2 * n)))  # at least two messages per worker
    ctx = _context()
    results: list[Result | None] = [None] * len(pages)
    queue = deque(list(range(i, min(i + k, len(pages)))) for i in range(0, len(pages), k))
    pool = [_Worker.start(ctx, settings, extract_fn, batch_fn) for _ in range(n)]

    def replace(k_: int) -> None:
        pool[k_].stop(kill=True)
        pool[k_] = _Worker.start(ctx, settings, extract_fn, batch_fn)

    def failed(job: list[int], reason: str, detail: str) -> None:
        if len(job) > 1:  # which page was at fault? each again on its own, with the whole limit
            queue.extendleft([i] for i in reversed(job))
        else:
            results[job[0]] = ExtractionFailure(pages[job[0]][1], reason, detail)

    try:
        while queue or any(w.job is not None for w in pool):
            for k_, w in enumerate(pool):
                if w.job is None and queue:
                    if w.done >= MAX_TASKS_PER_WORKER:
                        w.stop()
                        w = pool[k_] = _Worker.start(ctx, settings, extract_fn, batch_fn)
                    job = queue.popleft()
                    try:
                        w.conn.send((job, [pages[i] for i in job]))
                    except OSError:  # died while idle: replace it and retry the pages
                        replace(k_)
                        queue.appendleft(job)
                        continue
                    w.job, w.deadline = job, time.monotonic() + timeout
            busy = [w for w in pool if w.job is not None]
            if not busy:
                continue
            left = max(0.0, min(w.deadline for w in busy) - time.monotonic())
            ready = set(wait([w.conn for w in busy], timeout=left))
            now = time.monotonic()
            for k_, w in enumerate(pool):
                if w.job is None:
                    continue
                job = w.job
                if w.conn in ready:
                    try:
                        ids, res = w.conn.recv()
                    except (EOFError, OSError):
                        failed(job, "worker_died", f"extraction worker exited (code {w.proc.exitcode})")
                        replace(k_)
                        continue
                    for i, r in zip(ids, res):
                        results[i] = r
                    w.job, w.done = None, w.done + len(ids)
                elif now >= w.deadline:
                    failed(job, "extract_timeout", f"page work took longer than {timeout:g} s; worker killed")
                    replace(k_)
    finally:
        for w in pool:
            w.stop(kill=w.job is not None)
    return results  # type: ignore[return-value]
