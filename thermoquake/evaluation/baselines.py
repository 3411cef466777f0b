"""Non-deep baselines the deep classifiers must beat (issue 9), each giving per-day
probabilities of "an earthquake follows" for the test days. numpy and scikit-learn only.

* :func:`climatology` — the training base rate, the same for every day.
* :func:`rst_threshold_rule` — alarm (1) when the day's RETIRA anomaly is large and near the
  epicentre, else 0.
* :func:`logistic_rst` — a logistic regression on three RETIRA summary features
  (:func:`feature_matrix`): the cautionary "two-parameter regression that matched the deep
  net".
* :func:`clustering_rule` — alarm after a recent nearby earthquake.

Feature rows are those of ``WORKDIR/anomalies.csv`` written by ``thermoquake rst``
(:data:`thermoquake.rst.run.ANOMALY_COLUMNS`), as dicts of strings; empty fields are "no
value" and are filled explicitly (:data:`NO_ANOMALY_DISTANCE_KM`, :data:`NO_DATA_MAX_R`).
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import numpy as np

from thermoquake.catalog.geodesy import haversine_km
from thermoquake.catalog.schema import Event
from thermoquake.errors import ThermoquakeError

FEATURE_NAMES: tuple[str, ...] = ("anomalous_area_km2", "max_r", "centroid_distance_km")
"""Columns of :func:`feature_matrix`: km², R (dimensionless), km."""

NO_ANOMALY_DISTANCE_KM = 256.0
"""Centroid distance given to a day without anomalous pixels, km: farther than any pixel of a
256 km epicentre image can be (its half-diagonal is 181 km), so "no anomaly" sorts beyond
"an anomaly at the edge"."""

NO_DATA_MAX_R = 0.0
"""max R given to a day with no valid R pixel (all cloud): the reference mean, no evidence
either way."""

DEFAULT_MIN_AREA_KM2 = 150.0
"""Smallest anomalous region the RST rule alarms on, km² (the ``rst`` sequence default)."""

DEFAULT_RADIUS_KM = 150.0
"""Alarm radius of the RST and clustering rules, km: the RST literature's association
distance max(150 km, 10^(0.43 M) km) for M <= 5.06."""

DEFAULT_LOOKBACK_DAYS = 30
"""Days before a day in which an earthquake raises the clustering alarm."""

DEFAULT_MIN_MAG = 5.0
"""Smallest magnitude that raises the clustering alarm."""


def read_anomaly_rows(path: str | os.PathLike[str]) -> list[dict[str, str]]:
    """The rows of an ``anomalies.csv`` as dicts of strings (a one-line error if unreadable
    or missing a :data:`FEATURE_NAMES` column)."""
    path = Path(path)
    try:
        with open(path, newline="", encoding="utf-8") as fh:
            reader = csv.DictReader(fh)
            missing = set(FEATURE_NAMES) - set(reader.fieldnames or ())
            if missing:
                raise ThermoquakeError(f"columns {sorted(missing)} are missing", path)
            return list(reader)
    except OSError as err:
        raise ThermoquakeError(f"cannot read: {err.strerror}", path) from None


def _number(row: Mapping[str, str], key: str, n: int, source) -> float | None:
    text = str(row.get(key, "") or "").strip()
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        raise ThermoquakeError(f"row {n}: {key} {text!r} is not a number", source) from None
    if not math.isfinite(value):
        raise ThermoquakeError(f"row {n}: {key} {text!r} is not finite", source)
    return value


def feature_matrix(rows: Sequence[Mapping[str, str]], *,
                   no_anomaly_distance_km: float = NO_ANOMALY_DISTANCE_KM,
                   source: str | os.PathLike[str] | None = None) -> np.ndarray:
    """``(n, 3)`` float64 features of anomalies.csv rows, columns :data:`FEATURE_NAMES`.

    Missing values, explicitly: no area (no valid pixel) -> 0 km²; no max R (no valid pixel)
    -> :data:`NO_DATA_MAX_R`; no centroid distance (no anomalous pixel) ->
    ``no_anomaly_distance_km``. A negative area or distance, or an anomalous area without a
    centroid distance, is an error naming the row (``n`` counts from 1; ``source`` names the
    file in the message).
    """
    out = np.empty((len(rows), len(FEATURE_NAMES)), dtype=np.float64)
    for n, row in enumerate(rows, start=1):
        area = _number(row, "anomalous_area_km2", n, source)
        max_r = _number(row, "max_r", n, source)
        dist = _number(row, "centroid_distance_km", n, source)
        area = 0.0 if area is None else area
        if area < 0 or (dist is not None and dist < 0):
            raise ThermoquakeError(f"row {n}: negative anomalous area or centroid distance", source)
        if dist is None:
            if area > 0:
                raise ThermoquakeError(f"row {n}: an anomalous area of {area:g} km² without a centroid "
                                       "distance", source)
            dist = float(no_anomaly_distance_km)
        out[n - 1] = (area, NO_DATA_MAX_R if max_r is None else max_r, dist)
    return out


def _labels(y: Sequence[float] | np.ndarray, name: str) -> np.ndarray:
    arr = np.asarray(y, dtype=np.float64).reshape(-1)
    if arr.size == 0:
        raise ThermoquakeError(f"{name} is empty")
    if not np.isin(arr, (0.0, 1.0)).all():
        raise ThermoquakeError(f"{name} must hold only 0 (control) and 1 (earthquake follows)")
    return arr


def climatology(train_y: Sequence[float] | np.ndarray, n_test: int) -> np.ndarray:
    """``(n_test,)`` float64, every day the training base rate (fraction of 1 labels)."""
    if int(n_test) < 0:
        raise ThermoquakeError(f"n_test {n_test} must be >= 0")
    return np.full(int(n_test), _labels(train_y, "train_y").mean())


def rst_threshold_rule(rows: Sequence[Mapping[str, str]], min_area_km2: float = DEFAULT_MIN_AREA_KM2,
                       max_distance_km: float = DEFAULT_RADIUS_KM, *,
                       source: str | os.PathLike[str] | None = None) -> np.ndarray:
    """``(n,)`` float64, 1 where the day has an anomalous area (R >= the rst threshold) of at
    least ``min_area_km2`` km² whose centroid lies within ``max_distance_km`` km of the
    epicentre, else 0. No anomaly or no data never alarms."""
    x = feature_matrix(rows, source=source)
    area, dist = x[:, 0], x[:, 2]
    alarm = (area > 0) & (area >= min_area_km2) & (dist <= max_distance_km)
    return alarm.astype(np.float64)


def logistic_rst(train_X: np.ndarray, train_y: Sequence[float] | np.ndarray, test_X: np.ndarray,
                 C: float = 1.0) -> np.ndarray:
    """Logistic regression on summary features: ``(n_test,)`` float64 P(earthquake follows).

    ``train_X`` ``(n_train, k)`` and ``test_X`` ``(n_test, k)`` are e.g. :func:`feature_matrix`
    outputs; features are standardised with the training days' mean and standard deviation
    (a constant feature is left centred), classes weighted to balance (``class_weight=
    "balanced"``), L2 penalty of inverse strength ``C``. Both classes must be in ``train_y``.
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X, T = np.asarray(train_X, np.float64), np.asarray(test_X, np.float64)
    y = _labels(train_y, "train_y")
    if X.ndim != 2 or T.ndim != 2 or X.shape[1] != T.shape[1] or len(X) != len(y):
        raise ThermoquakeError(f"features {X.shape} / {T.shape} and labels ({len(y)},) do not match: "
                               "need (n_train, k), (n_test, k) and (n_train,)")
    if not (np.isfinite(X).all() and np.isfinite(T).all()):
        raise ThermoquakeError("features hold NaN or infinite values; fill missing values first "
                               "(feature_matrix does)")
    if len(np.unique(y)) < 2:
        raise ThermoquakeError(f"training labels are all {int(y[0])}: a logistic regression needs "
                               "earthquake and control days")
    model = make_pipeline(StandardScaler(),
                          LogisticRegression(C=C, class_weight="balanced", max_iter=1000))
    model.fit(X, y.astype(int))
    if len(T) == 0:
        return np.empty(0, dtype=np.float64)
    return model.predict_proba(T)[:, 1].astype(np.float64)


def _as_date(value) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.timezone.utc).date() if value.tzinfo else value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


def _utc_midnight(day: dt.date) -> float:
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.timezone.utc).timestamp()


def clustering_rule(days: Sequence[tuple], quakes: Iterable[Event] | str | os.PathLike[str],
                    radius_km: float = DEFAULT_RADIUS_KM, lookback_days: int = DEFAULT_LOOKBACK_DAYS,
                    min_mag: float = DEFAULT_MIN_MAG) -> np.ndarray:
    """``(n,)`` float64: 1 where an earthquake of magnitude >= ``min_mag`` happened within
    ``radius_km`` km of the day's site during the ``lookback_days`` UTC days before it
    (``[day - lookback_days, day)``, the day itself excluded), else 0.

    Args:
        days: ``(date, lat, lon)`` per test day; date a ``datetime.date`` (or ISO text),
            lat/lon in degrees (the epicentre or control site).
        quakes: catalogue events (:class:`~thermoquake.catalog.schema.Event`), or a catalogue
            file read with :func:`thermoquake.catalog.read_catalog`.

    Controls from ``thermoquake controls`` have no M >= ``--min-mag`` within
    ``--exclusion-km`` / ``--exclusion-days``, so with a radius and lookback inside those
    this rule never alarms on a control by construction: its specificity is then 1 by design.
    """
    if isinstance(quakes, (str, os.PathLike)):
        from thermoquake.catalog import read_catalog
        quakes = read_catalog(quakes).events
    chosen = [q for q in quakes if q.magnitude >= min_mag]
    order = np.argsort([q.time.timestamp() for q in chosen], kind="stable")
    t = np.array([chosen[i].time.timestamp() for i in order], dtype=np.float64)
    lat = np.array([chosen[i].latitude for i in order], dtype=np.float64)
    lon = np.array([chosen[i].longitude for i in order], dtype=np.float64)
    out = np.zeros(len(days), dtype=np.float64)
    for n, (day, site_lat, site_lon) in enumerate(days):
        d = _as_date(day)
        end = _utc_midnight(d)
        start = end - int(lookback_days) * 86400.0
        lo, hi = np.searchsorted(t, start, side="left"), np.searchsorted(t, end, side="left")
        if hi > lo and (haversine_km(site_lat, site_lon, lat[lo:hi], lon[lo:hi]) <= radius_km).any():
            out[n] = 1.0
    return out
