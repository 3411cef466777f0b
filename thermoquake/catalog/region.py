"""Longitude/latitude boxes: ``LON_MIN,LAT_MIN,LON_MAX,LAT_MAX`` in degrees.

A box with ``LON_MIN > LON_MAX`` crosses the antimeridian (e.g. ``170,-50,-170,-10``).
Edges are inclusive.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from thermoquake.catalog.geodesy import EARTH_RADIUS_KM
from thermoquake.errors import BadRequestError


@dataclass(frozen=True)
class Region:
    """A box in geographic degrees (west, south, east, north edges, inclusive)."""

    lon_min: float
    lat_min: float
    lon_max: float
    lat_max: float

    def __post_init__(self) -> None:
        text = self.text
        for name, value, lo, hi in (
            ("LON_MIN", self.lon_min, -180.0, 180.0),
            ("LON_MAX", self.lon_max, -180.0, 180.0),
            ("LAT_MIN", self.lat_min, -90.0, 90.0),
            ("LAT_MAX", self.lat_max, -90.0, 90.0),
        ):
            if not math.isfinite(value) or not lo <= value <= hi:
                raise BadRequestError(f"region {text}: {name} {value:g} is outside {lo:g}..{hi:g}")
        if self.lat_min >= self.lat_max:
            raise BadRequestError(f"region {text}: LAT_MIN must be below LAT_MAX")
        if self.lon_min == self.lon_max:
            raise BadRequestError(f"region {text}: LON_MIN equals LON_MAX (an empty box)")

    @classmethod
    def parse(cls, text: str) -> "Region":
        """Parse ``"LON_MIN,LAT_MIN,LON_MAX,LAT_MAX"`` (degrees)."""
        parts = [p.strip() for p in text.split(",")]
        if len(parts) != 4:
            raise BadRequestError(
                f"region {text!r} must be LON_MIN,LAT_MIN,LON_MAX,LAT_MAX (4 numbers)"
            )
        try:
            values = [float(p) for p in parts]
        except ValueError:
            raise BadRequestError(
                f"region {text!r} must be LON_MIN,LAT_MIN,LON_MAX,LAT_MAX (4 numbers)"
            ) from None
        return cls(*values)

    @property
    def text(self) -> str:
        return f"{self.lon_min:g},{self.lat_min:g},{self.lon_max:g},{self.lat_max:g}"

    @property
    def crosses_antimeridian(self) -> bool:
        return self.lon_min > self.lon_max

    @property
    def lon_width(self) -> float:
        """East-west extent, degrees."""
        if self.crosses_antimeridian:
            return self.lon_max - self.lon_min + 360.0
        return self.lon_max - self.lon_min

    def contains(self, lat: float, lon: float) -> bool:
        """True if the point (degrees) lies in the box, edges included."""
        if not self.lat_min <= lat <= self.lat_max:
            return False
        if self.crosses_antimeridian:
            return lon >= self.lon_min or lon <= self.lon_max
        return self.lon_min <= lon <= self.lon_max

    def contains_disc(self, lat: float, lon: float, radius_km: float) -> bool:
        """True if every point within ``radius_km`` of (lat, lon) lies in the box."""
        dlat = math.degrees(radius_km / EARTH_RADIUS_KM)
        if lat - dlat < self.lat_min or lat + dlat > self.lat_max or not self.contains(lat, lon):
            return False
        ratio = math.sin(radius_km / EARTH_RADIUS_KM) / math.cos(math.radians(lat))
        if ratio >= 1.0:
            return False  # the disc reaches a pole or wraps the globe
        dlon = math.degrees(math.asin(ratio))
        west = (lon - self.lon_min) % 360.0
        east = (self.lon_max - lon) % 360.0
        return west >= dlon and east >= dlon

    def random_point(self, rng: random.Random) -> tuple[float, float]:
        """A point uniform in area inside the box: ``(lat, lon)`` degrees."""
        s0, s1 = math.sin(math.radians(self.lat_min)), math.sin(math.radians(self.lat_max))
        lat = math.degrees(math.asin(s0 + (s1 - s0) * rng.random()))
        lon = self.lon_min + self.lon_width * rng.random()
        if lon > 180.0:
            lon -= 360.0
        return lat, lon


WORLD = Region(-180.0, -90.0, 180.0, 90.0)
