"""MODIS granule file names: ``MYD11A1.A2008129.h26v05.061.2015146150958.hdf``.

Fields: product short name, acquisition date (``AYYYYDDD``, day of year),
tile (``hHHvVV``), collection (``006``/``061``), production time
(``YYYYDDDHHMMSS``).
"""

from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass
from pathlib import Path

from thermoquake.errors import BadTileError
from thermoquake.modis.sinusoidal import N_TILES_H, N_TILES_V

GRANULE_RE = re.compile(
    r"^(?P<product>M[OY]D[0-9A-Z]{2,6})\.A(?P<year>\d{4})(?P<doy>\d{3})\."
    r"h(?P<h>\d{2})v(?P<v>\d{2})\.(?P<collection>\d{3})\.(?P<production>\d{13})\.hdf$"
)


@dataclass(frozen=True, order=True)
class GranuleName:
    """What a MODIS tile's file name claims about it."""

    product: str
    date: dt.date
    h: int
    v: int
    collection: str
    production: str

    @property
    def tile(self) -> str:
        return f"h{self.h:02d}v{self.v:02d}"

    @property
    def filename(self) -> str:
        return (
            f"{self.product}.A{self.date.year:04d}{self.date.timetuple().tm_yday:03d}."
            f"{self.tile}.{self.collection}.{self.production}.hdf"
        )


def parse_granule_name(path: str | os.PathLike[str]) -> GranuleName:
    """Parse a MODIS tile file name; raise :class:`BadTileError` naming the file if it does not fit."""
    name = Path(path).name
    m = GRANULE_RE.match(name)
    if m is None:
        raise BadTileError(
            "file name does not follow the MODIS convention "
            "PRODUCT.AYYYYDDD.hHHvVV.CCC.YYYYDDDHHMMSS.hdf",
            path,
        )
    year, doy = int(m["year"]), int(m["doy"])
    try:
        date = dt.date(year, 1, 1) + dt.timedelta(days=doy - 1)
    except OverflowError:
        date = None
    if date is None or doy < 1 or date.year != year:
        raise BadTileError(f"file name has an impossible day of year {year}-{doy:03d}", path)
    h, v = int(m["h"]), int(m["v"])
    if not (0 <= h < N_TILES_H and 0 <= v < N_TILES_V):
        raise BadTileError(f"file name names tile h{h:02d}v{v:02d}, outside the 36 x 18 grid", path)
    return GranuleName(m["product"], date, h, v, m["collection"], m["production"])


def is_granule_name(path: str | os.PathLike[str]) -> bool:
    """True if ``path``'s file name follows the MODIS granule convention."""
    return GRANULE_RE.match(Path(path).name) is not None
