"""Great-circle distances on a sphere of radius 6371 km (haversine)."""

from __future__ import annotations

import numpy as np

EARTH_RADIUS_KM = 6371.0
"""Mean Earth radius used for event distances, km."""

HALF_CIRCUMFERENCE_KM = np.pi * EARTH_RADIUS_KM
"""No two points are farther apart than this, km (20015 km)."""


def haversine_km(lat1, lon1, lat2, lon2) -> np.ndarray:
    """Great-circle distance(s) in km between points given in degrees (numpy-broadcasting)."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dphi = p2 - p1
    dlam = np.radians(np.asarray(lon2, dtype=np.float64) - np.asarray(lon1, dtype=np.float64))
    h = np.sin(dphi / 2.0) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlam / 2.0) ** 2
    return 2.0 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))
