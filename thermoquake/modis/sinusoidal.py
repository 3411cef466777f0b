"""The MODIS sinusoidal tile grid (36 x 18 tiles on a sphere).

All distances are metres on the MODIS sphere of radius ``SPHERE_RADIUS_M``;
angles are degrees. Geographic coordinates are treated as identical to
EPSG:4326 latitude/longitude (no datum shift), as NASA's own tile tools do:
declaring the projection on the WGS84 ellipsoid instead would shift the data
~19 km north at mid-latitudes.
"""

from __future__ import annotations

import math

import numpy as np
from affine import Affine

SPHERE_RADIUS_M = 6371007.181
"""Radius of the MODIS sphere, metres."""

N_TILES_H = 36
N_TILES_V = 18
TILE_SIZE_M = 2.0 * math.pi * SPHERE_RADIUS_M / N_TILES_H
"""Width and height of one tile, metres (1111950.5197665 m)."""

GRID_WEST_M = -math.pi * SPHERE_RADIUS_M
GRID_NORTH_M = math.pi / 2.0 * SPHERE_RADIUS_M

PROJ4 = f"+proj=sinu +lon_0=0 +x_0=0 +y_0=0 +R={SPHERE_RADIUS_M} +units=m +no_defs"
"""The one CRS definition of the grid, as a PROJ string."""


def sinusoidal_crs():  # -> rasterio.crs.CRS
    """The MODIS sinusoidal CRS as a rasterio ``CRS`` (on the sphere)."""
    from rasterio.crs import CRS

    return CRS.from_proj4(PROJ4)


def lonlat_to_xy(lon: np.ndarray | float, lat: np.ndarray | float) -> tuple[np.ndarray, np.ndarray]:
    """Forward sinusoidal mapping: degrees -> metres.

    ``x = R * lon * cos(lat)``, ``y = R * lat`` (angles in radians). Longitudes
    are wrapped into [-180, 180) first, so boxes across the antimeridian work.
    """
    lon_r = np.radians(wrap_longitude(np.asarray(lon, dtype=np.float64)))
    lat_r = np.radians(np.asarray(lat, dtype=np.float64))
    return SPHERE_RADIUS_M * lon_r * np.cos(lat_r), SPHERE_RADIUS_M * lat_r


def xy_to_lonlat(x: np.ndarray | float, y: np.ndarray | float) -> tuple[np.ndarray, np.ndarray]:
    """Inverse sinusoidal mapping: metres -> degrees (lon is NaN off the globe)."""
    x = np.asarray(x, dtype=np.float64)
    lat_r = np.asarray(y, dtype=np.float64) / SPHERE_RADIUS_M
    with np.errstate(divide="ignore", invalid="ignore"):
        lon_r = x / (SPHERE_RADIUS_M * np.cos(lat_r))
    lon = np.degrees(lon_r)
    lon = np.where(np.abs(lon) <= 180.0, lon, np.nan)
    return lon, np.degrees(lat_r)


def wrap_longitude(lon: np.ndarray | float) -> np.ndarray:
    """Wrap longitudes (degrees) into [-180, 180)."""
    return (np.asarray(lon, dtype=np.float64) + 180.0) % 360.0 - 180.0


def tile_index(x: np.ndarray | float, y: np.ndarray | float) -> tuple[np.ndarray, np.ndarray]:
    """Tile column ``h`` (0..35) and row ``v`` (0..17) holding sinusoidal point(s) ``x, y`` (m)."""
    h = np.floor((np.asarray(x, dtype=np.float64) - GRID_WEST_M) / TILE_SIZE_M).astype(np.int64)
    v = np.floor((GRID_NORTH_M - np.asarray(y, dtype=np.float64)) / TILE_SIZE_M).astype(np.int64)
    return np.clip(h, 0, N_TILES_H - 1), np.clip(v, 0, N_TILES_V - 1)


def tiles_containing(lon: np.ndarray, lat: np.ndarray) -> list[tuple[int, int]]:
    """Sorted unique ``(h, v)`` tiles that contain any of the given points (degrees)."""
    x, y = lonlat_to_xy(lon, lat)
    return tiles_containing_xy(x, y)


def tiles_containing_xy(x: np.ndarray, y: np.ndarray) -> list[tuple[int, int]]:
    """Sorted unique ``(h, v)`` tiles that contain any of the given sinusoidal points (m)."""
    h, v = tile_index(np.ravel(x), np.ravel(y))
    codes = np.unique(h * N_TILES_V + v)
    return [(int(c // N_TILES_V), int(c % N_TILES_V)) for c in codes]


def tile_bounds(h: int, v: int) -> tuple[float, float, float, float]:
    """``(west, south, east, north)`` of tile ``h, v`` in sinusoidal metres."""
    check_tile(h, v)
    west = GRID_WEST_M + h * TILE_SIZE_M
    north = GRID_NORTH_M - v * TILE_SIZE_M
    return west, north - TILE_SIZE_M, west + TILE_SIZE_M, north


def tile_transform(h: int, v: int, pixels: int = 1200) -> Affine:
    """Affine transform (pixel corner -> sinusoidal metres) of a tile of ``pixels`` x ``pixels``."""
    west, _, _, north = tile_bounds(h, v)
    size = TILE_SIZE_M / pixels
    return Affine(size, 0.0, west, 0.0, -size, north)


def check_tile(h: int, v: int) -> None:
    """Raise ``ValueError`` unless ``0 <= h < 36`` and ``0 <= v < 18``."""
    if not (0 <= h < N_TILES_H and 0 <= v < N_TILES_V):
        raise ValueError(f"tile h{h:02d}v{v:02d} is outside the 36 x 18 MODIS grid")


def tile_name(h: int, v: int) -> str:
    """``'h26v05'`` style name of a tile."""
    return f"h{h:02d}v{v:02d}"
