"""Prefect's temporary server, started by us before `import prefect` (flows/prefect_env.py)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import psutil

from flows.prefect_env import _configured_api_url

ROOT = Path(__file__).resolve().parent.parent

CHILD = textwrap.dedent("""
    import json, os, sys
    from flows.prefect_env import configure_prefect, start_temporary_server
    configure_prefect(sys.argv[1])
    url = start_temporary_server()
    import psutil
    server = [p.pid for p in psutil.Process().children() if "uvicorn" in " ".join(p.cmdline())]
    from prefect import flow

    @flow
    def empty() -> int:
        return 7

    print(json.dumps({"url": url, "env": os.environ.get("PREFECT_API_URL"), "result": empty(), "server": server,
                      "server_code_here": "prefect.server.api.server" in sys.modules}))
""")


def test_a_flow_runs_on_our_temporary_server_without_prefects_server_code_in_the_process(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    out = subprocess.run([sys.executable, "-c", CHILD, str(tmp_path)], cwd=ROOT, env={**env, "PYTHONPATH": str(ROOT)},
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    found = json.loads(out.stdout.strip().splitlines()[-1])
    assert found["url"] and found["url"] == found["env"] and found["url"].startswith("http://127.0.0.1:")
    assert found["result"] == 7
    assert found["server_code_here"] is False  # Prefect's own launcher would have imported it (~75 MB)
    assert len(found["server"]) == 1
    assert not psutil.pid_exists(found["server"][0]) or psutil.Process(found["server"][0]).status() == psutil.STATUS_ZOMBIE


def test_a_configured_server_is_used_and_none_started(tmp_path, monkeypatch):
    monkeypatch.setenv("PREFECT_HOME", str(tmp_path))
    monkeypatch.delenv("PREFECT_PROFILES_PATH", raising=False)
    monkeypatch.delenv("PREFECT_PROFILE", raising=False)
    monkeypatch.chdir(tmp_path)
    assert _configured_api_url() is False
    (tmp_path / "profiles.toml").write_text('active = "work"\n[profiles.work]\nPREFECT_API_URL = "http://127.0.0.1:4200/api"\n')
    assert _configured_api_url() is True
    (tmp_path / "profiles.toml").write_text('active = "ephemeral"\n[profiles.ephemeral]\n')
    assert _configured_api_url() is False
    (tmp_path / "prefect.toml").write_text('[api]\nurl = "http://127.0.0.1:4200/api"\n')
    assert _configured_api_url() is True


def test_a_temporary_server_that_does_not_start_is_a_clear_exit_not_a_traceback(tmp_path):
    """`framewatch run`/`backfill`/`reclassify` start Prefect through cli.ingest.start_prefect:
    a server that does not answer in time exits with code 6 and one line saying so."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(PYTHONPATH=str(ROOT), PREFECT_HOME=str(tmp_path), PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS="0.001")
    child = "import typer; from cli.ingest import start_prefect; typer.run(start_prefect)"  # as inside the CLI
    out = subprocess.run([sys.executable, "-c", child, str(tmp_path / "data")], cwd=tmp_path, env=env,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 6, out.stderr[-2000:]
    assert "temporary server did not answer" in out.stderr + out.stdout
    assert "Traceback" not in out.stderr
