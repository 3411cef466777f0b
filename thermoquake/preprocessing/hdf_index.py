"""Find MODIS tiles under a directory (recursively) by their file names.

Only names that follow the MODIS convention are considered (anything else, and the
``.*.tmp-*`` files of unfinished writes, is ignored); the content is checked later,
when a tile is read. If one granule (product, date, tile) exists in several productions,
the newest production is used and a note says so.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from pathlib import Path

from thermoquake.errors import BadTileError, InputNotFoundError, ThermoquakeError
from thermoquake.modis.naming import GranuleName, is_granule_name, parse_granule_name


@dataclass
class HdfIndex:
    """``paths[(date, "hHHvVV")]`` -> path of the tile of ``product``; ``notes`` for the user."""

    product: str
    paths: dict[tuple[dt.date, str], Path] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def get(self, date: dt.date, tile: str) -> Path | None:
        return self.paths.get((date, tile))


def scan_hdf_dir(root: str | os.PathLike[str], product: str) -> HdfIndex:
    """Index every ``product`` tile under ``root`` (sorted walk: the result is deterministic)."""
    root = Path(root)
    if not root.is_dir():
        raise InputNotFoundError("--hdf-dir is not a directory", root)
    index = HdfIndex(product)
    chosen: dict[tuple[dt.date, str], GranuleName] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in sorted(filenames):
            if not is_granule_name(name):
                continue
            path = Path(dirpath) / name
            try:
                granule = parse_granule_name(path)
            except BadTileError as err:
                index.notes.append(f"ignored {err}")
                continue
            if granule.product != product:
                continue
            key = (granule.date, granule.tile)
            old = chosen.get(key)
            if old is None or (granule.production, granule.collection, str(path)) > (
                    old.production, old.collection, str(index.paths[key])):
                if old is not None:
                    index.notes.append(f"{granule.product} {granule.date} {granule.tile}: several "
                                       f"productions; using {path} rather than {index.paths[key]}")
                chosen[key] = granule
                index.paths[key] = path
            else:
                index.notes.append(f"{granule.product} {granule.date} {granule.tile}: several "
                                   f"productions; using {index.paths[key]} rather than {path}")
    return index
