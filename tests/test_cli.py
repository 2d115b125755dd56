"""The framewatch CLI as a user meets it: exit codes, one-line reasons, recorded runs."""
from __future__ import annotations

import duckdb
import pytest
from typer.testing import CliRunner

from cli.app import EXIT_CONFIG, EXIT_FAILED, app

pytestmark = pytest.mark.usefixtures("prefect_harness")
runner = CliRunner()


def test_run_without_network_fails_cleanly_and_records_the_run(tmp_path, monkeypatch):
    # .invalid never resolves (RFC 2606): the same failure as a machine with no internet.
    (tmp_path / "sources.toml").write_text(
        '[[source]]\nid = "a"\nname = "A"\nfeed_url = "https://feeds-a.invalid/feed"\n\n'
        '[[source]]\nid = "b"\nname = "B"\nfeed_url = "https://feeds-b.invalid/rss.xml"\n'
    )
    monkeypatch.setenv("FRAMEWATCH_SOURCES_FILE", str(tmp_path / "sources.toml"))
    monkeypatch.setenv("FRAMEWATCH_DATA_DIR", str(tmp_path / "data"))
    result = runner.invoke(app, ["run"])
    assert result.exit_code == EXIT_FAILED, result.output
    reason_lines = [line for line in result.output.splitlines() if "feeds-" in line and ".invalid" in line]
    assert len(reason_lines) == 2  # one line per feed, with its reason
    with duckdb.connect(str(tmp_path / "data" / "framewatch.duckdb"), read_only=True) as conn:
        assert conn.execute("SELECT status, error_count FROM runs").fetchall() == [("failed", 2)]
        assert conn.execute("SELECT count(*) FROM fetch_errors WHERE stage = 'feed'").fetchone()[0] == 2


def test_malformed_sources_file_is_refused_with_the_entry_named(tmp_path, monkeypatch):
    (tmp_path / "sources.toml").write_text('[[source]]\nid = "Bad Id"\nname = "X"\nfeed_url = "ftp://x/feed"\n')
    monkeypatch.setenv("FRAMEWATCH_SOURCES_FILE", str(tmp_path / "sources.toml"))
    monkeypatch.setenv("FRAMEWATCH_DATA_DIR", str(tmp_path / "data"))
    result = runner.invoke(app, ["run"])
    assert result.exit_code == EXIT_CONFIG
    assert "source #1" in result.output and "id" in result.output


def test_shipped_sources_file_is_valid():
    from extractors.sources import load_sources
    from flows.settings import PROJECT_ROOT

    sources = load_sources(PROJECT_ROOT / "sources.toml")
    assert len(sources) >= 8
    assert all(s.endpoint.startswith(("https://", "http://")) for s in sources)  # the URL each discovery method polls
