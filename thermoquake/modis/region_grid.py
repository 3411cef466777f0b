"""The regional grid of a monitored region: the MODIS sinusoidal 1 km grid, cut to the region.

The grid is the product's own: pixel ``(row, col)`` of the region is global sinusoidal pixel
``(row0 + row, col0 + col)`` (1200 pixels per tile, 926.625 m on the MODIS sphere), so a
region image is a mosaic of tile windows, never a resampling of them. The sinusoidal
projection is equal-area, so every pixel covers the same 0.8586 km^2 and areas are pixel
counts. The grid is the sinusoidal bounding box of the lon/lat region (sampled along its
edges); pixels whose centre lies outside the lon/lat box are outside the region (``inside``
False) and never carry data.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
from affine import Affine

from thermoquake.catalog.region import Region
from thermoquake.errors import BadRequestError
from thermoquake.modis.sinusoidal import GRID_NORTH_M, GRID_WEST_M, lonlat_to_xy, xy_to_lonlat

TILE_PIXELS = 1200
"""Pixels per tile side (1 km products)."""
PIXEL_M = 2.0 * np.pi * 6371007.181 / 36 / TILE_PIXELS
"""Pixel side, metres on the MODIS sphere (926.625 m)."""
PIXEL_AREA_KM2 = (PIXEL_M / 1000.0) ** 2
"""Area of one pixel, km^2 (equal for every pixel: the projection is equal-area)."""
MAX_PIXELS = 40_000_000
"""Largest region grid accepted (about 6300 x 6300 km)."""


@dataclass(frozen=True)
class RegionGrid:
    """A window of the global sinusoidal 1 km pixel grid covering ``region``.

    Attributes:
        region: the lon/lat box (degrees).
        row0, col0: global pixel row and column of the window's top-left pixel.
        height, width: window size, pixels.
    """

    region: Region
    row0: int
    col0: int
    height: int
    width: int

    @classmethod
    def for_region(cls, region: Region) -> RegionGrid:
        """The smallest window of whole pixels holding the sinusoidal image of ``region``."""
        if region.crosses_antimeridian:
            raise BadRequestError(f"region {region.text} crosses the antimeridian; split it in two")
        t = np.linspace(0.0, 1.0, 201)
        lons = np.concatenate([region.lon_min + t * (region.lon_max - region.lon_min)] * 2
                              + [np.full_like(t, region.lon_min), np.full_like(t, region.lon_max)])
        lats = np.concatenate([np.full_like(t, region.lat_min), np.full_like(t, region.lat_max)]
                              + [region.lat_min + t * (region.lat_max - region.lat_min)] * 2)
        x, y = lonlat_to_xy(lons, lats)
        col0 = int(np.floor((x.min() - GRID_WEST_M) / PIXEL_M))
        col1 = int(np.ceil((x.max() - GRID_WEST_M) / PIXEL_M))
        row0 = int(np.floor((GRID_NORTH_M - y.max()) / PIXEL_M))
        row1 = int(np.ceil((GRID_NORTH_M - y.min()) / PIXEL_M))
        height, width = max(row1 - row0, 1), max(col1 - col0, 1)
        if height * width > MAX_PIXELS:
            raise BadRequestError(f"region {region.text} is {width} x {height} pixels, more than "
                                  f"{MAX_PIXELS} (split it)")
        return cls(region, row0, col0, height, width)

    @property
    def shape(self) -> tuple[int, int]:
        return self.height, self.width

    @property
    def transform(self) -> Affine:
        """Pixel corner -> sinusoidal metres."""
        return Affine(PIXEL_M, 0.0, GRID_WEST_M + self.col0 * PIXEL_M,
                      0.0, -PIXEL_M, GRID_NORTH_M - self.row0 * PIXEL_M)

    @property
    def x_m(self) -> np.ndarray:
        """Sinusoidal x of each column's pixel centres, metres, shape (width,)."""
        return GRID_WEST_M + (self.col0 + np.arange(self.width) + 0.5) * PIXEL_M

    @property
    def y_m(self) -> np.ndarray:
        """Sinusoidal y of each row's pixel centres, metres, shape (height,)."""
        return GRID_NORTH_M - (self.row0 + np.arange(self.height) + 0.5) * PIXEL_M

    def lonlat(self) -> tuple[np.ndarray, np.ndarray]:
        """Longitude and latitude of every pixel centre, degrees, float64 (height, width) each."""
        return _lonlat(self)

    def inside(self) -> np.ndarray:
        """bool (height, width): pixel centre inside the lon/lat box (cached, read-only)."""
        return _inside(self)

    def tiles(self) -> list[tuple[int, int]]:
        """``(h, v)`` of every tile the window overlaps, sorted."""
        h0, h1 = self.col0 // TILE_PIXELS, (self.col0 + self.width - 1) // TILE_PIXELS
        v0, v1 = self.row0 // TILE_PIXELS, (self.row0 + self.height - 1) // TILE_PIXELS
        return [(h, v) for h in range(h0, h1 + 1) for v in range(v0, v1 + 1)]

    def tile_overlap(self, h: int, v: int) -> tuple[slice, slice, slice, slice] | None:
        """``(tile rows, tile cols, region rows, region cols)`` slices of the overlap of tile
        ``h, v`` with the window, or None."""
        r0 = max(self.row0, v * TILE_PIXELS)
        r1 = min(self.row0 + self.height, (v + 1) * TILE_PIXELS)
        c0 = max(self.col0, h * TILE_PIXELS)
        c1 = min(self.col0 + self.width, (h + 1) * TILE_PIXELS)
        if r0 >= r1 or c0 >= c1:
            return None
        return (slice(r0 - v * TILE_PIXELS, r1 - v * TILE_PIXELS), slice(c0 - h * TILE_PIXELS, c1 - h * TILE_PIXELS),
                slice(r0 - self.row0, r1 - self.row0), slice(c0 - self.col0, c1 - self.col0))

    def to_dict(self) -> dict[str, object]:
        return {"region": self.region.text, "row0": self.row0, "col0": self.col0,
                "height": self.height, "width": self.width, "pixel_m": PIXEL_M,
                "crs": "MODIS sinusoidal (sphere R = 6371007.181 m)"}


@functools.lru_cache(maxsize=4)
def _lonlat(grid: RegionGrid) -> tuple[np.ndarray, np.ndarray]:
    lon, lat = xy_to_lonlat(grid.x_m[None, :], grid.y_m[:, None])
    lon = np.broadcast_to(lon, grid.shape).copy()
    lat = np.broadcast_to(lat, grid.shape).copy()
    lon.flags.writeable = False
    lat.flags.writeable = False
    return lon, lat


@functools.lru_cache(maxsize=4)
def _inside(grid: RegionGrid) -> np.ndarray:
    lon, lat = grid.lonlat()
    r = grid.region
    out = np.isfinite(lon) & (lon >= r.lon_min) & (lon <= r.lon_max) & (lat >= r.lat_min) & (lat <= r.lat_max)
    out.flags.writeable = False
    return out
