"""`thermoquake experiment null`: the SYNTHETIC 0 K experiment over several seeds, and the
t-test of its mean balanced accuracy against 0.5."""

from __future__ import annotations

import json
import math

import pytest
from click.testing import CliRunner

from thermoquake.cli.main import cli
from thermoquake.errors import BadRequestError
from thermoquake.experiment.null import summarise


def test_a_mean_clearly_above_chance_is_not_at_chance():
    s = summarise([0, 1, 2, 3, 4], [0.58, 0.61, 0.56, 0.60, 0.59])
    assert s.p_value < 0.01 and not s.at_chance
    assert s.ci_low > 0.5 and s.ci_high < 0.65
    assert math.isclose(s.mean, 0.588)


def test_seeds_scattered_around_one_half_are_at_chance():
    s = summarise([0, 1, 2, 3], [0.45, 0.55, 0.52, 0.48])
    assert s.at_chance and s.ci_low < 0.5 < s.ci_high
    assert math.isclose(s.t, 0.0, abs_tol=1e-12)


def test_the_t_test_matches_scipy():
    from scipy import stats

    values = [0.41, 0.52, 0.47, 0.39, 0.50, 0.44]
    s = summarise(range(6), values)
    ref = stats.ttest_1samp(values, 0.5)
    assert math.isclose(s.t, ref.statistic) and math.isclose(s.p_value, ref.pvalue)
    assert s.to_dict()["synthetic"] is True and s.to_dict()["df"] == 5
    assert "SYNTHETIC" in s.text()


def test_one_balanced_accuracy_per_seed_is_required():
    with pytest.raises(BadRequestError):
        summarise([0, 1], [0.5])


def test_the_null_test_needs_two_seeds():
    result = CliRunner().invoke(cli, ["experiment", "null", "--seeds", "1"])
    assert result.exit_code == 2 and "--seeds" in result.output


@pytest.mark.ml
@pytest.mark.slow
def test_the_null_test_runs_each_seed_and_tests_the_mean(tmp_path):
    out = tmp_path / "null"
    result = CliRunner().invoke(cli, ["experiment", "null", "--seeds", "2", "--n-events", "4", "--epochs", "3",
                                      "--folds", "2", "--channels", "lst,mask", "--out", str(out), "--json",
                                      "--no-progress"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output.strip().splitlines()[-1])
    assert doc["synthetic"] is True and doc["seeds"] == [0, 1] and doc["df"] == 1
    assert all(0.0 <= ba <= 1.0 for ba in doc["balanced_accuracy"])
    assert math.isclose(doc["mean"], sum(doc["balanced_accuracy"]) / 2)
    saved = json.loads((out / "null.json").read_text())
    assert saved["balanced_accuracy"] == doc["balanced_accuracy"] and saved["study"]["events"] == 4
    for seed in (0, 1):
        metrics = json.loads((out / f"seed-{seed}" / "run" / "metrics.json").read_text())
        assert metrics["synthetic"] is True
        assert metrics["daily"]["metrics"]["balanced_accuracy"]["value"] == doc["balanced_accuracy"][seed]
