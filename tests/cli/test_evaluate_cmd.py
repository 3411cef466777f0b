"""``thermoquake evaluate --pycsep-dir --alarms-csv`` as a user sees it: the files it writes and
the usage error of a cell size that does not divide 180. The files' content is tested on the
library in tests/test_csep_files.py."""

from __future__ import annotations

import csv
import json

import pytest
from click.testing import CliRunner

from thermoquake.cli.main import cli
from tests.test_csep_files import PROBS, STUDY, _time, run_dir  # noqa: F401 - run_dir: a hand-built run

csep = pytest.importorskip("csep")


def test_evaluate_writes_pycsep_forecasts_and_alarm_rows_cover_the_event(run_dir, tmp_path):
    out, alarms = tmp_path / "pycsep", tmp_path / "alarms.csv"
    r = CliRunner().invoke(cli, ["evaluate", "--run", str(run_dir), "--bootstrap", "10", "--pycsep-dir", str(out),
                                 "--alarms-csv", str(alarms), "--json"])
    assert r.exit_code == 0, r.output
    index = json.loads((out / "forecasts.json").read_text())
    assert len(index["gridded"]) == len(list((out / "gridded").glob("*.dat"))) == 8
    for entry in index["gridded"]:
        csep.load_gridded_forecast(str(out / entry["file"]))
    with open(alarms, newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == len(PROBS)
    for row in rows:                        # a sample's (event's or control's) time lies in every period of its images
        assert _time(row["start_time"]) <= _time(STUDY[row["sample_id"]][1]) < _time(row["end_time"])
    r = CliRunner().invoke(cli, ["evaluate", "--run", str(run_dir), "--bootstrap", "10", "--pycsep-dir",
                                 str(tmp_path / "x"), "--cell-deg", "0.7"])
    assert r.exit_code != 0 and "divide 180" in r.output


def test_evaluate_refuses_a_truncated_metrics_json_in_one_line(tmp_path):
    import shutil

    from tests.test_metrics_document import make_run

    run = shutil.copytree(make_run(tmp_path / "a"), tmp_path / "run")
    text = (run / "metrics.json").read_text()
    (run / "metrics.json").write_text(text[: len(text) // 3])
    result = CliRunner().invoke(cli, ["evaluate", "--run", str(run), "--bootstrap", "20"])
    assert result.exit_code == 1 and len(result.output.splitlines()) == 1
    assert result.output.startswith(f"Error: {run / 'metrics.json'}: ")
