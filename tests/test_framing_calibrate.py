"""`framewatch eval --labels` and `framewatch calibrate` on the demo corpus's labels,
against the warehouse the real daily flow built from the demo sites; then
`reclassify` applies the calibrated version (issue 12)."""
from __future__ import annotations

import csv
import hashlib
import json

import duckdb
import pytest
from typer.testing import CliRunner

from cli.app import app
from flows.demo_eval import DEMO_DIR, LABEL_MAP
from flows.reprocess import reclassify
from framing.core import PARAMS_DIR
from tests.warehouse_fixtures import copy_warehouse, flow_warehouse  # noqa: F401  (fixture)

pytestmark = pytest.mark.usefixtures("prefect_harness")


def _flat(output: str) -> str:
    return " ".join(output.split())


@pytest.fixture
def labelled(flow_warehouse, tmp_path):  # noqa: F811
    """A data dir holding a copy of the demo warehouse, and a labels CSV in the
    label-correction export's format (url for half the rows, article_id for the rest)."""
    if flow_warehouse["corpus"] != "sites":
        pytest.skip("needs the demo corpus")
    data = tmp_path / "data"
    db = copy_warehouse(flow_warehouse["db"], data)
    with duckdb.connect(str(db), read_only=True) as conn:
        stored = conn.execute("SELECT article_id, url FROM articles").fetchall()
    manifest = json.loads((DEMO_DIR / "manifest.json").read_text(encoding="utf-8"))
    rows = []
    for i, a in enumerate(manifest["articles"]):
        path = a["url"].replace("{{BASE_URL}}", "")
        hit = next(((aid, url) for aid, url in stored if url.endswith(path)), None)
        if hit:
            label = LABEL_MAP.get(a["label"], a["label"])
            rows.append({"url": hit[1] if i % 2 else "", "article_id": "" if i % 2 else hit[0], "label": label,
                         "note": "demo gold", "corrected_by": "test", "corrected_at": "2025-12-01T00:00:00Z"})
    rows.append({"url": "https://nowhere.example/x", "article_id": "", "label": "neither", "note": "", "corrected_by": "", "corrected_at": ""})
    rows.append({"url": rows[0]["url"], "article_id": rows[0]["article_id"], "label": "hawkish", "note": "", "corrected_by": "", "corrected_at": ""})
    labels = tmp_path / "labels.csv"
    with labels.open("w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    assert len(rows) >= 60
    return data, db, labels, len(rows) - 2


def test_eval_labels_scores_the_warehouse_articles(labelled):
    data, _, labels, n = labelled
    out = CliRunner().invoke(app, ["eval", "--labels", str(labels), "-d", str(data), "-b", "lexical"])
    assert out.exit_code == 0, out.output
    text = _flat(out.output)
    assert f"{n} labelled articles" in text and "analyst labels" in text
    assert "no article https://nowhere.example/x" in text and "'hawkish' is not one of" in text
    assert "macro-F1" in text and "95% CI" in text and "A-vs-B direction" in text


def test_eval_labels_rejects_a_file_without_the_columns(labelled, tmp_path):
    data, _, _, _ = labelled
    bad = tmp_path / "bad.csv"
    bad.write_text("id,framing\n1,neither\n", encoding="utf-8")
    out = CliRunner().invoke(app, ["eval", "--labels", str(bad), "-d", str(data)])
    assert out.exit_code == 2 and "needs a label column and a url or article_id column" in _flat(out.output)


def test_calibrate_writes_a_new_version_into_the_data_dir_and_reclassify_applies_it(labelled):
    data, db, labels, n = labelled
    shipped = hashlib.sha256((PARAMS_DIR / "lexical.json").read_bytes()).hexdigest()
    with duckdb.connect(str(db), read_only=True) as conn:
        before_versions = {v for (v,) in conn.execute("SELECT DISTINCT classifier_version FROM classifications").fetchall()}
    out = CliRunner().invoke(app, ["calibrate", "--labels", str(labels), "-d", str(data)])
    assert out.exit_code == 0, out.output
    written = data / "classifier" / "lexical.json"
    assert written.is_file()
    assert hashlib.sha256((PARAMS_DIR / "lexical.json").read_bytes()).hexdigest() == shipped  # never overwritten
    params = json.loads(written.read_text())
    assert params["fitted_on"]["calibrated"]["n_labelled"] == n
    text = _flat(out.output)
    assert "before" in text and "after" in text and "cross-validated" in text
    from framing import make_classifier

    new_version = make_classifier(params_path=written).version
    assert new_version not in before_versions and new_version in text

    result = reclassify(overrides={"data_dir": str(data)})
    assert result["current"].endswith(new_version)
    with duckdb.connect(str(db), read_only=True) as conn:
        after = conn.execute("SELECT count(*) FROM classifications WHERE classifier_version = ?", [new_version]).fetchone()[0]
        articles = conn.execute("SELECT count(*) FROM articles WHERE text IS NOT NULL").fetchone()[0]
        old = conn.execute("SELECT count(*) FROM classifications WHERE classifier_version <> ?", [new_version]).fetchone()[0]
    assert after == articles and old >= articles  # the old version's rows stay


def test_calibration_prefers_dev_weight_then_regularisation_within_cv_noise():
    """Settings whose cross-validated score is within CV_TOLERANCE of the best are
    equivalent: the largest dev weight wins, then the smallest C; a setting
    clearly worse never wins however simple it is."""
    from framing.calibrate import CV_TOLERANCE, CvSetting, choose_setting

    best = CvSetting(0.881, 100.0, None, 1.0, None)
    near = CvSetting(0.881 - CV_TOLERANCE / 2, 10.0, None, 10.0, None)
    nearer_but_complex = CvSetting(0.880, 100.0, None, 10.0, None)
    far = CvSetting(0.881 - 2 * CV_TOLERANCE, 1.0, None, 10.0, None)
    assert choose_setting([best, near, nearer_but_complex, far]) is near
    assert choose_setting([best, far]) is best
