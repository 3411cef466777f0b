"""Metrics come from one confusion matrix, intervals resample event groups, baselines are right."""

from __future__ import annotations

import numpy as np
import pytest

from thermoquake.evaluation.metrics import (
    Confusion, baselines, evaluate, molchan_points, point_metrics, roc_auc, window_alarms,
)


def test_accuracy_lies_between_recall_and_specificity_always():
    rng = np.random.default_rng(0)
    for _ in range(200):
        y = rng.random(50) < rng.uniform(0.1, 0.9)
        p = rng.random(50)
        m = point_metrics(y, p)
        if np.isfinite(m["recall"]) and np.isfinite(m["specificity"]):
            lo, hi = sorted((m["recall"], m["specificity"]))
            assert lo - 1e-12 <= m["accuracy"] <= hi + 1e-12


def test_hand_counted_confusion_gives_the_textbook_figures():
    y = np.array([1, 1, 1, 1, 0, 0, 0, 0, 0, 0], bool)
    pred = np.array([1, 1, 1, 0, 1, 0, 0, 0, 0, 0], float)
    c = Confusion.of(y, pred >= 0.5)
    assert (c.tp, c.fn, c.fp, c.tn) == (3, 1, 1, 5)
    m = point_metrics(y, pred)
    assert m["accuracy"] == pytest.approx(0.8)
    assert m["recall"] == pytest.approx(0.75) and m["specificity"] == pytest.approx(5 / 6)
    assert m["mcc"] == pytest.approx((3 * 5 - 1 * 1) / np.sqrt(4 * 4 * 6 * 6))
    assert m["probability_gain"] == pytest.approx((3 / 4) / 0.4)


def test_roc_auc_matches_pairwise_counting_with_ties():
    rng = np.random.default_rng(1)
    y = rng.random(40) < 0.4
    s = rng.integers(0, 5, 40).astype(float)          # many ties
    pos, neg = s[y], s[~y]
    pairs = (pos[:, None] > neg[None, :]).sum() + 0.5 * (pos[:, None] == neg[None, :]).sum()
    assert roc_auc(y, s) == pytest.approx(pairs / (len(pos) * len(neg)))


def test_majority_baseline_is_what_the_paper_headline_must_beat():
    y = np.array([1] * 75 + [0] * 25, bool)            # the paper's 3:1
    b = baselines(y)
    assert b["majority"]["accuracy"] == pytest.approx(0.75)
    assert b["majority"]["balanced_accuracy"] == pytest.approx(0.5)
    assert b["chance"]["balanced_accuracy"] == 0.5 and b["chance"]["roc_auc"] == 0.5


def test_bootstrap_interval_is_over_events_not_days():
    # 10 events x 8 days: days within an event are identical, so resampling days would give a
    # far narrower interval than resampling events.
    rng = np.random.default_rng(2)
    groups = [f"e{i}" for i in range(20) for _ in range(8)]
    y = np.array([i < 10 for i in range(20) for _ in range(8)])
    per_event = rng.random(20)
    p = np.array([per_event[i] for i in range(20) for _ in range(8)])
    out = evaluate(y, p, groups, n_boot=400, seed=0)
    lo, hi = out["metrics"]["balanced_accuracy"]["ci_low"], out["metrics"]["balanced_accuracy"]["ci_high"]
    assert hi - lo > 0.25
    assert out["counts"] == {"days": 160, "positive_days": 80, "negative_days": 80, "events": 10, "controls": 10,
                             "groups": 20}


def test_null_scores_give_an_interval_containing_one_half():
    rng = np.random.default_rng(3)
    groups = [f"g{i}" for i in range(60) for _ in range(4)]
    y = np.array([i < 30 for i in range(60) for _ in range(4)])
    out = evaluate(y, rng.random(len(y)), groups, n_boot=500)
    m = out["metrics"]["balanced_accuracy"]
    assert m["ci_low"] < 0.5 < m["ci_high"]


def _pairs(kind: str, n: int = 120, seed: int = 0):
    """``n`` events, each with one matched control at its site (one day each): labels, probs,
    groups (the pair) and sample ids. ``shift``: the site moves both probabilities alike;
    ``difficulty``: at some sites the event scores above its control, at others below."""
    rng = np.random.default_rng(seed)
    y, p, groups, samples = [], [], [], []
    for i in range(n):
        if kind == "shift":
            u = rng.normal(0, 2.0)
            scores = (u + 1.0 + rng.normal(0, 0.3), u + rng.normal(0, 0.3))
        else:
            d = rng.choice([-1.5, 1.5]) + rng.normal(0, 0.3)
            scores = (d + rng.normal(0, 0.3), -d + rng.normal(0, 0.3))
        for label, score in zip((1, 0), scores):
            y.append(label)
            p.append(1 / (1 + np.exp(-score)))
            groups.append(f"g{i}")
            samples.append(f"{'e' if label else 'c'}{i}")
    return np.array(y, bool), np.array(p), groups, samples


def _width(doc: dict, name: str) -> float:
    return doc["metrics"][name]["ci_high"] - doc["metrics"][name]["ci_low"]


@pytest.mark.parametrize("name", ["balanced_accuracy", "roc_auc"])
def test_pairs_sharing_a_site_shift_narrow_the_interval(name):
    # the site moves event and control alike: the paired contrast is far less variable than
    # two independent samples of events and controls would be
    y, p, groups, samples = _pairs("shift")
    paired = evaluate(y, p, groups, n_boot=400, samples=samples)
    single = evaluate(y, p, samples, n_boot=400)
    assert paired["metrics"][name]["value"] == single["metrics"][name]["value"]
    assert _width(paired, name) < 0.75 * _width(single, name)


@pytest.mark.parametrize("name", ["balanced_accuracy", "roc_auc"])
def test_pairs_sharing_a_site_difficulty_widen_the_interval(name):
    # at a site where the model gets the event wrong it gets the control wrong too: the pairs
    # are half as many independent units as the samples, and the interval must say so
    y, p, groups, samples = _pairs("difficulty")
    paired = evaluate(y, p, groups, n_boot=400, samples=samples)
    single = evaluate(y, p, samples, n_boot=400)
    assert _width(paired, name) > 1.2 * _width(single, name)


def test_counts_name_events_controls_and_groups_and_the_unit_is_the_group():
    y, p, groups, samples = _pairs("shift", n=10)
    out = evaluate(y, p, groups, n_boot=20, samples=samples)
    assert out["counts"] == {"days": 20, "positive_days": 10, "negative_days": 10, "events": 10, "controls": 10,
                             "groups": 10}
    assert out["bootstrap"]["unit"].startswith("group")


def test_metrics_document_resamples_the_groups_it_is_given():
    from thermoquake.evaluation.document import metrics_document

    y, p, groups, samples = _pairs("difficulty", n=60, seed=1)
    doc = metrics_document(samples, y, groups, p, {"flat": np.full(len(y), 0.5)}, {}, n_boot=200)
    assert doc["daily"] == evaluate(y, p, groups, n_boot=200, samples=samples)
    assert doc["daily"]["metrics"] != evaluate(y, p, samples, n_boot=200)["metrics"]
    assert doc["daily"]["counts"]["groups"] == 60 and doc["daily"]["counts"]["events"] == 60
    # one window per sample, still resampled by group
    assert doc["window_any"]["counts"] == doc["daily"]["counts"]
    assert doc["window_any"]["metrics"] == doc["daily"]["metrics"]        # one day per window
    assert doc["baselines_models"]["flat"] == evaluate(y, np.full(len(y), 0.5), groups, n_boot=200, samples=samples)


def test_window_alarm_rules():
    p = np.array([0.1, 0.9, 0.2, 0.3, 0.4, 0.45])
    g = ["a", "a", "a", "b", "b", "b"]
    assert window_alarms(p, g, "any") == {"a": True, "b": False}
    assert window_alarms(p, g, "mean") == {"a": False, "b": False}


def test_molchan_runs_from_no_alarm_to_all_alarm_and_perfect_forecast_hugs_the_axes():
    score = np.array([0.9, 0.8, 0.2, 0.1])
    label = np.array([1, 1, 0, 0], bool)
    pts = molchan_points(score, label)
    assert pts[0] == (0.0, 1.0) and pts[-1] == (1.0, 0.0)
    assert (0.0, 0.0) in pts                  # every earthquake window alarmed, no control window


def test_molchan_alarm_fraction_counts_control_windows_only():
    # 1 of 3 control windows and 1 of 1 earthquake window alarmed at the threshold 0.5
    pts = molchan_points(np.array([0.9, 0.6, 0.2, 0.1]), np.array([1, 0, 0, 0], bool))
    assert pts[1] == (0.0, 0.0) and pts[2] == pytest.approx((1 / 3, 0.0))
    with pytest.raises(ValueError, match="no control window"):
        molchan_points(np.array([0.9, 0.6]), np.array([1, 1], bool))

def test_brier_skill_is_zero_for_the_base_rate_and_one_for_certainty():
    y = np.array([1, 1, 1, 0, 0, 0, 0, 0], bool)
    assert point_metrics(y, np.full(8, 3 / 8))["brier_skill"] == pytest.approx(0.0)
    assert point_metrics(y, y.astype(float))["brier_skill"] == pytest.approx(1.0)
    assert point_metrics(y, 1 - y.astype(float))["brier_skill"] < 0          # confidently wrong
    hand = 1 - np.mean((np.full(8, 0.5) - y) ** 2) / (3 / 8 * 5 / 8)
    assert point_metrics(y, np.full(8, 0.5))["brier_skill"] == pytest.approx(hand)


def test_molchan_area_skill_is_one_half_for_ties_one_for_a_perfect_order():
    from thermoquake.evaluation.metrics import molchan_area_skill

    y = np.array([1, 1, 0, 0, 0, 0], bool)
    assert molchan_area_skill(molchan_points(np.full(6, 0.3), y)) == pytest.approx(0.5)
    assert molchan_area_skill(molchan_points(y.astype(float), y)) == pytest.approx(1.0)
    assert molchan_area_skill(molchan_points(1 - y.astype(float), y)) == pytest.approx(0.0)
    rng = np.random.default_rng(3)
    skills = [molchan_area_skill(molchan_points(rng.random(200), rng.random(200) < 0.3)) for _ in range(50)]
    assert abs(np.mean(skills) - 0.5) < 0.02


@pytest.mark.parametrize("base_rate", [0.5, 0.25, 0.75])
def test_molchan_area_skill_of_a_perfect_forecast_is_not_capped_by_the_base_rate(base_rate):
    # with the alarm fraction over all windows a perfect forecast scored 1 - base rate / 2
    from thermoquake.evaluation.metrics import molchan_area_skill

    n_pos = int(base_rate * 40)
    y = np.arange(40) < n_pos
    score = np.where(y, 0.6, 0.4) + np.linspace(0, 0.01, 40)
    skill = molchan_area_skill(molchan_points(score, y))
    assert skill == pytest.approx(1.0) and skill > 1 - base_rate / 2


def test_molchan_area_skill_is_the_roc_auc_of_the_window_scores():
    from thermoquake.evaluation.metrics import molchan_area_skill

    rng = np.random.default_rng(4)
    for _ in range(20):
        y = rng.random(30) < rng.uniform(0.2, 0.8)
        if y.all() or not y.any():
            continue
        s = rng.integers(0, 6, 30) + 0.5 * y                   # ties and some skill
        assert molchan_area_skill(molchan_points(s, y)) == pytest.approx(roc_auc(y, s))
