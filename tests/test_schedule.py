"""Scheduling against a real, persistent Prefect server.

Prefect's test harness starts its server in ephemeral mode, which never runs
the scheduler service, so these tests start `prefect server start` itself on a
free 127.0.0.1 port with a 1 s scheduler loop. A scheduled run that appears
with `auto_scheduled` set was created by that service: the part that fails on
every loop with SQLAlchemy 2.1.
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest

from cli.app import EXIT_NO_SERVER
from flows.settings import PROJECT_ROOT

BIN = Path(sys.executable).parent
TZ = "America/New_York"  # not UTC, so a wrong time zone would show in the run times


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _env(home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "FRAMEWATCH_"))}
    env.update(
        PREFECT_HOME=str(home), PREFECT_SERVER_ANALYTICS_ENABLED="false", DO_NOT_TRACK="1",
        PREFECT_LOGGING_LEVEL="WARNING", **extra,
    )
    return env


def _wait(predicate, timeout: float, what: str, proc: subprocess.Popen | None = None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        if proc is not None and proc.poll() is not None:
            pytest.fail(f"{what}: process exited with {proc.returncode}: {proc.stdout.read() if proc.stdout else ''}")
        time.sleep(0.5)
    pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}")


def _stop(proc: subprocess.Popen, sig=signal.SIGTERM) -> None:
    """Stop the process and everything it started (it leads its own session)."""
    if proc.poll() is None:
        proc.send_signal(sig)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            pass
    try:  # children (uvicorn, Prefect's temporary server) would outlive the test
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait()


@pytest.fixture(scope="module")
def prefect_server(tmp_path_factory):
    """`prefect server start` on 127.0.0.1 with its own home and a 1 s scheduler loop; yields the API URL."""
    home = tmp_path_factory.mktemp("prefect-server")
    port = _free_port()
    env = _env(
        home,
        PREFECT_UI_ENABLED="false",
        PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS="1",
        PREFECT_SERVER_SERVICES_SCHEDULER_RECENT_DEPLOYMENTS_LOOP_SECONDS="1",
    )
    log = (home / "server.log").open("w")
    proc = subprocess.Popen(
        [str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        env=env, stdout=log, stderr=subprocess.STDOUT, cwd=home, start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}/api"

    def healthy():
        try:
            return httpx.get(url + "/health", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    try:
        _wait(healthy, 90, "prefect server start", proc)
        yield url
    finally:
        _stop(proc)
        log.close()


def _scheduled_runs(api_url: str, flow_name: str, deployment_name: str):
    """The deployment (or None) and its flow runs in state Scheduled, read with Prefect's client."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterId, FlowRunFilter, FlowRunFilterState, FlowRunFilterStateType
    from prefect.client.schemas.objects import StateType
    from prefect.exceptions import ObjectNotFound
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings({PREFECT_API_URL: api_url}), get_client(sync_client=True) as client:
        try:
            dep = client.read_deployment_by_name(f"{flow_name}/{deployment_name}")
        except ObjectNotFound:
            return None, []
        runs = client.read_flow_runs(
            deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=[dep.id])),
            flow_run_filter=FlowRunFilter(state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType.SCHEDULED]))),
        )
        return dep, runs


@pytest.fixture
def clean_deployment(prefect_server):
    """Both tests register daily_ingest/daily-ingest on the one server: remove it after each."""
    yield
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL, temporary_settings

    dep, _ = _scheduled_runs(prefect_server, "daily_ingest", "daily-ingest")
    if dep is not None:
        with temporary_settings({PREFECT_API_URL: prefect_server}), get_client(sync_client=True) as client:
            client.delete_deployment(dep.id)


def _assert_daily_at_six(runs) -> None:
    assert all(r.auto_scheduled for r in runs), "runs must come from the scheduler service, not a manual trigger"
    local = [r.expected_start_time.astimezone(ZoneInfo(TZ)) for r in runs]
    assert {(t.hour, t.minute) for t in local} == {(6, 0)}, local
    assert all(t > datetime.now(ZoneInfo(TZ)) for t in local)
    assert len({t.date() for t in local}) == len(local)  # one per day


def test_serve_registers_the_deployment_and_the_scheduler_creates_its_runs(prefect_server, clean_deployment, tmp_path):
    env = _env(
        tmp_path / "prefect-client", PREFECT_API_URL=prefect_server,
        FRAMEWATCH_DATA_DIR=str(tmp_path / "data"), FRAMEWATCH_TIMEZONE=TZ,
    )
    serve = subprocess.Popen([str(BIN / "framewatch"), "serve"], env=env, cwd=tmp_path,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        def scheduled():
            dep, runs = _scheduled_runs(prefect_server, "daily_ingest", "daily-ingest")
            return (dep, runs) if dep and len(runs) >= 3 else None

        dep, runs = _wait(scheduled, 60, "scheduled runs of daily_ingest/daily-ingest", serve)
    finally:
        _stop(serve, signal.SIGINT)  # Ctrl-C, as an operator would
    schedule = dep.schedules[0].schedule
    assert (schedule.cron, schedule.timezone) == ("0 6 * * *", TZ)
    assert dep.entrypoint == "flows.daily_ingest.daily_ingest"
    _assert_daily_at_six(runs)
    output = serve.stdout.read()
    assert "cron '0 6 * * *' in America/New_York" in output, output


def test_prefect_yaml_deploys_to_the_process_pool_and_gets_scheduled_runs(prefect_server, clean_deployment, tmp_path):
    env = _env(tmp_path / "prefect-cli", PREFECT_API_URL=prefect_server)
    prefect = str(BIN / "prefect")
    for cmd in (
        [prefect, "work-pool", "create", "framewatch-process", "--type", "process", "--overwrite"],
        # The shipped file with its cron and an explicit zone, as the README shows.
        [prefect, "--no-prompt", "deploy", "--name", "daily-ingest", "--timezone", TZ],
    ):
        done = subprocess.run(cmd, env=env, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stdout + done.stderr

    def scheduled():
        dep, runs = _scheduled_runs(prefect_server, "daily_ingest", "daily-ingest")
        return (dep, runs) if dep and dep.work_pool_name == "framewatch-process" and len(runs) >= 3 else None

    dep, runs = _wait(scheduled, 30, "scheduled runs of the prefect.yaml deployment")
    assert dep.pull_steps == [{"prefect.deployments.steps.set_working_directory": {"directory": "{{ $FRAMEWATCH_HOME }}"}}]
    _assert_daily_at_six([r for r in runs if r.work_pool_name == "framewatch-process"])


def test_serve_refuses_without_a_persistent_server(tmp_path):
    env = _env(tmp_path / "prefect-client", FRAMEWATCH_DATA_DIR=str(tmp_path / "data"))
    done = subprocess.run([str(BIN / "framewatch"), "serve"], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert done.returncode == EXIT_NO_SERVER, done.stdout + done.stderr
    assert "PREFECT_API_URL" in done.stdout and "make prefect-server" in done.stdout
