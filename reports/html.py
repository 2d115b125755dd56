"""The HTML report: one self-contained file (the chart inlined as base64), so
it can be mailed or attached without a web server."""
from __future__ import annotations

import base64
from datetime import datetime, timezone
from html import escape
from pathlib import Path


def _table(headers: list[str], rows: list[list]) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{escape('' if v is None else str(v))}</td>" for v in r) + "</tr>" for r in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def render_html(png: Path, alerts: list[dict], evidence: list[dict], source: str) -> str:
    img = base64.b64encode(png.read_bytes()).decode()
    alert_rows = [
        [a["detected_at"] and f"{a['detected_at']:%Y-%m-%d}", a["kind"], a["framing_id"] or a["source_id"], a["direction"],
         a["baseline_share"] is not None and f"{a['baseline_share']:.0%}" or "", a["current_share"] is not None and f"{a['current_share']:.0%}" or "",
         a["status"], a["summary"]]
        for a in alerts
    ]
    ev_rows = [[e["article_date"], e["source_id"], e["title"], e["label"], e["article_sentence"], e["reference_sentence"], f"{e['similarity']:.2f}"]
               for e in evidence]
    generated = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>framewatch report</title>
<style>body{{font-family:system-ui,sans-serif;max-width:1200px;margin:2em auto;padding:0 1em;color:#222}}
table{{border-collapse:collapse;width:100%;font-size:14px;margin-bottom:2em}}td,th{{border:1px solid #ddd;padding:4px 6px;vertical-align:top;text-align:left}}
th{{background:#f4f4f4}}img{{max-width:100%}}</style></head><body>
<h1>framewatch: how think tanks frame US-China relations</h1>
<p>Generated {generated} from <code>{escape(source)}</code>. Shares count stories (copies of one commentary once) among on-topic stories.</p>
<img alt="Weekly share of each framing, overall and per source, alerts marked" src="data:image/png;base64,{img}">
<h2>Alerts</h2>
{_table(["detected", "kind", "framing / source", "direction", "baseline", "current", "status", "summary"], alert_rows) if alert_rows else "<p>No alert so far.</p>"}
<h2>Top evidence of the latest week</h2>
{_table(["date", "source", "title", "label", "article sentence", "reference sentence", "similarity"], ev_rows) if ev_rows else "<p>No framing-labelled story in the latest week.</p>"}
</body></html>"""
