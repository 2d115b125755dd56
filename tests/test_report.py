"""`framewatch report` on a warehouse built by the real flow: an HTML page and a PNG."""
from __future__ import annotations

import pytest
from typer.testing import CliRunner

from cli.app import app
from tests.warehouse_fixtures import flow_warehouse  # noqa: F401  (fixture)

pytestmark = pytest.mark.usefixtures("prefect_harness")


def test_report_writes_a_self_contained_html_and_a_png(flow_warehouse, tmp_path):  # noqa: F811
    out = tmp_path / "report"
    result = CliRunner().invoke(app, ["report", "--database", str(flow_warehouse["snapshot"]), "--out", str(out)])
    assert result.exit_code == 0, result.output
    png = (out / "framewatch-report.png").read_bytes()
    assert png.startswith(b"\x89PNG") and len(png) > 20_000
    html = (out / "framewatch-report.html").read_text()
    assert "data:image/png;base64," in html  # the chart travels inside the page
    assert "<h2>Alerts</h2>" in html and "Top evidence of the latest week" in html


def test_report_without_a_warehouse_says_what_to_do(tmp_path):
    result = CliRunner().invoke(app, ["report", "--database", str(tmp_path / "none.duckdb")])
    assert result.exit_code == 2
    assert "framewatch run" in result.output
