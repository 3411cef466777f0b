"""Re-check a directory of MODIS LST tiles: each tile's internal consistency, and its
checksum where a check against NASA's published value was recorded.

For every ``*.hdf`` under the directory (recursively; hidden files, such as unfinished
downloads, are skipped):

- where ``<granule>.verified.json`` exists (:mod:`thermoquake.fetch.checksum`), the size and
  checksum must still be the ones NASA published;
- the tile must open as thermoquake reads it (name, HDF-EOS grid, metadata that agrees
  with the name), and both LST layers with their QC layers must be consistent
  (:mod:`thermoquake.modis.consistency`).

A ``.verified.json`` whose granule is gone is reported too. What cannot be seen: a
corruption that leaves a tile self-consistent, in a file without a recorded checksum.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from thermoquake.errors import ThermoquakeError
from thermoquake.fetch.checksum import SIDECAR_SUFFIX, check_file, read_sidecar, sidecar_path
from thermoquake.modis.products import LAYERS
from thermoquake.modis.reader import LstTileFile


@dataclass(frozen=True)
class TileVerdict:
    """What verifying one file found.

    Attributes:
        path: the tile (or the orphaned checksum record).
        problem: one line saying what is wrong, or None if nothing is.
        checks: what was checked and passed, in order.
    """

    path: Path
    problem: str | None
    checks: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return self.problem is None


def verify_tile(path: str | os.PathLike[str]) -> TileVerdict:
    """Check one tile (see the module docstring); never raises for a bad file."""
    path = Path(path)
    checks: list[str] = []
    record = sidecar_path(path)
    try:
        if record.exists():
            sidecar = read_sidecar(record)
            problem = check_file(path, sidecar)
            if problem:
                return TileVerdict(path, problem, tuple(checks))
            checks.append(f"{sidecar.checksum_type} checksum as published ({sidecar.source})")
        for layer, qc_layer in LAYERS.items():
            with LstTileFile(path, layer) as tile:
                tile.layers()
            checks.append(f"{layer}/{qc_layer} consistent")
    except ThermoquakeError as err:
        return TileVerdict(path, err.problem if err.source in (None, str(path)) else str(err), tuple(checks))
    except OSError as err:
        return TileVerdict(path, f"cannot be read: {err.strerror or err}", tuple(checks))
    return TileVerdict(path, None, tuple(checks))


def tiles_under(root: str | os.PathLike[str]) -> list[Path]:
    """Every ``*.hdf`` file under ``root``, sorted; hidden names (``.x.tmp-*``) skipped."""
    root = Path(root)
    if not root.is_dir():
        raise ThermoquakeError("is not a directory", root)
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        found += [Path(dirpath) / n for n in sorted(filenames)
                  if n.lower().endswith(".hdf") and not n.startswith(".")]
    return found


def verify_directory(root: str | os.PathLike[str]) -> list[TileVerdict]:
    """Verify every tile under ``root`` and report checksum records whose tile is missing.
    :class:`ThermoquakeError` if ``root`` holds neither tiles nor records."""
    tiles = tiles_under(root)
    verdicts = [verify_tile(p) for p in tiles]
    for record in sorted(Path(root).rglob(f"*{SIDECAR_SUFFIX}")):
        granule = record.name[:-len(SIDECAR_SUFFIX)]
        if not record.name.startswith(".") and not record.with_name(granule).is_file():
            verdicts.append(TileVerdict(record, f"records a check of {granule}, which is not in the directory",
                                        ()))
    if not verdicts:
        raise ThermoquakeError("holds no .hdf tiles", root)
    return verdicts
