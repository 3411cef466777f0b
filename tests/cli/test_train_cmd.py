"""``thermoquake train``, ``evaluate`` and ``predict`` on the command line: options reach the
library, --dry-run and --json print what they say, the note on a threshold chosen after
evaluation goes to stderr, and errors are one line with exit status 1. What training computes
is tested through the library in tests/test_train.py."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.conftest import CATALOG
import thermoquake as tq
from thermoquake.cli.main import cli

pytestmark = [pytest.mark.ml, pytest.mark.slow]

FAST = ["--window", "3", "--folds", "2", "--epochs", "2", "--width", "0.125", "--batch-size", "8",
        "--no-progress"]


def _one_line_error(result, *words: str) -> None:
    assert result.exit_code == 1, result.output
    lines = result.output.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and "Traceback" not in result.output, result.output
    assert all(w in lines[0] for w in words), result.output


def test_train_dry_run_says_what_would_run_and_writes_nothing(tiny_rst_workdir, tmp_path):
    out = tmp_path / "run"
    result = CliRunner().invoke(cli, ["train", "--workdir", str(tiny_rst_workdir), *FAST, "--out", str(out),
                                      "--dry-run", "--json"])
    assert result.exit_code == 0, result.output
    plan = json.loads(result.output)
    assert plan["dry_run"] and plan["fits"] == ["fold0", "fold1", "final"] and plan["epochs"] == 2
    assert plan["days"] == 10 and plan["seconds"] > 0 and str(out / "metrics.json") in plan["writes"]
    assert not out.exists()
    result = CliRunner().invoke(cli, ["train", "--workdir", str(tiny_rst_workdir), *FAST, "--out", str(out),
                                      "--dry-run"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("dry run: ") and "would write: " in result.output and not out.exists()


def test_a_window_longer_than_the_preprocessed_days_is_a_one_line_error(tiny_study, tmp_path):
    _one_line_error(CliRunner().invoke(cli, ["train", "--workdir", str(tiny_study / "work"), "--window", "5",
                                             "--channels", "lst,mask", "--out", str(tmp_path / "run"),
                                             "--no-progress"]), "needs 4 days")


def test_the_retira_channel_without_rst_is_a_one_line_error(tiny_study, tmp_path):
    _one_line_error(CliRunner().invoke(cli, ["train", "--workdir", str(tiny_study / "work"), "--window", "3",
                                             "--out", str(tmp_path / "run"), "--no-progress"]),
                    "run thermoquake rst")


def test_evaluate_prints_the_metrics_and_notes_a_threshold_chosen_after_evaluation(tiny_run, tmp_path):
    saved = json.loads((tiny_run / "metrics.json").read_text())
    result = CliRunner().invoke(cli, ["evaluate", "--run", str(tiny_run), "--json"])
    assert result.exit_code == 0 and result.stderr == "", result.output
    assert json.loads(result.stdout)["metrics"]["daily"] == saved["daily"]
    result = CliRunner().invoke(cli, ["evaluate", "--run", str(tiny_run)])
    assert result.exit_code == 0 and result.stdout.splitlines()[-1] == f"run: {tiny_run}"
    alarms = tmp_path / "alarms.csv"
    result = CliRunner().invoke(cli, ["evaluate", "--run", str(tiny_run), "--threshold", "0.3", "--json",
                                      "--alarms-csv", str(alarms)])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)["metrics"]
    assert doc["threshold"] == 0.3 and doc["threshold_source"] == "chosen after evaluation"
    assert "chosen after evaluation" in result.stderr
    with open(alarms, newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 10


def test_predict_prints_a_line_per_image_and_the_window_alarm(tiny_run, tiny_rst_workdir):
    images = sorted((tiny_rst_workdir / "images" / "E1" / "target").glob("????-??-??.tif"))
    result = CliRunner().invoke(cli, ["predict", "--run", str(tiny_run), *map(str, images), "--json"])
    assert result.exit_code == 0 and result.stderr == "", result.output
    out = json.loads(result.stdout)
    assert len(out["days"]) == 2 and out["window_alarm"] == any(d["prob"] >= 0.5 for d in out["days"])
    result = CliRunner().invoke(cli, ["predict", "--run", str(tiny_run), *map(str, images), "--threshold", "0.9"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert len(lines) == 3 and lines[0].startswith(f"{images[0]}\t")
    assert lines[-1].startswith("window alarm: ") and "threshold 0.9" in lines[-1]
    assert "chosen after evaluation" in result.stderr


def test_training_into_a_run_of_another_configuration_is_a_one_line_error(tiny_run, tiny_rst_workdir):
    _one_line_error(CliRunner().invoke(cli, ["train", "--workdir", str(tiny_rst_workdir), *FAST, "--seed", "3",
                                             "--catalog", str(CATALOG), "--out", str(tiny_run)]),
                    "another configuration")


EVENTS = ("event_id,time,latitude,longitude,depth_km,magnitude,magnitude_type\n"
          "E1,2008-05-10T01:00:00Z,35.0,103.0,10,5.5,Mw\nE2,2010-06-20T01:00:00Z,35.3,103.4,10,5.5,Mw\n"
          "E3,2010-01-02T01:00:00Z,35.6,103.8,10,5.5,Mw\n")
CONTROLS = ("control_id,time,latitude,longitude,mode,matched_event_id\n"
            "C1,2008-08-10T01:00:00Z,35.0,103.0,matched,E1\nC2,2010-09-20T01:00:00Z,35.3,103.4,matched,E2\n"
            "C3,2009-01-02T01:00:00Z,35.6,103.8,matched,E3\n")


@pytest.mark.slow
def test_dry_run_of_a_chronological_split_names_the_groups_it_leaves_out(tmp_path: Path):
    events, controls = tmp_path / "events.csv", tmp_path / "controls.csv"
    events.write_text(EVENTS)
    controls.write_text(CONTROLS)
    study = {"controls": controls, "days_before": 2, "reference_years": range(2008, 2011), "size": 16}
    tq.synthetic_study(events, tmp_path / "hdf", **study, cloud_fraction=0.1, progress=False)
    tq.preprocess(events, tmp_path / "hdf", tmp_path / "work", **study, workers=0, progress=False)
    tq.run_rst(tmp_path / "work", tq.RstConfig(min_count=1, exclude_years=(2010,)))
    result = CliRunner().invoke(cli, ["train", "--workdir", str(tmp_path / "work"), "--window", "3", "--split",
                                      "chronological", "--test-from", "2010", "--epochs", "1",
                                      "--out", str(tmp_path / "run"), "--dry-run"])
    assert result.exit_code == 0, result.output
    # E3's window crosses New Year and its control is from 2009
    assert "left out 1 groups (2 samples, 4 days) that straddle the cut: 1 by target dates" in result.output
    assert not (tmp_path / "run").exists()
