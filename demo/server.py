"""Serve the bundled demo sites on 127.0.0.1, one origin (port) per site.

Files may contain the placeholder {{BASE_URL}}, replaced at serve time with
the site's own origin, so the same files work on any port. The server
answers conditional GETs (ETag / If-None-Match, Last-Modified /
If-Modified-Since) like a well-behaved real site, so a second demo run
sees 304s for unchanged feeds.
"""
from __future__ import annotations

import hashlib
import mimetypes
import threading
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email.utils import formatdate
from functools import partial
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

SITES_DIR = Path(__file__).resolve().parent / "sites"
# Fixed ports keep the demo's URLs, and so its dedup keys, the same from
# one run to the next; tests pass base_port=0 for free ports.
DEMO_BASE_PORT = 47801
LAST_MODIFIED = formatdate(1766000000, usegmt=True)


@dataclass(frozen=True)
class DemoSite:
    id: str
    name: str
    base_url: str
    feed_url: str
    country: str | None
    language: str | None


class _Handler(BaseHTTPRequestHandler):
    server_version = "framewatch-demo/1"

    def __init__(self, *args, root: Path, **kwargs):
        self.root = root
        super().__init__(*args, **kwargs)

    def log_message(self, format, *args):  # quiet: the demo prints its own summary
        pass

    def do_GET(self):
        rel = self.path.split("?", 1)[0].split("#", 1)[0].lstrip("/") or "index.html"
        target = (self.root / rel).resolve()
        if self.root not in target.parents or not target.is_file():
            self.send_error(404)
            return
        base = f"http://{self.server.server_address[0]}:{self.server.server_address[1]}"
        body = target.read_bytes().replace(b"{{BASE_URL}}", base.encode())
        etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
        if self.headers.get("If-None-Match") == etag or (
            self.headers.get("If-None-Match") is None and self.headers.get("If-Modified-Since") == LAST_MODIFIED
        ):
            self.send_response(304)
            self.send_header("ETag", etag)
            self.end_headers()
            return
        ctype = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        if target.suffix == ".xml":
            ctype = "application/rss+xml"
        self.send_response(200)
        self.send_header("Content-Type", f"{ctype}; charset=utf-8" if ctype.startswith(("text/", "application/rss")) else ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("ETag", etag)
        self.send_header("Last-Modified", LAST_MODIFIED)
        self.end_headers()
        self.wfile.write(body)


def site_dirs(sites_dir: Path = SITES_DIR) -> list[Path]:
    return sorted(p for p in Path(sites_dir).iterdir() if (p / "site.toml").is_file())


@contextmanager
def serve_sites(sites_dir: Path = SITES_DIR, base_port: int = DEMO_BASE_PORT) -> Iterator[list[DemoSite]]:
    """Start one HTTP server per site on 127.0.0.1; stop them all on exit."""
    servers, sites = [], []
    try:
        for i, d in enumerate(site_dirs(sites_dir)):
            meta = tomllib.loads((d / "site.toml").read_text())
            port = base_port + i if base_port else 0
            try:
                srv = ThreadingHTTPServer(("127.0.0.1", port), partial(_Handler, root=d.resolve()))
            except OSError as exc:
                raise RuntimeError(f"demo site {d.name}: cannot listen on 127.0.0.1:{port} ({exc})") from exc
            srv.daemon_threads = True
            threading.Thread(target=srv.serve_forever, daemon=True).start()
            servers.append(srv)
            base = f"http://127.0.0.1:{srv.server_address[1]}"
            sites.append(
                DemoSite(
                    id=d.name,
                    name=meta.get("name", d.name),
                    base_url=base,
                    feed_url=base + meta.get("feed_path", "/feed.xml"),
                    country=meta.get("country"),
                    language=meta.get("language"),
                )
            )
        yield sites
    finally:
        for srv in servers:
            srv.shutdown()
            srv.server_close()


def write_sources_file(path: Path, sites: list[DemoSite]) -> Path:
    """A sources.toml for the served sites, so a run reaches them through the
    same code path as real feeds (extractors/sources.py reads it back)."""
    lines = []
    for s in sites:
        lines += [
            "[[source]]", f'id = "{s.id}"', f'name = "{s.name}"', f'site_url = "{s.base_url}/"',
            f'feed_url = "{s.feed_url}"', f'country = "{s.country or ""}"', f'language = "{s.language or "en"}"',
            "feed_verified = true", "",
        ]
    path.write_text("\n".join(lines))
    return path

