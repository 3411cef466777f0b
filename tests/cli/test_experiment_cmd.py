"""``thermoquake experiment`` on the command line: option checks, and --dry-run --json printing
the plan with nothing trained or written. What the experiments compute is tested through the
library (tests/test_experiment_null*.py)."""

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
