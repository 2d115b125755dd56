"""Thresholds calibrated by simulation to a target false-alarm rate.

A CUSUM threshold h means nothing on its own: how often noise crosses it
depends on how many stories arrive per period (more stories, bigger
swings per period), how many stories the baseline share was estimated from
(a noisy baseline looks like a shift), and the baseline share itself. So we
simulate series with *no* shift for a grid of those three and of h, count
alarms per simulated year (with the same reset and cool-down as the live
detector), and store, per grid cell, the h that gives 0.25, 0.5, 1, 2 or 4
false alarms a year. The table is committed (alerts/thresholds.json) so a
run only interpolates; regenerate it with `python -m alerts.calibrate`
(about a minute) after changing odds_ratio, lag or cool-down.
"""
from __future__ import annotations

import argparse
import bisect
import json
import math
import time
from functools import lru_cache
from pathlib import Path

import numpy as np

from alerts.cusum import baseline_share, llr

TABLE_PATH = Path(__file__).with_name("thresholds.json")
TARGETS = [0.25, 0.5, 1.0, 2.0, 4.0]
H_GRID = np.round(np.arange(0.5, 16.01, 0.25), 2)
# Grid axes. Daily periods are used at >= 15 stories a week, weekly below
# (see detect.py); each grid overlaps the switch point so interpolation
# never extrapolates there.
GRID = {
    "daily": {"per_week": [10, 20, 40, 80, 160, 320], "baseline": [30, 60, 150, 300, 600, 1200], "p0": [0.05, 0.15, 0.3, 0.5]},
    "weekly": {"per_week": [2, 4, 8, 16, 32], "baseline": [30, 60, 150, 300, 600, 1200], "p0": [0.05, 0.15, 0.3, 0.5]},
}


def simulate_volume(rng: np.random.Generator, granularity: str, per_week: float, shape: tuple[int, int]) -> np.ndarray:
    """On-topic stories per period: Poisson on weekdays only (think tanks
    publish little at weekends), or per week for weekly periods."""
    if granularity == "weekly":
        return rng.poisson(per_week, size=shape).astype(float)
    n = rng.poisson(per_week / 5.0, size=shape).astype(float)
    n[:, (np.arange(shape[1]) % 7) >= 5] = 0.0
    return n


def null_alarm_rates(granularity: str, per_week: float, baseline_stories: float, p0: float, *,
                     odds_ratio: float, lag: int, cooldown: int, series: int, years: float,
                     seed: int) -> np.ndarray:
    """False alarms per year for every h in H_GRID, on shift-free series."""
    rng = np.random.default_rng(seed)
    ppy = 365.25 if granularity == "daily" else 52.18
    per_period = per_week / (7.0 if granularity == "daily" else 1.0)
    window = max(1, int(round(baseline_stories / per_period)))  # periods holding ~baseline_stories
    warm = window + lag
    T = warm + int(round(years * ppy))
    n = simulate_volume(rng, granularity, per_week, (series, T))
    k = rng.binomial(n.astype(int), p0).astype(float)
    cn = np.concatenate([np.zeros((series, 1)), np.cumsum(n, axis=1)], axis=1)
    ck = np.concatenate([np.zeros((series, 1)), np.cumsum(k, axis=1)], axis=1)
    shift = np.log(odds_ratio)
    H = H_GRID[None, :]
    s_up = np.zeros((series, H.shape[1]))
    s_dn = np.zeros_like(s_up)
    quiet = np.zeros_like(s_up, dtype=int)
    alarms = np.zeros_like(s_up)
    for t in range(warm, T):
        hi, lo = t - lag, t - lag - window
        nb = cn[:, hi] - cn[:, lo]
        pb = baseline_share(ck[:, hi] - ck[:, lo], nb)
        up = llr(k[:, t], n[:, t], pb, shift)[:, None]
        dn = llr(k[:, t], n[:, t], pb, -shift)[:, None]
        active = quiet == 0
        s_up = np.where(active, np.maximum(0.0, s_up + up), 0.0)
        s_dn = np.where(active, np.maximum(0.0, s_dn + dn), 0.0)
        fired = active & (np.maximum(s_up, s_dn) >= H)
        alarms += fired
        s_up[fired] = 0.0
        s_dn[fired] = 0.0
        quiet = np.where(fired, cooldown + 1, np.maximum(quiet - 1, 0))
    return alarms.mean(axis=0) / years


def threshold_for(rates: np.ndarray, target: float) -> float:
    """Smallest h on the grid's log-linear interpolation with rate <= target."""
    r = np.maximum(rates, 1e-3)
    below = np.nonzero(r <= target)[0]
    if len(below) == 0:
        return float(H_GRID[-1])
    i = below[0]
    if i == 0:
        return float(H_GRID[0])
    x0, x1 = np.log(r[i - 1]), np.log(r[i])
    w = (np.log(target) - x0) / (x1 - x0) if x1 != x0 else 1.0
    return float(H_GRID[i - 1] + w * (H_GRID[i] - H_GRID[i - 1]))


def build_table(*, odds_ratio: float = 2.5, lag_days: int = 14, cooldown_days: int = 28,
                series: int = 300, seed: int = 7) -> dict:
    table: dict = {"params": {"odds_ratio": odds_ratio, "lag_days": lag_days, "cooldown_days": cooldown_days,
                              "series": series, "seed": seed}, "targets": TARGETS, "grid": {}}
    for gran, axes in GRID.items():
        lag = lag_days if gran == "daily" else max(1, round(lag_days / 7))
        cool = cooldown_days if gran == "daily" else max(1, round(cooldown_days / 7))
        years = 2.0 if gran == "daily" else 8.0  # weekly steps are cheap: simulate longer
        h = np.zeros((len(axes["per_week"]), len(axes["baseline"]), len(axes["p0"]), len(TARGETS)))
        for i, v in enumerate(axes["per_week"]):
            for j, b in enumerate(axes["baseline"]):
                for m, p in enumerate(axes["p0"]):
                    rates = null_alarm_rates(gran, v, b, p, odds_ratio=odds_ratio, lag=lag, cooldown=cool,
                                             series=series, years=years, seed=seed + 1000 * i + 100 * j + m)
                    h[i, j, m] = [threshold_for(rates, tg) for tg in TARGETS]
        table["grid"][gran] = {**axes, "h": np.round(h, 3).tolist()}
    return table


# The table is read at 80% of the target rate. The calibration simulation
# leaves out things the live detector does -- interpolating between grid
# cells, a baseline that grows back after an alert, volumes that are not
# Poisson -- and has +-4% Monte Carlo error; read at the exact target, the
# benchmark measured 1.00-1.13 false alarms a year against a target of 1.
SAFETY = 0.8


class Thresholds:
    """Interpolates the committed table: multilinear in (log stories/week,
    log baseline stories, share folded to <= 0.5), clamped at the grid edges."""

    def __init__(self, table: dict, granularity: str, target_per_year: float):
        g = table["grid"][granularity]
        self.axes = [np.log(g["per_week"]), np.log(g["baseline"]), np.array(g["p0"], dtype=float)]
        h = np.array(g["h"])  # (V, B, P, targets)
        lt = np.log(table["targets"])
        x = np.clip(np.log(target_per_year * SAFETY), lt[0], lt[-1])
        self.h = np.apply_along_axis(lambda col: np.interp(x, lt, col), 3, h)
        self.params = table["params"]
        self._axes = [list(map(float, a)) for a in self.axes]
        self._h = self.h.tolist()

    def __call__(self, per_week: float, baseline_stories: float, p0: float) -> float:
        # Plain Python floats: called once per framing per period, where
        # numpy's per-call overhead on 3-element arrays dominated run time.
        point = (math.log(max(per_week, 1e-9)), math.log(max(baseline_stories, 1.0)), min(p0, 1.0 - p0))
        idx, wts = [], []
        for ax, x in zip(self._axes, point):
            x = min(max(x, ax[0]), ax[-1])
            i = min(max(bisect.bisect_right(ax, x) - 1, 0), len(ax) - 2)
            idx.append(i)
            wts.append((x - ax[i]) / (ax[i + 1] - ax[i]))
        out = 0.0
        for b0 in (0, 1):
            w0 = wts[0] if b0 else 1 - wts[0]
            for b1 in (0, 1):
                w1 = wts[1] if b1 else 1 - wts[1]
                for b2 in (0, 1):
                    w2 = wts[2] if b2 else 1 - wts[2]
                    out += w0 * w1 * w2 * self._h[idx[0] + b0][idx[1] + b1][idx[2] + b2]
        return out


@lru_cache(maxsize=8)
def load_thresholds(granularity: str, target_per_year: float, odds_ratio: float = 2.5) -> Thresholds:
    table = json.loads(TABLE_PATH.read_text())
    if abs(table["params"]["odds_ratio"] - odds_ratio) > 1e-9:
        raise ValueError(
            f"alerts/thresholds.json was calibrated for odds_ratio={table['params']['odds_ratio']}, "
            f"settings ask for {odds_ratio}: run `python -m alerts.calibrate --odds-ratio {odds_ratio}`"
        )
    return Thresholds(table, granularity, target_per_year)


def main() -> None:  # pragma: no cover - offline tool
    ap = argparse.ArgumentParser(description="Recalibrate alerts/thresholds.json by simulation")
    ap.add_argument("--odds-ratio", type=float, default=2.5)
    ap.add_argument("--lag-days", type=int, default=14)
    ap.add_argument("--cooldown-days", type=int, default=28)
    ap.add_argument("--series", type=int, default=300)
    args = ap.parse_args()
    t0 = time.monotonic()
    table = build_table(odds_ratio=args.odds_ratio, lag_days=args.lag_days, cooldown_days=args.cooldown_days,
                        series=args.series)
    TABLE_PATH.write_text(json.dumps(table, indent=None, separators=(",", ":")) + "\n")
    print(f"wrote {TABLE_PATH} in {time.monotonic() - t0:.0f} s")


if __name__ == "__main__":  # pragma: no cover
    main()
