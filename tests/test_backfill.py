"""Backfill from a URL list, interrupted and resumed, against local servers."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import textwrap

import duckdb
import pytest

from flows.backfill import backfill, read_url_list
from tests.conftest import ingest_overrides

pytestmark = pytest.mark.usefixtures("prefect_harness")


def _articles(db) -> int:
    with duckdb.connect(str(db), read_only=True) as conn:
        return conn.execute("SELECT count(*) FROM articles").fetchone()[0]


def test_url_list_ignores_comments_and_blank_lines(tmp_path):
    f = tmp_path / "urls.txt"
    f.write_text("# old pieces\nhttp://a.example/1\n\n  http://a.example/2  # second\n")
    assert read_url_list(f) == ["http://a.example/1", "http://a.example/2"]


def test_backfill_from_urls_loads_each_once(tmp_path, mini_sites):
    base = mini_sites[0].base_url
    urls = tmp_path / "urls.txt"
    urls.write_text(f"{base}/commentary/truce.html\n{base}/commentary/engage.html?utm_source=x\n{base}/commentary/engage.html\n")
    first = backfill(overrides=ingest_overrides(tmp_path, mini_sites), urls_file=str(urls))
    assert (first["candidates"], first["loaded"]) == (2, 2)  # the tracking-parameter copy is the same article
    again = backfill(overrides=ingest_overrides(tmp_path, mini_sites), urls_file=str(urls))
    assert (again["already_loaded"], again["loaded"]) == (2, 0)
    assert _articles(first["database"]) == 2


def test_interrupted_backfill_resumes_where_it_stopped(tmp_path, demo_sites):
    """Kill a real backfill process after its first committed batch; the rerun loads only the rest."""
    import json

    from flows.settings import PROJECT_ROOT

    manifest = json.loads((PROJECT_ROOT / "demo" / "manifest.json").read_text())
    bases = {s.id: s.base_url for s in demo_sites}
    urls = [bases[a["site_id"]] + "/" + a["path"].lstrip("/") for a in manifest["articles"]][:12]
    (tmp_path / "urls.txt").write_text("\n".join(urls))
    # Slow enough per host that the test can open the file between two batch commits, even on a busy machine.
    overrides = ingest_overrides(tmp_path, demo_sites, batch_size=3, fetch={"min_interval": 1.0})
    db = tmp_path / "data" / "framewatch.duckdb"
    script = textwrap.dedent(f"""
        from flows.prefect_env import configure_prefect
        configure_prefect({str(tmp_path / "prefect-child")!r})
        from flows.backfill import backfill
        backfill(overrides={overrides!r}, urls_file={str(tmp_path / "urls.txt")!r})
    """)
    # Its own process group: killing it must also kill the temporary Prefect
    # server it started, or that server outlives the test.
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    deadline = time.monotonic() + 120
    loaded = 0
    while time.monotonic() < deadline and loaded == 0:
        time.sleep(0.3)
        if db.exists():
            try:
                loaded = _articles(db)
            except duckdb.IOException:  # the child holds the file while it loads a batch
                pass
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert 0 < loaded < 12, "the backfill should be interrupted part-way"
    resumed = backfill(overrides={**overrides, "fetch": {**overrides["fetch"], "min_interval": 0.0}}, urls_file=str(tmp_path / "urls.txt"))
    assert resumed["already_loaded"] >= loaded
    assert resumed["loaded"] == 12 - resumed["already_loaded"]
    assert _articles(db) == 12


def test_backfill_since_loads_only_newer_articles(tmp_path, demo_sites):
    import json
    from datetime import datetime, timezone

    from flows.settings import PROJECT_ROOT

    manifest = json.loads((PROJECT_ROOT / "demo" / "manifest.json").read_text())
    since = datetime(2025, 12, 8, tzinfo=timezone.utc)
    expected = sum(datetime.fromisoformat(a["published_at"]) >= since for a in manifest["articles"])
    result = backfill(overrides=ingest_overrides(tmp_path, demo_sites), since=since)
    assert 0 < expected < len(manifest["articles"])
    assert result["candidates"] == expected
    with duckdb.connect(result["database"], read_only=True) as conn:
        oldest = conn.execute("SELECT min(published_at) FROM articles").fetchall()[0][0]
    assert oldest >= since
