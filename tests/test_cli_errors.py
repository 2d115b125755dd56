"""Every mistake a user can make in the settings or the sources file gets one
line and exit code 2 from the real `framewatch` process: no traceback, no
secret, and nothing from Prefect (it is checked before Prefect starts)."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from cli.app import EXIT_CONFIG, EXIT_LOCKED, EXIT_OK
from flows.settings import PROJECT_ROOT

PASSWORD = "S3cretPassw0rd"


def framewatch(args: list[str], cwd: Path, env: dict[str, str] | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if not k.upper().startswith("FRAMEWATCH_")}
    base["PYTHONPATH"] = str(PROJECT_ROOT)
    return subprocess.run([sys.executable, "-m", "cli", *args], cwd=cwd, env={**base, **(env or {})},
                          capture_output=True, text=True, timeout=timeout)


def one_error_line(res: subprocess.CompletedProcess) -> str:
    out = res.stdout + res.stderr
    assert "Traceback" not in out, out
    lines = [line for line in out.splitlines() if line.strip()]
    assert len(lines) == 1, out
    assert lines[0].startswith("error: "), out
    return lines[0]


@pytest.mark.parametrize(
    ("env", "toml", "expected"),
    [
        ({"FRAMEWATCH_CLASSIFIER_BACKEND": "bert"}, "", "'classifier_backend' = 'bert'"),
        ({}, 'classifier_backend = "bert"\n', "Input should be 'lexical' or 'embedding'"),
        ({"FRAMEWATCH_ALERT_URLS": f"json://u:{PASSWORD}@hooks.example.org/x"}, "", "not valid JSON"),
        ({"FRAMEWATCH_ALERT_URLS": f'["u:{PASSWORD}@hooks.example.org"]'}, "", "not an apprise URL"),
        ({}, f'alert_urls = "json://u:{PASSWORD}@hooks.example.org/x"\n', "'alert_urls'"),
        ({"FRAMEWATCH_DATA_DIR": "{tmp}/a-file"}, "", "is a file, expected a folder"),
        ({"FRAMEWATCH_DATA_DIR": "{tmp}/a-file/below"}, "", "cannot create"),
        ({}, "[alerts]\nfailure_threshold = 0\n", "'alerts.failure_threshold'"),
        ({"FRAMEWATCH_FETCH__MIN_INTERVALL": "2"}, "", "did you mean 'min_interval'"),
    ],
)
@pytest.mark.parametrize("command", [["config"], ["run"]])
def test_bad_setting_gives_one_line_exit_2_no_traceback_no_secret(tmp_path, env, toml, expected, command):
    (tmp_path / "a-file").write_text("not a folder")
    if toml:
        (tmp_path / "framewatch.toml").write_text(toml)
    env = {k: v.replace("{tmp}", str(tmp_path)) for k, v in env.items()}
    res = framewatch(command, tmp_path, env)
    assert res.returncode == EXIT_CONFIG, res.stdout + res.stderr
    line = one_error_line(res)
    assert expected in line
    assert PASSWORD not in res.stdout + res.stderr


def test_sources_file_error_is_one_line_before_prefect_starts(tmp_path):
    (tmp_path / "sources.toml").write_text('[[source]]\nid = "Bad Id"\nname = "X"\nfeed_url = "https://x.example/feed"\n')
    res = framewatch(["run"], tmp_path, {"FRAMEWATCH_SOURCES_FILE": str(tmp_path / "sources.toml"),
                                         "FRAMEWATCH_DATA_DIR": str(tmp_path / "data")})
    assert res.returncode == EXIT_CONFIG
    assert "source #1" in one_error_line(res)
    assert not (tmp_path / "data" / "prefect").exists()  # Prefect never started


def test_a_locked_warehouse_is_one_line_exit_5_before_prefect_starts(tmp_path, capsys):
    import typer

    from cli.ingest import preflight
    from flows.settings import load_settings

    db = tmp_path / "data" / "framewatch.duckdb"
    db.parent.mkdir()
    (tmp_path / "sources.toml").write_text('[[source]]\nid = "a"\nname = "A"\nfeed_url = "https://a.example/feed"\n')
    settings = load_settings(data_dir=str(db.parent), sources_file=str(tmp_path / "sources.toml"))
    holder = subprocess.Popen(  # another process holds the write lock, as a running ingest would
        [sys.executable, "-c", f"import duckdb, sys; c = duckdb.connect({str(db)!r}); print('ready', flush=True); sys.stdin.read()"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "ready"
        with pytest.raises(typer.Exit) as exc:
            preflight(settings, {}, lock_timeout=1.0)
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)
    assert exc.value.exit_code == EXIT_LOCKED
    out = [line for line in capsys.readouterr().out.splitlines() if line.strip()]
    assert len(out) == 1 and out[0].startswith("error: ") and "locked" in out[0]
    assert not (db.parent / "prefect").exists()  # Prefect never started


def test_demo_with_a_busy_port_names_it_and_how_to_choose_another(tmp_path):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        busy = sock.getsockname()[1]
        res = framewatch(["demo", "--port", str(busy - 1)], tmp_path)
    assert res.returncode == EXIT_CONFIG
    line = one_error_line(res)
    assert f"port {busy}" in line and "--port" in line and "DEMO_PORT" in line


def test_a_misspelt_variable_is_warned_about_with_the_closest_key(tmp_path):
    res = framewatch(["config"], tmp_path, {"FRAMEWATCH_DATADIR": str(tmp_path / "d")})
    assert res.returncode == EXIT_OK
    assert "FRAMEWATCH_DATADIR is not a framewatch setting" in res.stderr
    assert "did you mean FRAMEWATCH_DATA_DIR?" in res.stderr
    assert "warning" not in res.stdout  # stdout stays a valid framewatch.toml


def test_an_unexpected_error_is_one_line_exit_1_and_the_traceback_is_on_request(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "framewatch.duckdb").write_bytes(b"not a duckdb file at all " * 200)
    res = framewatch(["status", "-d", str(data)], tmp_path)
    assert res.returncode == 1
    assert "internal error" in one_error_line(res)
    res = framewatch(["status", "-d", str(data)], tmp_path, {"FRAMEWATCH_TRACEBACK": "1"})
    assert res.returncode == 1 and "Traceback" in res.stderr


def test_embedding_backend_without_its_extra_is_one_line_with_the_install_hint(tmp_path):
    stub = tmp_path / "stub"
    stub.mkdir()
    (stub / "torch.py").write_text('raise ImportError("No module named torch (test stub)")\n')
    (tmp_path / "sources.toml").write_text('[[source]]\nid = "a"\nname = "A"\nfeed_url = "https://a.example/feed"\n')
    env = {"FRAMEWATCH_CLASSIFIER_BACKEND": "embedding", "FRAMEWATCH_SOURCES_FILE": str(tmp_path / "sources.toml"),
           "FRAMEWATCH_DATA_DIR": str(tmp_path / "data"), "PYTHONPATH": f"{stub}{os.pathsep}{PROJECT_ROOT}"}
    base = {k: v for k, v in os.environ.items() if not k.upper().startswith("FRAMEWATCH_")}
    res = subprocess.run([sys.executable, "-m", "cli", "run"], cwd=tmp_path, env={**base, **env},
                         capture_output=True, text=True, timeout=120)
    assert res.returncode == EXIT_CONFIG, res.stdout + res.stderr
    line = one_error_line(res)
    assert "missing torch" in line and "[embed]" in line  # Rich markup does not swallow the extra's name
    assert not (tmp_path / "data" / "prefect").exists()
