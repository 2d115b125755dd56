"""Prefect configuration that must be in place before `import prefect`.

With no PREFECT_API_URL set, Prefect starts a temporary local server for
each run. We keep its state inside the project's data directory, turn
telemetry off (there is no internet to send it to, and the failures would
be printed), and give the temporary server longer to start than the 20 s
default, which fails on a loaded 2-core machine.
"""
from __future__ import annotations

import atexit
import importlib.util
import os
import socket
import subprocess
import sys
import time
import urllib.request
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


# The same server Prefect would start, the way it starts it
# (prefect.server.api.server.SubprocessASGIServer._run_uvicorn_command).
_SERVER_ENV = {"PREFECT_UI_ENABLED": "0", "PREFECT__SERVER_EPHEMERAL": "1", "PREFECT__SERVER_FINAL": "1"}
PORT_IN_USE = 3  # uvicorn's exit code when it cannot bind
_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback: never through a proxy


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _configured_api_url() -> bool:
    """Whether Prefect's own configuration names a server: the active profile
    (`prefect config set PREFECT_API_URL=...` under PREFECT_HOME) or a
    prefect.toml here. Then Prefect uses that server, and so do we."""
    import tomllib

    home = Path(os.environ.get("PREFECT_HOME", Path.home() / ".prefect"))
    try:
        profiles = tomllib.loads(Path(os.environ.get("PREFECT_PROFILES_PATH", home / "profiles.toml")).read_text())
        active = os.environ.get("PREFECT_PROFILE") or profiles.get("active", "ephemeral")
        if profiles.get("profiles", {}).get(active, {}).get("PREFECT_API_URL"):
            return True
    except (OSError, ValueError):
        pass
    try:
        return bool(tomllib.loads(Path("prefect.toml").read_text()).get("api", {}).get("url"))
    except (OSError, ValueError):
        return False


class TemporaryServerError(RuntimeError):
    """Prefect's temporary API server did not start."""


def prepare_flow_run(data_dir: Path | str) -> str | None:
    """What every command that runs a flow in this process does first: Prefect's
    settings (configure_prefect), then its temporary server (start_temporary_server)."""
    configure_prefect(data_dir)
    return start_temporary_server()


def start_temporary_server(timeout: float | None = None) -> str | None:
    """Start Prefect's temporary API server for this process's flow runs and
    point PREFECT_API_URL at it; its URL, or None if there is nothing to do
    (PREFECT_API_URL already names a server, or Prefect is imported already:
    Prefect then starts its own, as before).

    Why not let Prefect start it: the first flow run of a process then imports
    Prefect's whole server (its API routers, SQLAlchemy, FastAPI, redis and
    asyncpg clients: ~1,100 modules) into the flow's process only to launch
    the server in a child process. Measured: the flow process's PSS after its
    first (empty) flow, 187 MB that way, 113 MB with the server started here
    (bench/RESULTS.md, "Memory"). The server itself is the same uvicorn child
    either way, stopped when this process exits. Call after
    configure_prefect() and before `import prefect`, where a flow is about to
    run (`framewatch run`, not `serve`, which needs a persistent server)."""
    if os.environ.get("PREFECT_API_URL") or "prefect" in sys.modules or _configured_api_url():
        return None
    spec = importlib.util.find_spec("prefect")  # locates it without importing it
    app_dir = str(Path(spec.submodule_search_locations[0]).parent)
    limit = timeout or float(os.environ.get("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120"))
    deadline = time.monotonic() + limit
    while True:
        port = _free_port()
        proc = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "--app-dir", app_dir, "--factory", "prefect.server.api.server:create_app",
             "--host", "127.0.0.1", "--port", str(port), "--log-level", "error", "--lifespan", "on"],
            env={**os.environ, **_SERVER_ENV},
        )
        url = f"http://127.0.0.1:{port}/api"
        while time.monotonic() < deadline:
            code = proc.poll()
            if code is not None:
                break
            try:
                with _DIRECT.open(f"{url}/health", timeout=2) as r:
                    if r.status == 200:
                        atexit.register(_stop, proc, os.getpid())
                        os.environ["PREFECT_API_URL"] = url
                        return url
            except OSError:
                pass
            time.sleep(0.1)
        if proc.poll() == PORT_IN_USE and time.monotonic() < deadline:
            continue  # another process took the port between our check and uvicorn's bind
        _stop(proc, os.getpid())
        raise TemporaryServerError(f"Prefect's temporary server did not answer on {url} within {limit:g} s "
                           f"(exit code {proc.returncode}); see PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS")


def _stop(proc: subprocess.Popen, owner: int) -> None:
    if os.getpid() != owner:  # a forked child inherited the handler: the server is its parent's
        return
    proc.terminate()
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
