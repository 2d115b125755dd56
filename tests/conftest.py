"""Shared test fixtures: local HTTP servers for fixture sites, Prefect's test
harness, and a helper that runs the real flow against them.

Nothing of our own is mocked: tests drive the real pipeline over real
sockets on 127.0.0.1 into a real DuckDB file.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

from flows.prefect_env import configure_prefect

# Prefect reads its settings at import: point it at a throwaway home first.
configure_prefect(tempfile.mkdtemp(prefix="framewatch-test-"))
# The real-text cache (third-party texts, ~/.cache/framewatch/realtext) exists
# only on machines that gathered it: tests must not depend on it, nor fit on
# 700 texts because it happens to be there. Tests that need a cache make one.
os.environ["FRAMEWATCH_REALTEXT_CACHE"] = tempfile.mkdtemp(prefix="framewatch-realtext-")

from demo.server import DemoSite, serve_sites, write_sources_file  # noqa: E402

FIXTURES = Path(__file__).parent / "fixtures"
DEMO_SITES = Path(__file__).resolve().parent.parent / "demo" / "sites"


@pytest.fixture(scope="session")
def prefect_harness():
    """A temporary Prefect server for the whole session (starting one costs seconds)."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture
def mini_sites():
    with serve_sites(FIXTURES / "sites", base_port=0) as sites:
        yield sites


@pytest.fixture(scope="session")
def demo_sites():
    if not DEMO_SITES.is_dir():
        pytest.skip("demo corpus not present")
    with serve_sites(DEMO_SITES, base_port=0) as sites:
        yield sites


def ingest_overrides(tmp_path: Path, sites: list[DemoSite], **extra) -> dict:
    """Settings for a run against local fixture sites: loopback allowed, no politeness delay."""
    fetch = {"allow_hosts": ["127.0.0.1"], "min_interval": 0.0, **extra.pop("fetch", {})}
    return {
        "data_dir": str(tmp_path / "data"),
        "sources_file": str(write_sources_file(tmp_path / "sources.toml", sites)),
        "fetch": fetch,
        **extra,
    }
