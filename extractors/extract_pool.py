"""Extraction across cores, with a time limit per document.

trafilatura is CPU-bound (tens of ms a page) and has no time limit of its
own: a pathological page can keep it busy for minutes. Each page therefore
goes to a worker process of our own; a worker still busy past the limit is
killed (SIGKILL: a stuck regex cannot be interrupted any other way), its
page recorded as `extract_timeout`, and a fresh worker takes its place.
`concurrent.futures` cannot do this: it has no way to kill one worker.

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

DEFAULT_TIMEOUT = 30.0  # seconds per page; the slowest benchmark page takes < 1 s
MAX_TASKS_PER_WORKER = 500  # bound the growth of trafilatura's caches in long runs


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


def _worker_main(conn: Connection, settings: ExtractionSettings, fn=extract_article) -> None:
    while True:
        try:
            msg = conn.recv()
        except (EOFError, OSError):
            return
        if msg is None:
            return
        i, body, url, entry = msg
        try:
            res: Result = fn(body, url, entry, settings)
        except BaseException as exc:  # extract_article catches trafilatura's errors; this is the last line
            res = ExtractionFailure(url, "extract_error", f"{type(exc).__name__}: {exc}"[:300])
        conn.send((i, res))


@dataclass
class _Worker:
    proc: mp.process.BaseProcess
    conn: Connection
    job: int | None = None
    deadline: float = 0.0
    done: int = 0

    @classmethod
    def start(cls, ctx, settings: ExtractionSettings, fn=extract_article) -> _Worker:
        parent, child = ctx.Pipe(duplex=True)
        proc = ctx.Process(target=_worker_main, args=(child, settings, fn), daemon=True, name="framewatch-extract")
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
    return [extract_article(b, u, e, settings) for b, u, e in pages]


def extract_many(
    pages: list[Page],
    workers: int | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    settings: ExtractionSettings = SETTINGS,
    extract_fn=extract_article,
) -> list[Result]:
    """Extract every page in worker processes; results in input order.

    A page still being extracted after `timeout` seconds becomes
    ExtractionFailure(reason="extract_timeout"); a worker that dies
    (out of memory, a crash in lxml) becomes reason="worker_died".
    Either way the other pages are unaffected. `extract_fn` (a picklable
    module-level function with extract_article's signature) is for tests."""
    if not pages:
        return []
    if mp.current_process().daemon:
        # A daemonic process (a Dask worker under its nanny, a pool worker)
        # may not start children. Extract here, without the time limit; Dask
        # clusters should set distributed.worker.daemon = False (README).
        return extract_in_process(pages, settings) if extract_fn is extract_article else [extract_fn(b, u, e, settings) for b, u, e in pages]
    n = min(workers or os.cpu_count() or 1, len(pages))
    ctx = _context()
    results: list[Result | None] = [None] * len(pages)
    queue = deque(range(len(pages)))
    pool = [_Worker.start(ctx, settings, extract_fn) for _ in range(n)]
    try:
        while queue or any(w.job is not None for w in pool):
            for k, w in enumerate(pool):
                if w.job is None and queue:
                    if w.done >= MAX_TASKS_PER_WORKER:
                        w.stop()
                        w = pool[k] = _Worker.start(ctx, settings, extract_fn)
                    i = queue.popleft()
                    body, url, entry = pages[i]
                    try:
                        w.conn.send((i, body, url, entry))
                    except OSError:  # died while idle: replace it and retry the page
                        w.stop(kill=True)
                        pool[k] = _Worker.start(ctx, settings, extract_fn)
                        queue.appendleft(i)
                        continue
                    w.job, w.deadline = i, time.monotonic() + timeout
            busy = [w for w in pool if w.job is not None]
            if not busy:
                continue
            left = max(0.0, min(w.deadline for w in busy) - time.monotonic())
            ready = set(wait([w.conn for w in busy], timeout=left))
            now = time.monotonic()
            for k, w in enumerate(pool):
                if w.job is None:
                    continue
                url = pages[w.job][1]
                if w.conn in ready:
                    try:
                        i, res = w.conn.recv()
                    except (EOFError, OSError):
                        code = w.proc.exitcode
                        results[w.job] = ExtractionFailure(url, "worker_died", f"extraction worker exited (code {code})")
                        w.stop(kill=True)
                        pool[k] = _Worker.start(ctx, settings, extract_fn)
                        continue
                    results[i] = res
                    w.job, w.done = None, w.done + 1
                elif now >= w.deadline:
                    results[w.job] = ExtractionFailure(url, "extract_timeout", f"page work took longer than {timeout:g} s; worker killed")
                    w.stop(kill=True)
                    pool[k] = _Worker.start(ctx, settings, extract_fn)
    finally:
        for w in pool:
            w.stop(kill=w.job is not None)
    return results  # type: ignore[return-value]
