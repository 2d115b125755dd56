"""The report's chart: the share of each framing over time, overall and per
source, with n and a 95% interval on every point and alert windows shaded.
matplotlib with the Agg backend: no display, no fonts or browsers to download."""
from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import matplotlib.transforms as mtransforms  # noqa: E402

from reports.palette import colour, display_name  # noqa: E402
from reports.stats import wilson  # noqa: E402

POOL_WEEKS = 4  # the main line pools 4 weeks: at ~5 on-topic stories a week, one week's share swings by 20 points


def pooled(rows: list[dict], key=None, period=None, window: int = 1) -> dict:
    """group -> label -> list of points {date, k, n, share, lo, hi}: counts
    re-bucketed by `period` (a function of the week) and pooled over
    `window` buckets, so a quiet week weighs less than a busy one."""
    counts: dict = defaultdict(lambda: defaultdict(lambda: defaultdict(lambda: [0, 0])))
    for r in rows:
        bucket = period(r["week"]) if period else r["week"]
        c = counts[r[key] if key else None][r["label"]][bucket]
        c[0] += r["stories"] or 0
        c[1] += r["on_topic_stories"] or 0
    out: dict = {}
    for group, by_label in counts.items():
        out[group] = {}
        for label, buckets in by_label.items():
            dates = sorted(buckets)
            points = []
            for i, d in enumerate(dates):
                win = [buckets[x] for x in dates[max(0, i - window + 1): i + 1]]
                k, n = sum(w[0] for w in win), sum(w[1] for w in win)
                lo, hi = wilson(k, n)
                points.append({"date": d, "k": k, "n": n, "share": k / n if n else float("nan"), "lo": lo, "hi": hi})
            out[group][label] = points
    return out


def month(week):
    return week.replace(day=1)


def _draw(ax, series: dict, names: dict, lw: float = 2.0, band: bool = True, n_labels: bool = False) -> None:
    for label, points in sorted(series.items()):
        if label not in names:  # framings only: mixed/neither are in the table
            continue
        x = [p["date"] for p in points]
        c = colour(label)
        ax.plot(x, [p["share"] for p in points], marker="o", ms=3.5, lw=lw, color=c, label=display_name(label, names))
        if band:
            ax.fill_between(x, [p["lo"] if p["lo"] is not None else float("nan") for p in points],
                            [p["hi"] if p["hi"] is not None else float("nan") for p in points], color=c, alpha=0.12, lw=0)
    if n_labels:  # n is the same for every framing in a period: print it once, along the bottom
        first = next((pts for label, pts in sorted(series.items()) if label in names), [])
        for p in first:
            ax.annotate(f"{p['n']}", (p["date"], 0.02), ha="center", va="bottom", fontsize=7, color="#555")
    ax.set_ylim(0, 1)
    ax.yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    ax.grid(alpha=0.3)


def _shade_alerts(ax, alerts: list[dict], names: dict) -> None:
    top = mtransforms.blended_transform_factory(ax.transData, ax.transAxes)
    for a in alerts:
        if a["kind"] != "framing_shift" or a["detected_at"] is None:
            continue
        start = a["window_start"] or a["detected_at"]
        ax.axvspan(start, a["detected_at"], color="#f2a900", alpha=0.15, lw=0)
        arrow = "rose" if a["direction"] == "up" else "fell"
        # Above the plot area, from the window's start: it never covers a line.
        ax.text(start, 1.01, f"alert: {display_name(a['framing_id'], names)} {arrow}", transform=top, fontsize=9,
                color="#8a6100", va="bottom", ha="left")


def render_png(weekly: list[dict], by_source: list[dict], alerts: list[dict], path: Path, names: dict[str, str],
               footer: str) -> Path:
    main = pooled(weekly, window=POOL_WEEKS)[None]
    per_source = pooled(by_source, key="source_name", period=month)
    n = len(per_source)
    cols = 3
    rows = (n + cols - 1) // cols
    fig = plt.figure(figsize=(13, 6 + 2.8 * rows), constrained_layout=True)
    grid = fig.add_gridspec(1 + rows, cols, height_ratios=[2.2] + [1] * rows)
    ax = fig.add_subplot(grid[0, :])
    _draw(ax, main, names, lw=2.4, n_labels=True)
    _shade_alerts(ax, alerts, names)
    ax.set_title(f"Share of on-topic stories by framing, pooled over {POOL_WEEKS} weeks, with 95% intervals "
                 "(n per point along the bottom); copies counted once", fontsize=11, pad=16)
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%d %b\n%Y"))
    ax.set_xlabel(f"{POOL_WEEKS} weeks ending with the week starting")
    ax.set_ylabel("share of on-topic stories")
    ax.legend(title="framing", loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=10)
    for i, (source, series) in enumerate(sorted(per_source.items())):
        sax = fig.add_subplot(grid[1 + i // cols, i % cols])
        _draw(sax, series, names, lw=1.2, n_labels=True)
        sax.set_xlim(ax.get_xlim())
        # Small panels: month names only, or the labels run into each other.
        sax.xaxis.set_major_locator(mdates.MonthLocator())
        sax.xaxis.set_major_formatter(mdates.DateFormatter("%b\n%Y"))
        sax.set_title(f"{source} (monthly)", fontsize=9.5)
        sax.set_ylabel("share")
        sax.tick_params(labelsize=8)
    # supxlabel: constrained layout keeps room for it under the panels.
    fig.supxlabel("Per-source panels: monthly shares, n (on-topic stories) per month along the bottom.\n" + footer,
                  fontsize=8, color="#444", x=0.01, ha="left")
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def table_rows(weekly: list[dict], names: dict) -> list[dict]:
    """The numbers behind the main chart: per week and framing, k, n, share and interval (pooled and weekly)."""
    week = pooled(weekly)[None]
    pool = pooled(weekly, window=POOL_WEEKS)[None]
    out = []
    for label in sorted(week):
        if label not in names:
            continue
        for w, p in zip(week[label], pool[label]):
            out.append({"week": w["date"], "framing": display_name(label, names), "k": w["k"], "n": w["n"],
                        "share": w["share"], "pooled_k": p["k"], "pooled_n": p["n"], "pooled_share": p["share"],
                        "pooled_lo": p["lo"], "pooled_hi": p["hi"]})
    return sorted(out, key=lambda r: (r["week"], r["framing"]))


