"""The `framewatch` command line: one module per command group, all on cli.app.app."""
from cli.app import app, main
from cli import alerts, analyst, explorer, framing_cmds, history, ingest, ops, sources  # noqa: F401,E402  (each registers its commands)

__all__ = ["app", "main"]
