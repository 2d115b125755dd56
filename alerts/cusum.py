"""Two-sided binomial CUSUM on the framing mix (pure numpy).

Each period (a day, or a week when volume is low) gives, per framing, k of
n on-topic stories with that label. The baseline share p0 is estimated from
a trailing window that ends `lag` periods ago, so a shift in progress does
not leak into its own baseline for the first `lag` periods.

For each framing two cumulative sums of log-likelihood ratios run side by
side: "the odds of this label rose by `odds_ratio`" against "the share is
still p0" (S_up), and the same for a fall (S_down). Each period adds
    k*log(p1/p0) + (n-k)*log((1-p1)/(1-p0))
and the sum is floored at zero, so evidence for a shift accumulates only
while the data keep supporting it. A sum above the calibrated threshold h
is an alarm. The period after the sum last stood at zero estimates when the
shift began (the standard CUSUM change-point estimate).

Why one alert per shift of the mix, not one per framing: shares are
compositional -- when one framing rises others must fall -- so a single
change in how the topic is covered crosses several framings' sums within
days of each other. Alerting each would tell the analyst the same news two
or three times. The first framing to cross (largest S/h if several cross in
the same period) becomes the alert's framing; every framing whose sum is at
least half-way to its threshold is listed as having moved with it. Then
all sums reset and the detector relearns the baseline from the alert on,
staying quiet for the cool-down and until that new baseline holds
`min_baseline` stories, so the same shift cannot alert again while the old
baseline is still in the window. (Relearning from the estimated change
point instead would be faster after a real shift, but after a false alarm
it puts the very excursion that caused it into the new baseline, which
biased the next test: 13% more false alarms in the benchmark.)
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

# Threshold lookup: (stories per week, stories in baseline, baseline share) -> h
ThresholdFn = Callable[[float, float, float], float]


def baseline_share(k: np.ndarray | float, n: np.ndarray | float) -> np.ndarray | float:
    """Baseline share with half a pseudo-count (Jeffreys-like), so a framing
    never seen in the baseline gets a small positive share instead of a
    log(0) in the likelihood ratio."""
    return (np.asarray(k) + 0.5) / (np.asarray(n) + 1.0)


def llr(k, n, p0, log_odds_shift: float):
    """Log-likelihood ratio of k of n under odds(p0)*exp(shift) against p0.

    Vectorised: works on scalars or arrays of any matching shape, which is
    what lets calibration run thousands of series at once with this same code.
    """
    p0 = np.minimum(np.maximum(p0, 1e-6), 1 - 1e-6)  # np.clip is slow on tiny arrays
    odds1 = p0 / (1 - p0) * np.exp(log_odds_shift)
    p1 = odds1 / (1 + odds1)
    return k * np.log(p1 / p0) + (n - k) * np.log((1 - p1) / (1 - p0))


@dataclass(frozen=True)
class CusumParams:
    odds_ratio: float = 2.5      # the shift the detector is tuned to find fastest
    baseline_periods: int = 56   # trailing window for the baseline share
    lag_periods: int = 14        # gap between the baseline window and "now"
    cooldown_periods: int = 28   # quiet time after an alert
    min_baseline: int = 150      # on-topic stories needed in the baseline
    periods_per_week: float = 7.0  # 7 for daily periods, 1 for weekly
    comover_fraction: float = 0.5  # S/h at which another framing counts as having moved


@dataclass
class FramingState:
    """One framing's statistics at the alarm period (for the alert's explanation)."""

    framing: str
    direction: str             # 'up' | 'down'
    statistic: float           # the larger of S_up, S_down
    threshold: float
    baseline_share: float
    baseline_stories: int
    change_index: int          # first period of the estimated shift


@dataclass
class Detection:
    alarm_index: int
    change_index: int          # window is [change_index, alarm_index]
    primary: FramingState
    moved: list[FramingState] = field(default_factory=list)  # primary first


@dataclass
class DetectResult:
    detections: list[Detection]
    # Why the detector could not yet watch the latest period, if it could not:
    # e.g. "baseline has 42 on-topic stories, needs 150".
    blocked_reason: str | None
    last_baseline_stories: int
    statistics: dict[str, tuple[float, float, float]]  # framing -> (S_up, S_down, h) at the end


def detect(k: np.ndarray, n: np.ndarray, framings: list[str], params: CusumParams, threshold: ThresholdFn) -> DetectResult:
    """Run the mix detector over a whole history.

    k: (F, T) stories per framing per period; n: (T,) on-topic stories per
    period (including 'mixed'/'neither', which are on-topic but no framing).
    Deterministic: the same history always yields the same detections, which
    is what makes alerts idempotent across runs.
    """
    k = np.asarray(k, dtype=float)
    n = np.asarray(n, dtype=float)
    F, T = k.shape
    cum_k = np.concatenate([np.zeros((F, 1)), np.cumsum(k, axis=1)], axis=1)
    cum_n = np.concatenate([[0.0], np.cumsum(n)])
    shift = float(np.log(params.odds_ratio))
    s_up = np.zeros(F)
    s_dn = np.zeros(F)
    zero_up = np.zeros(F, dtype=int)  # last period at which each sum stood at 0
    zero_dn = np.zeros(F, dtype=int)
    h = np.full(F, np.nan)
    p0 = np.zeros(F)
    base_start = 0            # after an alert: the estimated change point
    quiet_until = -1
    detections: list[Detection] = []
    blocked: str | None = None
    nb = 0
    for t in range(T):
        hi = t - params.lag_periods
        lo = max(base_start, hi - params.baseline_periods)
        nb = int(cum_n[hi] - cum_n[lo]) if hi > lo else 0
        if t < quiet_until or nb < params.min_baseline:
            if t < quiet_until:
                blocked = f"cool-down after an alert, until period {quiet_until}"
            else:
                blocked = (
                    f"baseline has {nb} on-topic stories, needs {params.min_baseline}"
                    + (" (relearning it after the last alert)" if base_start else "")
                )
            s_up[:] = 0.0
            s_dn[:] = 0.0
            zero_up[:] = t
            zero_dn[:] = t
            continue
        blocked = None
        per_week = nb / (hi - lo) * params.periods_per_week
        for f in range(F):
            p0[f] = baseline_share(cum_k[f, hi] - cum_k[f, lo], nb)
            h[f] = threshold(per_week, nb, float(p0[f]))
        s_up = np.maximum(0.0, s_up + llr(k[:, t], n[t], p0, shift))
        s_dn = np.maximum(0.0, s_dn + llr(k[:, t], n[t], p0, -shift))
        zero_up = np.where(s_up == 0, t, zero_up)
        zero_dn = np.where(s_dn == 0, t, zero_dn)
        ratio = np.maximum(s_up, s_dn) / h
        if not (ratio >= 1.0).any():
            continue
        states = []
        for f in np.argsort(-ratio, kind="stable"):
            if ratio[f] < params.comover_fraction:
                break
            up = s_up[f] >= s_dn[f]
            states.append(FramingState(
                framings[f], "up" if up else "down", float(max(s_up[f], s_dn[f])), float(h[f]),
                float(p0[f]), nb, int((zero_up if up else zero_dn)[f]) + 1,
            ))
        primary = states[0]
        detections.append(Detection(t, primary.change_index, primary, states))
        # Reset and relearn the baseline from the alarm on (see module doc).
        s_up[:] = 0.0
        s_dn[:] = 0.0
        zero_up[:] = t
        zero_dn[:] = t
        base_start = t + 1
        quiet_until = t + 1 + params.cooldown_periods
    stats = {fr: (float(s_up[i]), float(s_dn[i]), float(h[i])) for i, fr in enumerate(framings)}
    return DetectResult(detections, blocked, nb, stats)


def to_weekly(k: np.ndarray, n: np.ndarray, first_weekday: int) -> tuple[np.ndarray, np.ndarray, int]:
    """Sum daily counts into Monday-Sunday weeks.

    first_weekday: weekday (Mon=0) of day 0. Returns weekly k, n and the
    offset in days from day 0 back to the Monday that starts week 0.
    The low-volume fallback: with a story or two a day most days are empty,
    the floor at zero throws away evidence on every quiet day, and the
    calibration table is less accurate at tiny counts per period.
    """
    k = np.asarray(k, dtype=float)
    n = np.asarray(n, dtype=float)
    offset = first_weekday
    T = n.shape[0]
    W = (offset + T + 6) // 7
    pad = W * 7 - offset - T
    kp = np.concatenate([np.zeros((k.shape[0], offset)), k, np.zeros((k.shape[0], pad))], axis=1)
    np_ = np.concatenate([np.zeros(offset), n, np.zeros(pad)])
    return kp.reshape(k.shape[0], W, 7).sum(axis=2), np_.reshape(W, 7).sum(axis=1), offset


def params_for(granularity: str, *, baseline_days: int, lag_days: int, cooldown_days: int,
               min_baseline: int, odds_ratio: float) -> CusumParams:
    """Settings are in days; a weekly detector works in whole weeks."""
    if granularity == "daily":
        return CusumParams(odds_ratio, baseline_days, lag_days, cooldown_days, min_baseline, 7.0)
    weeks = lambda d: max(1, int(round(d / 7)))  # noqa: E731
    return CusumParams(odds_ratio, weeks(baseline_days), weeks(lag_days), weeks(cooldown_days), min_baseline, 1.0)
