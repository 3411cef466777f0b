"""Epicentre images: mosaic the tiles a box needs and reproject them to the epicentre grid.

Each given tile is read only where the box needs it (a window of the tile);
the windows are placed on the global sinusoidal pixel grid (a mosaic), and the
mosaic is resampled once, nearest neighbour, to the EPSG:4326 epicentre grid:
by default in closed form (``engine="direct"``), or by rasterio's ``reproject``
(``engine="gdal"``, GDAL's warper with the exact transformer); the two give the
same image. A box across the antimeridian has two mosaics,
one each side, warped into the same image. Pixels that no given tile covers
stay NaN.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from affine import Affine
from rasterio.crs import CRS
from rasterio.enums import Resampling
from rasterio.warp import reproject
from rasterio.windows import Window

from thermoquake.image.grid import EpicentreGrid, check_box_memory
from thermoquake.errors import BadRequestError
from thermoquake.modis.reader import LstArray, LstTileFile
from thermoquake.modis.sinusoidal import (
    GRID_NORTH_M, GRID_WEST_M, SPHERE_RADIUS_M, TILE_SIZE_M, sinusoidal_crs, tile_name, wrap_longitude,
)

GEOGRAPHIC_CRS = CRS.from_epsg(4326)
WINDOW_MARGIN_PX = 2


@dataclass(frozen=True)
class EpicentreImage:
    """One epicentre image and where it came from.

    Attributes:
        celsius: float32 (size, size), deg C, NaN for no data.
        grid: the epicentre grid (EPSG:4326 transform, centre, size).
        product, layer, qc_policy, date: what was read.
        sources: file names of the tiles that contributed, sorted.
        missing_tiles: tiles the box needs that were not given (their pixels are NaN).
        synthetic: True if any source is a synthetic tile.
    """

    celsius: np.ndarray
    grid: EpicentreGrid
    product: str
    layer: str
    qc_policy: str
    date: dt.date
    sources: tuple[str, ...]
    missing_tiles: tuple[str, ...] = field(default=())
    synthetic: bool = False

    @property
    def valid_fraction(self) -> float:
        """Fraction of pixels with a value (0..1)."""
        return float(np.isfinite(self.celsius).mean())


def source_window(transform: Affine, shape: tuple[int, int], grid: EpicentreGrid) -> Window | None:
    """The part of a north-up sinusoidal raster (``transform`` in metres, ``shape`` (rows, cols))
    that holds the pixel centres of ``grid``, with a small margin; None if it holds none.

    The grid is separable (one latitude per row, one longitude per column) and x grows with
    longitude along a row, so each row's in-raster columns are found by binary search rather
    than by testing all size x size centres. Across the antimeridian (longitudes not
    monotonic once wrapped) every centre is tested.
    """
    inv = ~transform
    lons, lats = grid.centre_axes()
    lam = np.radians(wrap_longitude(lons))
    if inv.b != 0 or inv.d != 0 or inv.a <= 0 or np.any(np.diff(lam) <= 0):
        return _dense_source_window(inv, shape, *grid.sinusoidal_centres())
    n_rows, n_cols = shape
    row = inv.e * (SPHERE_RADIUS_M * np.radians(lats)) + inv.f
    in_rows = (row >= 0) & (row < n_rows)
    k = inv.a * SPHERE_RADIUS_M * np.cos(np.radians(lats[in_rows]))   # col = k * lam + inv.c
    first = np.searchsorted(lam, -inv.c / k, side="left")
    end = np.searchsorted(lam, (n_cols - inv.c) / k, side="left")
    hit = end > first
    if not hit.any():
        return None
    col_min = (k[hit] * lam[first[hit]] + inv.c).min()
    col_max = (k[hit] * lam[end[hit] - 1] + inv.c).max()
    rows_hit = row[in_rows][hit]
    return _window_with_margin(col_min, col_max, rows_hit.min(), rows_hit.max(), shape)


def _dense_source_window(inv: Affine, shape: tuple[int, int], x: np.ndarray, y: np.ndarray) -> Window | None:
    col = inv.a * x + inv.b * y + inv.c
    row = inv.d * x + inv.e * y + inv.f
    inside = (col >= 0) & (col < shape[1]) & (row >= 0) & (row < shape[0])
    if not inside.any():
        return None
    return _window_with_margin(col[inside].min(), col[inside].max(), row[inside].min(), row[inside].max(), shape)


def _window_with_margin(col_min: float, col_max: float, row_min: float, row_max: float,
                        shape: tuple[int, int]) -> Window:
    c0 = max(int(np.floor(col_min)) - WINDOW_MARGIN_PX, 0)
    c1 = min(int(np.floor(col_max)) + 1 + WINDOW_MARGIN_PX, shape[1])
    r0 = max(int(np.floor(row_min)) - WINDOW_MARGIN_PX, 0)
    r1 = min(int(np.floor(row_max)) + 1 + WINDOW_MARGIN_PX, shape[0])
    return Window(c0, r0, c1 - c0, r1 - r0)


def global_transform(pixels_per_tile: int) -> Affine:
    """Transform of the whole-globe pixel grid that every tile of a product is a window of."""
    size = TILE_SIZE_M / pixels_per_tile
    return Affine(size, 0.0, GRID_WEST_M, 0.0, -size, GRID_NORTH_M)


@dataclass(frozen=True)
class _Piece:
    """Pixels of one tile placed on the global pixel grid (``row0``, ``col0``: global offsets)."""

    values: np.ndarray
    row0: int
    col0: int
    pixels_per_tile: int


def _piece(array: LstArray, window: Window, pixels_per_tile: int) -> _Piece:
    r0, c0 = int(window.row_off), int(window.col_off)
    values = array.celsius[r0:r0 + int(window.height), c0:c0 + int(window.width)]
    return _Piece(values,
                  array.granule.v * pixels_per_tile + int(array.window.row_off) + r0,
                  array.granule.h * pixels_per_tile + int(array.window.col_off) + c0,
                  pixels_per_tile)


def _groups(pieces: list[_Piece]) -> list[list[_Piece]]:
    """Split pieces into groups of neighbours; a box across the antimeridian gives two groups
    (its pieces sit at both ends of the global grid), any other box one."""
    pieces = sorted(pieces, key=lambda p: p.col0)
    groups = [[pieces[0]]]
    for prev, cur in zip(pieces, pieces[1:]):
        if cur.col0 - (prev.col0 + prev.values.shape[1]) > cur.pixels_per_tile:
            groups.append([])
        groups[-1].append(cur)
    return groups


def mosaic(pieces: list[_Piece]) -> tuple[np.ndarray, Affine]:
    """Place pieces in one NaN-initialised float32 array (deg C) on the global grid; return it
    with its sinusoidal transform."""
    row0 = min(p.row0 for p in pieces)
    col0 = min(p.col0 for p in pieces)
    rows = max(p.row0 + p.values.shape[0] for p in pieces) - row0
    cols = max(p.col0 + p.values.shape[1] for p in pieces) - col0
    values = np.full((rows, cols), np.nan, dtype=np.float32)
    for p in pieces:
        r, c = p.row0 - row0, p.col0 - col0
        values[r:r + p.values.shape[0], c:c + p.values.shape[1]] = p.values
    return values, global_transform(pieces[0].pixels_per_tile) @ Affine.translation(col0, row0)


ENGINES: tuple[str, ...] = ("direct", "gdal")
DEFAULT_ENGINE = "direct"


def warp_into(values: np.ndarray, transform: Affine, grid: EpicentreGrid, destination: np.ndarray,
              engine: str = DEFAULT_ENGINE) -> None:
    """Nearest-neighbour warp of a sinusoidal array (deg C, north-up ``transform`` in metres)
    into ``destination`` (float32 (size, size), EPSG:4326): each destination pixel takes the
    source pixel holding its centre, where that pixel has a value; other pixels are kept.

    ``engine="gdal"`` runs rasterio's ``reproject`` (GDAL's warper, exact transformer);
    ``engine="direct"`` evaluates the same mapping in closed form (x = R lon cos(lat),
    y = R lat on the MODIS sphere) and gathers the pixels. Both give the same image
    (tests/test_crop_engines.py); ``direct`` avoids GDAL's fixed cost of ~4.5 ms a call,
    most of it spent building PROJ objects, which dominated a crop.
    """
    if engine == "direct":
        _gather_into(values, transform, grid, destination)
    elif engine == "gdal":
        _gdal_warp_into(values, transform, grid, destination)
    else:
        raise BadRequestError(f"unknown engine {engine!r}; choose one of {', '.join(ENGINES)}")


def _gather_into(values: np.ndarray, transform: Affine, grid: EpicentreGrid, destination: np.ndarray) -> None:
    inv = ~transform
    if inv.b != 0 or inv.d != 0:
        raise ValueError("the direct engine needs a north-up source transform")
    x, y = grid.sinusoidal_centres()
    col = np.floor(inv.a * x + inv.c)
    row = np.floor(inv.e * y[:, :1] + inv.f)
    inside = (col >= 0) & (col < values.shape[1]) & (row >= 0) & (row < values.shape[0])
    picked = values[np.clip(row, 0, values.shape[0] - 1).astype(np.intp),
                    np.clip(col, 0, values.shape[1] - 1).astype(np.intp)]
    write = inside & ~np.isnan(picked)
    destination[write] = picked[write]


def _gdal_warp_into(values: np.ndarray, transform: Affine, grid: EpicentreGrid, destination: np.ndarray) -> None:
    reproject(
        source=values,
        destination=destination,
        src_transform=transform,
        src_crs=sinusoidal_crs(),
        src_nodata=np.nan,
        dst_transform=grid.transform,
        dst_crs=GEOGRAPHIC_CRS,
        dst_nodata=np.nan,
        resampling=Resampling.nearest,
        init_dest_nodata=False,
        tolerance=0.0,
        # GDAL estimates the source window from samples of the destination; across the
        # antimeridian that estimate fell a pixel short (tests/test_mosaic.py). A few pixels
        # of margin cost nothing measurable.
        SOURCE_EXTRA=4,
    )


def crop_from_arrays(arrays: Sequence[LstArray], grid: EpicentreGrid,
                     pixels_per_tile: int = 1200, engine: str = DEFAULT_ENGINE) -> EpicentreImage:
    """Crop the epicentre image ``grid`` from LST already read (whole tiles or windows of them).

    For batches: read each tile once (:func:`thermoquake.modis.reader.read_lst_tile`) and
    crop every box that needs it. ``arrays`` must share product, date, layer and QC policy
    (:func:`crop_epicentre` checks that for files). Raises :class:`BadRequestError` if none
    of them covers a pixel of the box.
    """
    hits = [(a, w) for a in arrays if (w := source_window(a.transform, a.celsius.shape, grid)) is not None]
    pieces = [_piece(a, w, pixels_per_tile) for a, w in hits]
    given = [a.granule.tile for a in arrays]
    if not pieces:
        raise _no_cover_error(grid, given, arrays[0].source if len(arrays) == 1 else None)
    destination = np.full(grid.shape, np.nan, dtype=np.float32)
    for group in _groups(pieces):
        warp_into(*mosaic(group), grid, destination, engine)
    used = [a for a, _ in hits]
    needed = {tile_name(h, v) for h, v in grid.tiles()}
    first = arrays[0]
    return EpicentreImage(
        celsius=destination,
        grid=grid,
        product=first.granule.product,
        layer=first.layer,
        qc_policy=first.qc_policy,
        date=first.granule.date,
        sources=tuple(sorted(a.source.name for a in used)),
        missing_tiles=tuple(sorted(needed - set(given))),
        synthetic=any(a.synthetic for a in used),
    )


def crop_epicentre(
    paths: Sequence[str | os.PathLike[str]],
    lat: float,
    lon: float,
    size: int = 256,
    layer: str = "LST_Night_1km",
    qc_policy: str = "paper",
    engine: str = DEFAULT_ENGINE,
) -> EpicentreImage:
    """Crop a ``size`` x ``size`` km image centred on (lat, lon) degrees from MODIS LST tiles.

    The tiles (one product, one date) are read only where the box needs them,
    mosaicked on the global sinusoidal pixel grid, and warped once. Raises
    :class:`BadRequestError` if the box would need more memory than allowed
    (:func:`~thermoquake.image.grid.check_box_memory`), if the tiles are mixed, or if
    none of them covers any pixel of the box.
    """
    if engine not in ENGINES:
        raise BadRequestError(f"unknown engine {engine!r}; choose one of {', '.join(ENGINES)}")
    grid = EpicentreGrid(lat=lat, lon=lon, size=size)
    check_box_memory(size)
    if not paths:
        raise BadRequestError("no tile given")
    tiles: list[LstTileFile] = []
    try:
        for p in paths:
            tiles.append(LstTileFile(p, layer))
        _check_same_granule_kind(tiles)
        arrays = []
        for t in tiles:
            window = source_window(t.transform, (t.grid.ydim, t.grid.xdim), grid)
            if window is not None:
                arrays.append(t.read(qc_policy, window))
        if not arrays:
            raise _no_cover_error(grid, [t.granule.tile for t in tiles], tiles[0].path if len(tiles) == 1 else None)
        return crop_from_arrays(arrays, grid, tiles[0].grid.xdim, engine)
    finally:
        for tile in tiles:
            tile.close()


def _no_cover_error(grid: EpicentreGrid, given: Sequence[str], source: object) -> BadRequestError:
    needed = sorted(tile_name(h, v) for h, v in grid.tiles())
    return BadRequestError(
        f"none of the given tiles ({', '.join(sorted(set(given)))}) covers the {grid.size} km box "
        f"centred at {grid.lat:.4f} N {grid.lon:.4f} E, which needs {', '.join(needed)}",
        source,
    )


def _check_same_granule_kind(tiles: Sequence[LstTileFile]) -> None:
    first = tiles[0]
    seen: dict[str, Path] = {}
    for tile in tiles:
        g = tile.granule
        if g.product != first.granule.product:
            raise BadRequestError(
                f"is {g.product} but {first.path.name} is {first.granule.product}: one crop takes "
                "tiles of one product", tile.path)
        if g.date != first.granule.date:
            raise BadRequestError(
                f"is dated {g.date} but {first.path.name} is dated {first.granule.date}: one crop "
                "takes tiles of one date", tile.path)
        if g.tile in seen:
            raise BadRequestError(f"tile {g.tile} is given twice (also {seen[g.tile].name})", tile.path)
        seen[g.tile] = tile.path
