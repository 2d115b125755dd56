"""Benchmark of the framing-shift detector (not a timed test).

    python -m bench.bench_alerts [--series 300] [--years 20]

Simulated daily series at 8 on-topic stories every weekday (none at
weekends), one framing at a 0.30 share. Runs the production detector
(alerts.cusum.detect with the committed threshold table and the default
settings) and, side by side in the same run, a rolling z-score on weekly
shares with its threshold calibrated on the same kind of series to the same
false-alarm rate. Reports the detection delay (calendar days from the shift
to the alert; shifts start on a random weekday) for 0.30 -> 0.45 and
0.30 -> 0.55, and false alarms per simulated year with no shift; writes the
`## Alerts` section of bench/RESULTS.md.
"""
from __future__ import annotations

import argparse
import platform
import re
import time
from pathlib import Path

import numpy as np

from alerts.calibrate import load_thresholds
from alerts.cusum import detect, params_for
from alerts.settings import AlertSettings

PER_WEEKDAY = 8
HISTORY = 150   # days of shift-free history before the shift (baseline + lag fit well inside)
HORIZON = 120   # days after the shift we wait before calling it missed
RESULTS = Path(__file__).with_name("RESULTS.md")


def _series(rng: np.random.Generator, T: int, shift_at: int | None, p0: float, p1: float):
    n = np.where(np.arange(T) % 7 < 5, PER_WEEKDAY, 0)
    p = np.full(T, p0) if shift_at is None else np.where(np.arange(T) >= shift_at, p1, p0)
    return rng.binomial(n, p).astype(float)[None, :], n.astype(float)


def _cusum_alarms(k, n, s: AlertSettings) -> list[tuple[int, str]]:
    params = params_for("daily", baseline_days=s.baseline_days, lag_days=s.lag_days, cooldown_days=s.cooldown_days,
                        min_baseline=s.min_baseline_stories, odds_ratio=s.shift_odds_ratio)
    res = detect(k, n, ["f"], params, load_thresholds("daily", s.target_false_alarms_per_year, s.shift_odds_ratio))
    return [(d.alarm_index, d.primary.direction) for d in res.detections]


def _zscore_alarms(k, n, z_star: float, lag_w: int = 2, base_w: int = 8, cool_w: int = 4) -> list[tuple[int, str]]:
    """Rolling z-score on weekly shares: this week's share against the mean
    and standard deviation of 8 weekly shares ending 2 weeks ago (the same
    windows as the CUSUM), alarm at |z| > z*, then a 4-week cool-down."""
    W = k.shape[1] // 7
    kw = k[0, : W * 7].reshape(W, 7).sum(1)
    nw = n[: W * 7].reshape(W, 7).sum(1)
    x = kw / np.maximum(nw, 1)
    out, quiet = [], -1
    for w in range(lag_w + base_w, W):
        if w <= quiet:
            continue
        base = x[w - lag_w - base_w : w - lag_w]
        z = (x[w] - base.mean()) / max(base.std(ddof=1), 1e-6)
        if abs(z) > z_star:
            out.append((w * 7 + 6, "up" if z > 0 else "down"))  # known at the week's end
            quiet = w + cool_w
    return out


def _delay(alarms, shift_at: int) -> float:
    after = [t - shift_at for t, d in alarms if t >= shift_at and d == "up"]
    return float(after[0]) if after and after[0] <= HORIZON else np.inf


def delays(p0: float, p1: float, *, series: int, seed: int, method: str = "cusum", z_star: float = 3.0,
           settings: AlertSettings | None = None) -> np.ndarray:
    s = settings or AlertSettings()
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(series):
        shift_at = HISTORY + int(rng.integers(0, 5))  # a random weekday
        k, n = _series(rng, HISTORY + HORIZON + 7, shift_at, p0, p1)
        alarms = _cusum_alarms(k, n, s) if method == "cusum" else _zscore_alarms(k, n, z_star)
        out.append(_delay(alarms, shift_at))
    return np.array(out)


def false_alarms_per_year(*, series: int, years: float, seed: int, method: str = "cusum", z_star: float = 3.0,
                          p0: float = 0.30, settings: AlertSettings | None = None) -> float:
    s = settings or AlertSettings()
    rng = np.random.default_rng(seed)
    warm = s.baseline_days + s.lag_days
    total = 0
    for _ in range(series):
        k, n = _series(rng, warm + int(365.25 * years), None, p0, p0)
        alarms = _cusum_alarms(k, n, s) if method == "cusum" else _zscore_alarms(k, n, z_star)
        total += sum(t >= warm for t, _ in alarms)
    return total / (series * years)


def calibrate_z(target: float, *, series: int, years: float, seed: int) -> float:
    """The z* giving `target` false alarms a year, so the comparison is fair."""
    lo, hi = 1.5, 6.0
    for _ in range(14):
        mid = (lo + hi) / 2
        if false_alarms_per_year(series=series, years=years, seed=seed, method="z", z_star=mid) > target:
            lo = mid
        else:
            hi = mid
    return hi


def _fmt(d: np.ndarray) -> tuple[str, str, str]:
    found = np.isfinite(d)
    big = np.where(found, d, 1e9)  # a missed shift sorts last; a median past the horizon means "mostly missed"
    med, p90 = np.median(big), np.percentile(big, 90)
    f = lambda v: f"{v:.0f}" if v <= HORIZON else f">{HORIZON}"  # noqa: E731
    return f(med), f(p90), f"{100 * found.mean():.0f}%"


def run(series: int, years: float, seed: int = 2025) -> str:
    s = AlertSettings()
    t0 = time.monotonic()
    z_star = calibrate_z(s.target_false_alarms_per_year, series=max(20, series // 5), years=years / 2, seed=seed + 1)
    rows = []
    for p1 in (0.45, 0.55):
        c = _fmt(delays(0.30, p1, series=series, seed=seed + 10))
        z = _fmt(delays(0.30, p1, series=series, seed=seed + 10, method="z", z_star=z_star))
        rows.append(f"| 0.30 -> {p1:.2f} | {c[0]} | {c[1]} | {c[2]} | {z[0]} | {z[1]} | {z[2]} |")
    fa_c = false_alarms_per_year(series=series // 5 or 1, years=years, seed=seed + 20)
    fa_z = false_alarms_per_year(series=series // 5 or 1, years=years, seed=seed + 20, method="z", z_star=z_star)
    fa_c15 = false_alarms_per_year(series=series // 5 or 1, years=years, seed=seed + 21, p0=0.15)
    secs = time.monotonic() - t0
    return "\n".join([
        "## Alerts",
        "",
        f"Framing-shift detector, default settings (odds ratio {s.shift_odds_ratio}, baseline {s.baseline_days} days "
        f"lagged {s.lag_days}, cool-down {s.cooldown_days} days, target {s.target_false_alarms_per_year:g} false "
        f"alarm/year per framing), on simulated series of {PER_WEEKDAY} on-topic stories every weekday. "
        f"Delay = calendar days from the shift (random weekday) to the alert; {series} series per row; "
        f"'found' = detected within {HORIZON} days. Baseline method: rolling z-score of weekly shares against the "
        f"previous 8 weeks (lagged 2), |z| > {z_star:.2f} (calibrated here to the same false-alarm rate), 4-week cool-down.",
        "",
        "| shift | CUSUM median days | CUSUM p90 | CUSUM found | z-score median | z-score p90 | z-score found |",
        "|---|---|---|---|---|---|---|",
        *rows,
        "",
        f"False alarms per simulated year with no shift ({(series // 5 or 1) * years:.0f} series-years): "
        f"CUSUM {fa_c:.2f} at share 0.30, {fa_c15:.2f} at share 0.15; z-score {fa_z:.2f}.",
        "",
        f"`python -m bench.bench_alerts --series {series} --years {years:g}`: {secs:.0f} s on "
        f"{platform.machine()} ({platform.python_version()}).",
        "",
    ])


def write_section(text: str, path: Path = RESULTS) -> None:
    """Replace (or add) the `## Alerts` section, leaving other sections alone."""
    old = path.read_text() if path.exists() else "# Benchmark results\n\n"
    pattern = re.compile(r"^## Alerts\n.*?(?=^## |\Z)", re.S | re.M)
    new = pattern.sub(lambda _m: text + "\n", old) if pattern.search(old) else old.rstrip("\n") + "\n\n" + text
    path.write_text(new)


def main() -> None:  # pragma: no cover
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--series", type=int, default=300)
    ap.add_argument("--years", type=float, default=20.0)
    args = ap.parse_args()
    text = run(args.series, args.years)
    print(text)
    write_section(text)


if __name__ == "__main__":  # pragma: no cover
    main()
