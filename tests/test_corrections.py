"""Label corrections: saved at once while a run holds the warehouse, merged
when it is free, never twice; the explorer's write endpoints refuse what a
foreign page could send."""
from __future__ import annotations

import csv
import shutil
import subprocess
import sys

import duckdb
import pytest
from fastapi.testclient import TestClient

from tests.warehouse_fixtures import flow_warehouse  # noqa: F401  (fixture)
from warehouse import connect
from warehouse import corrections as corr

LABELS = ["transactional_truce", "institutional_engagement", "mixed", "neither", "off_topic"]


def _hold_lock(db):
    """Another process writing the warehouse, as a run does."""
    proc = subprocess.Popen([sys.executable, "-c", f"import duckdb, time; c = duckdb.connect({str(db)!r}); "
                             "print('locked', flush=True); time.sleep(120)"], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "locked"
    return proc


def test_a_correction_made_while_a_run_holds_the_warehouse_is_kept_and_merged_once(tmp_path):
    db = tmp_path / "framewatch.duckdb"
    connect(db).close()
    holder = _hold_lock(db)
    try:
        row = corr.record(db, article_id="a1", label="neither", allowed_labels=LABELS, corrected_by="ana",
                          note="news, not commentary", url="http://x/a1", original_label="transactional_truce")
        merged, reason = corr.try_merge(db, lock_timeout=0.5)
        assert merged == 0 and "busy" in reason  # the run is not waited for ...
        assert [r["correction_id"] for r in corr.pending_rows(db, unmerged_only=True)] == [row["correction_id"]]  # ... nor is anything lost
    finally:
        holder.kill()
        holder.wait()
    assert corr.merge_pending(db) == 1
    assert corr.merge_pending(db) == 0  # idempotent: nothing pending any more
    with duckdb.connect(str(db), read_only=True) as conn:
        assert conn.execute("SELECT article_id, label, corrected_by, note FROM label_corrections").fetchall() == [
            ("a1", "neither", "ana", "news, not commentary")]
    # A later correction of the same article supersedes the first in the CSV; both are kept.
    corr.record(db, article_id="a1", label="off_topic", allowed_labels=LABELS, corrected_by="bo")
    rows = corr.all_corrections(tmp_path / "none.duckdb", db)
    assert len(rows) == 2
    out = tmp_path / "labels.csv"
    assert corr.write_csv(rows, out) == 1
    with open(out, newline="") as f:
        got = list(csv.DictReader(f))
    assert [(r["article_id"], r["label"], r["corrected_by"]) for r in got] == [("a1", "off_topic", "bo")]


def test_a_label_that_does_not_exist_is_refused(tmp_path):
    with pytest.raises(corr.CorrectionError, match="label must be one of"):
        corr.record(tmp_path / "w.duckdb", article_id="a1", label="hawkish", allowed_labels=LABELS, corrected_by="x")
    assert corr.pending_rows(tmp_path / "w.duckdb") == []


@pytest.mark.usefixtures("prefect_harness")
def test_write_endpoints_take_json_from_loopback_only(flow_warehouse, tmp_path):  # noqa: F811
    from explorer.web import create_app

    shutil.copyfile(flow_warehouse["snapshot"], tmp_path / "framewatch-snapshot.duckdb")
    shutil.copyfile(flow_warehouse["db"], tmp_path / "framewatch.duckdb")
    app = create_app(tmp_path / "framewatch-snapshot.duckdb", tmp_path / "framewatch.duckdb", user="t", merge_every=3600)
    with TestClient(app, base_url="http://127.0.0.1") as client:
        article = client.get("/api/stories").json()["stories"][0]["article_id"]
        # A form post (what another site's page can send without asking) is refused.
        assert client.post("/api/corrections", data={"article_id": article, "label": "neither"}).status_code == 415
        bad = client.post("/api/corrections", json={"article_id": article, "label": "hawkish"})
        assert bad.status_code == 400 and "label must be one of" in bad.json()["detail"]
        assert client.post("/api/corrections", json={"article_id": "nope", "label": "neither"}).status_code == 400
        ok = client.post("/api/corrections", json={"article_id": article, "label": "neither", "note": "<b>x</b>"})
        assert ok.status_code == 200 and ok.json()["corrected_by"] == "t"
        listed = client.get("/api/stories", params={"labels": "corrected", "story_label": "neither"}).json()["stories"]
        assert article in {s["article_id"] for s in listed}  # applied at once in the corrected view
        assert client.get("/labels.csv").text.splitlines()[0] == "url,article_id,label,note,corrected_by,corrected_at"
    with TestClient(app, base_url="http://evil.example") as client:  # DNS rebinding: a foreign Host header
        assert client.get("/api/meta").status_code == 400
