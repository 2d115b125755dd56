"""Vega-Lite specs for the explorer's charts, built from explorer/data.py's rows.

Vega-Lite because analysts get tooltips, zoom-free clicking and an SVG they
can save, from a declarative spec we build in Python; the JavaScript comes
from vl-convert-python's bundle, served by the app (no CDN). Rendered as
SVG so every point is an element with an aria-label: screen readers and
the browser tests can find "the point of week 2025-11-17".
"""
from __future__ import annotations

from datetime import datetime, timezone

from reports.palette import colour, display_name

PERIOD = {"day": "day", "week": "week starting", "month": "month"}
MAX_TICKS = 10


def _ticks(overview: dict) -> list[int]:
    """At most MAX_TICKS period starts, as epoch milliseconds (UTC)."""
    starts = sorted({r["bucket"] for r in overview["shares"]})
    step = max(1, -(-len(starts) // MAX_TICKS))
    return [int(datetime.fromisoformat(b).replace(tzinfo=timezone.utc).timestamp() * 1000) for b in starts[::step]]


def _scale(labels: list[str], names: dict[str, str]) -> dict:
    return {"domain": [display_name(label, names) for label in labels], "range": [colour(label) for label in labels]}


def share_spec(overview: dict, names: dict[str, str]) -> dict:
    """Share of on-topic stories per framing: line + points (with n), a 95% Wilson band, alert windows shaded."""
    framings = overview["framings"]
    # "period" repeats the bucket as text: Vega-Lite turns the encoded field into a Date in place.
    rows = [{**r, "period": r["bucket"], "name": display_name(r["label"], names),
             "desc": f"{display_name(r['label'], names)}, {PERIOD[overview['grain']]} {r['bucket']}: "
                     f"{r['k']} of n={r['n']} on-topic stories"}
            for r in overview["shares"] if r["n"]]
    alerts = [{**a, "name": display_name(a["label"] or "", names),
               "text": f"alert: {display_name(a['label'] or '', names)} {'up' if a['direction'] == 'up' else 'down'}"}
              for a in overview["alerts"]]
    colour_enc = {"field": "name", "type": "nominal", "title": "framing", "scale": _scale(framings, names),
                  "legend": {"orient": "top", "symbolOpacity": 1, "symbolType": "circle"}}
    x = {"field": "bucket", "type": "temporal", "title": PERIOD[overview["grain"]],
         "axis": {"format": "%d %b %Y" if overview["grain"] != "month" else "%b %Y", "labelAngle": 0,
                  # Ticks on period starts (weeks start on Monday), not on the scale's round dates.
                  "values": _ticks(overview)}}
    layers: list = []
    if alerts:
        layers.append({
            "data": {"values": alerts},
            "mark": {"type": "rect", "opacity": 0.12, "color": "#f2a900"},
            "encoding": {"x": {"field": "start", "type": "temporal"}, "x2": {"field": "end"},
                         "tooltip": [{"field": "summary", "title": "alert"}]},
        })
        layers.append({
            "data": {"values": alerts},
            # Above the plot area, left-aligned at the window start: never over the lines.
            "mark": {"type": "text", "align": "left", "baseline": "bottom", "dx": 3, "y": -4, "fontSize": 11,
                     "color": "#8a6100"},
            "encoding": {"x": {"field": "start", "type": "temporal"}, "text": {"field": "text"}},
        })
    layers += [
        {"mark": {"type": "area", "opacity": 0.15},
         "encoding": {"x": x, "y": {"field": "lo", "type": "quantitative"}, "y2": {"field": "hi"}, "color": colour_enc}},
        {"mark": {"type": "line", "strokeWidth": 2}, "encoding": {"x": x, "y": {"field": "share", "type": "quantitative"},
                                                                    "color": colour_enc}},
        {"mark": {"type": "point", "filled": True, "size": 70, "cursor": "pointer"},
         "encoding": {
             "x": x,
             "y": {"field": "share", "type": "quantitative", "title": "share of on-topic stories",
                   "axis": {"format": "%"}, "scale": {"domain": [0, 1]}},
             "color": colour_enc,
             "description": {"field": "desc"},
             "tooltip": [
                 {"field": "name", "title": "framing"}, {"field": "bucket", "type": "temporal", "title": PERIOD[overview["grain"]]},
                 {"field": "share", "format": ".0%", "title": "share"},
                 {"field": "k", "title": "stories with this framing"}, {"field": "n", "title": "n (on-topic stories)"},
                 {"field": "lo", "format": ".0%", "title": "95% low"}, {"field": "hi", "format": ".0%", "title": "95% high"},
             ]}},
        {"mark": {"type": "text", "dy": -10, "fontSize": 9, "color": "#555"},
         "encoding": {"x": x, "y": {"field": "share", "type": "quantitative"}, "text": {"field": "n"},
                      "opacity": {"condition": {"test": f"datum.label === '{framings[0]}'", "value": 1}, "value": 0}}
         if framings else {}},
    ]
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "description": "Share of on-topic stories per framing, with 95% Wilson intervals; numbers above points are n",
        "width": "container", "height": 300, "autosize": {"type": "fit-x", "contains": "padding"},
        "data": {"values": rows},
        "layer": [layer for layer in layers if layer],
        "config": {"view": {"stroke": None}},
    }


def volume_spec(overview: dict, names: dict[str, str], labels: list[str]) -> dict:
    rows = [{**r, "period": r["bucket"], "name": display_name(r["label"], names),
             "desc": f"{display_name(r['label'], names)}, {PERIOD[overview['grain']]} {r['bucket']}: {r['stories']} stories"}
            for r in overview["volume"]]
    present = [label for label in labels if any(r["label"] == label for r in overview["volume"])]
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "description": "Stories per period by label",
        "width": "container", "height": 160, "autosize": {"type": "fit-x", "contains": "padding"},
        "data": {"values": rows},
        "mark": {"type": "bar", "cursor": "pointer"},
        "encoding": {
            # Ordinal: one bar per period, as wide as the period, whatever the grain.
            "x": {"field": "period", "type": "ordinal", "title": PERIOD[overview["grain"]], "axis": {"labelAngle": -40}},
            "y": {"field": "stories", "type": "quantitative", "stack": True, "title": "stories"},
            "color": {"field": "name", "type": "nominal", "title": "label", "scale": _scale(present, names),
                      "legend": {"orient": "top"}},
            "description": {"field": "desc"},
            "tooltip": [{"field": "name", "title": "label"}, {"field": "period", "title": PERIOD[overview["grain"]]},
                        {"field": "stories", "title": "stories"}],
        },
        "config": {"view": {"stroke": None}},
    }
