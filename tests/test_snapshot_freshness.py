"""The snapshot follows the warehouse's change counter, not its age."""
from __future__ import annotations

import duckdb
import pytest

import warehouse.snapshot as snapshot_mod
from flows.daily_ingest import daily_ingest
from tests.conftest import ingest_overrides
from warehouse import connect
from warehouse.snapshot import publish_if_changed

pytestmark = pytest.mark.usefixtures("prefect_harness")


def _articles(path) -> int:
    with duckdb.connect(str(path), read_only=True) as conn:
        return conn.execute("SELECT count(*) FROM articles").fetchall()[0][0]


def test_a_crash_between_load_and_snapshot_is_caught_up_by_the_next_run_even_with_nothing_new(tmp_path, mini_sites, monkeypatch):
    overrides = ingest_overrides(tmp_path, mini_sites)
    real = snapshot_mod.publish_snapshot

    def crash(*a, **k):
        raise OSError("disk full")  # stands in for the process dying right after the last batch

    monkeypatch.setattr(snapshot_mod, "publish_snapshot", crash)
    with pytest.raises(Exception):
        daily_ingest(overrides=overrides)
    monkeypatch.setattr(snapshot_mod, "publish_snapshot", real)
    db = tmp_path / "data" / "framewatch.duckdb"
    snap = tmp_path / "data" / "framewatch-snapshot.duckdb"
    assert _articles(db) == 3 and not snap.exists()
    # A leftover temporary copy from a publisher that died (no process has this PID).
    leftover = snap.with_name(f".{snap.name}.999999999.tmp")
    leftover.write_bytes(b"partial copy")

    second = daily_ingest(overrides=overrides)  # every feed answers 304: nothing new
    assert second["counts"]["entries_new"] == 0
    assert second["counts"]["snapshot_unchanged"] == 0  # but the snapshot was behind the warehouse
    assert _articles(snap) == 3
    assert not leftover.exists()

    third = daily_ingest(overrides=overrides)
    assert third["counts"]["snapshot_unchanged"] == 1  # now current: no copy


def test_any_write_transaction_makes_the_snapshot_stale(tmp_path, mini_sites):
    overrides = ingest_overrides(tmp_path, mini_sites)
    out = daily_ingest(overrides=overrides)
    db, snap = out["database"], out["snapshot"]
    opener = lambda: connect(db)  # noqa: E731
    assert publish_if_changed(opener, db, snap) is False  # the run published it
    from alerts.cli import acknowledge

    acknowledge(db, "no-such-alert")  # a write transaction, even one that changes no row of interest
    assert publish_if_changed(opener, db, snap) is True
    assert publish_if_changed(opener, db, snap) is False
