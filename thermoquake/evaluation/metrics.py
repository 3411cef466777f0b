"""Classification metrics for "an M>=5 earthquake within N days".

Every figure comes from one confusion matrix (so accuracy always lies between
recall and specificity), and every figure has a 95 % bootstrap interval over
*groups* (an event with its matched controls, which share a site: the unit of independence),
never over days or single samples. Baselines sit beside
each metric: the majority-class answer and chance.

Conventions: label 1 = an earthquake follows (positive), 0 = control.
``prob`` is the model's probability of 1 (0..1). Arrays are 1-D, one entry per
classified image (day), with ``groups`` naming the resampling unit each day
belongs to (an event with its matched controls, or a sample on its own).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

METRIC_NAMES = ("accuracy", "recall", "specificity", "balanced_accuracy", "mcc", "roc_auc", "brier",
                "brier_skill", "probability_gain")
"""``recall`` is the paper's A1 (earthquake days right), ``specificity`` its A2; ``brier_skill``
is 1 - Brier / Brier of the base rate (0 = no better than climatology, 1 = perfect)."""


@dataclass(frozen=True)
class Confusion:
    tp: int
    fp: int
    tn: int
    fn: int

    @classmethod
    def of(cls, y_true: np.ndarray, y_pred: np.ndarray) -> Confusion:
        t, p = np.asarray(y_true, bool), np.asarray(y_pred, bool)
        return cls(int((t & p).sum()), int((~t & p).sum()), int((~t & ~p).sum()), int((t & ~p).sum()))

    @property
    def n(self) -> int:
        return self.tp + self.fp + self.tn + self.fn

    def as_dict(self) -> dict[str, int]:
        return {"tp": self.tp, "fp": self.fp, "tn": self.tn, "fn": self.fn}


def _ratio(num: float, den: float) -> float:
    return num / den if den else float("nan")


def threshold_metrics(c: Confusion) -> dict[str, float]:
    """Accuracy, recall (A1), specificity (A2), balanced accuracy, MCC and probability gain
    (precision / base rate) of one confusion matrix; NaN where undefined."""
    recall = _ratio(c.tp, c.tp + c.fn)
    specificity = _ratio(c.tn, c.tn + c.fp)
    den = math.sqrt((c.tp + c.fp) * (c.tp + c.fn) * (c.tn + c.fp) * (c.tn + c.fn))
    mcc = (c.tp * c.tn - c.fp * c.fn) / den if den else 0.0
    base_rate = _ratio(c.tp + c.fn, c.n)
    precision = _ratio(c.tp, c.tp + c.fp)
    return {
        "accuracy": _ratio(c.tp + c.tn, c.n),
        "recall": recall,
        "specificity": specificity,
        "balanced_accuracy": (recall + specificity) / 2,
        "mcc": mcc,
        "probability_gain": _ratio(precision, base_rate),
    }


def roc_auc(y_true: np.ndarray, score: np.ndarray) -> float:
    """Area under the ROC curve (Mann-Whitney, ties count one half); NaN with one class only."""
    y = np.asarray(y_true, bool)
    s = np.asarray(score, float)
    n_pos, n_neg = int(y.sum()), int((~y).sum())
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    order = np.argsort(s, kind="mergesort")
    ranks = np.empty(len(s))
    sorted_s = s[order]
    # average ranks over ties
    _, first, counts = np.unique(sorted_s, return_index=True, return_counts=True)
    avg = first + (counts - 1) / 2.0 + 1.0
    ranks[order] = np.repeat(avg, counts)
    return float((ranks[y].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def brier(y_true: np.ndarray, prob: np.ndarray) -> float:
    """Mean squared difference between probability and outcome (0 best)."""
    return float(np.mean((np.asarray(prob, float) - np.asarray(y_true, float)) ** 2))


def point_metrics(y_true: np.ndarray, prob: np.ndarray, threshold: float = 0.5) -> dict[str, float]:
    """All :data:`METRIC_NAMES` for one set of days."""
    y = np.asarray(y_true, bool)
    p = np.asarray(prob, float)
    out = threshold_metrics(Confusion.of(y, p >= threshold))
    out["roc_auc"] = roc_auc(y, p)
    out["brier"] = brier(y, p)
    base_rate = float(y.mean()) if y.size else float("nan")
    out["brier_skill"] = (1 - out["brier"] / (base_rate * (1 - base_rate)) if 0 < base_rate < 1
                          else float("nan"))
    return {k: out[k] for k in METRIC_NAMES}


BOOTSTRAP_UNIT = "group: an event with its matched controls (samples.csv group), or a sample on its own"
"""What one bootstrap draw picks up whole: the samples of a group share a site (and its weather
and surface), so they are not independent and are never split by a resample."""

BOOTSTRAP_STRATA = "groups holding events only, controls only, or both, each drawn to its own count"
"""How draws are stratified: every resample keeps the study's numbers of groups of each kind."""


def bootstrap_over_groups(y_true: np.ndarray, prob: np.ndarray, groups: Sequence[str],
                          threshold: float = 0.5, n_boot: int = 1000, seed: int = 0,
                          level: float = 0.95) -> dict[str, tuple[float, float]]:
    """Percentile intervals of every metric by a cluster bootstrap over ``groups``.

    Each resample draws whole groups with replacement (:data:`BOOTSTRAP_UNIT`) and scores
    all the days of the drawn groups together, so the metrics stay day-level while the
    dependence inside a group (an event and its matched controls at one site, the days of
    one sample) is kept. Draws are stratified by what a group holds (:data:`BOOTSTRAP_STRATA`):
    with one sample per group this keeps the numbers of events and controls; a group holding
    an event and its controls is drawn whole. Intervals are the ``level`` percentile range of
    the finite resampled values (NaN when none is finite).
    """
    y = np.asarray(y_true, bool)
    p = np.asarray(prob, float)
    g = np.asarray(groups)
    names, inverse = np.unique(g, return_inverse=True)
    members = [np.flatnonzero(inverse == i) for i in range(len(names))]
    has_pos = np.array([y[m].any() for m in members], bool)
    has_neg = np.array([(~y[m]).any() for m in members], bool)
    strata = [s for s in (np.flatnonzero(has_pos & ~has_neg), np.flatnonzero(has_neg & ~has_pos),
                          np.flatnonzero(has_pos & has_neg)) if len(s)]
    rng = np.random.default_rng(seed)
    samples = {k: [] for k in METRIC_NAMES}
    for _ in range(n_boot if strata else 0):
        chosen = np.concatenate([rng.choice(s, len(s)) for s in strata])
        idx = np.concatenate([members[i] for i in chosen])
        for k, v in point_metrics(y[idx], p[idx], threshold).items():
            samples[k].append(v)
    alpha = (1 - level) / 2
    out = {}
    for k, vals in samples.items():
        arr = np.asarray(vals, float)
        arr = arr[np.isfinite(arr)]
        out[k] = (float(np.quantile(arr, alpha)), float(np.quantile(arr, 1 - alpha))) if arr.size \
            else (float("nan"), float("nan"))
    return out


def baselines(y_true: np.ndarray) -> dict[str, dict[str, float]]:
    """What answering without looking scores: always the majority class, and chance
    (a coin with the base rate, in expectation)."""
    y = np.asarray(y_true, bool)
    base_rate = float(y.mean())
    majority = np.full(len(y), base_rate >= 0.5)
    maj = point_metrics(y, majority.astype(float))
    chance = {"accuracy": base_rate ** 2 + (1 - base_rate) ** 2, "recall": base_rate,
              "specificity": 1 - base_rate, "balanced_accuracy": 0.5, "mcc": 0.0, "roc_auc": 0.5,
              "brier": base_rate * (1 - base_rate), "brier_skill": 0.0, "probability_gain": 1.0}
    return {"majority": maj, "chance": chance}


def evaluate(y_true: np.ndarray, prob: np.ndarray, groups: Sequence[str], threshold: float = 0.5,
             n_boot: int = 1000, seed: int = 0, samples: Sequence[str] | None = None) -> dict:
    """The one metrics schema: each metric with value and 95 % interval over groups
    (:func:`bootstrap_over_groups`), the baselines, the confusion matrix and the counts.

    ``groups`` name each day's resampling unit (an event with its matched controls);
    ``samples`` name each day's event or control, for counting them (default: ``groups``).
    """
    y = np.asarray(y_true, bool)
    p = np.asarray(prob, float)
    s = np.asarray(groups if samples is None else samples)
    if y.shape != p.shape or y.ndim != 1 or len(groups) != len(y) or len(s) != len(y):
        raise ValueError("y_true, prob, groups and samples must be 1-D and of one length")
    values = point_metrics(y, p, threshold)
    intervals = bootstrap_over_groups(y, p, groups, threshold, n_boot, seed)
    return {
        "metrics": {k: {"value": values[k], "ci_low": intervals[k][0], "ci_high": intervals[k][1]}
                    for k in METRIC_NAMES},
        "baselines": baselines(y),
        "confusion": Confusion.of(y, p >= threshold).as_dict(),
        "counts": {"days": int(len(y)), "positive_days": int(y.sum()), "negative_days": int((~y).sum()),
                   "events": int(len(np.unique(s[y]))), "controls": int(len(np.unique(s[~y]))),
                   "groups": int(len(np.unique(np.asarray(groups))))},
        "threshold": threshold,
        "bootstrap": {"n": n_boot, "seed": seed, "unit": BOOTSTRAP_UNIT, "strata": BOOTSTRAP_STRATA},
    }


def window_alarms(prob: np.ndarray, groups: Sequence[str], rule: str = "any",
                  threshold: float = 0.5) -> dict[str, bool]:
    """Window-level alarm per event/control: ``any`` day >= threshold (the paper's rule), or
    the ``mean`` daily probability >= threshold."""
    p = np.asarray(prob, float)
    g = np.asarray(groups)
    out = {}
    for name in np.unique(g):
        days = p[g == name]
        if rule == "any":
            out[str(name)] = bool((days >= threshold).any())
        elif rule == "mean":
            out[str(name)] = bool(days.mean() >= threshold)
        else:
            raise ValueError(f"unknown alarm rule {rule!r}; use 'any' or 'mean'")
    return out


def molchan_points(window_score: np.ndarray, window_label: np.ndarray) -> list[tuple[float, float]]:
    """Molchan error diagram: (tau, nu) for every threshold on the window scores, from (0, 1)
    to (1, 0).

    tau is the fraction of CONTROL windows alarmed (the space-time alarm fraction of the RST
    literature: the share of earthquake-free windows put on alert), nu the fraction of
    earthquake windows missed. Measuring tau over control windows only, a perfect forecast
    reaches (0, 0) whatever the base rate, a random one lies on the diagonal tau + nu = 1, and
    below the diagonal is skill. (Over all windows, alarming every earthquake window costs
    tau = the base rate already.)
    """
    s = np.asarray(window_score, float)
    y = np.asarray(window_label, bool)
    if y.sum() == 0:
        raise ValueError("no earthquake window: the Molchan diagram is undefined")
    if (~y).sum() == 0:
        raise ValueError("no control window: the Molchan diagram is undefined")
    points = [(0.0, 1.0)]
    for t in np.unique(s)[::-1]:
        alarm = s >= t
        points.append((float((alarm & ~y).sum() / (~y).sum()), float(1 - (alarm & y).sum() / y.sum())))
    return points


def molchan_area_skill(points: Sequence[tuple[float, float]]) -> float:
    """Area skill of a Molchan diagram (:func:`molchan_points`): 1 - the area under its points
    (joined by straight lines, which is what a random order within tied scores gives).
    1 = every earthquake window scored above every control window, 0.5 = a random forecast,
    below 0.5 = worse than random. With tau over control windows it equals the ROC AUC of the
    window scores (ties one half), for any base rate."""
    pts = np.asarray(points, float)
    return float(1 - np.sum(np.diff(pts[:, 0]) * (pts[1:, 1] + pts[:-1, 1]) / 2))
