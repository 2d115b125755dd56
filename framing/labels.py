"""An analyst's own labels: reading the CSV, and refitting on it (`framewatch calibrate`).

The CSV has a `url` or an `article_id` column and a `label` column (extra columns
are ignored), so the label-correction export (url, article_id, label, note,
corrected_by, corrected_at) can be used as it is. The command line looks the
articles up in the warehouse; this module never reads it (framing sits below
the warehouse).

Calibrated parameters go to `<data dir>/classifier/<backend>.json`, never over
the shipped params/: `make_classifier(params_path=...)` with
`calibrated_params_path(data_dir, backend)` is how runs and `reclassify` pick
them up, and their different fitted numbers give a new classifier version.
"""

from __future__ import annotations

import csv
import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from .types import LABEL_MIXED, LABEL_NEITHER, LABEL_OFF_TOPIC


@dataclass(frozen=True)
class LabelRow:
    line: int
    key: str  # the url or article_id as given
    by: str  # "url" | "article_id"
    label: str


def calibrated_params_path(data_dir: Path | str | None, backend: str) -> Path | None:
    """The data dir's calibrated params for `backend`, if `calibrate` wrote any."""
    if data_dir is None:
        return None
    path = Path(data_dir) / "classifier" / f"{backend}.json"
    return path if path.is_file() else None


def valid_labels(framing_ids: list[str]) -> list[str]:
    return list(framing_ids) + [LABEL_NEITHER, LABEL_MIXED, LABEL_OFF_TOPIC]


def read_labels(path: Path, framing_ids: list[str]) -> tuple[list[LabelRow], list[str]]:
    """Rows with a usable key and label, and one line per row skipped (with why).

    Raises ValueError (one line) when the file has neither a url nor an article_id
    column, or no label column."""
    allowed = valid_labels(framing_ids)
    with Path(path).open(encoding="utf-8-sig", newline="") as f:
        reader = csv.DictReader(f)
        cols = {c.strip().lower(): c for c in (reader.fieldnames or [])}
        if "label" not in cols or not ({"url", "article_id"} & set(cols)):
            raise ValueError(f"{path}: needs a label column and a url or article_id column (found: {', '.join(cols) or 'none'})")
        rows, skipped = [], []
        for n, r in enumerate(reader, start=2):
            label = (r.get(cols["label"]) or "").strip()
            aid = (r.get(cols["article_id"]) or "").strip() if "article_id" in cols else ""
            url = (r.get(cols["url"]) or "").strip() if "url" in cols else ""
            if label not in allowed:
                skipped.append(f"line {n}: label {label!r} is not one of {', '.join(allowed)}")
            elif not (aid or url):
                skipped.append(f"line {n}: no url or article_id")
            else:
                rows.append(LabelRow(n, aid or url, "article_id" if aid else "url", label))
    return rows, skipped


def calibrate_on_labels(clf, items: list, labels_file: Path, log=print) -> tuple[dict, list[str]]:
    """Refit the supervised layer (calibrate.fit_supervised) on the analyst's
    labelled items (id, gold, ArticleText) together with the dev set's fit split
    (always shipped; it keeps the framings anchored when the analyst's labels are
    few or one-sided). Returns the new params (the current ones with the
    supervised layer replaced) and the out-of-fold labels of the analyst's items:
    the honest "after" figures."""
    from .calibrate import fit_supervised, training_pairs

    base, base_groups = training_pairs(include_realtext=True)
    pairs = [(g, d) for _, g, d in items] + base
    supervised, cv = fit_supervised(clf, pairs, log=log, groups=["analyst"] * len(items) + base_groups)
    params = json.loads(json.dumps(clf.fitted or {}))
    params["supervised"] = supervised
    params.setdefault("fitted_on", {})["calibrated"] = {
        "labels_file": str(labels_file),
        "labels_sha256": hashlib.sha256(Path(labels_file).read_bytes()).hexdigest(),
        "n_labelled": len(items),
        "n_shipped_fit": len(base),
        "at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "from_version": clf.version,
    }
    return params, cv["cv_pred"][: len(items)]


def write_params(params: dict, data_dir: Path, backend: str) -> Path:
    path = Path(data_dir) / "classifier" / f"{backend}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(params, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    tmp.replace(path)
    return path
