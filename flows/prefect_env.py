"""Prefect configuration that must be in place before `import prefect`.

With no PREFECT_API_URL set, Prefect starts a temporary local server for
each run. We keep its state inside the project's data directory, turn
telemetry off (there is no internet to send it to, and the failures would
be printed), and give the temporary server longer to start than the 20 s
default, which fails on a loaded 2-core machine.
"""
from __future__ import annotations

import os
from pathlib import Path


def configure_prefect(data_dir: Path | str = "data") -> None:
    home = Path(data_dir).resolve() / "prefect"
    home.mkdir(parents=True, exist_ok=True)
    defaults = {
        "PREFECT_HOME": str(home),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1",
        "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
        "PREFECT_LOGGING_LEVEL": "WARNING",
        # The ephemeral server's SQLite lives under PREFECT_HOME.
    }
    for key, value in defaults.items():
        os.environ.setdefault(key, value)
