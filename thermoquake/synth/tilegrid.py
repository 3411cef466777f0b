"""Geographic coordinates of the pixel centres of one MODIS tile (1200 x 1200, 1 km)."""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from thermoquake.modis.sinusoidal import GRID_NORTH_M, GRID_WEST_M, SPHERE_RADIUS_M, check_tile
from thermoquake.synth.noise import PIXEL_M, PIXELS


@dataclass(frozen=True)
class TileCoords:
    """Pixel-centre coordinates of tile ``h, v``.

    Attributes:
        lat_deg: latitude of each row, degrees, shape (1200,) (constant along a row).
        x_m: sinusoidal x of each column, metres, shape (1200,).
        lon_deg: longitude of each pixel, degrees, float64 (1200, 1200); NaN off the globe.
        lon32: ``lon_deg`` as float32.
        on_globe: True where ``|x| <= pi R cos(lat)``, bool (1200, 1200).
    """

    h: int
    v: int
    lat_deg: np.ndarray
    x_m: np.ndarray
    lon_deg: np.ndarray
    lon32: np.ndarray
    on_globe: np.ndarray


@functools.lru_cache(maxsize=4)
def tile_coords(h: int, v: int) -> TileCoords:
    """Coordinates of tile ``h, v`` (cached, read-only arrays).

    Pixel centre row ``r``, column ``c``: ``x = west + (c + 0.5) size``,
    ``y = north - (r + 0.5) size``, computed from the global pixel index so
    that the same pixel has the same coordinates whichever tile asks.
    """
    check_tile(h, v)
    idx = np.arange(PIXELS, dtype=np.float64) + 0.5
    x = GRID_WEST_M + (h * PIXELS + idx) * PIXEL_M
    y = GRID_NORTH_M - (v * PIXELS + idx) * PIXEL_M
    lat_r = y / SPHERE_RADIUS_M
    lon = np.degrees(x[None, :] / (SPHERE_RADIUS_M * np.cos(lat_r)[:, None]))
    on_globe = np.abs(lon) <= 180.0
    lon[~on_globe] = np.nan
    lat = np.degrees(lat_r)
    lon32 = lon.astype(np.float32)
    for arr in (lat, x, lon, lon32, on_globe):
        arr.flags.writeable = False
    return TileCoords(h=h, v=v, lat_deg=lat, x_m=x, lon_deg=lon, lon32=lon32, on_globe=on_globe)
