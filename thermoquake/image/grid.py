"""The epicentre image grid: ``size`` x ``size`` pixels of 1 km on the MODIS sphere, centred on a point.

Pixel height ``dlat = (1000 / R) * 180 / pi`` degrees, pixel width
``dlon = dlat / cos(lat)`` degrees, R = 6371007.181 m. The epicentre is the
corner shared by the four central pixels. Other tools and tests depend on this
contract exactly.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass

import numpy as np
from affine import Affine

from thermoquake.errors import BadRequestError
from thermoquake.modis.sinusoidal import SPHERE_RADIUS_M, lonlat_to_xy, tiles_containing_xy

PIXEL_KM = 1.0
TILE_PROBE_STRIDE = 16
DLAT_DEG = math.degrees(PIXEL_KM * 1000.0 / SPHERE_RADIUS_M)
"""Pixel height in degrees of latitude (0.0089932 deg)."""


BOX_BYTES_PER_PIXEL = 48
"""Peak memory of cropping and writing one epicentre image, bytes per output pixel: the
pixel-centre coordinates (2 x float64), source indices and masks of the closed-form warp,
the float32 image and its read-back. Measured ~40 bytes a pixel (peak RSS growth) for
1024..4096 km boxes; rounded up."""
MAX_BOX_GIB_ENV = "THERMOQUAKE_MAX_BOX_GIB"
DEFAULT_MAX_BOX_GIB = 2.0


def box_memory_gib(size: int) -> float:
    """Estimated peak memory (GiB) of one ``size`` x ``size`` km epicentre image."""
    return size * size * BOX_BYTES_PER_PIXEL / 2**30


def max_box_gib() -> float:
    """The memory limit of one box (GiB): ``THERMOQUAKE_MAX_BOX_GIB``, default 2."""
    text = os.environ.get(MAX_BOX_GIB_ENV, "").strip()
    if not text:
        return DEFAULT_MAX_BOX_GIB
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        raise BadRequestError(f"{MAX_BOX_GIB_ENV}={text!r} is not a positive number of GiB")
    return value


def check_box_memory(size: int) -> None:
    """Refuse, before anything is allocated, a box whose estimated memory
    (:func:`box_memory_gib`) exceeds :func:`max_box_gib`."""
    need, limit = box_memory_gib(size), max_box_gib()
    if need > limit:
        raise BadRequestError(
            f"a {size} km box needs about {need:.3g} GiB of memory ({BOX_BYTES_PER_PIXEL} bytes a "
            f"pixel), more than the {limit:g} GiB limit: use a smaller --size, or raise "
            f"{MAX_BOX_GIB_ENV} if the machine has the memory")


@dataclass(frozen=True)
class EpicentreGrid:
    """Geographic (EPSG:4326) grid of an epicentre image.

    Attributes:
        lat: latitude of the centre, degrees north (-90..90).
        lon: longitude of the centre, degrees east (-180..180).
        size: image width and height in pixels (1 km each).
    """

    lat: float
    lon: float
    size: int = 256

    def __post_init__(self) -> None:
        if not (isinstance(self.size, int) and self.size >= 2 and self.size % 2 == 0):
            raise BadRequestError(f"size must be an even number of pixels >= 2, got {self.size!r}")
        if not math.isfinite(self.lat) or not -90.0 <= self.lat <= 90.0:
            raise BadRequestError(f"latitude {self.lat} is outside -90..90 degrees")
        if not math.isfinite(self.lon) or not -180.0 <= self.lon <= 180.0:
            raise BadRequestError(f"longitude {self.lon} is outside -180..180 degrees")
        half = self.size / 2 * DLAT_DEG
        if abs(self.lat) + half >= 90.0:
            raise BadRequestError(
                f"a {self.size} km box centred at latitude {self.lat} reaches past the pole"
            )

    @property
    def dlat(self) -> float:
        """Pixel height, degrees."""
        return DLAT_DEG

    @property
    def dlon(self) -> float:
        """Pixel width, degrees (``dlat / cos(lat)``)."""
        return DLAT_DEG / math.cos(math.radians(self.lat))

    @property
    def west(self) -> float:
        """Longitude of the west edge, degrees (may be < -180 across the antimeridian)."""
        return self.lon - self.size / 2 * self.dlon

    @property
    def north(self) -> float:
        """Latitude of the north edge, degrees."""
        return self.lat + self.size / 2 * self.dlat

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """``(west, south, east, north)`` in degrees."""
        return (
            self.west,
            self.north - self.size * self.dlat,
            self.west + self.size * self.dlon,
            self.north,
        )

    @property
    def shape(self) -> tuple[int, int]:
        """``(rows, cols)`` of the image."""
        return self.size, self.size

    @property
    def transform(self) -> Affine:
        """Affine transform from pixel corners to lon/lat degrees."""
        return Affine(self.dlon, 0.0, self.west, 0.0, -self.dlat, self.north)

    @property
    def crosses_antimeridian(self) -> bool:
        west, _, east, _ = self.bounds
        return west < -180.0 or east > 180.0

    def centre_axes(self) -> tuple[np.ndarray, np.ndarray]:
        """Longitudes of the column centres and latitudes of the row centres (degrees), each ``(size,)``."""
        idx = np.arange(self.size, dtype=np.float64) + 0.5
        return self.west + idx * self.dlon, self.north - idx * self.dlat

    def pixel_centres(self) -> tuple[np.ndarray, np.ndarray]:
        """Longitudes and latitudes (degrees) of the pixel centres, each of shape ``(size, size)``."""
        return np.meshgrid(*self.centre_axes())

    def sinusoidal_centres(self) -> tuple[np.ndarray, np.ndarray]:
        """MODIS sinusoidal x, y (metres) of the pixel centres, each ``(size, size)``."""
        lons, lats = self.centre_axes()
        x_row, y_col = lonlat_to_xy(lons[None, :], lats[:, None])
        return x_row, np.broadcast_to(y_col, x_row.shape)

    def tiles(self) -> list[tuple[int, int]]:
        """MODIS ``(h, v)`` tiles holding at least one pixel centre of the image, sorted.

        Tests the outer ring of pixel centres and an interior lattice every
        ``TILE_PROBE_STRIDE`` pixels: a tile (1112 km square) holding an interior
        pixel but no ring pixel would lie wholly inside the box, and the lattice finds it.
        """
        x, y = self.sinusoidal_centres()
        s = TILE_PROBE_STRIDE
        probes = (x[0], x[-1], x[:, 0], x[:, -1], x[::s, ::s].ravel()), (y[0], y[-1], y[:, 0], y[:, -1], y[::s, ::s].ravel())
        return tiles_containing_xy(np.concatenate(probes[0]), np.concatenate(probes[1]))
