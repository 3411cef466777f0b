"""The null test (``thermoquake.run_null_experiment``): the SYNTHETIC 0 K experiment over several
seeds, and the t-test of its mean balanced accuracy against 0.5."""

from __future__ import annotations

import json
import math

import pytest

import thermoquake as tq
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


@pytest.mark.ml
@pytest.mark.slow
def test_the_null_test_runs_each_seed_and_tests_the_mean(tmp_path):
    out = tmp_path / "null"
    # the experiment null command's defaults: 10 events -> 4, 64 km, 2007-2011; window 3, classic copies
    study = tq.SyntheticStudy(anomaly_k=0.0, n_events=4, size=64, first_year=2007, last_year=2011)
    config = tq.TrainConfig(window=3, channels=("lst", "mask"), augment="classic", folds=2, epochs=3, width=0.25,
                            final_model=False)
    seen = []
    summary = tq.run_null_experiment(out, [0, 1], study, config, 3, progress=lambda seed, ba: seen.append((seed, ba)))
    doc = json.loads(json.dumps(summary.to_dict()))
    assert seen == list(zip([0, 1], doc["balanced_accuracy"]))
    assert doc["synthetic"] is True and doc["seeds"] == [0, 1] and doc["df"] == 1
    assert all(0.0 <= ba <= 1.0 for ba in doc["balanced_accuracy"])
    assert math.isclose(doc["mean"], sum(doc["balanced_accuracy"]) / 2)
    saved = json.loads((out / "null.json").read_text())
    assert saved["balanced_accuracy"] == doc["balanced_accuracy"] and saved["study"]["events"] == 4
    for seed in (0, 1):
        metrics = json.loads((out / f"seed-{seed}" / "run" / "metrics.json").read_text())
        assert metrics["synthetic"] is True
        assert metrics["daily"]["metrics"]["balanced_accuracy"]["value"] == doc["balanced_accuracy"][seed]
