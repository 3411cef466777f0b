"""Epicentre images: mosaic the tiles a box needs and reproject them to the epicentre grid.

Each given tile is read only where the box needs it (a window of the tile),
then warped with rasterio (nearest neighbour, exact transformer) into one
shared EPSG:4326 destination, so several tiles of one date form a mosaic.
Pixels that no given tile covers stay NaN.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from rasterio.crs import CRS
from rasterio.enums import Resampling
from rasterio.warp import reproject
from rasterio.windows import Window

from thermoquake.epicentre_grid import EpicentreGrid
from thermoquake.errors import BadRequestError
from thermoquake.modis.reader import LstArray, LstTileFile
from thermoquake.modis.sinusoidal import sinusoidal_crs, tile_name, tiles_containing_xy

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


def warp_into(part: LstArray, grid: EpicentreGrid, destination: np.ndarray) -> None:
    """Nearest-neighbour warp of ``part`` into ``destination`` (float32 (size, size)), keeping
    pixels already filled by other tiles."""
    reproject(
        source=part.celsius,
        destination=destination,
        src_transform=part.transform,
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

    All tiles must be of one product and date. Raises :class:`BadRequestError`
    if they are mixed, or if none of them covers any pixel of the box.
    """
    grid = EpicentreGrid(lat=lat, lon=lon, size=size)
    if not paths:
        raise BadRequestError("no tile given")
    tiles = [LstTileFile(p, layer) for p in paths]
    try:
        _check_same_granule_kind(tiles)
        destination = np.full(grid.shape, np.nan, dtype=np.float32)
        x, y = grid.sinusoidal_centres()
        used: list[LstTileFile] = []
        for tile in tiles:
            window = source_window(tile, x, y)
            if window is None:
                continue
            warp_into(tile.read(qc_policy, window), grid, destination)
            used.append(tile)
        needed = {tile_name(h, v) for h, v in tiles_containing_xy(x, y)}
        given = {t.granule.tile for t in tiles}
        if not used:
            raise BadRequestError(
                f"none of the given tiles ({', '.join(sorted(given))}) covers the {size} km box "
                f"centred at {lat:.4f} N {lon:.4f} E, which needs {', '.join(sorted(needed))}",
                tiles[0].path if len(tiles) == 1 else None,
            )
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
