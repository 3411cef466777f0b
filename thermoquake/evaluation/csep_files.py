"""The CSEP forecast files that pycsep reads: gridded forecasts and per-place temporal forecasts.

**Gridded forecast** (``.dat``), read by pycsep 0.8's ``csep.load_gridded_forecast(path,
start_date=..., end_date=...)``: the CSEP1 ASCII format. No header; one row per (cell,
magnitude bin), magnitude bins varying fastest, cells in order of longitude then latitude;
tab-separated; ten columns::

    lon_0  lon_1  lat_0  lat_1  z_0  z_1  mag_0  mag_1  rate  flag

* cells (degrees): those of a :class:`CellGrid`, a regular grid anchored at 180° W, 90° S, so
  that cells written for different places, days or runs are either the same cell or disjoint,
  never partly overlapping. Only cells that carry a forecast are written: pycsep's region is
  exactly those cells (the other cells of their bounding box are masked).
* magnitude bins: those of a :class:`MagnitudeBins`; pycsep counts every event of magnitude
  at or above the last bin's lower edge in the last bin (it is open-ended).
* rate: the expected number of events of magnitude >= ``min_mag`` in the cell during the
  forecast period, split over the magnitude bins in Gutenberg-Richter proportions
  (:meth:`MagnitudeBins.shares`, which sum to 1). A classifier's probability p of "at least one
  event" is written as that expected number; pycsep's Poisson tests then give P(>= 1 event) =
  1 − exp(−p), which is close to p for small p (0.095 for p = 0.1, but 0.59 for p = 0.9).
* z_0, z_1: depth range in km (pycsep's gridded tests do not use it); flag: 1 (every written
  cell belongs to the test region).

The file holds no times: the forecast period is passed to the loader (``start_date``,
``end_date``), so every set of gridded files comes with an index of their periods. pycsep
0.8 reads the file with ``numpy.loadtxt``, which makes a one-row file one-dimensional and
fails; :func:`gridded_forecast_text` refuses to write one.

**Temporal forecast** (``.csv``), in the layout of ``csep.load_temporal_forecast`` from pycsep
pull request #283 ("Add Alarm-Based and Temporal Forecast Evaluation Support"; read from its
source, ``csep/utils/readers.py:temporal_forecast_csv``, that pull request not being in a
released pycsep): comma-separated with a header; the reader takes the columns ``time``
(parsed with ``pandas.to_datetime``) and ``probability`` (0 to 1) and ignores others. Rows
here: ``time`` (period start, ISO 8601 UTC), ``probability``, ``time_end`` (period end) and
``image_date`` (the UTC date of the data the forecast was made from), in order of time.
That pull request's ``compute_temporal_observations`` takes each row's period to be
[time, time + the spacing of the first two rows); when the forecast periods are longer than
that spacing (overlapping periods), the observations must be counted over
[time, time_end) instead (:func:`temporal_observations` does that), and the catalogue must be
cut to the place's cell first (the reader has no place).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

DEPTH_KM = (0.0, 700.0)
"""Default depth range of gridded forecasts, km: every depth (the study's events are not
selected by depth)."""

TEMPORAL_COLUMNS = ("time", "probability", "time_end", "image_date")

Cell = tuple[int, int]
"""A cell of a :class:`CellGrid`: (column from 180° W, row from 90° S)."""


def _decimal(x: float) -> str:
    """A coordinate or magnitude without floating-point wander (``-179.7``, not ``-179.70000000000002``)."""
    return repr(round(float(x), 9) + 0.0)


@dataclass(frozen=True)
class CellGrid:
    """A global regular latitude/longitude grid of ``cell_deg``-degree cells.

    Cell (i, j) spans longitudes −180 + i·d … −180 + (i + 1)·d and latitudes −90 + j·d …
    −90 + (j + 1)·d (degrees, d = ``cell_deg``), west and south edges included. ``cell_deg``
    must divide 180 (1, 0.5, 0.25, 0.1, 2, 5, …) so that the cells tile the globe.
    """

    cell_deg: float = 1.0

    def __post_init__(self) -> None:
        d = self.cell_deg
        if not (math.isfinite(d) and 0 < d <= 180) or abs(180 / d - round(180 / d)) > 1e-6:
            raise ValueError(f"a cell size must divide 180 degrees, got {d!r}")

    @property
    def columns(self) -> int:
        return round(360 / self.cell_deg)

    @property
    def rows(self) -> int:
        return round(180 / self.cell_deg)

    def cell_of(self, latitude: float, longitude: float) -> Cell:
        """The cell holding a point (degrees north, east; longitude taken modulo 360, latitude
        90° in the northernmost row)."""
        if not (math.isfinite(latitude) and math.isfinite(longitude)) or abs(latitude) > 90:
            raise ValueError(f"not a place: latitude {latitude!r}, longitude {longitude!r}")
        i = math.floor((longitude + 180) / self.cell_deg + 1e-9) % self.columns
        j = min(math.floor((latitude + 90) / self.cell_deg + 1e-9), self.rows - 1)
        return i, j

    def bounds(self, cell: Cell) -> tuple[float, float, float, float]:
        """(lon_0, lon_1, lat_0, lat_1) of a cell, degrees, rounded to 9 decimals."""
        i, j = cell
        d = self.cell_deg
        return (round(-180 + i * d, 9), round(-180 + (i + 1) * d, 9),
                round(-90 + j * d, 9), round(-90 + (j + 1) * d, 9))


@dataclass(frozen=True)
class MagnitudeBins:
    """Magnitude bins of width ``width`` from ``min_mag`` to ``max_mag`` (lower edges
    ``min_mag``, ``min_mag`` + width, …; ``width`` = ``max_mag`` − ``min_mag`` gives one bin).
    pycsep counts magnitudes at or above the last lower edge in the last bin, so its share
    (:meth:`shares`) is the whole Gutenberg-Richter tail above that edge."""

    min_mag: float = 5.0
    max_mag: float = 9.0
    width: float = 0.1
    b_value: float = 1.0

    def __post_init__(self) -> None:
        values = (self.min_mag, self.max_mag, self.width, self.b_value)
        if not all(math.isfinite(v) for v in values) or self.width <= 0 or self.b_value <= 0:
            raise ValueError(f"magnitude bins need a positive width and b-value, got {values!r}")
        n = (self.max_mag - self.min_mag) / self.width
        if n < 1 - 1e-6 or abs(n - round(n)) > 1e-6:
            raise ValueError(f"magnitudes {self.min_mag:g} to {self.max_mag:g} are not a whole number "
                             f"of bins of {self.width:g}")

    @property
    def count(self) -> int:
        return round((self.max_mag - self.min_mag) / self.width)

    def edges(self) -> np.ndarray:
        """Lower edges of the bins, shape (count,)."""
        return np.round(self.min_mag + self.width * np.arange(self.count), 9)

    def shares(self) -> np.ndarray:
        """Fraction of the events of magnitude >= ``min_mag`` that falls in each bin under
        Gutenberg-Richter with ``b_value`` (the last bin open-ended); shape (count,), sums to 1."""
        above = 10.0 ** (-self.b_value * (self.edges() - self.min_mag))   # share at or above each edge
        return above - np.append(above[1:], 0.0)


def rates_by_cell(places: Iterable[tuple[float, float, float]], grid: CellGrid) -> dict[Cell, float]:
    """Expected counts per cell from ``(latitude, longitude, rate)`` of places (degrees).

    Places in one cell are combined by taking the LARGEST rate, not the sum: each place's value
    is a claim about the whole cell for the same period, and two places in one cell are two
    estimates of that one claim, not two independent sources of events.
    """
    out: dict[Cell, float] = {}
    for lat, lon, rate in places:
        cell = grid.cell_of(lat, lon)
        out[cell] = max(out.get(cell, -math.inf), float(rate))
    return out


def gridded_forecast_text(rates: Mapping[Cell, float], grid: CellGrid, mags: MagnitudeBins,
                          depth_km: tuple[float, float] = DEPTH_KM) -> str:
    """A CSEP ASCII gridded forecast (module doc) of ``rates``: cell -> expected number of events
    of magnitude >= ``mags.min_mag`` in the cell during the forecast period.

    Raises ValueError for a negative or non-finite rate, or when the file would have one row
    (pycsep 0.8 cannot read it: use more than one magnitude bin).
    """
    if len(rates) * mags.count < 2:
        raise ValueError("pycsep 0.8 cannot read a gridded forecast of one row (one cell, one magnitude "
                         "bin): use more than one magnitude bin")
    edges = mags.edges()
    uppers = np.append(edges[1:], round(mags.max_mag, 9))
    shares = mags.shares()
    z = f"{_decimal(depth_km[0])}\t{_decimal(depth_km[1])}"
    lines = []
    for cell in sorted(rates):
        rate = float(rates[cell])
        if not (math.isfinite(rate) and rate >= 0):
            raise ValueError(f"rate {rate!r} of cell {cell} is not a non-negative number")
        lon0, lon1, lat0, lat1 = (_decimal(v) for v in grid.bounds(cell))
        for m0, m1, share in zip(edges, uppers, shares):
            lines.append(f"{lon0}\t{lon1}\t{lat0}\t{lat1}\t{z}\t{_decimal(m0)}\t{_decimal(m1)}\t{rate * share:.10g}\t1")
    return "\n".join(lines) + "\n"


def utc_text(t: dt.datetime) -> str:
    """An aware datetime as ISO 8601 UTC with ``Z`` (``2008-05-11T00:00:00Z``)."""
    return t.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class TemporalForecast:
    """One row of a temporal forecast: probability (0 to 1) of at least one event in the place's
    cell during [start, end) (aware UTC datetimes), made from the data of ``image_date``."""

    start: dt.datetime
    end: dt.datetime
    probability: float
    image_date: dt.date


def temporal_forecast_text(rows: Sequence[TemporalForecast]) -> str:
    """A temporal forecast CSV (module doc), rows in order of start time.

    Raises ValueError for a probability outside 0..1, an empty period or two rows with one start
    (pycsep PR #283's reader would clip, fail or misread them)."""
    rows = sorted(rows, key=lambda r: r.start)
    if not rows:
        raise ValueError("a temporal forecast needs at least one row")
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(TEMPORAL_COLUMNS)
    for prev, r in zip([None, *rows], rows):
        if not (0 <= r.probability <= 1):
            raise ValueError(f"probability {r.probability!r} at {utc_text(r.start)} is not in 0..1")
        if r.end <= r.start or (prev is not None and prev.start == r.start):
            raise ValueError(f"forecast period at {utc_text(r.start)} is empty or given twice")
        writer.writerow([utc_text(r.start), f"{r.probability:.6f}", utc_text(r.end), r.image_date.isoformat()])
    return buf.getvalue()


def temporal_observations(rows: Sequence[TemporalForecast], event_times: Sequence[dt.datetime]) -> np.ndarray:
    """1 where at least one of ``event_times`` (aware UTC; events already cut to the place's cell
    and magnitude) falls in a row's [start, end), else 0; shape (len(rows),), in ``rows`` order.
    The observations that match a temporal forecast whose periods overlap."""
    return np.array([int(any(r.start <= t < r.end for t in event_times)) for r in rows], dtype=int)
