"""`framewatch export`: one layout, empty tables still readable, internal tables left out, scores as columns."""
from __future__ import annotations

import csv

import duckdb
import pytest
from typer.testing import CliRunner

from cli.app import app
from tests.warehouse_fixtures import flow_warehouse  # noqa: F401  (fixture)
from warehouse.analyst import export

pytestmark = pytest.mark.usefixtures("prefect_harness")


def _read(path) -> tuple[list[str], int]:
    pattern = f"{path}/*/*.parquet" if path.is_dir() else str(path)
    with duckdb.connect() as conn:
        rel = conn.sql(f"SELECT * FROM read_parquet('{pattern}', hive_partitioning = true)")
        return rel.columns, len(rel.fetchall())


def test_parquet_export_layout_empty_tables_and_scores(flow_warehouse, tmp_path):  # noqa: F811
    written = {name: (path, n) for name, path, n in export(flow_warehouse["snapshot"], tmp_path, "parquet")}
    # Every object reads back, with its row count, including empty ones (a run with no fetch error).
    for name, (path, n) in written.items():
        cols, rows = _read(path)
        assert rows == n and cols, name
    # Time-based objects are month folders; the others one file each.
    assert written["framing_weekly"][0].is_dir() and written["articles"][0].is_dir()
    assert written["framings"][0].name == "framings.parquet" and written["sources"][0].is_file()
    empty = [name for name, (path, n) in written.items() if n == 0 and path.is_dir()]
    for name in empty:
        assert [p.name for p in written[name][0].iterdir()] == ["month=none"]
    # The MinHash tables are internal: only with --all.
    assert "article_fingerprints" not in written and "article_lsh_bands" not in written
    all_written = {name for name, _p, _n in export(flow_warehouse["snapshot"], tmp_path / "all", "parquet", include_internal=True)}
    assert {"article_fingerprints", "article_lsh_bands"} <= all_written
    # Scores: one DOUBLE column per framing, no MAP.
    cols, _ = _read(written["latest_classifications"][0])
    assert {"score_transactional_truce", "score_institutional_engagement"} <= set(cols) and "scores" not in cols


def test_csv_export_spreads_scores_and_writes_headers_for_empty_tables(flow_warehouse, tmp_path):  # noqa: F811
    res = CliRunner().invoke(app, ["export", "--database", str(flow_warehouse["snapshot"]), "--format", "csv", "--out", str(tmp_path)])
    assert res.exit_code == 0, res.output
    with open(tmp_path / "latest_classifications.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert rows and float(rows[0]["score_transactional_truce"]) >= 0
    with open(tmp_path / "fetch_errors.csv", newline="") as f:  # empty in this warehouse: a header, no rows
        assert list(csv.reader(f)) == [["run_id", "occurred_at", "stage", "source_id", "url", "reason", "detail", "http_status"]]
