"""``thermoquake experiment`` on the command line: option checks, the rule-noise and
time-split tables, and --dry-run --json printing the plan with nothing trained or written.
What the experiments compute is tested through the library (tests/test_experiment_null*.py)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from thermoquake.cli.main import cli


def test_the_null_test_needs_two_seeds():
    result = CliRunner().invoke(cli, ["experiment", "null", "--seeds", "1"])
    assert result.exit_code == 2 and "--seeds" in result.output


@pytest.mark.ml
@pytest.mark.slow
def test_paper_tables_dry_run_lists_every_run_and_trains_nothing(tiny_rst_workdir, tmp_path):
    runs = tmp_path / "runs"
    result = CliRunner().invoke(cli, ["experiment", "paper-tables", "--workdir", str(tiny_rst_workdir), "--windows",
                                      "3", "--folds", "2", "--epochs", "2", "--runs", str(runs), "--dry-run",
                                      "--json"])
    assert result.exit_code == 0, result.output
    plan = json.loads(result.output)
    assert sorted(plan["runs"]) == ["w3-cnn-gan", "w3-drsn-gan", "w3-drsn-none", "w3-resnet-gan"]
    assert all(p["fits"] == ["fold0", "fold1"] and p["reused"] == [] for p in plan["runs"].values())
    assert plan["seconds"] > 0 and not runs.exists()


def test_rule_noise_prints_a_synthetic_table():
    result = CliRunner().invoke(cli, ["experiment", "rule-noise", "--images", "5", "--reference-counts", "3",
                                      "--size", "32"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("SYNTHETIC pure noise: 32 x 32 km")
    assert "3 reference years, 5 images" in result.output
    assert "guarded rule" in result.output and "unguarded rule" in result.output


def test_rule_noise_json_has_one_row_per_reference_count():
    result = CliRunner().invoke(cli, ["experiment", "rule-noise", "--images", "3", "--reference-counts", "3,5",
                                      "--size", "24", "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert doc["synthetic"] is True
    assert [r["n_reference"] for r in doc["rows"]] == [3, 5]


def test_rule_noise_refuses_a_reference_count_below_two():
    result = CliRunner().invoke(cli, ["experiment", "rule-noise", "--reference-counts", "3,1"])
    assert result.exit_code == 2
    assert "each count must be >= 2" in result.output
    assert "Traceback" not in result.output


def test_time_split_compares_the_chronological_and_the_event_year_split(tmp_path):
    (tmp_path / "events.csv").write_text(
        "event_id,time,latitude,longitude,depth_km,magnitude,magnitude_type\n"
        "E1,2008-05-10T01:00:00Z,35.0,103.0,10,5.5,Mw\nE2,2010-06-20T01:00:00Z,30.0,95.0,10,5.5,Mw\n")
    (tmp_path / "controls.csv").write_text(
        "control_id,time,latitude,longitude,mode,matched_event_id\n"
        "C1,2008-08-10T01:00:00Z,35.0,103.0,matched,E1\nC2,2009-06-20T01:00:00Z,30.0,95.0,matched,E2\n")
    result = CliRunner().invoke(cli, ["experiment", "time-split", "--events", str(tmp_path / "events.csv"),
                                      "--controls", str(tmp_path / "controls.csv"), "--test-from", "2010",
                                      "--window", "3", "--reference-years", "2007-2011"])
    assert result.exit_code == 0, result.output
    assert "chronological split at 2010-01-01, window 3 (rst --exclude-years 2010-2011)" in result.output
    assert "event-year split at 2010-01-01" in result.output
    assert "test: 1 events, 1 controls (1 dated before the cut)" in result.output


def test_time_split_names_a_cut_outside_the_reference_years():
    result = CliRunner().invoke(cli, ["experiment", "time-split", "--test-from", "2030"])
    assert result.exit_code == 1
    assert result.output.strip() == "Error: --test-from 2030 is outside the reference years 2003-2016"
