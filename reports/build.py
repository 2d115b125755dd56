"""Build the report from a warehouse file (the analyst snapshot by default)."""
from __future__ import annotations

from pathlib import Path

import duckdb

from reports.charts import render_png
from reports.html import render_html
from warehouse import named_rows


def build_report(database: Path, out_dir: Path, evidence_rows: int = 12) -> tuple[Path, Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    conn = duckdb.connect(str(database), read_only=True)
    try:
        weekly = named_rows(conn, "report_weekly")
        by_source = named_rows(conn, "report_by_source")
        alerts = named_rows(conn, "report_alerts")
        evidence = named_rows(conn, "report_latest_evidence", [evidence_rows])
    finally:
        conn.close()
    if not weekly:
        raise ValueError(f"{database} has no classified stories yet: run `framewatch run` first")
    png = render_png(weekly, by_source, alerts, out_dir / "framewatch-report.png")
    html = out_dir / "framewatch-report.html"
    html.write_text(render_html(png, alerts, evidence, str(database)), encoding="utf-8")
    return html, png
