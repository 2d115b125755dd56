"""The HTML report: one self-contained file (the chart inlined as base64), so
it can be mailed or attached without a web server."""
from __future__ import annotations

import base64
from html import escape
from pathlib import Path

from reports.charts import POOL_WEEKS
from reports.palette import display_name


def _cell(v) -> str:
    if isinstance(v, tuple):  # (text, url): a link, for http(s) URLs only
        text, url = v
        if url and str(url).lower().startswith(("http://", "https://")):
            return f'<td><a href="{escape(str(url), quote=True)}">{escape(str(text or url))}</a></td>'
        v = text
    return f"<td>{escape('' if v is None else str(v))}</td>"


def _table(headers: list[str], rows: list[list]) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(_cell(v) for v in r) + "</tr>" for r in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _pct(x) -> str:
    return "" if x is None or x != x else f"{x:.0%}"


def render_html(png: Path, alerts: list[dict], evidence: list[dict], numbers: list[dict], names: dict[str, str],
                footer: str) -> str:
    img = base64.b64encode(png.read_bytes()).decode()
    alert_rows = [
        [a["detected_at"] and f"{a['detected_at']:%Y-%m-%d}", a["kind"],
         display_name(a["framing_id"], names) if a["framing_id"] else a["source_id"], a["direction"],
         a["window_start"] and f"{a['window_start']:%Y-%m-%d}", _pct(a["baseline_share"]), _pct(a["current_share"]),
         a["status"], a["summary"]]
        for a in alerts
    ]
    ev_rows = [[e["article_date"], e["source_name"] or e["source_id"], (e["title"], e["canonical_url"]),
                display_name(e["label"], names), e["article_sentence"], e["reference_sentence"], f"{e['similarity']:.2f}"]
               for e in evidence]
    num_rows = [[f"{r['week']:%Y-%m-%d}", r["framing"], r["k"], r["n"], _pct(r["share"]), r["pooled_k"], r["pooled_n"],
                 _pct(r["pooled_share"]), f"{_pct(r['pooled_lo'])}–{_pct(r['pooled_hi'])}" if r["pooled_n"] else ""]
                for r in numbers]
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>framewatch report</title>
<style>body{{font-family:system-ui,sans-serif;max-width:1200px;margin:2em auto;padding:0 1em;color:#222}}
table{{border-collapse:collapse;width:100%;font-size:14px;margin-bottom:2em}}td,th{{border:1px solid #ddd;padding:4px 6px;vertical-align:top;text-align:left}}
th{{background:#f4f4f4}}img{{max-width:100%}}footer{{border-top:1px solid #ccc;margin-top:2em;padding-top:.5em;color:#555;font-size:13px}}</style></head><body>
<h1>framewatch: how think tanks frame US-China relations</h1>
<p>Shares count stories (copies of one commentary once) among on-topic stories. Every point carries its n (on-topic
stories) and a 95% Wilson interval; shaded spans are alert windows.</p>
<img alt="Share of each framing over time, overall and per source, with n, 95% intervals and alert windows" src="data:image/png;base64,{img}">
<h2>Alerts</h2>
{_table(["detected", "kind", "framing / source", "direction", "window start", "baseline", "current", "status", "summary"], alert_rows) if alert_rows else "<p>No alert so far.</p>"}
<h2>Top evidence of the latest week</h2>
{_table(["date", "source", "title", "label", "article sentence", "reference sentence", "similarity"], ev_rows) if ev_rows else "<p>No framing-labelled story in the latest week.</p>"}
<h2>The numbers behind the chart</h2>
{_table(["week starting", "framing", "stories (k)", "on-topic (n)", "share", f"k, {POOL_WEEKS} weeks", f"n, {POOL_WEEKS} weeks", f"share, {POOL_WEEKS} weeks", "95% interval"], num_rows)}
<footer>{escape(footer).replace(chr(10), "<br>")}</footer>
</body></html>"""
