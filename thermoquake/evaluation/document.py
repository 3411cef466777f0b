"""metrics.json: the one schema every evaluation is written in (``thermoquake-metrics/2``).

``daily``, ``window_any``, ``window_mean`` and each entry of ``baselines_models`` are the
dicts of :func:`thermoquake.evaluation.metrics.evaluate` (value and 95 % interval for every
metric, majority and chance baselines, confusion matrix, counts). Intervals resample whole
groups — an event with its matched controls, which share a site (``bootstrap.unit``,
``bootstrap.strata``; ``counts.groups`` is their number) — and score the drawn days (or
windows) together. Windows: one score per sample, its days' maximum probability (``any``:
the paper's alarm if any day is classified 1) or mean. ``molchan``: (tau, nu) points of the
window scores (any rule), tau the fraction of control windows alarmed and nu the fraction of
earthquake windows missed; ``molchan_area_skill`` their area skill (0.5 = random, 1 =
perfect; equal to the window ROC AUC). Both are empty / null when the windows hold one class.

Version 2 (from 1): intervals over groups instead of single samples, tau over control windows
instead of all windows (version 1's area skill could not exceed 1 - base rate / 2), and
``counts.groups``, ``bootstrap.strata``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from thermoquake.evaluation import metrics as M

METRICS_SCHEMA = "thermoquake-metrics/2"


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
    copied in first. Per day: ``sample_ids`` name its event or control, ``groups`` its group
    (an event with its matched controls): the bootstrap resamples whole groups."""
    y = np.asarray(labels, bool)
    samples = list(sample_ids)
    groups = list(groups)
    doc = {"schema": METRICS_SCHEMA, **meta,
           "daily": M.evaluate(y, prob, groups, threshold, n_boot, seed, samples=samples)}
    names = list(dict.fromkeys(samples))                     # window_scores' order
    for rule in ("any", "mean"):
        label, score, g = window_scores(samples, y, groups, prob, rule)
        doc[f"window_{rule}"] = M.evaluate(label, score, g, threshold, n_boot, seed, samples=names)
    label, score, _ = window_scores(samples, y, groups, prob, "any")
    if label.any() and not label.all():
        points = M.molchan_points(score, label)
        doc["molchan"] = [list(p) for p in points]
        doc["molchan_area_skill"] = M.molchan_area_skill(points)
    else:
        doc["molchan"], doc["molchan_area_skill"] = [], None
    doc["baselines_models"] = {k: M.evaluate(y, v, groups, threshold, n_boot, seed, samples=samples)
                               for k, v in baselines.items()}
    return doc
