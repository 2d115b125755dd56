"""Running `daily_ingest` every day with Prefect: the deployment and `framewatch serve`.

Prefect only creates scheduled runs on a persistent API server (the temporary
one started per run has no scheduler service), so `serve` first checks that
PREFECT_API_URL points at a live server and refuses otherwise.
Import this module only after `configure_prefect()`.
"""
from __future__ import annotations

import httpx

from flows.settings import Settings

DEPLOYMENT_NAME = "daily-ingest"
FLOW_NAME = "daily_ingest"
LOCAL_API_URL = "http://127.0.0.1:4200/api"


class NoServerError(Exception):
    """No persistent Prefect server to register the schedule with."""


def api_url() -> str | None:
    # Prefect's own resolution: environment first, then the active profile
    # (`prefect config set PREFECT_API_URL=...` under PREFECT_HOME).
    from prefect.settings import PREFECT_API_URL

    return PREFECT_API_URL.value() or None


def require_server(timeout: float = 5.0) -> str:
    """The API URL of a live persistent server, or NoServerError saying how to get one."""
    url = api_url()
    how = (
        "Start one with `make prefect-server` (in another terminal), then\n"
        f"  export PREFECT_API_URL={LOCAL_API_URL}\n"
        "and run `framewatch serve` again. See the README, 'Running it every day'."
    )
    if not url:
        raise NoServerError("No persistent Prefect server configured (PREFECT_API_URL is unset): "
                            "the temporary server Prefect starts per run cannot schedule.\n" + how)
    try:
        httpx.get(url.rstrip("/") + "/health", timeout=timeout).raise_for_status()
    except httpx.HTTPError as exc:
        raise NoServerError(f"No Prefect server answering at PREFECT_API_URL={url} ({type(exc).__name__}).\n" + how) from None
    return url


def daily_schedule(settings: Settings):
    from prefect.schedules import Cron

    return Cron(settings.schedule_cron, timezone=settings.timezone)


def build_deployment(settings: Settings, name: str = DEPLOYMENT_NAME, schedule=None):
    """The `daily_ingest` deployment `serve` registers, on the cron from settings."""
    from prefect.deployments.runner import EntrypointType

    from flows.daily_ingest import daily_ingest

    return daily_ingest.to_deployment(
        name=name,
        schedules=[schedule or daily_schedule(settings)],
        # A module path, not a file path, so runs find the code from any
        # working directory (the package is installed into the venv).
        entrypoint_type=EntrypointType.MODULE_PATH,
        tags=["framewatch"],
        description=f"framewatch daily ingest, cron {settings.schedule_cron!r} in {settings.timezone}",
    )


def serve(settings: Settings) -> None:
    """Register the deployment and execute its scheduled runs until interrupted (Ctrl-C)."""
    from prefect import serve as prefect_serve

    # pause_on_shutdown: a stopped `serve` pauses the schedule instead of
    # letting runs pile up as Late with nobody to execute them. limit=1: one
    # run at a time, since the warehouse has a single writer.
    prefect_serve(build_deployment(settings), pause_on_shutdown=True, limit=1)
