"""`[fetch]` settings: the one definition of every fetch default.

`FetchPolicy` (extractors/http.py) is this model plus what the flow decides per
request kind (byte cap, back-off cap), so a default lives here and nowhere else.
"""
from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class FetchSettings(BaseModel):
    # A misspelt [fetch] key must fail loudly, not silently keep the default.
    model_config = ConfigDict(extra="forbid")

    # A contact in the User-Agent is what lets a webmaster reach us instead of
    # blocking us; set it to your own URL or e-mail.
    contact: str = Field("https://github.com/framewatch/framewatch",
                         description="your URL or `mailto:` address, sent in the User-Agent so webmasters can reach you")
    # One request at a time per host and 1 s between them: the politeness
    # default of most research crawlers (Media Cloud, news-please).
    per_host_concurrency: int = Field(1, ge=1, le=8, description="requests in flight per host")
    min_interval: float = Field(1.0, ge=0, le=120, description="seconds between request starts to one host")
    max_hosts_in_parallel: int = Field(16, ge=1, le=256, description="different hosts fetched at once")
    total_deadline: float = Field(30.0, gt=0, le=600,
                                  description="seconds one request may take, connect to last byte, redirects included")
    max_page_bytes: int = Field(5_000_000, ge=10_000, description="larger article pages are refused (`too_large`)")
    max_feed_bytes: int = Field(10_000_000, ge=10_000, description="larger feeds are refused (`too_large`)")
    # A think-tank feed lists 10-100 items; thousands are a dump or a trap. The
    # rest are queued for the next run (entry_notes reason over_feed_cap), never dropped.
    max_entries_per_feed: int = Field(1_000, ge=1, le=100_000, description="entries taken from one feed per run; "
                                                                          "the rest wait for the next run")
    max_redirects: int = Field(5, ge=0, le=10, description="redirects followed per request")
    # The demo adds its own 127.0.0.1 servers here; real deployments rarely need it.
    allow_hosts: list[str] = Field(default_factory=list,
                                   description="hosts (name or IP, optional :port) the SSRF guard lets through "
                                               "although they resolve to private or loopback addresses")
    respect_robots: bool = Field(True, description="obey robots.txt (turn off only for your own sites)")
    # Per-operation timeouts; total_deadline bounds the whole request.
    connect_timeout: float = Field(10.0, gt=0, le=120, description="seconds to open a connection")
    read_timeout: float = Field(20.0, gt=0, le=300, description="seconds between two bytes of an answer")
    # Whatever still fails is retried by the next daily run.
    max_retries: int = Field(2, ge=0, le=5, description="in-run retries of transient errors (timeouts, refused "
                                                        "connections, 429, 5xx)")
    # Exponential back-off with full jitter (AWS architecture blog), so a
    # fleet of retries does not arrive in lock-step.
    backoff_base: float = Field(2.0, ge=0, le=60, description="seconds of the first retry's back-off; doubles each retry")
    # A host asking for more is skipped for the rest of the run (reason host_backoff).
    max_retry_after: float = Field(300.0, ge=0, le=3600, description="longest 429/503 Retry-After waited for within a run")
    failure_threshold: int = Field(5, ge=1, description="failed polls in a row before a feed is flagged")
    # Think tanks publish weekly at least, so a month of nothing means a dead
    # feed rather than a quiet spell (extractors/feed_health.py).
    stale_days: int = Field(30, ge=1, description="a source whose newest entry is older than this is diagnosed `stale`")
