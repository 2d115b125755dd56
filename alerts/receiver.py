"""A local webhook receiver on 127.0.0.1, for the demo and the tests.

It stands in for Slack/Teams/any webhook: Apprise's `json://127.0.0.1:PORT/`
target POSTs each alert to it as JSON ({"title", "message", "type", ...}).
Every delivery is kept in memory and, if given a file, appended to it as a
JSON line, so the demo can show what "the team" received.
`status` can be set to 500 to play a broken endpoint.
"""
from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


@dataclass
class Receiver:
    port: int
    status: int = 200
    received: list[dict] = field(default_factory=list)
    file: Path | None = None

    @property
    def url(self) -> str:
        """The Apprise URL that posts JSON here."""
        return f"json://127.0.0.1:{self.port}/alerts"


@contextmanager
def webhook_receiver(port: int = 0, file: Path | None = None) -> Iterator[Receiver]:
    state: Receiver

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format, *args):  # quiet
            pass

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if state.status == 200:
                try:
                    doc = json.loads(body)
                except ValueError:
                    doc = {"raw": body.decode("utf-8", "replace")}
                state.received.append(doc)
                if state.file:
                    with state.file.open("a") as fh:
                        fh.write(json.dumps(doc) + "\n")
            self.send_response(state.status)
            self.send_header("Content-Length", "0")
            self.end_headers()

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    state = Receiver(server.server_address[1], file=file)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
