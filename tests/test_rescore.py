"""``evaluate`` re-scores a run from predictions.csv and keeps what only training knew."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from thermoquake.evaluation.rescore import rescore_run


def _run(tmp_path: Path) -> Path:
    run = tmp_path / "run"
    run.mkdir()
    with open(run / "predictions.csv", "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["sample_id", "group", "label", "site", "date", "days_before", "fold", "prob"])
        for i in range(6):
            w.writerow([f"E{i}", f"E{i}", 1, f"E{i}", "2010-05-01", 1, i % 2, 0.6 + 0.05 * i])
            w.writerow([f"C{i}", f"E{i}", 0, f"E{i}", "2011-05-01", 1, i % 2, 0.1 + 0.05 * i])
    (run / "config.json").write_text(json.dumps({"train": {"window": 3, "threshold": 0.5, "seed": 0}}))
    return run


def test_rescoring_keeps_the_balance_report_split_and_augmentation_of_training(tmp_path):
    run = _run(tmp_path)
    trained = {"balance": {"imbalanced": [], "quantities": {"day_of_year": {"p": 0.4}}},
               "split_summary": {"spatial": {"straddling_pairs": 0}}, "folds": [{"fold": 0}, {"fold": 1}],
               "augmentation": [{"ratio": 0.5}], "daily": {"stale": True}}
    (run / "metrics.json").write_text(json.dumps(trained))
    doc = rescore_run(run, 0.4, n_boot=20)
    for key in ("balance", "split_summary", "folds", "augmentation"):
        assert getattr(doc, key) == trained[key]
    assert "stale" not in doc.to_dict()["daily"] and doc.threshold_source == "chosen after evaluation"


def test_a_run_without_metrics_json_is_rescored_from_its_predictions(tmp_path):
    doc = rescore_run(_run(tmp_path), n_boot=20)
    assert doc.balance is None and doc.balanced_accuracy.value == 1.0
