"""What an operator sees at the end of `framewatch run`: the progress bars' final
counts, the per-stage summary, and the same summary as a Prefect artifact."""
from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

from cli.app import EXIT_OK, app
from flows.run_report import ARTIFACT_KEY
from demo.server import write_sources_file

pytestmark = pytest.mark.usefixtures("prefect_harness")


def _bar(output: str, label: str) -> tuple[int, int, int]:
    """(done, total, ok) from the last rendering of a progress bar."""
    found = re.findall(rf"{label}\s.*?(\d+)/(\d+)\s+ok (\d+)", output)
    assert found, f"no {label!r} bar in:\n{output}"
    return tuple(int(x) for x in found[-1])


def test_run_shows_bars_with_final_counts_then_the_stage_summary_and_an_artifact(tmp_path, mini_sites, monkeypatch):
    monkeypatch.setenv("FRAMEWATCH_SOURCES_FILE", str(write_sources_file(tmp_path / "sources.toml", mini_sites)))
    monkeypatch.setenv("FRAMEWATCH_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("FRAMEWATCH_FETCH__ALLOW_HOSTS", '["127.0.0.1"]')
    monkeypatch.setenv("FRAMEWATCH_FETCH__MIN_INTERVAL", "0")
    result = CliRunner().invoke(app, ["run"])
    assert result.exit_code == EXIT_OK, result.output
    out = result.output
    assert _bar(out, "feeds polled") == (1, 1, 1)
    assert _bar(out, "pages fetched") == (3, 3, 3)
    assert _bar(out, "articles extracted") == (3, 3, 3)
    assert _bar(out, "articles classified") == (3, 3, 3)
    # the summary table comes after the bars, one row per stage with its count
    summary = out[out.index("run "):]
    for stage, n in (("feeds polled", 1), ("pages fetched", 3), ("articles extracted", 3), ("articles loaded", 3)):
        assert re.search(rf"{stage}\s*│\s*{n}\s*│\s*\d+\.\d\d", summary), f"{stage} row missing:\n{summary}"
    # classified in the same pass as extracted (flows/page_work.py): its seconds are extraction's
    assert re.search(r"articles classified\s*│\s*3\s*│", summary)

    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    with get_client(sync_client=True) as client:
        artifacts = client.read_artifacts(artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[ARTIFACT_KEY])))
    latest = max(artifacts, key=lambda a: a.created)
    assert "| articles classified | 3 |" in latest.data
    assert "## New articles per label" in latest.data and "## Failures (0)" in latest.data
