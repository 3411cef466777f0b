"""Significant sequences of thermal anomalies (the RST literature's SSTAs) and their
association with earthquakes.

A day's anomalies are the connected regions (8-connectivity) of R >= threshold pixels with
an area of at least ``min_area_km2`` (isolated pixels are rejected). Regions of consecutive
days whose centroids lie within ``max_distance_km`` of each other are linked; a linked group
is a significant sequence when it covers at least ``min_days`` consecutive days. A day
without data breaks a sequence (no data is never "anomaly").

Defaults: ``min_days`` = 2 (the literature rejects one-day anomalies); ``min_area_km2`` = 150
and ``max_distance_km`` = 50 are this package's choices, not literature values: set them
explicitly for a study.

Association (Tramutoli, Genzano, Filizzola et al.): a sequence is associated with an
earthquake of magnitude M when one of its daily regions lies within
``max(150 km, 10^(0.43 M) km)`` (Dobrovolsky radius, floored) of the epicentre and its date
is from :data:`DAYS_BEFORE` (30) days before to :data:`DAYS_AFTER` (15) days after the event.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from affine import Affine

from thermoquake.catalog.geodesy import haversine_km
from thermoquake.rst.anomalies import PAPER_THRESHOLD, summarize_anomalies

DAYS_BEFORE = 30
DAYS_AFTER = 15
MIN_RADIUS_KM = 150.0


@dataclass(frozen=True)
class SequenceRules:
    """Parameters of a significant sequence: ``min_days`` consecutive days (>= 1), centroids of
    consecutive days within ``max_distance_km`` km, regions of at least ``min_area_km2`` km^2."""

    min_days: int = 2
    max_distance_km: float = 50.0
    min_area_km2: float = 150.0
    threshold: float = PAPER_THRESHOLD


@dataclass(frozen=True)
class DailyAnomaly:
    """One connected anomalous region of one day: centroid (degrees), area (km^2), max R."""

    date: dt.date
    lat: float
    lon: float
    area_km2: float
    max_r: float


@dataclass(frozen=True)
class SignificantSequence:
    """Linked daily regions covering >= ``min_days`` consecutive days (``members`` by date)."""

    members: tuple[DailyAnomaly, ...]

    @property
    def start(self) -> dt.date:
        return self.members[0].date

    @property
    def end(self) -> dt.date:
        return self.members[-1].date

    @property
    def days(self) -> int:
        """Number of distinct days with a member."""
        return len({m.date for m in self.members})


@dataclass(frozen=True)
class Quake:
    """An earthquake: UTC date, epicentre (degrees), magnitude."""

    date: dt.date
    lat: float
    lon: float
    magnitude: float


def daily_anomalies(r: np.ndarray, transform: Affine, date: dt.date, rules: SequenceRules = SequenceRules(),
                    pixel_area_km2: float = 1.0) -> list[DailyAnomaly]:
    """Connected R >= threshold regions of an ``(H, W)`` R map with area >= ``rules.min_area_km2``."""
    from scipy import ndimage

    r = np.asarray(r, dtype=np.float64)
    hot = np.isfinite(r) & (r >= rules.threshold)
    labels, n = ndimage.label(hot, structure=np.ones((3, 3), dtype=bool))
    out = []
    if n == 0:
        return out
    sizes = np.bincount(labels.ravel(), minlength=n + 1)
    for label in np.nonzero(sizes * pixel_area_km2 >= rules.min_area_km2)[0]:
        if label == 0:
            continue
        region = labels == label
        s = summarize_anomalies(r, transform, (0.0, 0.0), rules.threshold, pixel_area_km2, mask=region)
        out.append(DailyAnomaly(date, s.centroid_lat, s.centroid_lon, s.anomalous_area_km2, s.max_r))
    return out


def _longest_run(days: Sequence[dt.date]) -> int:
    ordinals = sorted({d.toordinal() for d in days})
    best = run = 1
    for a, b in zip(ordinals, ordinals[1:]):
        run = run + 1 if b == a + 1 else 1
        best = max(best, run)
    return best if ordinals else 0


def significant_sequences(anomalies: Iterable[DailyAnomaly],
                          rules: SequenceRules = SequenceRules()) -> list[SignificantSequence]:
    """Group daily regions into significant sequences (see module doc), sorted by start date."""
    if rules.min_days < 1:
        raise ValueError(f"min_days must be >= 1, got {rules.min_days}")
    items = sorted(anomalies, key=lambda a: (a.date, a.lat, a.lon))
    parent = list(range(len(items)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    by_day: dict[int, list[int]] = {}
    for i, a in enumerate(items):
        by_day.setdefault(a.date.toordinal(), []).append(i)
    for day, today in by_day.items():
        for i in today:
            for j in by_day.get(day + 1, []):
                d = float(haversine_km(items[i].lat, items[i].lon, items[j].lat, items[j].lon))
                if d <= rules.max_distance_km:
                    parent[find(i)] = find(j)
    groups: dict[int, list[DailyAnomaly]] = {}
    for i, a in enumerate(items):
        groups.setdefault(find(i), []).append(a)
    out = [SignificantSequence(tuple(g)) for g in groups.values()
           if _longest_run([m.date for m in g]) >= rules.min_days]
    return sorted(out, key=lambda s: (s.start, s.members[0].lat, s.members[0].lon))


def dobrovolsky_radius_km(magnitude: float) -> float:
    """Strain (preparation) radius ``10^(0.43 M)`` km."""
    return float(10.0 ** (0.43 * magnitude))


def association_radius_km(magnitude: float) -> float:
    """``max(150 km, 10^(0.43 M) km)``."""
    return max(MIN_RADIUS_KM, dobrovolsky_radius_km(magnitude))


def is_associated(anomaly: DailyAnomaly, quake: Quake, days_before: int = DAYS_BEFORE,
                  days_after: int = DAYS_AFTER) -> bool:
    """Whether one daily region is inside the quake's association radius and time window."""
    lag = (anomaly.date - quake.date).days
    if not -days_before <= lag <= days_after:
        return False
    return float(haversine_km(anomaly.lat, anomaly.lon, quake.lat, quake.lon)) <= association_radius_km(quake.magnitude)


def associated_quakes(sequence: SignificantSequence, quakes: Iterable[Quake], days_before: int = DAYS_BEFORE,
                      days_after: int = DAYS_AFTER) -> list[Quake]:
    """The quakes with which any daily region of ``sequence`` is associated."""
    return [q for q in quakes if any(is_associated(m, q, days_before, days_after) for m in sequence.members)]


def catalog_quakes(path, min_mag: float = 5.0) -> list[Quake]:
    """The quakes of M >= ``min_mag`` of a catalogue file (any format
    :func:`thermoquake.catalog.read_catalog` reads), for the reference exclusions of
    :func:`thermoquake.rst.run.run_rst`."""
    from thermoquake.catalog.readers import read_catalog

    return [Quake(e.time.date(), e.latitude, e.longitude, e.magnitude)
            for e in read_catalog(path).events if e.magnitude >= min_mag]
