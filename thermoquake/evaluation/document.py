"""metrics.json: the one schema every evaluation is written in (``thermoquake-metrics/1``).

``daily``, ``window_any``, ``window_mean`` and each entry of ``baselines_models`` are the
dicts of :func:`thermoquake.evaluation.metrics.evaluate` (value and 95 % interval over
event groups for every metric, majority and chance baselines, confusion matrix, counts).
Windows: one score per sample, its days' maximum probability (``any``: the paper's alarm
if any day is classified 1) or mean. ``molchan``: (alarm fraction, miss rate) points of the
window scores (any rule), ``molchan_area_skill`` their area skill (0.5 = random).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from thermoquake.evaluation import metrics as M

METRICS_SCHEMA = "thermoquake-metrics/1"


def window_scores(sample_ids: Sequence[str], labels: np.ndarray, groups: Sequence[str], prob: np.ndarray,
                  rule: str) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Per sample (first-seen order): label, score (max or mean of its days' prob), group."""
    by: dict[str, list[int]] = {}
    for i, s in enumerate(sample_ids):
        by.setdefault(s, []).append(i)
    if rule not in ("any", "mean"):
        raise ValueError(f"unknown window rule {rule!r}")
    agg = np.max if rule == "any" else np.mean
    p = np.asarray(prob, float)
    score = np.array([agg(p[idx]) for idx in by.values()])
    label = np.array([bool(labels[idx[0]]) for idx in by.values()])
    return label, score, [groups[idx[0]] for idx in by.values()]


def metrics_document(sample_ids: Sequence[str], labels: np.ndarray, groups: Sequence[str], prob: np.ndarray,
                     baselines: dict[str, np.ndarray], meta: dict, threshold: float = 0.5,
                     n_boot: int = 1000, seed: int = 0) -> dict:
    """The metrics.json document (module doc); ``meta`` (window, model, synthetic, ...) is
    copied in first. Bootstrap intervals resample whole events and controls (``sample_ids``);
    ``groups`` (an event with its matched controls) are the split units."""
    y = np.asarray(labels, bool)
    groups = list(sample_ids)
    doc = {"schema": METRICS_SCHEMA, **meta,
           "daily": M.evaluate(y, prob, groups, threshold, n_boot, seed)}
    for rule in ("any", "mean"):
        label, score, g = window_scores(sample_ids, y, groups, prob, rule)
        doc[f"window_{rule}"] = M.evaluate(label, score, g, threshold, n_boot, seed)
    label, score, _ = window_scores(sample_ids, y, groups, prob, "any")
    points = M.molchan_points(score, label)
    doc["molchan"] = [list(p) for p in points]
    doc["molchan_area_skill"] = M.molchan_area_skill(points)
    doc["baselines_models"] = {k: M.evaluate(y, v, groups, threshold, n_boot, seed) for k, v in baselines.items()}
    return doc
