"""All settings in one place: framewatch.toml, then FRAMEWATCH_* environment variables.

Environment variables win over the file, so a scheduler can override one value
without editing the file. Nested values use a double underscore, e.g.
FRAMEWATCH_FETCH__MIN_INTERVAL=2.
"""
from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError
from typing import Literal

from cronsim import CronSim, CronSimError
from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _config_file() -> Path:
    return Path(os.environ.get("FRAMEWATCH_CONFIG", "framewatch.toml"))


class FetchSettings(BaseModel):
    # A misspelt [fetch] key must fail loudly, not silently keep the default.
    model_config = ConfigDict(extra="forbid")

    # A contact in the User-Agent is what lets a webmaster reach us instead of
    # blocking us; set it to your own URL or e-mail.
    contact: str = "https://github.com/framewatch/framewatch"
    # One request at a time per host and 1 s between them: the politeness
    # default of most research crawlers (Media Cloud, news-please).
    per_host_concurrency: int = Field(1, ge=1, le=8)
    min_interval: float = Field(1.0, ge=0, le=120)
    # Different hosts proceed in parallel up to this many at once.
    max_hosts_in_parallel: int = Field(16, ge=1, le=256)
    # A whole request (connect + headers + body) must finish within this.
    total_deadline: float = Field(30.0, gt=0, le=600)
    max_page_bytes: int = Field(5_000_000, ge=10_000)
    max_feed_bytes: int = Field(10_000_000, ge=10_000)
    # Entries taken from one feed per run; the rest are queued for the next
    # run (entry_notes reason over_feed_cap), never dropped. A think-tank feed
    # lists 10-100 items; thousands are a dump or a trap.
    max_entries_per_feed: int = Field(1_000, ge=1, le=100_000)
    max_redirects: int = Field(5, ge=0, le=10)
    # Hosts (name or IP, optional :port) the SSRF guard lets through even
    # though they resolve to private or loopback addresses. The demo adds
    # its own 127.0.0.1 servers here; real deployments rarely need it.
    allow_hosts: list[str] = Field(default_factory=list)
    respect_robots: bool = True
    # Per-operation timeouts; total_deadline above bounds the whole request.
    connect_timeout: float = Field(10.0, gt=0, le=120)
    read_timeout: float = Field(20.0, gt=0, le=300)
    # In-run retries for transient errors (timeouts, refused connections,
    # 429/5xx): exponential back-off with jitter from backoff_base seconds.
    # Whatever still fails is retried by the next daily run.
    max_retries: int = Field(2, ge=0, le=5)
    backoff_base: float = Field(2.0, ge=0, le=60)
    # Longest Retry-After we wait for within a run; a host asking for more
    # is skipped for the rest of the run (reason host_backoff).
    max_retry_after: float = Field(300.0, ge=0, le=3600)
    # Failing this many polls in a row flags a feed as unhealthy.
    failure_threshold: int = Field(5, ge=1)


class AlertSettings(BaseModel):
    """Framing-shift and source-health alerts (alerts/; README, "Alerts")."""

    # No framing-shift alert until the baseline window holds this many
    # on-topic stories: below ~150 a share estimate is +-7 points or worse,
    # and the detector would chase noise. The demo sets 30.
    min_baseline_stories: int = Field(150, ge=10)
    # Calibrated per framing (thresholds from alerts/thresholds.json).
    target_false_alarms_per_year: float = Field(1.0, ge=0.32, le=5.0)  # the table spans 0.25-4 after the 0.8 safety factor
    # Baseline share = the trailing 56 days, ending 14 days ago so a shift
    # in progress does not leak into its own baseline.
    baseline_days: int = Field(56, ge=7)
    lag_days: int = Field(14, ge=0)
    # Quiet time after an alert (it also waits for a fresh baseline).
    cooldown_days: int = Field(28, ge=0)
    # The shift the detector is tuned for (odds ratio 2.5: 0.30 -> ~0.52).
    # The threshold table is calibrated for one value; changing it needs
    # `python -m alerts.calibrate --odds-ratio X`.
    shift_odds_ratio: float = Field(2.5, gt=1.0)
    # 'auto' counts per week below weekly_below_per_week on-topic stories a week.
    granularity: Literal["auto", "daily", "weekly"] = "auto"
    weekly_below_per_week: float = Field(15.0, ge=0)
    # A source is silent after silence_factor x its median gap between items
    # (and at least min_silence_days) with nothing new.
    silence_factor: float = Field(4.0, ge=1.0)
    min_silence_days: float = Field(7.0, ge=0)
    # Failing polls in a row that raise a health alert; None = fetch.failure_threshold.
    failure_threshold: int | None = Field(None, ge=1)
    # Stories (with their top evidence) quoted in an alert.
    max_evidence_stories: int = Field(8, ge=1, le=50)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="FRAMEWATCH_", env_nested_delimiter="__", extra="forbid"
    )

    data_dir: Path = Path("data")
    database: Path | None = None  # default: <data_dir>/framewatch.duckdb
    sources_file: Path = PROJECT_ROOT / "sources.toml"
    seeds_dir: Path = PROJECT_ROOT / "seeds"
    classifier_backend: str = "lexical"
    # Articles per Prefect task: big enough that Prefect's per-task overhead
    # (tens of ms) is noise next to the work, small enough to show progress.
    batch_size: int = Field(200, ge=1, le=10_000)
    extract_workers: int = Field(0, ge=0, le=64)  # per batch; 0 = the cores shared among concurrent_batches (flows/batches.page_workers)
    fetch: FetchSettings = Field(default_factory=FetchSettings)
    alerts: AlertSettings = Field(default_factory=AlertSettings)
    # Apprise URLs (mailto://, slack://, msteams://, json://, ...); secrets, never printed.
    alert_urls: list[SecretStr] = Field(default_factory=list)
    # When `framewatch serve` (and prefect.yaml) run the daily ingest: a
    # five-field cron expression, read in `timezone` (an IANA name), so
    # "0 6 * * *" with "Europe/Berlin" is 06:00 Berlin time, DST included.
    # Where batches run (flows/runners.py): "threads" in this process (the
    # default: fetching of one batch overlaps extraction of another), "processes",
    # or "dask" on the cluster at dask_address (a local cluster when unset).
    task_runner: Literal["threads", "processes", "dask"] = "threads"
    # Batches in flight at once. Each batch's extraction already uses every
    # core, so more than 2 on one machine only adds memory.
    concurrent_batches: int = Field(2, ge=1, le=256)
    dask_address: str | None = None
    schedule_cron: str = "0 6 * * *"
    timezone: str = "UTC"

    @field_validator("schedule_cron")
    @classmethod
    def _valid_cron(cls, v: str) -> str:
        # Checked here, not by Prefect, so a typo fails at startup with the key
        # named instead of when the deployment is registered. cronsim is the
        # pure-Python parser Prefect's own server dependencies already ship;
        # importing Prefect here would freeze its settings before PREFECT_HOME is set.
        v = " ".join(v.split())
        if len(v.split(" ")) != 5:
            raise ValueError("expected five cron fields 'minute hour day month weekday', e.g. \"0 6 * * *\"")
        try:
            CronSim(v, datetime(2000, 1, 1))
        except CronSimError as exc:
            raise ValueError(f"not a valid cron expression ({exc}); expected e.g. \"0 6 * * *\"") from None
        return v

    @field_validator("timezone")
    @classmethod
    def _valid_timezone(cls, v: str) -> str:
        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("expected an IANA time zone name such as \"UTC\" or \"America/New_York\"") from None
        return v

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        toml = TomlConfigSettingsSource(settings_cls, toml_file=_config_file())
        return (init_settings, env_settings, toml, file_secret_settings)

    @property
    def database_path(self) -> Path:
        return self.database or self.data_dir / "framewatch.duckdb"

    @property
    def snapshot_path(self) -> Path:
        return self.database_path.with_name(self.database_path.stem + "-snapshot.duckdb")

    @property
    def raw_store_dir(self) -> Path:
        return self.data_dir / "raw"


def load_settings(**overrides) -> Settings:
    return Settings(**overrides)
