"""The `framewatch` command line: one module per command group, all on cli.app.app."""
from cli.app import app
from cli import alerts, analyst, framing_cmds, history, ingest, ops  # noqa: F401,E402  (each registers its commands)

__all__ = ["app"]
