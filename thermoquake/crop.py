"""Epicentre images: mosaic the tiles a box needs and reproject them to the epicentre grid.

Each given tile is read only where the box needs it (a window of the tile);
the windows are placed on the global sinusoidal pixel grid (a mosaic), and the
mosaic is warped once with rasterio (nearest neighbour, exact transformer) to
the EPSG:4326 epicentre grid. A box across the antimeridian has two mosaics,
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

from thermoquake.epicentre_grid import EpicentreGrid
from thermoquake.errors import BadRequestError
from thermoquake.modis.reader import LstTileFile
from thermoquake.modis.sinusoidal import (
    GRID_NORTH_M, GRID_WEST_M, TILE_SIZE_M, sinusoidal_crs, tile_name,
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


def source_window(tile: LstTileFile, x: np.ndarray, y: np.ndarray) -> Window | None:
    """The part of ``tile`` holding the sinusoidal points ``x, y`` (m, the box's pixel centres),
    with a small margin; None if it holds none of them."""
    inv = ~tile.transform
    col = inv.a * x + inv.b * y + inv.c
    row = inv.d * x + inv.e * y + inv.f
    inside = (col >= 0) & (col < tile.grid.xdim) & (row >= 0) & (row < tile.grid.ydim)
    if not inside.any():
        return None
    c0 = max(int(np.floor(col[inside].min())) - WINDOW_MARGIN_PX, 0)
    c1 = min(int(np.floor(col[inside].max())) + 1 + WINDOW_MARGIN_PX, tile.grid.xdim)
    r0 = max(int(np.floor(row[inside].min())) - WINDOW_MARGIN_PX, 0)
    r1 = min(int(np.floor(row[inside].max())) + 1 + WINDOW_MARGIN_PX, tile.grid.ydim)
    return Window(c0, r0, c1 - c0, r1 - r0)


def global_transform(pixels_per_tile: int) -> Affine:
    """Transform of the whole-globe pixel grid that every tile of a product is a window of."""
    size = TILE_SIZE_M / pixels_per_tile
    return Affine(size, 0.0, GRID_WEST_M, 0.0, -size, GRID_NORTH_M)


@dataclass(frozen=True)
class _Piece:
    """A tile window placed on the global pixel grid: rows/cols are global pixel offsets."""

    tile: LstTileFile
    window: Window

    @property
    def row0(self) -> int:
        return self.tile.granule.v * self.tile.grid.ydim + int(self.window.row_off)

    @property
    def col0(self) -> int:
        return self.tile.granule.h * self.tile.grid.xdim + int(self.window.col_off)


def _groups(pieces: list[_Piece]) -> list[list[_Piece]]:
    """Split pieces into groups of neighbours; a box across the antimeridian gives two groups
    (its pieces sit at both ends of the global grid), any other box one."""
    pieces = sorted(pieces, key=lambda p: p.col0)
    groups = [[pieces[0]]]
    for prev, cur in zip(pieces, pieces[1:]):
        gap = cur.col0 - (prev.col0 + int(prev.window.width))
        if gap > cur.tile.grid.xdim:
            groups.append([])
        groups[-1].append(cur)
    return groups


def mosaic(pieces: list[_Piece], qc_policy: str) -> tuple[np.ndarray, Affine]:
    """Read each piece into one NaN-initialised array on the global grid (deg C, float32)
    and return it with its sinusoidal transform."""
    row0 = min(p.row0 for p in pieces)
    col0 = min(p.col0 for p in pieces)
    rows = max(p.row0 + int(p.window.height) for p in pieces) - row0
    cols = max(p.col0 + int(p.window.width) for p in pieces) - col0
    values = np.full((rows, cols), np.nan, dtype=np.float32)
    for p in pieces:
        part = p.tile.read(qc_policy, p.window)
        r, c = p.row0 - row0, p.col0 - col0
        values[r:r + part.celsius.shape[0], c:c + part.celsius.shape[1]] = part.celsius
    pixels = pieces[0].tile.grid.xdim
    return values, global_transform(pixels) @ Affine.translation(col0, row0)


def warp_into(values: np.ndarray, transform: Affine, grid: EpicentreGrid, destination: np.ndarray) -> None:
    """Nearest-neighbour warp of a sinusoidal array (deg C) into ``destination`` (float32
    (size, size), EPSG:4326), keeping pixels already filled."""
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
    )


def crop_epicentre(
    paths: Sequence[str | os.PathLike[str]],
    lat: float,
    lon: float,
    size: int = 256,
    layer: str = "LST_Night_1km",
    qc_policy: str = "paper",
) -> EpicentreImage:
    """Crop a ``size`` x ``size`` km image centred on (lat, lon) degrees from MODIS LST tiles.

    The tiles (one product, one date) are mosaicked on the global sinusoidal
    pixel grid, reading only the windows the box needs, then warped once.
    Raises :class:`BadRequestError` if the tiles are mixed, or if none of them
    covers any pixel of the box.
    """
    grid = EpicentreGrid(lat=lat, lon=lon, size=size)
    if not paths:
        raise BadRequestError("no tile given")
    tiles: list[LstTileFile] = []
    try:
        for p in paths:
            tiles.append(LstTileFile(p, layer))
        _check_same_granule_kind(tiles)
        x, y = grid.sinusoidal_centres()
        pieces = [_Piece(t, w) for t in tiles if (w := source_window(t, x, y)) is not None]
        needed = {tile_name(h, v) for h, v in grid.tiles()}
        given = {t.granule.tile for t in tiles}
        if not pieces:
            raise BadRequestError(
                f"none of the given tiles ({', '.join(sorted(given))}) covers the {size} km box "
                f"centred at {lat:.4f} N {lon:.4f} E, which needs {', '.join(sorted(needed))}",
                tiles[0].path if len(tiles) == 1 else None,
            )
        destination = np.full(grid.shape, np.nan, dtype=np.float32)
        for group in _groups(pieces):
            warp_into(*mosaic(group, qc_policy), grid, destination)
        used = [p.tile for p in pieces]
        first = tiles[0].granule
        return EpicentreImage(
            celsius=destination,
            grid=grid,
            product=first.product,
            layer=layer,
            qc_policy=qc_policy,
            date=first.date,
            sources=tuple(sorted(t.path.name for t in used)),
            missing_tiles=tuple(sorted(needed - given)),
            synthetic=any(t.synthetic for t in used),
        )
    finally:
        for tile in tiles:
            tile.close()


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
