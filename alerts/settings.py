"""`[alerts]` settings: framing-shift and source-health alerts (README, "Alerts").

Owned here, composed into the top-level settings by flows/settings.py; alerts/
never imports flows/ (flows wire the packages, not the other way round).
"""
from __future__ import annotations

from typing import Literal, Protocol, Sequence

from pydantic import BaseModel, ConfigDict, Field, SecretStr


class AlertSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # Below ~150 on-topic stories a share estimate is +-7 points or worse, and
    # the detector would chase noise. The demo sets 30.
    min_baseline_stories: int = Field(150, ge=10, description="no framing-shift alert until the baseline window "
                                                             "holds this many on-topic stories")
    # Thresholds come from alerts/thresholds.json; the table spans 0.25-4 after the 0.8 safety factor.
    target_false_alarms_per_year: float = Field(1.0, ge=0.32, le=5.0,
                                                description="false alarms per framing and year the threshold allows")
    # The baseline ends lag_days ago so a shift in progress does not leak into its own baseline.
    baseline_days: int = Field(56, ge=7, description="days of the baseline share")
    lag_days: int = Field(14, ge=0, description="days between the baseline's end and today")
    cooldown_days: int = Field(28, ge=0, description="quiet days after an alert (it also waits for a fresh baseline)")
    # The threshold table is calibrated for one value; changing it needs
    # `python -m alerts.calibrate --odds-ratio X`.
    shift_odds_ratio: float = Field(2.5, gt=1.0, description="the shift the detector is tuned for, as an odds ratio "
                                                             "(2.5: a 30% share rising to ~52%)")
    granularity: Literal["auto", "daily", "weekly"] = Field(
        "auto", description="count per day or per week; `auto` counts per week below `weekly_below_per_week`")
    weekly_below_per_week: float = Field(15.0, ge=0, description="on-topic stories a week below which `auto` counts per week")
    silence_factor: float = Field(4.0, ge=1.0, description="a source is silent after this many times its median gap "
                                                           "between items with nothing new")
    min_silence_days: float = Field(7.0, ge=0, description="a source is never silent before this many days")
    # Unset: fetch.failure_threshold, so `framewatch sources` and the alerts agree by default.
    failure_threshold: int | None = Field(None, ge=1, description="failing polls in a row that raise a health alert "
                                                                  "(unset: `fetch.failure_threshold`)")
    max_evidence_stories: int = Field(8, ge=1, le=50, description="stories (with their top evidence) quoted in an alert")


class _Fetch(Protocol):
    failure_threshold: int
    stale_days: int


class AlertContext(Protocol):
    """What the alert check reads from the top-level settings (flows/settings.Settings)."""

    alerts: AlertSettings
    alert_urls: Sequence[SecretStr]
    fetch: _Fetch
