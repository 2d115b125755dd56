"""Which Prefect task runner executes the batches of a run.

- threads (default): batches in threads of the flow's process; while one
  batch is extracted (CPU, all cores through extractors/extract_pool.py),
  the next one is fetched (network).
- processes: batches in worker processes of this machine.
- dask: batches on a Dask cluster (prefect-dask). `dask_address` names an
  existing scheduler (tcp://host:8786), so batches spread across machines;
  unset, a local cluster is started for the run. Workers need this checkout
  installed, the same settings, and a shared `data_dir` for the raw-page
  store. The warehouse stays single-writer: only the flow opens DuckDB.
"""
from __future__ import annotations

from prefect.task_runners import ProcessPoolTaskRunner, TaskRunner, ThreadPoolTaskRunner

from flows.settings import Settings


def make_task_runner(settings: Settings) -> TaskRunner:
    if settings.task_runner == "threads":
        return ThreadPoolTaskRunner(max_workers=settings.concurrent_batches)
    if settings.task_runner == "processes":
        return ProcessPoolTaskRunner(max_workers=settings.concurrent_batches)
    try:
        from prefect_dask import DaskTaskRunner
    except ImportError:
        raise RuntimeError("task_runner = 'dask' needs prefect-dask: pip install -c constraints.txt -e '.[dask]'") from None
    if settings.dask_address:
        return DaskTaskRunner(address=settings.dask_address)
    return DaskTaskRunner(cluster_kwargs={"n_workers": settings.concurrent_batches, "threads_per_worker": 1, "processes": True})
