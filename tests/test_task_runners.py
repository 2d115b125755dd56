"""Batches on other task runners: a local Dask cluster (the path past one machine)."""
from __future__ import annotations

import duckdb
import pytest

from flows.daily_ingest import daily_ingest
from tests.conftest import ingest_overrides

pytestmark = pytest.mark.usefixtures("prefect_harness")


def _count(db: str, sql: str) -> int:
    with duckdb.connect(db, read_only=True) as conn:
        return conn.execute(sql).fetchall()[0][0]


def test_flow_runs_its_batches_on_a_local_dask_cluster(tmp_path, mini_sites):
    pytest.importorskip("prefect_dask")
    import dask
    from distributed import LocalCluster

    # An existing cluster reached by address, as a team's would be. Workers
    # that are not daemonic may start the extraction pool's processes (README).
    with dask.config.set({"distributed.worker.daemon": False}), \
            LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        summary = daily_ingest(overrides=ingest_overrides(
            tmp_path, mini_sites, task_runner="dask", dask_address=cluster.scheduler_address, batch_size=1))
        workers_used = len(cluster.scheduler_info["workers"])
    assert summary["status"] == "completed", summary["errors"]
    assert summary["counts"]["articles_loaded"] == 3
    assert _count(summary["database"], "SELECT count(*) FROM classifications") == 3
    assert workers_used == 2


def test_flow_runs_its_batches_in_processes(tmp_path, mini_sites):
    summary = daily_ingest(overrides=ingest_overrides(tmp_path, mini_sites, task_runner="processes", batch_size=2))
    assert summary["status"] == "completed", summary["errors"]
    assert summary["counts"]["articles_loaded"] == 3
