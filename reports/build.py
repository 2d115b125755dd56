"""Build the report from a warehouse file (the analyst snapshot by default)."""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import duckdb

from reports.charts import render_png, table_rows
from reports.html import render_html
from warehouse import named_rows


def footer_text(meta: dict, source: str, generated: datetime) -> str:
    """The report's stand-alone footer: enough to know what a printed chart is about."""
    return (f"framewatch · {meta['stories']} stories dated {meta['first_date']} to {meta['last_date']} · "
            f"classifier {meta['classifier']}\nsources: {meta['sources']} · "
            f"generated {generated:%Y-%m-%d %H:%M} UTC from {Path(source).name}")


def build_report(database: Path, out_dir: Path, evidence_rows: int = 12) -> tuple[Path, Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    conn = duckdb.connect(str(database), read_only=True)
    try:
        weekly = named_rows(conn, "report_weekly")
        by_source = named_rows(conn, "report_by_source")
        alerts = named_rows(conn, "report_alerts")
        evidence = named_rows(conn, "report_latest_evidence", [evidence_rows])
        names = {r["framing_id"]: r["name"] for r in named_rows(conn, "report_framings")}
        meta = named_rows(conn, "report_meta")[0]
    finally:
        conn.close()
    if not weekly:
        raise ValueError(f"{database} has no classified stories yet: run `framewatch run` first")
    generated = datetime.now(timezone.utc)
    footer = footer_text(meta, str(database), generated)
    png = render_png(weekly, by_source, alerts, out_dir / "framewatch-report.png", names, footer)
    html = out_dir / "framewatch-report.html"
    html.write_text(render_html(png, alerts, evidence, table_rows(weekly, names), names, footer), encoding="utf-8")
    return html, png
