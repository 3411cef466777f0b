"""Non-deep baselines the deep classifiers must beat, each giving per-day
probabilities of "an earthquake follows" for the test days. numpy, scipy and scikit-learn only.

* :func:`climatology` — the training base rate, the same for every day.
* :func:`rst_threshold_rule` — alarm (1) when the day's R map holds one connected anomalous
  region near the epicentre larger than pure noise makes in 5 % of images
  (:func:`null_region_pixels`), else 0.
* :func:`logistic_rst` — a logistic regression on three RETIRA summary features
  (:func:`feature_matrix`, max R clipped to ±:data:`~thermoquake.dataset.arrays.RETIRA_CLIP`
  like the networks' R channel): the cautionary "two-parameter regression that matched the
  deep net".
* :func:`clustering_rule` — alarm after a recent nearby earthquake.

Feature rows are those of ``WORKDIR/anomalies.csv`` written by ``thermoquake rst``
(:data:`thermoquake.rst.run.ANOMALY_COLUMNS`), as dicts of strings; empty fields are "no
value" and are filled explicitly (:data:`NO_ANOMALY_DISTANCE_KM`, :data:`NO_DATA_MAX_R`).
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import math
import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import numpy as np

from thermoquake.catalog.geodesy import haversine_km
from thermoquake.catalog.schema import Event
from thermoquake.dataset.arrays import RETIRA_CLIP, read_band
from thermoquake.image.grid import PIXEL_KM
from thermoquake.errors import ThermoquakeError
from thermoquake.rst.anomalies import PAPER_THRESHOLD

FEATURE_NAMES: tuple[str, ...] = ("anomalous_area_km2", "max_r", "centroid_distance_km")
"""Columns of :func:`feature_matrix`: km², R (dimensionless, clipped to ±RETIRA_CLIP), km."""

NO_ANOMALY_DISTANCE_KM = 256.0
"""Centroid distance given to a day without anomalous pixels, km: farther than any pixel of a
256 km epicentre image can be (its half-diagonal is 181 km), so "no anomaly" sorts beyond
"an anomaly at the edge"."""

NO_DATA_MAX_R = 0.0
"""max R given to a day with no valid R pixel (all cloud): the reference mean, no evidence
either way."""

DEFAULT_FALSE_ALARM_RATE = 0.05
"""Share of pure-noise images on which the RST rule may alarm (sets its region size)."""

NULL_DRAWS = 2000
"""Simulated noise images per box size and reference count in :func:`null_region_pixels`."""

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

    max R is clipped to ±:data:`~thermoquake.dataset.arrays.RETIRA_CLIP`, the clip of the
    networks' R channel: with few reference years a noise pixel's R is unbounded (sigma from
    3 values can be tiny), and every model should see R alike.

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
        max_r = NO_DATA_MAX_R if max_r is None else min(max(max_r, -RETIRA_CLIP), RETIRA_CLIP)
        out[n - 1] = (area, max_r, dist)
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


_EIGHT = np.ones((3, 3), dtype=bool)


@functools.lru_cache(maxsize=None)
def null_region_pixels(shape: tuple[int, int], n_reference: int, threshold: float = PAPER_THRESHOLD,
                       false_alarm_rate: float = DEFAULT_FALSE_ALARM_RATE, draws: int = NULL_DRAWS) -> int:
    """Smallest connected anomalous region (pixels) that pure noise reaches in at most
    ``false_alarm_rate`` of ``shape`` ``(H, W)`` R maps made with ``n_reference`` reference images.

    The null: at every pixel the target and its ``n`` reference values are independent draws
    of one Gaussian, so R has the scaled Student distribution of
    :func:`thermoquake.rst.retira.null_exceedance` and a pixel is anomalous (R >= ``threshold``)
    independently with probability ``p = null_exceedance(threshold, n)`` (0.146 at n = 3,
    0.052 at n = 10 for R >= 2). ``draws`` images of such pixels are simulated (fixed seed, so
    the answer is a function of its arguments); the result is the smallest size ``s`` whose
    rate is at most ``false_alarm_rate`` with 95 % confidence: the one-sided Clopper-Pearson
    upper bound of ``k / draws`` is <= the rate, where ``k`` images have a largest 8-connected
    region of ``s`` pixels or more (a region of ``s`` pixels covers ``s`` km² at 1 km pixels).
    Larger boxes and fewer reference years need larger regions. Cloud in the target only
    lowers the rate; cloud in reference years leaves some pixels with fewer than ``n`` values
    (heavier tails) and raises it, as does noise that is correlated in space (larger regions).
    ``n_reference`` < 2 has no null: the size is larger than the image (no alarm).
    """
    from scipy import ndimage
    from scipy.stats import beta

    from thermoquake.rst.retira import null_exceedance

    h, w = (int(v) for v in shape)
    if not 3.0 / draws <= false_alarm_rate < 1:
        raise ThermoquakeError(f"a false-alarm rate of {false_alarm_rate:g} needs 3/{draws} <= rate < 1")
    if n_reference < 2:
        return h * w + 1
    p = float(null_exceedance(threshold, int(n_reference)))
    rng = np.random.default_rng(0)
    largest = np.zeros(int(draws), dtype=np.int64)
    for i in range(int(draws)):
        labels, n = ndimage.label(rng.random((h, w)) < p, structure=_EIGHT)
        if n:
            largest[i] = np.bincount(labels.ravel())[1:].max()
    exceed = np.bincount(largest, minlength=h * w + 2)[::-1].cumsum()[::-1]       # images >= s
    upper = beta.ppf(0.95, exceed + 1, np.maximum(int(draws) - exceed, 1e-12))
    ok = np.flatnonzero(upper <= false_alarm_rate)
    return int(max(ok[0], 1))


def rst_threshold_rule(r_maps: Sequence[np.ndarray] | np.ndarray, n_reference: Sequence[int] | np.ndarray,
                       threshold: float = PAPER_THRESHOLD, max_distance_km: float = DEFAULT_RADIUS_KM, *,
                       false_alarm_rate: float = DEFAULT_FALSE_ALARM_RATE, pixel_km: float = PIXEL_KM) -> np.ndarray:
    """``(n,)`` float64: 1 where a day's R map holds one connected region of R >= ``threshold``
    pixels (8-neighbour) of at least :func:`null_region_pixels` pixels for its box size and
    reference count, whose centroid lies within ``max_distance_km`` km of the epicentre, else 0.

    Args:
        r_maps: ``n`` RETIRA maps ``(H, W)``, NaN = no data, epicentre at the image centre
            (the epicentre-image contract), pixels of ``pixel_km`` km.
        n_reference: reference images behind each map (``anomalies.csv`` ``n_reference``).

    The region size makes the rule alarm on at most ``false_alarm_rate`` of pure-noise maps
    (see :func:`null_region_pixels`); no anomaly or no data never alarms.
    """
    counts = np.asarray(n_reference, dtype=np.int64).reshape(-1)
    if len(counts) != len(r_maps):
        raise ThermoquakeError(f"{len(r_maps)} R maps but {len(counts)} reference counts")
    out = np.zeros(len(counts), dtype=np.float64)
    for i, (r, n) in enumerate(zip(r_maps, counts)):
        out[i] = float(_region_alarm(np.asarray(r, np.float64), int(n), threshold, max_distance_km,
                                     false_alarm_rate, pixel_km))
    return out


def _region_alarm(r: np.ndarray, n: int, threshold: float, max_distance_km: float, false_alarm_rate: float,
                  pixel_km: float) -> bool:
    from scipy import ndimage

    if r.ndim != 2:
        raise ThermoquakeError(f"an R map must be (H, W), got shape {r.shape}")
    hot = np.isfinite(r) & (r >= threshold)
    if not hot.any():
        return False
    labels, _ = ndimage.label(hot, structure=_EIGHT)
    sizes = np.bincount(labels.ravel())
    big = np.flatnonzero(sizes >= null_region_pixels(r.shape, n, threshold, false_alarm_rate))
    big = big[big > 0]
    if not len(big):
        return False
    rows, cols = np.indices(r.shape)
    centre_row, centre_col = r.shape[0] / 2, r.shape[1] / 2
    for label in big:
        region = labels == label
        dy = rows[region].mean() + 0.5 - centre_row
        dx = cols[region].mean() + 0.5 - centre_col
        if math.hypot(dy, dx) * pixel_km <= max_distance_km:
            return True
    return False


def rst_rule_from_files(retira_paths: Sequence[str | os.PathLike[str]], rows: Sequence[Mapping[str, str]],
                        **kwargs) -> np.ndarray:
    """:func:`rst_threshold_rule` on R GeoTIFFs with their ``anomalies.csv`` rows (one each): the
    reference count from ``n_reference`` and the threshold from ``threshold`` (the ``rst``
    run's; :data:`~thermoquake.rst.anomalies.PAPER_THRESHOLD` when empty)."""
    if len(retira_paths) != len(rows):
        raise ThermoquakeError(f"{len(retira_paths)} R maps but {len(rows)} anomaly rows")
    out = np.zeros(len(rows), dtype=np.float64)
    for i, (path, row) in enumerate(zip(retira_paths, rows)):
        n = _number(row, "n_reference", i + 1, path)
        t = _number(row, "threshold", i + 1, path)
        out[i] = rst_threshold_rule([read_band(Path(path))], [0 if n is None else int(n)],
                                    PAPER_THRESHOLD if t is None else t, **kwargs)[0]
    return out


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
