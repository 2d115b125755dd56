"""The explorer's web app (FastAPI, served by uvicorn on 127.0.0.1).

Pages are one static HTML file and one script (explorer/static/) that
fetch JSON from /api/*; every piece of text from the network is put into
the page with textContent, never as HTML. Writes are two: a label
correction (into the pending store, warehouse/corrections.py, merged into
the warehouse by a background thread) and an alert acknowledgement (the
same update as `framewatch alerts ack`). Both accept JSON only, so a page
on another site cannot post a form at them, and requests must name a
loopback host (no DNS rebinding).
"""
from __future__ import annotations

import logging
import threading
from contextlib import asynccontextmanager
from datetime import date, datetime, timezone
from functools import lru_cache
from pathlib import Path

from fastapi import FastAPI, HTTPException, Query, Request
from fastapi.responses import FileResponse, JSONResponse, Response
from starlette.middleware.trustedhost import TrustedHostMiddleware

from explorer import charts
from explorer.data import Explorer, Filters, NoSnapshotError
from reports.palette import colours
from warehouse import corrections as corr
from warehouse.db import WarehouseLockedError

STATIC = Path(__file__).parent / "static"
log = logging.getLogger("framewatch.explorer")


@lru_cache(maxsize=1)
def vega_bundle() -> str:
    """Vega, Vega-Lite and vega-embed as one script, from the installed vl-convert-python (offline)."""
    import vl_convert

    return vl_convert.javascript_bundle()


class Merger(threading.Thread):
    """Merges pending corrections into the warehouse every `every` seconds, or at once when poked."""

    def __init__(self, database: Path, every: float, lock_timeout: float):
        super().__init__(name="corrections-merger", daemon=True)
        self.database, self.every, self.lock_timeout = database, every, lock_timeout
        self.poke, self.stopped = threading.Event(), threading.Event()
        self.last_error: str | None = None
        self.last_merge: str | None = None

    def run(self) -> None:
        while not self.stopped.is_set():
            self.poke.wait(self.every)
            self.poke.clear()
            if self.stopped.is_set():
                break
            try:
                merged, reason = corr.try_merge(self.database, self.lock_timeout)
                self.last_error = reason
                if merged:
                    self.last_merge = datetime.now(timezone.utc).isoformat(timespec="seconds")
            except Exception as exc:  # keep retrying: the rows are safe in the pending store
                self.last_error = f"{type(exc).__name__}: {exc}"
                log.warning("merging label corrections failed: %s", self.last_error)


class SnapshotWatcher(threading.Thread):
    """Starts loading a newly published snapshot within SNAPSHOT_POLL seconds, before anyone asks for it."""

    SNAPSHOT_POLL = 2.0  # a stat() call every 2 s costs nothing; a run publishes at most a few times a day

    def __init__(self, explorer: Explorer):
        super().__init__(name="snapshot-watcher", daemon=True)
        self.explorer, self.stopped = explorer, threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(self.SNAPSHOT_POLL):
            try:
                self.explorer.refresh()
            except Exception as exc:  # keep watching
                log.warning("checking for a new snapshot failed: %s", exc)


def _filters(grain: str, start: str | None, end: str | None, source: list[str], framing: list[str], label: list[str],
             labels: str) -> Filters:
    try:
        return Filters(grain=grain, start=date.fromisoformat(start) if start else None,
                       end=date.fromisoformat(end) if end else None, sources=source, framings=framing, labels=label,
                       label_mode=labels)
    except ValueError as exc:
        raise HTTPException(400, str(exc)) from None


def create_app(snapshot: Path, database: Path, user: str | None = None, merge_every: float = 20.0,
               merge_lock_timeout: float = 2.0, allowed_hosts: list[str] | None = None) -> FastAPI:
    ex = Explorer(snapshot, database)
    merger = Merger(Path(database), merge_every, merge_lock_timeout)
    watcher = SnapshotWatcher(ex)
    default_user = user or corr.default_user()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        nonlocal merger, watcher
        # Fresh threads per start-up (a thread runs once; tests start an app twice).
        merger = Merger(Path(database), merge_every, merge_lock_timeout)
        watcher = SnapshotWatcher(ex)
        app.state.merger = merger
        merger.start()
        merger.poke.set()  # corrections left pending by an earlier session go in now
        # Building the Vega bundle takes seconds: do it before the first page asks for it.
        threading.Thread(target=vega_bundle, name="vega-bundle", daemon=True).start()
        try:
            ex.conn()  # load the snapshot before the first request, not during it
        except NoSnapshotError:
            pass  # every page says so until one is published
        watcher.start()
        yield
        watcher.stopped.set()
        merger.stopped.set()
        merger.poke.set()

    app = FastAPI(title="framewatch explorer", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=allowed_hosts or ["127.0.0.1", "localhost"])
    app.state.explorer, app.state.merger = ex, merger

    @app.exception_handler(NoSnapshotError)
    async def _no_snapshot(request: Request, exc: NoSnapshotError):
        return JSONResponse({"error": str(exc)}, status_code=503)

    def filt(grain: str = "week", start: str | None = None, end: str | None = None, source: list[str] = Query([]),
             framing: list[str] = Query([]), label: list[str] = Query([]), labels: str = "classifier") -> Filters:
        return _filters(grain, start, end, source, framing, label, labels)

    def _json_body(request: Request) -> None:
        if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
            raise HTTPException(415, "send application/json")

    @app.get("/")
    def index():
        return FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-store"})

    @app.get("/static/{name}")
    def static(name: str):
        path = STATIC / name
        if name not in {"app.js", "app.css"} or not path.exists():
            raise HTTPException(404)
        return FileResponse(path, headers={"Cache-Control": "no-store"})

    @app.get("/vendor/vega.js")
    def vega():
        return Response(vega_bundle(), media_type="text/javascript", headers={"Cache-Control": "max-age=86400"})

    @app.get("/api/meta")
    def meta():
        ex.conn()
        # Colours come from reports/palette.py, the one definition the report uses too.
        return {**ex.meta, "colours": colours(ex.meta["labels"]), "user": default_user, "snapshot": str(snapshot),
                "loading_newer": ex.refresh()}

    @app.get("/api/overview")
    def overview(grain: str = "week", start: str | None = None, end: str | None = None, source: list[str] = Query([]),
                 framing: list[str] = Query([]), label: list[str] = Query([]), labels: str = "classifier"):
        f = filt(grain, start, end, source, framing, label, labels)
        o = ex.overview(f)
        names = ex.meta["framings"]
        return {"share_spec": charts.share_spec(o, names), "volume_spec": charts.volume_spec(o, names, ex.meta["labels"]),
                "table": o["shares"], "label_mode": o["label_mode"], "alerts": o["alerts"], "grain": o["grain"],
                "published_at": ex.meta.get("published_at")}

    @app.get("/api/stories")
    def stories(bucket: str | None = None, story_label: str | None = None, q: str | None = None, on_topic: bool = False,
                grain: str = "week", start: str | None = None, end: str | None = None, source: list[str] = Query([]),
                framing: list[str] = Query([]), label: list[str] = Query([]), labels: str = "classifier"):
        f = filt(grain, start, end, source, framing, label, labels)
        try:
            b = date.fromisoformat(bucket) if bucket else None
        except ValueError:
            raise HTTPException(400, "bucket must be a date (YYYY-MM-DD)") from None
        return ex.stories(f, bucket=b, label=story_label, query=(q or "").strip()[:300] or None, on_topic_only=on_topic)

    @app.get("/api/sources")
    def sources():
        return {"sources": ex.sources(), "has_diagnosis": ex.meta.get("has_diagnosis")}

    @app.get("/api/alerts")
    def alerts():
        return {"alerts": ex.alerts()}

    @app.post("/api/alerts/{alert_id}/ack")
    def ack(alert_id: str, request: Request):
        _json_body(request)
        from alerts.cli import acknowledge  # the same update `framewatch alerts ack` makes

        try:
            done = acknowledge(Path(database), alert_id)
        except WarehouseLockedError:
            raise HTTPException(409, "the warehouse is busy (a run is writing it): try again in a minute") from None
        if not done and alert_id not in {a["alert_id"] for a in ex.alerts() if a["status"] == "acknowledged"}:
            raise HTTPException(404, f"no unacknowledged alert {alert_id!r}")
        with ex.lock:
            ex.acknowledged.setdefault(alert_id, datetime.now(timezone.utc))
        return {"alert_id": alert_id, "status": "acknowledged"}

    @app.post("/api/corrections")
    async def add_correction(request: Request):
        _json_body(request)
        body = await request.json()
        if not isinstance(body, dict):
            raise HTTPException(400, "expected a JSON object")
        try:
            row = ex.add_correction(str(body.get("article_id") or ""), str(body.get("label") or ""),
                                    body.get("note"), str(body.get("corrected_by") or default_user))
        except corr.CorrectionError as exc:
            raise HTTPException(400, str(exc)) from None
        merger.poke.set()
        return row

    @app.get("/api/corrections")
    def list_corrections():
        return {"corrections": ex.all_corrections(), "pending": len(corr.pending_rows(database, unmerged_only=True)),
                "last_merge": merger.last_merge, "merge_error": merger.last_error}

    @app.get("/labels.csv")
    def labels_csv():
        import tempfile

        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "labels.csv"
            corr.write_csv(ex.all_corrections(), out)
            text = out.read_text(encoding="utf-8")
        return Response(text, media_type="text/csv",
                        headers={"Content-Disposition": 'attachment; filename="framewatch-labels.csv"'})

    return app
