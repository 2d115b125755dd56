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
    # Names, not ids; the numbers behind the chart; linked titles; a stand-alone footer.
    assert "Transactional truce" in html and "<td>transactional_truce</td>" not in html
    assert "The numbers behind the chart" in html and "95% interval" in html
    assert '<a href="http' in html
    footer = html.split("<footer>")[1]
    assert "stories dated" in footer and "classifier" in footer and "sources:" in footer and "generated" in footer


def test_colours_are_stable_per_framing_id():
    from reports.palette import colour, colours

    before = colours(["transactional_truce", "institutional_engagement", "neither"])
    after = colours(["a_new_hawkish_framing", "transactional_truce", "institutional_engagement", "neither"])
    assert {k: after[k] for k in before} == before  # adding a framing recolours nothing
    assert colour("a_new_hawkish_framing") == colour("a_new_hawkish_framing") not in before.values()


def test_wilson_interval_is_wide_at_small_n_and_narrow_at_large_n():
    from reports.stats import wilson

    lo, hi = wilson(3, 3)
    assert 0.3 < lo < 0.5 and hi == 1.0  # "100%" on 3 stories is anywhere from ~44% up
    lo, hi = wilson(300, 600)
    assert hi - lo < 0.1 and wilson(0, 0) == (None, None)


def test_report_without_a_warehouse_says_what_to_do(tmp_path):
    result = CliRunner().invoke(app, ["report", "--database", str(tmp_path / "none.duckdb")])
    assert result.exit_code == 2
    assert "framewatch run" in result.output
