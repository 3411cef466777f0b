"""What each image of a preprocess workdir was made from, and which images are stale.

Every image records its recipe in its GeoTIFF tag ``recipe`` (JSON): the event or control
id, the box centre (``lat``, ``lon``, degrees), its size (km = pixels), the image date,
and every tile of ``--hdf-dir`` the box needed on that date, by file name with the SHA-256
of its bytes. The recipe is written with the image (one atomic file), so it always
describes the pixels beside it.

On resume, an image already present is kept only if the recipe the plan gives now is the
one it records. It is stale -- deleted and made again -- when its event or control moved
(other coordinates under the same id), when a tile it was made from was replaced (other
bytes, or a newer production under another name), when a tile it lacked has appeared, or
when it cannot be read. An event whose time changed under the same id gets images of other
dates: those are planned as new ones (the old dates leave the manifest).

Images made before recipes were recorded have none; for them only the centre, size and
date in their other tags are compared (their tiles cannot be).

Hashing every tile on every resume would cost a full read of ``--hdf-dir``; the SHA-256 of
each tile is kept under ``state/tile_hashes/`` keyed by the tile's path, size and
modification time (ns), and recomputed only when one of those changes. (A tile rewritten
in place with the same size and modification time is not noticed: ``thermoquake verify``
checks tiles against their recorded checksums.)
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path

from thermoquake.atomic import write_text_atomic
from thermoquake.preprocessing.hdf_index import HdfIndex
from thermoquake.preprocessing.plan import ImageTask

RECIPE_TAG = "recipe"
TILE_HASHES_DIR = "state/tile_hashes"
CHUNK = 1 << 20


def file_sha256(path: str | os.PathLike[str]) -> str:
    """SHA-256 (hex) of the bytes of ``path``."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _cache_file(workdir: Path, path: Path) -> Path:
    key = hashlib.sha256(str(path).encode("utf-8")).hexdigest()[:24]
    return workdir / TILE_HASHES_DIR / f"{key}.json"


def tile_sha256(workdir: Path, path: str | os.PathLike[str], write_cache: bool = True) -> str:
    """SHA-256 of tile ``path``, from the workdir's cache when the tile's path, size and
    modification time match a cached entry; otherwise hashed (and cached if
    ``write_cache``). A tile that cannot be read gives ``"unreadable"``."""
    path = Path(path)
    try:
        st = path.stat()
    except OSError:
        return "unreadable"
    record = _cache_file(workdir, path)
    try:
        cached = json.loads(record.read_text(encoding="utf-8"))
        if (cached.get("path"), cached.get("size"), cached.get("mtime_ns")) == (str(path), st.st_size,
                                                                                 st.st_mtime_ns):
            return str(cached["sha256"])
    except (OSError, ValueError, KeyError, AttributeError):
        pass
    try:
        sha = file_sha256(path)
    except OSError:
        return "unreadable"
    if write_cache:
        write_text_atomic(record, json.dumps({"path": str(path), "size": st.st_size,
                                              "mtime_ns": st.st_mtime_ns, "sha256": sha},
                                             sort_keys=True) + "\n")
    return sha


def image_recipe(task: ImageTask, tiles: Mapping[str, str]) -> dict:
    """The recipe of ``task`` made from ``tiles`` (file name -> SHA-256)."""
    return {"id": task.event_id, "lat": task.lat, "lon": task.lon, "size": task.size,
            "date": task.date.isoformat(), "tiles": dict(sorted(tiles.items()))}


def recipe_tag(recipe: dict) -> dict[str, str]:
    """The GeoTIFF tag that records ``recipe``."""
    return {RECIPE_TAG: json.dumps(recipe, sort_keys=True, separators=(",", ":"))}


def planned_recipe(task: ImageTask, index: HdfIndex, workdir: Path, write_cache: bool = True,
                   memo: dict[Path, str] | None = None) -> dict:
    """The recipe ``task`` would be made from now, with the tiles ``index`` holds (``memo``:
    tile hashes already looked up in this run)."""
    memo = {} if memo is None else memo
    tiles = {}
    for tile in task.tiles:
        path = index.get(task.date, tile)
        if path is not None:
            if path not in memo:
                memo[path] = tile_sha256(workdir, path, write_cache)
            tiles[path.name] = memo[path]
    return image_recipe(task, tiles)


def _recorded(path: Path) -> tuple[dict | None, dict[str, str]] | None:
    """(recipe or None, all tags) of an image; None if it cannot be read."""
    from thermoquake.image.geotiff import read_tags

    try:
        tags = read_tags(path)
    except Exception:  # noqa: BLE001 - any unreadable image is remade
        return None
    text = tags.get(RECIPE_TAG)
    if text is None:
        return None, tags
    try:
        recipe = json.loads(text)
    except ValueError:
        return None
    return (recipe if isinstance(recipe, dict) else None), tags


def _legacy_matches(task: ImageTask, tags: dict[str, str]) -> bool:
    try:
        return (float(tags["epicentre_lat"]) == task.lat and float(tags["epicentre_lon"]) == task.lon
                and int(tags["size_px"]) == task.size and tags["date"] == task.date.isoformat())
    except (KeyError, ValueError):
        return False


def find_stale_images(tasks: Sequence[ImageTask], index: HdfIndex, workdir: Path,
                      write_cache: bool = True) -> list[ImageTask]:
    """The tasks whose image is present but stale (see the module doc), in plan order."""
    stale, memo = [], {}
    for task in tasks:
        path = workdir / task.relpath
        if not path.exists():
            continue
        recorded = _recorded(path)
        if recorded is None:
            stale.append(task)
            continue
        recipe, tags = recorded
        if recipe is None:
            if not _legacy_matches(task, tags):
                stale.append(task)
            continue
        if recipe != planned_recipe(task, index, workdir, write_cache, memo):
            stale.append(task)
    return stale


def remove_images(workdir: Path, tasks: Sequence[ImageTask]) -> None:
    """Delete the images of ``tasks`` (stale ones, before they are made again)."""
    for task in tasks:
        (workdir / task.relpath).unlink(missing_ok=True)
