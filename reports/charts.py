"""The report's chart: weekly share of each framing, overall and per source,
with alerts marked on the timeline. matplotlib with the Agg backend: no
display, no fonts or browsers to download."""
from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402

# Fixed colours so a framing looks the same in every chart and every report.
PALETTE = ["#d62728", "#1f77b4", "#2ca02c", "#9467bd", "#8c564b", "#e377c2"]
OTHER_COLOURS = {"mixed": "#7f7f7f", "neither": "#bcbd22"}


def colours(labels: list[str]) -> dict[str, str]:
    framings = sorted(label for label in labels if label not in OTHER_COLOURS)
    out = {label: PALETTE[i % len(PALETTE)] for i, label in enumerate(framings)}
    out.update({label: c for label, c in OTHER_COLOURS.items() if label in labels})
    return out


def _series(rows: list[dict], key=None, period=None, window: int = 1) -> dict:
    """label -> (dates, shares), optionally grouped by `key`, re-bucketed by
    `period` (a function of the week) and smoothed over `window` buckets.
    Shares are recomputed from counts (stories / on-topic stories), so a
    quiet week weighs less than a busy one."""
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
            shares = []
            for i in range(len(dates)):
                win = [buckets[d] for d in dates[max(0, i - window + 1) : i + 1]]
                k, n = sum(w[0] for w in win), sum(w[1] for w in win)
                shares.append(k / n if n else float("nan"))
            out[group][label] = (dates, shares)
    return out


def _month(week):
    return week.replace(day=1)


def _draw(ax, series: dict, palette: dict, lw: float = 2.0, alpha: float = 1.0, legend: bool = True) -> None:
    for label, (dates, shares) in sorted(series.items()):
        ax.plot(dates, shares, marker="o", ms=3 if lw > 1.5 else 2, lw=lw, alpha=alpha, color=palette.get(label),
                label=label if legend else None)
    ax.set_ylim(0, 1)
    ax.yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    ax.grid(alpha=0.3)
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%d %b\n%Y"))


def render_png(weekly: list[dict], by_source: list[dict], alerts: list[dict], path: Path) -> Path:
    labels = sorted({r["label"] for r in weekly})
    palette = colours(labels)
    weekly_raw = _series(weekly)[None]
    smoothed = _series(weekly, window=4)[None]
    per_source = _series(by_source, key="source_name", period=_month)
    n = len(per_source)
    cols = 3
    rows = (n + cols - 1) // cols
    fig = plt.figure(figsize=(13, 5.5 + 2.6 * rows), constrained_layout=True)
    grid = fig.add_gridspec(1 + rows, cols, height_ratios=[2.2] + [1] * rows)
    ax = fig.add_subplot(grid[0, :])
    # Weekly points are noisy at a few stories a week: show them faintly,
    # and the 4-week share (pooled counts) as the line to read.
    _draw(ax, weekly_raw, palette, lw=0.8, alpha=0.35, legend=False)
    _draw(ax, smoothed, palette, lw=2.4)
    for a in alerts:
        if a["kind"] != "framing_shift" or a["detected_at"] is None:
            continue
        ax.axvline(a["detected_at"], color=palette.get(a["framing_id"], "black"), ls="--", lw=1.2)
        arrow = "↑" if a["direction"] == "up" else "↓"
        ax.annotate(f"alert: {a['framing_id']} {arrow}", (a["detected_at"], 0.97), rotation=90, va="top", ha="right", fontsize=9)
    ax.set_title("Share of on-topic stories by framing: 4-week pooled (bold) and weekly (faint); copies counted once", fontsize=12)
    ax.set_xlabel("week starting")
    ax.set_ylabel("share of on-topic stories")
    ax.legend(title="label", loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=10)
    for i, (source, series) in enumerate(sorted(per_source.items())):
        sax = fig.add_subplot(grid[1 + i // cols, i % cols])
        _draw(sax, series, palette, lw=1.2)
        sax.set_xlim(ax.get_xlim())
        # Small panels: month names only, or the labels run into each other.
        sax.xaxis.set_major_locator(mdates.MonthLocator())
        sax.xaxis.set_major_formatter(mdates.DateFormatter("%b\n%Y"))
        sax.set_title(f"{source} (monthly)", fontsize=10)
        sax.set_ylabel("share")
        sax.tick_params(labelsize=8)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
