"""The null test end to end: the SYNTHETIC benchmark (``thermoquake.run_synthetic_experiment``) on real catalogue events and
matched controls. With no injected anomaly, balanced accuracy must not be above chance; with a
clear one it must be well above. Both studies are SYNTHETIC.

The null check is one-sided on purpose: a leak (a split, normaliser or augmentation that lets
the test set in) inflates balanced accuracy, while cross-validation under the null is biased
*below* 0.5 on small samples (a rule fitted to the other folds' noise tends to disagree with the
held-out fold's labels), so one seed often lands under chance without anything being wrong.
``thermoquake.run_null_experiment`` over N seeds tests the mean both ways.

The reference span is ten years: an event and its control share sample-relative reference
years with both targets' years excluded, so a five-year span leaves one or two reference years
and hardly any R map (the anomaly then cannot show in the RETIRA channel)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

import thermoquake as tq

pytestmark = [pytest.mark.ml, pytest.mark.slow]

STUDY = {"n_events": 10, "size": 64, "first_year": 2004, "last_year": 2013}
TRAINING = {"window": 3, "channels": ("lst", "mask", "retira"), "augment": "classic", "epochs": 40, "batch_size": 8,
            "width": 0.25, "folds": 4, "final_model": False}


def _experiment(out: Path, k: float) -> dict:
    tq.run_synthetic_experiment(out, tq.SyntheticStudy(anomaly_k=k, **STUDY), tq.TrainConfig(**TRAINING),
                                metrics_out=out / "metrics.json", progress=False)
    return json.loads((out / "metrics.json").read_text())


@pytest.fixture(scope="module")
def null_and_signal(tmp_path_factory) -> tuple[dict, dict]:
    root = tmp_path_factory.mktemp("experiment")
    null = _experiment(root / "k0", 0.0)
    # tiles no anomaly touches are the same files at any amplitude: start from the null study's
    shutil.copytree(root / "k0" / "study" / "hdf", root / "k5" / "study" / "hdf")
    signal = _experiment(root / "k5", 5.0)
    return null, signal


def test_without_an_anomaly_balanced_accuracy_is_not_above_chance(null_and_signal):
    null, _ = null_and_signal
    ba = null["daily"]["metrics"]["balanced_accuracy"]
    assert null["synthetic"] is True and null["experiment"]["anomaly_k"] == 0.0
    assert ba["ci_low"] < 0.5, ba                               # not above chance
    assert null["daily"]["counts"]["events"] == 10 and null["daily"]["counts"]["controls"] == 10


def test_with_a_clear_anomaly_balanced_accuracy_is_well_above_chance(null_and_signal):
    _, signal = null_and_signal
    ba = signal["daily"]["metrics"]["balanced_accuracy"]
    assert ba["ci_low"] > 0.5, ba
    assert ba["value"] >= 0.7, ba
    null, _ = null_and_signal
    assert ba["value"] > null["daily"]["metrics"]["balanced_accuracy"]["ci_high"], (ba, null["daily"])
