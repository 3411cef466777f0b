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

:class:`MetricsDocument` is the document as an object and the one reader and writer of the
file: ``MetricsDocument.read(run_dir)`` validates it (schema, required keys, types) and
raises :class:`~thermoquake.errors.RunDirectoryError` naming the file;
``doc.balanced_accuracy`` is a :class:`Metric` (value, 95 % interval) of the daily level;
``doc.to_dict()`` is the JSON structure above, unchanged.
"""

from __future__ import annotations

import copy
import json
import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

import numpy as np

from thermoquake.errors import RunDirectoryError
from thermoquake.evaluation import metrics as M
from thermoquake.training.run_files import METRICS_FILE

METRICS_SCHEMA = "thermoquake-metrics/2"
LEVELS = ("daily", "window_any", "window_mean")
"""The evaluation levels of a document: days, windows by the any-day rule, by the mean rule."""
REQUIRED_LEVELS = ("daily", "window_any")
TRAINING_RECORDS = ("balance", "split_summary", "folds", "augmentation")
"""Keys only training can write (the class balance, the split, the folds, the augmentation):
re-scoring a run from its predictions carries them over (:func:`read_training_records`)."""


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


# --- the document as an object -------------------------------------------------------------------

class _Invalid(Exception):
    """A problem of the document at a key path (turned into a RunDirectoryError naming the file)."""


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _number(value: Any, where: str) -> float:
    if not _is_number(value):
        raise _Invalid(f"{where} is {value!r}, not a number")
    return float(value)


def _integer(value: Any, where: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise _Invalid(f"{where} is {value!r}, not an integer")
    return value


def _mapping(value: Any, where: str) -> dict:
    if not isinstance(value, dict):
        raise _Invalid(f"{where} is {type(value).__name__}, not an object")
    return value


class _MetricAccessors:
    """The metrics of :data:`thermoquake.evaluation.metrics.METRIC_NAMES` as properties."""

    def metric(self, name: str) -> Metric:
        raise NotImplementedError

    accuracy = property(lambda self: self.metric("accuracy"), doc="Accuracy (A), 0..1.")
    recall = property(lambda self: self.metric("recall"), doc="Recall: earthquake days right (A1), 0..1.")
    specificity = property(lambda self: self.metric("specificity"), doc="Specificity: control days right (A2), 0..1.")
    balanced_accuracy = property(lambda self: self.metric("balanced_accuracy"), doc="(A1 + A2) / 2, 0..1.")
    mcc = property(lambda self: self.metric("mcc"), doc="Matthews correlation coefficient, -1..1.")
    roc_auc = property(lambda self: self.metric("roc_auc"), doc="Area under the ROC curve, 0..1.")
    brier = property(lambda self: self.metric("brier"), doc="Brier score (mean squared error of prob), 0..1.")
    brier_skill = property(lambda self: self.metric("brier_skill"), doc="1 - Brier / Brier of the base rate.")
    probability_gain = property(lambda self: self.metric("probability_gain"), doc="Precision / base rate.")


@dataclass(frozen=True)
class Metric:
    """One metric: its value and 95 % bootstrap interval (``low``..``high``); NaN where undefined."""

    value: float
    low: float
    high: float

    @property
    def defined(self) -> bool:
        return not math.isnan(self.value)

    def to_dict(self) -> dict[str, float]:
        return {"value": self.value, "ci_low": self.low, "ci_high": self.high}

    @classmethod
    def _from(cls, d: Any, where: str) -> Metric:
        d = _mapping(d, where)
        for key in ("value", "ci_low", "ci_high"):
            if key not in d:
                raise _Invalid(f"{where} has no {key!r}")
        return cls(_number(d["value"], f"{where}.value"), _number(d["ci_low"], f"{where}.ci_low"),
                   _number(d["ci_high"], f"{where}.ci_high"))


@dataclass(frozen=True)
class Evaluation(_MetricAccessors):
    """One level of the document (daily, a window rule, a baseline model): what
    :func:`thermoquake.evaluation.metrics.evaluate` returns. ``metrics``: name -> :class:`Metric`;
    ``baselines``: ``majority``/``chance`` -> metric name -> value; ``confusion``: tp, fp, tn, fn
    counts; ``counts``: days, positive_days, negative_days, events, controls, groups;
    ``threshold``: the probability at or above which a day (window score) is an alarm;
    ``bootstrap``: n, seed, unit, strata. Parts a document lacks are None."""

    metrics: dict[str, Metric]
    baselines: dict[str, dict[str, float]] | None = None
    confusion: dict[str, int] | None = None
    counts: dict[str, int] | None = None
    threshold: float | None = None
    bootstrap: dict | None = None

    def metric(self, name: str) -> Metric:
        """The metric ``name`` (:data:`~thermoquake.evaluation.metrics.METRIC_NAMES`)."""
        try:
            return self.metrics[name]
        except KeyError:
            raise KeyError(f"no metric {name!r} (has {', '.join(self.metrics)})") from None

    def to_dict(self) -> dict:
        out: dict[str, Any] = {"metrics": {k: m.to_dict() for k, m in self.metrics.items()}}
        for key in ("baselines", "confusion", "counts", "threshold", "bootstrap"):
            value = getattr(self, key)
            if value is not None:
                out[key] = copy.deepcopy(value)
        return out

    @classmethod
    def _from(cls, d: Any, where: str) -> Evaluation:
        d = _mapping(d, where)
        if "metrics" not in d:
            raise _Invalid(f"{where} has no 'metrics'")
        metrics = {str(k): Metric._from(v, f"{where}.metrics.{k}")
                   for k, v in _mapping(d["metrics"], f"{where}.metrics").items()}
        baselines = d.get("baselines")
        if baselines is not None:
            for name, values in _mapping(baselines, f"{where}.baselines").items():
                for k, v in _mapping(values, f"{where}.baselines.{name}").items():
                    _number(v, f"{where}.baselines.{name}.{k}")
        for part in ("confusion", "counts"):
            if d.get(part) is not None:
                for k, v in _mapping(d[part], f"{where}.{part}").items():
                    _integer(v, f"{where}.{part}.{k}")
        if d.get("confusion") is not None and set(d["confusion"]) != {"tp", "fp", "tn", "fn"}:
            raise _Invalid(f"{where}.confusion has {sorted(d['confusion'])}, not tp, fp, tn, fn")
        threshold = None if d.get("threshold") is None else _number(d["threshold"], f"{where}.threshold")
        bootstrap = None if d.get("bootstrap") is None else _mapping(d["bootstrap"], f"{where}.bootstrap")
        return cls(metrics, copy.deepcopy(baselines), copy.deepcopy(d.get("confusion")),
                   copy.deepcopy(d.get("counts")), threshold, copy.deepcopy(bootstrap))


_META = {"synthetic": bool, "window": int, "model": str, "augment": str, "split": str, "seed": int,
         "threshold": float, "threshold_source": str, "threshold_fixed": float}
_RECORDS = {"folds": list, "split_summary": dict, "augmentation": list, "balance": dict}
_KNOWN = {"schema", *LEVELS, "molchan", "molchan_area_skill", "baselines_models", *_META, *_RECORDS}


@dataclass(frozen=True)
class MetricsDocument(_MetricAccessors):
    """A run's evaluation document (metrics.json, schema :data:`METRICS_SCHEMA`; module doc).

    Build it with :meth:`compute` (from predictions) or :meth:`read` (from a file); write it
    with :meth:`write`; :meth:`to_dict` / :meth:`from_dict` convert to and from the JSON
    structure. The metric properties (``balanced_accuracy``, ``roc_auc``, ... :class:`Metric`)
    are the daily level's; ``doc.window_any.recall`` reads another level.

    Fields: the levels (:class:`Evaluation`; ``window_mean`` may be None); ``baselines_models``
    (name -> :class:`Evaluation`: logistic_rst, rst_rule, climatology, clustering);
    ``molchan`` ((tau, nu) points of the any-rule window scores) and ``molchan_area_skill``
    (0.5 random, 1 perfect; None with one class); what the run was (``synthetic``, ``window``
    in days, ``model``, ``augment``, ``split``, ``seed``, ``threshold`` with its
    ``threshold_source`` and, when chosen after evaluation, the run's ``threshold_fixed``);
    what only training knows (``folds``, ``split_summary``, ``augmentation`` notes per fold,
    the class ``balance`` report, as written by their own modules); ``extra``: any other
    top-level keys (an experiment's parameters), kept as they are. None: not in the document.
    """

    daily: Evaluation
    window_any: Evaluation
    window_mean: Evaluation | None = None
    baselines_models: dict[str, Evaluation] | None = None
    molchan: tuple[tuple[float, float], ...] | None = None
    molchan_area_skill: float | None = None
    synthetic: bool | None = None
    window: int | None = None
    model: str | None = None
    augment: str | None = None
    split: str | None = None
    seed: int | None = None
    threshold: float | None = None
    threshold_source: str | None = None
    threshold_fixed: float | None = None
    folds: list | None = None
    split_summary: dict | None = None
    augmentation: list | None = None
    balance: dict | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    schema: str = METRICS_SCHEMA

    # --- accessors ---

    def metric(self, name: str, level: str = "daily") -> Metric:
        """The metric ``name`` at ``level`` (one of :data:`LEVELS`)."""
        evaluation = self.levels.get(level)
        if evaluation is None:
            raise KeyError(f"no {level!r} level in the document")
        return evaluation.metric(name)

    @property
    def levels(self) -> dict[str, Evaluation]:
        """The levels the document has, in :data:`LEVELS` order."""
        return {k: getattr(self, k) for k in LEVELS if getattr(self, k) is not None}

    @property
    def is_synthetic(self) -> bool:
        """True when the run's images were SYNTHETIC."""
        return bool(self.synthetic)

    def with_records(self, **records: Any) -> MetricsDocument:
        """A copy with fields replaced; keys that are not fields go to ``extra``."""
        names = {f.name for f in fields(self)}
        extra = {k: v for k, v in records.items() if k not in names}
        known = {k: v for k, v in records.items() if k in names}
        return replace(self, **known, extra={**self.extra, **extra} if extra else self.extra)

    # --- the JSON structure ---

    def to_dict(self) -> dict:
        """The metrics.json structure (module doc); keys whose field is None are left out."""
        out: dict[str, Any] = copy.deepcopy(self.extra)
        out["schema"] = self.schema
        for key in _META:
            if getattr(self, key) is not None:
                out[key] = getattr(self, key)
        for key, evaluation in self.levels.items():
            out[key] = evaluation.to_dict()
        if self.molchan is not None:
            out["molchan"] = [list(p) for p in self.molchan]
        if self.molchan is not None or self.molchan_area_skill is not None:
            out["molchan_area_skill"] = self.molchan_area_skill
        if self.baselines_models is not None:
            out["baselines_models"] = {k: e.to_dict() for k, e in self.baselines_models.items()}
        for key in _RECORDS:
            if getattr(self, key) is not None:
                out[key] = copy.deepcopy(getattr(self, key))
        return out

    @classmethod
    def from_dict(cls, d: Any, source: str | os.PathLike[str] | None = None) -> MetricsDocument:
        """The document of the JSON structure ``d``, checked: schema version, the daily and
        any-rule window levels, the types of every known key. Raises
        :class:`~thermoquake.errors.RunDirectoryError` (one line, naming ``source``: the file
        it was read from)."""
        try:
            return cls._from(d)
        except _Invalid as err:
            raise RunDirectoryError(str(err), source if source is not None else "metrics document") from None

    @classmethod
    def _from(cls, d: Any) -> MetricsDocument:
        if not isinstance(d, dict):
            raise _Invalid(f"is a JSON {type(d).__name__}, not a metrics document (an object)")
        if "schema" not in d:
            raise _Invalid(f"has no schema (expected {METRICS_SCHEMA!r}): not a metrics document")
        if d["schema"] != METRICS_SCHEMA:
            raise _Invalid(f"schema is {d['schema']!r}, expected {METRICS_SCHEMA!r}")
        for level in REQUIRED_LEVELS:
            if d.get(level) is None:
                raise _Invalid(f"has no {level!r} metrics")
        kw: dict[str, Any] = {k: Evaluation._from(d[k], k) for k in LEVELS if d.get(k) is not None}
        for key, kind in _META.items():
            value = d.get(key)
            if value is None:
                continue
            if kind is float:
                value = _number(value, key)
            elif kind is int:
                value = _integer(value, key)
            elif not isinstance(value, kind):
                raise _Invalid(f"{key} is {value!r}, not a {kind.__name__}")
            kw[key] = value
        if d.get("molchan") is not None:
            points = d["molchan"]
            if not isinstance(points, list) or not all(isinstance(p, list) and len(p) == 2 for p in points):
                raise _Invalid("molchan is not a list of [tau, nu] points")
            kw["molchan"] = tuple((_number(t, "molchan tau"), _number(n, "molchan nu")) for t, n in points)
        if d.get("molchan_area_skill") is not None:
            kw["molchan_area_skill"] = _number(d["molchan_area_skill"], "molchan_area_skill")
        if d.get("baselines_models") is not None:
            kw["baselines_models"] = {str(k): Evaluation._from(v, f"baselines_models.{k}")
                                      for k, v in _mapping(d["baselines_models"], "baselines_models").items()}
        for key, kind in _RECORDS.items():
            if d.get(key) is not None:
                if not isinstance(d[key], kind):
                    raise _Invalid(f"{key} is a JSON {type(d[key]).__name__}, not a"
                                   f"{'n object' if kind is dict else ' list'}")
                kw[key] = copy.deepcopy(d[key])
        kw["extra"] = copy.deepcopy({k: v for k, v in d.items() if k not in _KNOWN})
        return cls(**kw)

    # --- files ---

    @classmethod
    def compute(cls, sample_ids: Sequence[str], labels: np.ndarray, groups: Sequence[str], prob: np.ndarray,
                baselines: Mapping[str, np.ndarray], meta: Mapping[str, Any], threshold: float = 0.5,
                n_boot: int = 1000, seed: int = 0) -> MetricsDocument:
        """The document of out-of-fold predictions (:func:`metrics_document`: per day its
        sample, 0/1 label, group and probability, 1-D arrays of one length; ``baselines``:
        name -> the baseline model's probabilities per day; ``meta``: window, model, ...)."""
        return cls.from_dict(metrics_document(sample_ids, labels, groups, prob, dict(baselines), dict(meta),
                                              threshold, n_boot, seed))

    @classmethod
    def read(cls, path: str | os.PathLike[str]) -> MetricsDocument:
        """The document in ``path``: a metrics.json file, or a run directory holding one.
        Raises :class:`~thermoquake.errors.RunDirectoryError` naming the file when it is
        missing, not complete JSON or not a valid document."""
        return cls.from_dict(_read_json(metrics_path(path)), metrics_path(path))

    def write(self, path: str | os.PathLike[str]) -> Path:
        """Write the document to ``path`` (a file, or an existing run directory: its
        metrics.json) atomically, checked by reading it back; returns the file."""
        from thermoquake.atomic import write_text_atomic

        final = metrics_path(path)
        write_text_atomic(final, json.dumps(self.to_dict(), indent=2, sort_keys=True) + "\n")
        return final


def metrics_path(path: str | os.PathLike[str]) -> Path:
    """``path`` itself, or its metrics.json when ``path`` is a directory."""
    path = Path(path)
    return path / METRICS_FILE if path.is_dir() else path


def _read_json(path: Path) -> Any:
    if not path.is_file():
        raise RunDirectoryError("does not exist", path)
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        raise RunDirectoryError(f"is not complete JSON ({err.msg}, line {err.lineno} column {err.colno}); "
                                "the run may have been stopped while writing it", path) from None
    except (OSError, UnicodeDecodeError) as err:
        raise RunDirectoryError(f"cannot be read: {err}", path) from None


def read_training_records(path: str | os.PathLike[str]) -> dict[str, Any]:
    """What only training wrote into a run's metrics.json (:data:`TRAINING_RECORDS`), from a
    document of any schema version (re-scoring replaces the rest); {} without the file."""
    path = metrics_path(path)
    if not path.is_file():
        return {}
    d = _read_json(path)
    if not isinstance(d, dict):
        raise RunDirectoryError(f"is a JSON {type(d).__name__}, not a metrics document (an object)", path)
    return {k: copy.deepcopy(d[k]) for k in TRAINING_RECORDS if k in d}
