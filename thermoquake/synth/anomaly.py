"""Injected pre-earthquake warm anomalies and their ground truth.

Rule (exact): an anomaly adds ``amplitude_k * exp(-(d / radius_km) ** 2)`` kelvin to
both LST layers of every pixel whose centre lies within great-circle distance
``d <= 3 * radius_km`` of ``(lat, lon)`` on the MODIS sphere (R = 6371.007181 km),
on each date ``D`` with ``event_date - onset_days <= D <= event_date - 1 day``
(``onset_days`` dates, the event day itself excluded), except the dates listed in
``absent_dates`` (none by default). The amplitude is constant over those dates. Beyond ``3 * radius_km`` nothing is added (the cut-off is
``amplitude * 1.2e-4``, below the 0.02 K quantum for amplitudes under 160 K).
Under clouds, in swath gaps and off the globe the anomaly is simply not observed.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from thermoquake.errors import BadRequestError
from thermoquake.modis.sinusoidal import lonlat_to_xy, tile_bounds
from thermoquake.synth.noise import PIXEL_M, PIXELS, SPHERE_RADIUS_KM
from thermoquake.synth.tilegrid import tile_coords

FOOTPRINT_RADII = 3.0
"""The footprint of an anomaly reaches ``FOOTPRINT_RADII * radius_km`` from its centre."""

SPEC_FORMAT = "LAT,LON,AMP_K,RADIUS_KM,ONSET_DAYS,EVENT_DATE"


@dataclass(frozen=True)
class SyntheticAnomaly:
    """A warm (or, with a negative amplitude, cold) patch injected before an event.

    Attributes:
        lat: centre latitude, degrees north (-90..90).
        lon: centre longitude, degrees east (-180..180).
        amplitude_k: warming at the centre, K.
        radius_km: e-folding radius of the Gaussian, km (> 0).
        onset_days: number of days before ``event_date`` on which the anomaly is present (>= 1).
        event_date: date of the earthquake (an ISO string is accepted and converted).
        absent_dates: dates of the onset period on which the anomaly does not show
            (ISO strings are accepted); empty by default.
    """

    lat: float
    lon: float
    amplitude_k: float
    radius_km: float
    onset_days: int
    event_date: dt.date
    absent_dates: tuple[dt.date, ...] = ()

    def __post_init__(self) -> None:
        try:
            absent = tuple(sorted({d if isinstance(d, dt.date) else dt.date.fromisoformat(d)
                                   for d in self.absent_dates}))
        except (TypeError, ValueError):
            raise BadRequestError(
                f"anomaly absent dates must be dates YYYY-MM-DD, got {self.absent_dates!r}"
            ) from None
        object.__setattr__(self, "absent_dates", absent)
        if isinstance(self.event_date, str):
            try:
                object.__setattr__(self, "event_date", dt.date.fromisoformat(self.event_date))
            except ValueError:
                raise BadRequestError(
                    f"anomaly event date {self.event_date!r} is not YYYY-MM-DD"
                ) from None
        if isinstance(self.event_date, dt.datetime) or not isinstance(self.event_date, dt.date):
            raise BadRequestError(f"anomaly event date must be a date, got {self.event_date!r}")
        for name in ("lat", "lon", "amplitude_k", "radius_km"):
            value = getattr(self, name)
            if (
                isinstance(value, bool)
                or not isinstance(value, (int, float))
                or not math.isfinite(value)
            ):
                raise BadRequestError(f"anomaly {name} must be a finite number, got {value!r}")
            object.__setattr__(self, name, float(value))
        if not -90.0 <= self.lat <= 90.0:
            raise BadRequestError(f"anomaly latitude {self.lat} is outside -90..90 degrees")
        if not -180.0 <= self.lon <= 180.0:
            raise BadRequestError(f"anomaly longitude {self.lon} is outside -180..180 degrees")
        if not 0.0 < self.radius_km <= 5000.0:
            raise BadRequestError(
                f"anomaly radius must be > 0 and <= 5000 km, got {self.radius_km}"
            )
        if (
            isinstance(self.onset_days, bool)
            or not isinstance(self.onset_days, int)
            or self.onset_days < 1
        ):
            raise BadRequestError(
                f"anomaly onset must be a whole number of days >= 1, got {self.onset_days!r}"
            )

    @property
    def first_date(self) -> dt.date:
        """First date with the anomaly (``event_date - onset_days``)."""
        return self.event_date - dt.timedelta(days=self.onset_days)

    @property
    def last_date(self) -> dt.date:
        """Last date with the anomaly (the day before the event)."""
        return self.event_date - dt.timedelta(days=1)

    def is_active(self, date: dt.date) -> bool:
        """True on the dates the anomaly is added (see the module rule)."""
        return self.first_date <= date <= self.last_date and date not in self.absent_dates

    def amplitude_on(self, date: dt.date) -> float:
        """Warming at the centre on ``date``, K (0 when inactive)."""
        return self.amplitude_k if self.is_active(date) else 0.0

    def to_dict(self) -> dict[str, object]:
        """Plain-JSON form of the parameters."""
        return {
            "lat": self.lat,
            "lon": self.lon,
            "amplitude_k": self.amplitude_k,
            "radius_km": self.radius_km,
            "onset_days": self.onset_days,
            "event_date": self.event_date.isoformat(),
        } | ({"absent_dates": [d.isoformat() for d in self.absent_dates]} if self.absent_dates else {})

    def sort_key(self) -> tuple:
        return (
            self.event_date,
            self.lat,
            self.lon,
            self.amplitude_k,
            self.radius_km,
            self.onset_days,
            self.absent_dates,
        )


def parse_anomaly_spec(spec: str) -> SyntheticAnomaly:
    """Parse ``"LAT,LON,AMP_K,RADIUS_KM,ONSET_DAYS,EVENT_DATE"``.

    Raises :class:`BadRequestError` if malformed.
    """
    parts = [p.strip() for p in str(spec).split(",")]
    if len(parts) != 6:
        raise BadRequestError(f"anomaly {spec!r} must have 6 comma-separated fields {SPEC_FORMAT}")
    try:
        lat, lon, amp, radius = (float(p) for p in parts[:4])
    except ValueError:
        raise BadRequestError(
            f"anomaly {spec!r}: LAT, LON, AMP_K and RADIUS_KM must be numbers"
        ) from None
    try:
        onset = int(parts[4])
    except ValueError:
        raise BadRequestError(
            f"anomaly {spec!r}: ONSET_DAYS must be a whole number of days"
        ) from None
    try:
        event = dt.date.fromisoformat(parts[5])
    except ValueError:
        raise BadRequestError(f"anomaly {spec!r}: EVENT_DATE must be YYYY-MM-DD") from None
    try:
        return SyntheticAnomaly(lat, lon, amp, radius, onset, event)
    except BadRequestError as err:
        raise BadRequestError(f"anomaly {spec!r}: {err.problem}") from None


def _footprint(anomaly: SyntheticAnomaly, h: int, v: int) -> tuple[np.ndarray, np.ndarray] | None:
    """Rows (indices) and distances (km, (len(rows), 1200), NaN off the globe) of the pixels within
    the footprint's latitude band on tile ``h, v``; None if the band misses the tile."""
    coords = tile_coords(h, v)
    reach_deg = math.degrees(FOOTPRINT_RADII * anomaly.radius_km / SPHERE_RADIUS_KM)
    rows = np.nonzero(np.abs(coords.lat_deg - anomaly.lat) <= reach_deg + 1e-9)[0]
    if rows.size == 0:
        return None
    lat = np.radians(coords.lat_deg[rows])[:, None]
    lon = np.radians(coords.lon_deg[rows])
    lat0, lon0 = math.radians(anomaly.lat), math.radians(anomaly.lon)
    a = (
        np.sin((lat - lat0) / 2.0) ** 2
        + np.cos(lat) * math.cos(lat0) * np.sin((lon - lon0) / 2.0) ** 2
    )
    dist = 2.0 * SPHERE_RADIUS_KM * np.arcsin(np.sqrt(np.minimum(a, 1.0)))
    return rows, dist


def _centre_pixel(anomaly: SyntheticAnomaly, h: int, v: int) -> list[int] | None:
    x, y = lonlat_to_xy(anomaly.lon, anomaly.lat)
    west, _, _, north = tile_bounds(h, v)
    col = math.floor((float(x) - west) / PIXEL_M)
    row = math.floor((north - float(y)) / PIXEL_M)
    return [row, col] if 0 <= row < PIXELS and 0 <= col < PIXELS else None


@functools.lru_cache(maxsize=4096)
def reaches_tile(anomaly: SyntheticAnomaly, h: int, v: int) -> bool:
    """True if the anomaly's footprint (3 radii) reaches a pixel centre of tile ``h, v``."""
    found = _footprint(anomaly, h, v)
    return found is not None and bool((found[1] <= FOOTPRINT_RADII * anomaly.radius_km).any())


def anomalies_reaching(
    anomalies: Iterable[SyntheticAnomaly], h: int, v: int
) -> list[SyntheticAnomaly]:
    """The anomalies whose footprint reaches tile ``h, v``, sorted by event date."""
    return [a for a in sorted(anomalies, key=SyntheticAnomaly.sort_key) if reaches_tile(a, h, v)]


def anomaly_field(
    anomalies: Iterable[SyntheticAnomaly], h: int, v: int, date: dt.date
) -> tuple[np.ndarray | None, list[dict[str, object]]]:
    """Warming (K) that ``anomalies`` add to tile ``h, v`` on ``date``, and its truth.

    Returns ``(field, truth)``: ``field`` is float32 (1200, 1200) or None when no
    active anomaly reaches the tile; ``truth`` lists, sorted by event date, every
    anomaly whose footprint (3 radii) reaches a pixel centre of the tile, active or
    not, with ``active``, ``centre_amplitude_k`` (K at the centre that day),
    ``max_in_tile_k`` (largest warming of a pixel of this tile that day, K) and
    ``centre_pixel`` (``[row, col]`` in this tile, or None).
    """
    field: np.ndarray | None = None
    truth: list[dict[str, object]] = []
    for anomaly in anomalies_reaching(anomalies, h, v):
        active = anomaly.is_active(date)
        peak = 0.0
        if active:
            rows, dist = _footprint(anomaly, h, v)  # type: ignore[misc]  (it reaches the tile)
            inside = dist <= FOOTPRINT_RADII * anomaly.radius_km
            warm = np.where(
                inside, anomaly.amplitude_k * np.exp(-((dist / anomaly.radius_km) ** 2)), 0.0
            )
            if field is None:
                field = np.zeros((PIXELS, PIXELS), dtype=np.float32)
            field[rows] += warm.astype(np.float32)
            peak = (
                float(warm[inside].max()) if anomaly.amplitude_k >= 0 else float(warm[inside].min())
            )
        truth.append(
            {
                **anomaly.to_dict(),
                "active": active,
                "centre_amplitude_k": anomaly.amplitude_on(date),
                "max_in_tile_k": round(peak, 4),
                "centre_pixel": _centre_pixel(anomaly, h, v),
            }
        )
    return field, truth
