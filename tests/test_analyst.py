"""Analyst entry points and the analyst docs: every documented query runs and returns rows."""
from __future__ import annotations

import csv
import io
import re
import subprocess
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from cli.app import app
from tests.warehouse_fixtures import flow_warehouse  # noqa: F401  (fixture)
from warehouse.analyst import duckdb_cli, export

pytestmark = pytest.mark.usefixtures("prefect_harness")

# Every SQL example in the README runs against the demo warehouse, so the docs never rot.
DOCS = Path(__file__).resolve().parent.parent / "README.md"
SQL_BLOCKS = re.findall(r"```sql\n(.*?)```", DOCS.read_text(), flags=re.S)


def test_the_docs_have_at_least_eight_example_queries():
    assert len(SQL_BLOCKS) >= 8


@pytest.mark.parametrize("sql", SQL_BLOCKS, ids=[f"query{i + 1}" for i in range(len(SQL_BLOCKS))])
def test_documented_query_runs_on_the_demo_warehouse_and_returns_rows(flow_warehouse, sql):  # noqa: F811
    with duckdb.connect(str(flow_warehouse["snapshot"]), read_only=True) as conn:
        rows = conn.execute(sql).fetchall()
    assert rows, f"no rows on the {flow_warehouse['corpus']} warehouse:\n{sql}"
    cli = duckdb_cli()  # and with the DuckDB 1.5 CLI analysts install from PyPI
    if cli:
        out = subprocess.run([cli, "-readonly", "-csv", str(flow_warehouse["snapshot"]), "-c", sql],
                             capture_output=True, text=True, timeout=60)
        assert out.returncode == 0, out.stderr
        assert len(list(csv.reader(io.StringIO(out.stdout)))) == len(rows) + 1  # header + the same rows


def test_sql_command_prints_a_table_or_csv(flow_warehouse):  # noqa: F811
    snap = str(flow_warehouse["snapshot"])
    runner = CliRunner()
    res = runner.invoke(app, ["sql", "--database", snap, "--csv", "SELECT label, stories FROM framing_weekly ORDER BY label"])
    assert res.exit_code == 0, res.output
    rows = list(csv.reader(io.StringIO(res.output)))
    assert rows[0] == ["label", "stories"] and len(rows) > 1
    res = runner.invoke(app, ["sql", "--database", snap, "SELECT count(*) AS n FROM story_framings"])
    assert res.exit_code == 0 and "1 row" in res.output, res.output
    res = runner.invoke(app, ["sql", "--database", snap, "SELEC nonsense"])
    assert res.exit_code == 2 and "error" in res.output
    res = runner.invoke(app, ["sql", "--database", str(Path(snap).with_name("missing.duckdb")), "SELECT 1"])
    assert res.exit_code == 2 and "no analyst snapshot" in res.output


def test_parquet_export_is_partitioned_by_month_and_complete(flow_warehouse, tmp_path):  # noqa: F811
    written = {name: (path, n) for name, path, n in export(flow_warehouse["snapshot"], tmp_path, "parquet")}
    for name in ("framing_weekly", "framing_by_source", "latest_classifications", "article_evidence", "source_health",
                 "articles", "classifications"):
        assert name in written
    path, n = written["framing_weekly"]
    months = sorted(p.name for p in path.iterdir())
    assert months and all(re.fullmatch(r"month=\d{4}-\d{2}", m) for m in months), months
    with duckdb.connect() as conn:
        back = conn.execute(
            f"SELECT count(*), count(DISTINCT month) FROM read_parquet('{path}/*/*.parquet', hive_partitioning = true)"
        ).fetchone()
        assert back == (n, len(months))
        assert conn.execute(f"SELECT count(*) FROM '{written['source_health'][0]}'").fetchone()[0] == written["source_health"][1]


def test_csv_export_writes_one_file_per_view_and_table(flow_warehouse, tmp_path):  # noqa: F811
    res = CliRunner().invoke(app, ["export", "--database", str(flow_warehouse["snapshot"]), "--format", "csv", "--out", str(tmp_path)])
    assert res.exit_code == 0, res.output
    with open(tmp_path / "framing_weekly.csv") as f:
        rows = list(csv.reader(f))
    assert rows[0][:3] == ["week", "label", "is_framing"] and len(rows) > 1
    assert (tmp_path / "articles.csv").exists() and not (tmp_path / "schema_version.csv").exists()
    res = CliRunner().invoke(app, ["export", "--database", str(flow_warehouse["snapshot"]), "--format", "xlsx"])
    assert res.exit_code == 2


def test_sql_table_cells_print_network_text_as_text(flow_warehouse):  # noqa: F811
    """A title with `[/]` or an escape sequence is shown as text: no markup error, no control code."""
    res = CliRunner().invoke(app, ["sql", "--database", str(flow_warehouse["snapshot"]),
                                   "SELECT 'a [/] b [bold]c' || chr(27) || '[31m' AS title"])
    assert res.exit_code == 0, res.output
    assert "a [/] b [bold]c" in res.output and "\x1b" not in res.output
