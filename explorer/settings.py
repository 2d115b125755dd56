"""The explorer's settings: the `[explorer]` table of framewatch.toml
(FRAMEWATCH_EXPLORER__PORT etc. in the environment). Imported by
flows/settings.py, so it imports nothing heavy."""
from __future__ import annotations

from pydantic import BaseModel, Field


class ExplorerSettings(BaseModel):
    # Loopback only by default: the explorer has no login, and it can
    # acknowledge alerts and record corrections. Another host is the
    # operator's explicit choice.
    host: str = Field("127.0.0.1", description="address `framewatch ui` listens on (loopback: it has no login)")
    # 8765 rather than 8000/8080, which dev servers and Prefect-adjacent tools often take.
    port: int = Field(8765, ge=1, le=65535, description="port of `framewatch ui`")
    # Short enough that a correction reaches the warehouse minutes before
    # the next daily run; each attempt waits at most merge_lock_timeout for
    # a run to release the file (warehouse/corrections.py).
    merge_every: float = Field(20.0, gt=0, description="seconds between attempts to merge pending label corrections "
                                                       "into the warehouse")
    merge_lock_timeout: float = Field(2.0, gt=0, description="seconds one merge attempt waits for a run to release "
                                                             "the warehouse")
