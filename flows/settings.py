"""The top-level settings: framewatch.toml, then FRAMEWATCH_* environment variables.

Each package owns its section's model (extractors/settings.py: [fetch],
alerts/settings.py: [alerts], framing/settings.py: the classifier's own);
this module composes them with the settings that only the flows use.
docs/configuration.md is generated from these models (`python -m flows.config_docs`).

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
from explorer.settings import ExplorerSettings  # the model lives with the explorer; only wired in here
from pydantic import Field, SecretStr, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from alerts.settings import AlertSettings
from extractors.settings import FetchSettings
from framing.settings import BACKENDS, DEFAULT_BACKEND

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _config_file() -> Path:
    return Path(os.environ.get("FRAMEWATCH_CONFIG", "framewatch.toml"))


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="FRAMEWATCH_", env_nested_delimiter="__", extra="forbid"
    )

    data_dir: Path = Field(Path("data"), description="where the warehouse, its snapshot, raw pages and Prefect's home "
                                                     "(`prefect/`) live")
    database: Path | None = Field(None, description="the DuckDB warehouse file (unset: `<data_dir>/framewatch.duckdb`)")
    sources_file: Path = Field(PROJECT_ROOT / "sources.toml", description="the feeds to poll (`sources.toml` in the project)")
    seeds_dir: Path = Field(PROJECT_ROOT / "seeds", description="the reference framings (`seeds/` in the project)")
    # framing/README.md, "Choosing the default backend": lexical, by measurement.
    classifier_backend: Literal[BACKENDS] = Field(DEFAULT_BACKEND, description="which framing classifier to use")
    # Articles per Prefect task: big enough that Prefect's per-task overhead
    # (tens of ms) is noise next to the work, small enough to show progress.
    batch_size: int = Field(200, ge=1, le=10_000, description="articles per Prefect task; also how often the progress "
                                                              "bars move")
    # 0: the cores shared among concurrent batches (flows/batches.page_workers).
    extract_workers: int = Field(0, ge=0, le=64, description="processes per batch doing extraction, classification and "
                                                             "MinHash (0: the cores, shared among concurrent batches)")
    fetch: FetchSettings = Field(default_factory=FetchSettings)
    alerts: AlertSettings = Field(default_factory=AlertSettings)
    explorer: ExplorerSettings = Field(default_factory=ExplorerSettings)  # `framewatch ui` (explorer/settings.py)
    # Secrets: never printed, not even in an error message (flows/config_view.py).
    alert_urls: list[SecretStr] = Field(default_factory=list,
                                        description="where alerts go: apprise URLs (`mailto://`, `slack://`, `msteams://`, "
                                                    "`json://`...); secret, masked everywhere")
    # Where batches run (flows/runners.py): "threads" in this process (the
    # default: fetching of one batch overlaps extraction of another), "processes",
    # or "dask" on the cluster at dask_address (a local cluster when unset).
    task_runner: Literal["threads", "processes", "dask"] = Field("threads", description="where batches run")
    # Each batch's extraction already uses every core, so more than 2 on one
    # machine only adds memory.
    concurrent_batches: int = Field(2, ge=1, le=256, description="batches in flight at once")
    dask_address: str | None = Field(None, description="the Dask scheduler for `task_runner = \"dask\"` "
                                                       "(unset: a local cluster for the run)")
    # "0 6 * * *" with "Europe/Berlin" is 06:00 Berlin time, DST included.
    schedule_cron: str = Field("0 6 * * *", description="when `framewatch serve` runs the ingest: five cron fields, "
                                                        "minute hour day month weekday")
    timezone: str = Field("UTC", description="IANA time zone `schedule_cron` is read in, e.g. `Europe/Berlin`")

    @field_validator("data_dir")
    @classmethod
    def _usable_data_dir(cls, v: Path) -> Path:
        check_data_dir(v)
        return v

    @field_validator("alert_urls")
    @classmethod
    def _apprise_urls(cls, v: list[SecretStr]) -> list[SecretStr]:
        # Checked here so a typo fails at startup, not when the first alert is
        # delivered; the message never repeats the URL (it may hold a password).
        for i, url in enumerate(v, 1):
            if "://" not in url.get_secret_value():
                raise ValueError(f"entry {i} is not an apprise URL: expected scheme://..., e.g. \"mailto://user:pass@example.org\"")
        return v

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


def check_data_dir(path: Path) -> None:
    """Raise ValueError unless `path` is a folder or can be created as one."""
    path = Path(path)
    if path.exists():
        if not path.is_dir():
            raise ValueError(f"{path} is a file, expected a folder")
        if not os.access(path, os.W_OK | os.X_OK):
            raise ValueError(f"{path} is not writable")
        return
    parent = path.absolute().parent
    while not parent.exists():
        parent = parent.parent
    if not parent.is_dir():
        raise ValueError(f"cannot create {path}: {parent} is a file")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise ValueError(f"cannot create {path}: {parent} is not writable")


def load_settings(**overrides) -> Settings:
    return Settings(**overrides)
