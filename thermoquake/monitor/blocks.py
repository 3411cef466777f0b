"""Space blocks of a monitored region: each day is computed block by block, so a worker's
memory depends on the block's area, not the region's.

* Blocks: squares of ``block_km`` x ``block_km`` pixels (1 km) whose edges lie on multiples
  of ``block_km`` of the global sinusoidal grid (:func:`region_blocks`). With the default
  (:data:`DEFAULT_BLOCK_KM`, one MODIS tile) a block never straddles a tile, so a tile is
  decoded once per block and date; smaller blocks divide memory further but decode each
  tile once per block overlapping it.
* Spatial means: RETIRA's ``dT = T - Tbar`` needs the mean of the *whole* region image of each
  date. A first pass reads every needed image once (tile by tile) and caches ``(sum, count)``
  of its valid pixels under ``MONITORDIR/means/`` (one JSON file per job, keyed by date and
  the date's input fingerprint). The sum is :func:`math.fsum` of per-row
  partial sums, exact whatever the grouping, so ``Tbar`` and hence every R value are the same
  bits whatever the block size.
* Units: one (day, block) pair: the block's reference statistics (cached under
  ``MONITORDIR/reference/`` per block and set of reference days), R, and the three-state map,
  saved as ``MONITORDIR/units/YYYY-MM-DD/BLOCK.npz`` with the settings key and the inputs'
  fingerprint. A killed run, run again, recomputes only the units without a valid file.
* Assembly: when every block of a day is done, the blocks are put together into the day's
  file (:func:`thermoquake.monitor.daily.day_path`, the format the rest of ``monitor`` reads),
  the day's anomalous regions are found on the whole map (so a region crossing a block edge is
  one region) and the unit files are removed. Assembly holds one day of the whole region
  (about 20 bytes per pixel: LST, R, states, labels, cells).

Image sources: :class:`HdfImages` (MODIS tiles) and :class:`ArrayImages` (one ``.npy`` per
day, for benchmarks and tests of the computation without tile decoding).
"""

from __future__ import annotations

import collections
import datetime as dt
import functools
import hashlib
import json
import math
import os
import shutil
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import numpy as np

from thermoquake.atomic import atomic_path, write_text_atomic
from thermoquake.catalog.geodesy import haversine_km
from thermoquake.evaluation.csep_files import CellGrid
from thermoquake.modis.reader import LstTileFile
from thermoquake.modis.region_grid import TILE_PIXELS, RegionGrid
from thermoquake.modis.sinusoidal import tile_name, xy_to_lonlat
from thermoquake.monitor.calendar import reference_dates
from thermoquake.monitor.daily import (
    FORMAT_VERSION,
    MonitorSettings,
    anomalous_regions,
    cell_ids,
    day_path,
    inputs_fingerprint,
)
from thermoquake.monitor.outputs import MEANS_DIR, REFERENCE_DIR, UNITS_DIR, day_geotiff_path
from thermoquake.preprocessing.hdf_index import HdfIndex
from thermoquake.rst.anomalies import NO_DATA, anomaly_states
from thermoquake.rst.retira import ReferenceStats, retira_result

DEFAULT_BLOCK_KM = TILE_PIXELS
"""Default block side, km (pixels): one MODIS tile."""
ImageRead = tuple["np.ndarray | None", list[str], list[str], bool]


@dataclass(frozen=True)
class Block:
    """Rows ``r0:r1`` and columns ``c0:c1`` of the regional grid."""

    r0: int
    r1: int
    c0: int
    c1: int

    @property
    def name(self) -> str:
        return f"r{self.r0}-{self.r1}c{self.c0}-{self.c1}"

    @property
    def shape(self) -> tuple[int, int]:
        return self.r1 - self.r0, self.c1 - self.c0

    @property
    def slices(self) -> tuple[slice, slice]:
        return slice(self.r0, self.r1), slice(self.c0, self.c1)


def _edges(start: int, size: int, step: int) -> list[int]:
    inner = range((start // step + 1) * step, start + size, step)
    return [0, *(e - start for e in inner), size]


def region_blocks(grid: RegionGrid, block_km: int = DEFAULT_BLOCK_KM) -> list[Block]:
    """The blocks of ``grid`` (module doc), row-major."""
    if block_km < 1:
        raise ValueError(f"block size must be >= 1 km, got {block_km}")
    rows, cols = _edges(grid.row0, grid.height, block_km), _edges(grid.col0, grid.width, block_km)
    return [Block(a, b, c, d) for a, b in zip(rows, rows[1:]) for c, d in zip(cols, cols[1:])]


@functools.lru_cache(maxsize=2)
def block_lonlat(grid: RegionGrid, block: Block) -> tuple[np.ndarray, np.ndarray]:
    """Longitude and latitude of the block's pixel centres, degrees, float64 (block shape),
    read-only (cached)."""
    lon, lat = xy_to_lonlat(grid.x_m[block.c0:block.c1][None, :], grid.y_m[block.r0:block.r1][:, None])
    lon, lat = np.broadcast_to(lon, block.shape).copy(), np.broadcast_to(lat, block.shape).copy()
    lon.flags.writeable = lat.flags.writeable = False
    return lon, lat


@functools.lru_cache(maxsize=4)
def block_inside(grid: RegionGrid, block: Block) -> np.ndarray:
    """bool (block shape): pixel centre inside the region's lon/lat box (read-only, cached)."""
    lon, lat = block_lonlat(grid, block)
    r = grid.region
    out = np.isfinite(lon) & (lon >= r.lon_min) & (lon <= r.lon_max) & (lat >= r.lat_min) & (lat <= r.lat_max)
    out.flags.writeable = False
    return out


class ImageSource(Protocol):
    """Region images by day: what the blocked computation reads."""

    grid: RegionGrid

    def read(self, date: dt.date, block: Block) -> ImageRead:
        """``(image, sources, missing, synthetic)``: deg C float32 (block shape), NaN = no value
        or outside the region; None when no input covers the block that day."""

    def valid_sum(self, date: dt.date) -> tuple[float, int]:
        """Sum (deg C, :func:`math.fsum` of per-row sums) and count of the valid pixels inside
        the whole region on ``date``."""

    def fingerprint(self, dates: Sequence[dt.date]) -> str:
        """Hash of the input files of ``dates`` (name, size, modification time)."""

    def restricted(self, dates: Sequence[dt.date]) -> ImageSource:
        """The same source knowing only ``dates`` (what a job is sent with)."""


@dataclass
class HdfImages:
    """Region images read from MODIS LST tiles (:class:`HdfIndex`), block by block."""

    index: HdfIndex
    grid: RegionGrid
    layer: str
    qc_policy: str
    reads: int = 0

    def _tile(self, path: Path) -> tuple[np.ndarray, bool]:
        with LstTileFile(path, self.layer) as tile:
            lst = tile.read(self.qc_policy)
        self.reads += 1
        return lst.celsius, lst.synthetic

    def read(self, date: dt.date, block: Block) -> ImageRead:
        image = np.full(block.shape, np.nan, dtype=np.float32)
        sources, missing, synthetic = [], [], False
        for h, v in self.grid.tiles():
            overlap = self.grid.tile_overlap(h, v)
            tr, tc, rr, rc = overlap
            r0, r1 = max(rr.start, block.r0), min(rr.stop, block.r1)
            c0, c1 = max(rc.start, block.c0), min(rc.stop, block.c1)
            if r0 >= r1 or c0 >= c1:
                continue
            path = self.index.get(date, tile_name(h, v))
            if path is None:
                missing.append(tile_name(h, v))
                continue
            celsius, synth = self._tile(path)
            dr, dc = tr.start - rr.start, tc.start - rc.start
            image[r0 - block.r0:r1 - block.r0, c0 - block.c0:c1 - block.c0] = celsius[r0 + dr:r1 + dr, c0 + dc:c1 + dc]
            sources.append(os.fspath(path))
            synthetic = synthetic or synth
        image[~block_inside(self.grid, block)] = np.nan
        return (image if sources else None), sources, missing, synthetic

    def valid_sum(self, date: dt.date) -> tuple[float, int]:
        inside = self.grid.inside()
        parts, count = [], 0
        for h, v in self.grid.tiles():
            path = self.index.get(date, tile_name(h, v))
            if path is None:
                continue
            tr, tc, rr, rc = self.grid.tile_overlap(h, v)
            values = self._tile(path)[0][tr, tc].astype(np.float64)
            valid = np.isfinite(values) & inside[rr, rc]
            parts += np.where(valid, values, 0.0).sum(axis=1).tolist()
            count += int(valid.sum())
        return math.fsum(parts), count

    def fingerprint(self, dates: Sequence[dt.date]) -> str:
        return inputs_fingerprint(self.index, self.grid, list(dates))

    def restricted(self, dates: Sequence[dt.date]) -> HdfImages:
        keep = set(dates)
        index = HdfIndex(self.index.product, {k: v for k, v in self.index.paths.items() if k[0] in keep})
        return HdfImages(index, self.grid, self.layer, self.qc_policy)


@dataclass
class ArrayImages:
    """Region images stored as ``DIRECTORY/YYYY-MM-DD.npy`` (float32, the grid's shape, deg C,
    NaN = no value), read block by block through memory maps. For benchmarks and tests of the
    computation itself (no tile decoding); ``synthetic`` marks the outputs."""

    directory: Path
    grid: RegionGrid
    synthetic: bool = True
    reads: int = 0

    def _path(self, date: dt.date) -> Path:
        return Path(self.directory) / f"{date.isoformat()}.npy"

    def read(self, date: dt.date, block: Block) -> ImageRead:
        path = self._path(date)
        if not path.is_file():
            return None, [], [path.name], False
        self.reads += 1
        image = np.array(np.load(path, mmap_mode="r")[block.slices], dtype=np.float32)
        image[~block_inside(self.grid, block)] = np.nan
        return image, [os.fspath(path)], [], self.synthetic

    def valid_sum(self, date: dt.date) -> tuple[float, int]:
        path = self._path(date)
        if not path.is_file():
            return 0.0, 0
        data = np.load(path, mmap_mode="r")
        inside = self.grid.inside()
        parts, count = [], 0
        for r0 in range(0, self.grid.height, 256):
            values = np.asarray(data[r0:r0 + 256], dtype=np.float64)
            valid = np.isfinite(values) & inside[r0:r0 + 256]
            parts += np.where(valid, values, 0.0).sum(axis=1).tolist()
            count += int(valid.sum())
        return math.fsum(parts), count

    def fingerprint(self, dates: Sequence[dt.date]) -> str:
        items = []
        for d in dates:
            path = self._path(d)
            if path.is_file():
                st = path.stat()
                items.append([d.isoformat(), path.name, st.st_size, st.st_mtime_ns])
        return hashlib.sha256(json.dumps(items).encode()).hexdigest()[:20]

    def restricted(self, dates: Sequence[dt.date]) -> ArrayImages:
        return self


# --- spatial means -------------------------------------------------------------------------

def _means_key(settings: MonitorSettings) -> dict:
    return {"version": FORMAT_VERSION, "region": settings.region.text, "product": settings.product,
            "layer": settings.layer, "qc_policy": settings.qc_policy}


def mean_key(date: dt.date, settings: MonitorSettings, inputs: str) -> str:
    """``YYYY-MM-DD:digest`` of the date, the settings that select its pixels and its inputs."""
    digest = hashlib.sha256(json.dumps(_means_key(settings) | {"inputs": inputs}, sort_keys=True).encode())
    return f"{date.isoformat()}:{digest.hexdigest()[:16]}"


def load_means(monitor_dir: Path) -> dict[str, tuple[float, int]]:
    """Every cached ``(sum, count)`` under ``MONITORDIR/means/`` by :func:`mean_key`."""
    out: dict[str, tuple[float, int]] = {}
    folder = Path(monitor_dir) / MEANS_DIR
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        try:
            out.update({k: (float(v[0]), int(v[1])) for k, v in json.loads(path.read_text(encoding="utf-8")).items()})
        except (OSError, ValueError, TypeError, IndexError):
            continue                      # unreadable: its dates are computed again
    return out


@dataclass(frozen=True)
class MeanJob:
    """Dates whose whole-region spatial mean one worker computes; ``keys`` their :func:`mean_key`."""

    dates: tuple[dt.date, ...]
    keys: tuple[str, ...]
    source: ImageSource
    monitor_dir: Path


def run_mean_job(job: MeanJob) -> int:
    """Compute the job's ``(sum, count)`` and save them in one file; return how many."""
    values = {k: list(job.source.valid_sum(d)) for d, k in zip(job.dates, job.keys)}
    digest = hashlib.sha256("".join(job.keys).encode()).hexdigest()[:16]
    write_text_atomic(Path(job.monitor_dir) / MEANS_DIR / f"{job.dates[0].isoformat()}-{digest}.json",
                      json.dumps(values, sort_keys=True) + "\n")
    return len(values)


def mean_jobs(source: ImageSource, settings: MonitorSettings, monitor_dir: Path, dates: Sequence[dt.date],
              per_job: int) -> tuple[dict[dt.date, str], list[MeanJob]]:
    """The :func:`mean_key` of ``dates`` and the jobs computing those not cached yet."""
    keys = {d: mean_key(d, settings, source.fingerprint([d])) for d in dates}
    known = load_means(monitor_dir)
    todo = [d for d in dates if keys[d] not in known]
    return keys, [MeanJob(tuple(todo[i:i + per_job]), tuple(keys[d] for d in todo[i:i + per_job]),
                          source.restricted(todo[i:i + per_job]), Path(monitor_dir))
                  for i in range(0, len(todo), per_job)]


def date_means(monitor_dir: Path, keys: dict[dt.date, str]) -> dict[dt.date, float | None]:
    """The spatial means (deg C; None: no valid pixel) of the dates of ``keys`` once
    :func:`run_mean_job` cached them."""
    known = load_means(monitor_dir)
    out = {}
    for d, k in keys.items():
        total, count = known[k]
        out[d] = total / count if count > 0 else None
    return out


# --- (day, block) units --------------------------------------------------------------------

def unit_path(monitor_dir: Path, day: dt.date, block: Block) -> Path:
    return Path(monitor_dir) / UNITS_DIR / day.isoformat() / f"{block.name}.npz"


def read_unit(path: Path) -> tuple[dict, np.ndarray, np.ndarray, np.ndarray]:
    """``(meta, lst deg C float32, R float32, states int8)`` of a saved unit, each (block shape)."""
    with np.load(path) as z:
        return json.loads(str(z["meta"])), z["lst"], z["r"], z["states"]


def unit_is_done(monitor_dir: Path, day: dt.date, block: Block, key: str, inputs: str) -> bool:
    path = unit_path(monitor_dir, day, block)
    if not path.is_file():
        return False
    try:
        with np.load(path) as z:
            meta = json.loads(str(z["meta"]))
        return meta.get("key") == key and meta.get("inputs") == inputs and meta.get("block") == block.name
    except (OSError, ValueError, KeyError):
        return False


def block_reference_path(monitor_dir: Path, day: dt.date, dates: list[dt.date], settings: MonitorSettings,
                         block: Block, inputs: str) -> Path:
    key = settings.reference_key() | {"dates": [d.isoformat() for d in dates], "block": block.name,
                                      "inputs": inputs}
    key["quakes"] = [[q.date.isoformat(), q.lat, q.lon] for q in settings.quakes
                     if any(abs((q.date - d).days) <= settings.exclusion_days for d in dates)]
    digest = hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:16]
    return Path(monitor_dir) / REFERENCE_DIR / f"{day:%m%d}-{block.name}-{digest}.npz"


@dataclass
class BlockImages:
    """The block's images by day, the last ``capacity`` kept (least recently used out first)."""

    source: ImageSource
    block: Block
    capacity: int
    _cache: collections.OrderedDict = field(default_factory=collections.OrderedDict)

    def read(self, date: dt.date) -> ImageRead:
        if date in self._cache:
            self._cache.move_to_end(date)
            return self._cache[date]
        out = self.source.read(date, self.block)
        self._cache[date] = out
        if len(self._cache) > self.capacity:
            self._cache.popitem(last=False)
        return out


def block_exclusion(grid: RegionGrid, block: Block, date: dt.date, settings: MonitorSettings) -> np.ndarray | None:
    """bool (block shape): pixels within ``exclusion_km`` of a quake within ``exclusion_days``
    of ``date``; None if none."""
    near = [q for q in settings.quakes if abs((q.date - date).days) <= settings.exclusion_days]
    if not near:
        return None
    lon, lat = block_lonlat(grid, block)
    mask = np.zeros(block.shape, dtype=bool)
    for q in near:
        mask |= haversine_km(q.lat, q.lon, lat, lon) <= settings.exclusion_km
    return mask


def block_reference(day: dt.date, settings: MonitorSettings, images: BlockImages, means: dict,
                    monitor_dir: Path, inputs: str) -> tuple[ReferenceStats, bool]:
    """The block's reference statistics of ``day`` and whether they came from the cache."""
    dates = reference_dates(day, settings.reference_years, settings.window_days)
    block, grid = images.block, images.source.grid
    path = block_reference_path(monitor_dir, day, dates, settings, block, inputs)
    if path.is_file():
        with np.load(path) as z:
            if tuple(z["count"].shape) == block.shape:
                stats = ReferenceStats(block.shape)
                stats._count, stats._mean, stats._m2 = z["count"].astype(np.int32), z["mean"], z["m2"]
                stats.images = int(z["images"])
                return stats, True
    stats = ReferenceStats(block.shape)
    for d in dates:
        if means[d] is None:               # no valid pixel in the whole region that day
            continue
        image = images.read(d)[0]
        delta = (np.full(block.shape, np.nan) if image is None else image.astype(np.float64) - means[d])
        mask = block_exclusion(grid, block, d, settings)
        if mask is not None:
            delta[mask] = np.nan
        stats.add_anomaly(delta)
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as fh:
            np.savez(fh, count=stats._count, mean=stats._mean, m2=stats._m2, images=np.int64(stats.images))
    return stats, False


def compute_unit(day: dt.date, settings: MonitorSettings, images: BlockImages, means: dict, monitor_dir: Path,
                 inputs: str) -> dict:
    """Compute and save one (day, block) unit (module doc); return its metadata."""
    block, grid = images.block, images.source.grid
    lst, sources, missing, synthetic = images.read(day)
    if lst is None:
        lst = np.full(block.shape, np.nan, dtype=np.float32)
    stats, cached = block_reference(day, settings, images, means, monitor_dir, inputs)
    mean = means.get(day)
    result = retira_result(lst, stats, settings.min_count, spatial_mean=math.nan if mean is None else mean,
                           sigma_floor_k=settings.sigma_floor_k)
    r = result.r.astype(np.float32)
    inside = block_inside(grid, block)
    r[~inside] = np.nan
    states = anomaly_states(r, settings.threshold)
    states[~inside] = NO_DATA
    meta = {"key": settings.day_key(), "inputs": inputs, "block": block.name, "date": day.isoformat(),
            "sources": [Path(s).name for s in sources], "missing_tiles": missing, "synthetic": synthetic,
            "reference_images": stats.images, "reference_cached": cached}
    with atomic_path(unit_path(monitor_dir, day, block)) as tmp:
        with open(tmp, "wb") as fh:
            np.savez(fh, lst=lst.astype(np.float32), r=r, states=states, meta=np.array(json.dumps(meta, sort_keys=True)))
    return meta


@dataclass(frozen=True)
class UnitJob:
    """Consecutive days of one block, computed by one worker (days in order, so the block's
    image cache serves the overlapping reference windows of neighbouring days)."""

    days: tuple[dt.date, ...]
    block: Block
    source: ImageSource
    settings: MonitorSettings
    monitor_dir: Path
    inputs: dict            # day -> fingerprint of its and its reference days' inputs
    means: dict             # date -> spatial mean (deg C) or None


def run_unit_job(job: UnitJob) -> list[tuple[str, str, bool]]:
    """Compute the job's unfinished units; return ``(date, block, computed now)`` per unit."""
    per_day = len(reference_dates(job.days[0], job.settings.reference_years, job.settings.window_days)) + 2
    images = BlockImages(job.source, job.block, per_day)
    key = job.settings.day_key()
    out = []
    for day in job.days:
        if unit_is_done(job.monitor_dir, day, job.block, key, job.inputs[day]):
            out.append((day.isoformat(), job.block.name, False))
            continue
        compute_unit(day, job.settings, images, job.means, job.monitor_dir, job.inputs[day])
        out.append((day.isoformat(), job.block.name, True))
    return out


# --- assembly -----------------------------------------------------------------------------

def assemble_day(day: dt.date, grid: RegionGrid, blocks: Sequence[Block], settings: MonitorSettings,
                 monitor_dir: Path, inputs: str, cells: np.ndarray | None = None, write_geotiff: bool = True) -> dict:
    """Put the day's units together into its day file (module doc); return its metadata.
    ``cells``: :func:`cell_ids` of the grid (computed when None)."""
    lst = np.full(grid.shape, np.nan, dtype=np.float32)
    r = np.full(grid.shape, np.nan, dtype=np.float32)
    states = np.full(grid.shape, NO_DATA, dtype=np.int8)
    sources, missing, synthetic, images, cached = set(), set(), False, set(), True
    for block in blocks:
        meta, a, b, c = read_unit(unit_path(monitor_dir, day, block))
        lst[block.slices], r[block.slices], states[block.slices] = a, b, c
        sources.update(meta["sources"])
        missing.update(meta["missing_tiles"])
        synthetic = synthetic or meta["synthetic"]
        images.add(meta["reference_images"])
        cached = cached and meta["reference_cached"]
    cells = cell_ids(grid, settings.cell_deg) if cells is None else cells
    regions = anomalous_regions(r, grid, cells, settings.threshold, settings.min_area_km2,
                                CellGrid(settings.cell_deg).rows)
    n_inside = int(grid.inside().sum())
    meta = {"key": settings.day_key(), "inputs": inputs, "date": day.isoformat(), "sources": sorted(sources),
            "missing_tiles": sorted(missing), "synthetic": synthetic, "reference_images": max(images),
            "reference_cached": cached, "blocks": len(blocks),
            "valid_fraction": float(np.isfinite(lst).sum() / max(n_inside, 1)),
            "r_fraction": float(np.isfinite(r).sum() / max(n_inside, 1)),
            "anomalous_pixels": int((states == 1).sum()), "regions": regions}
    with atomic_path(day_path(monitor_dir, day)) as tmp:
        with open(tmp, "wb") as fh:
            np.savez_compressed(fh, lst=lst, r=r, states=states, meta=np.array(json.dumps(meta, sort_keys=True)))
    if write_geotiff:
        from thermoquake.monitor.outputs import write_day_geotiff

        write_day_geotiff(day_geotiff_path(monitor_dir, day), grid, lst, r, states, meta)
    units = Path(monitor_dir) / UNITS_DIR / day.isoformat()
    if units.is_dir():
        shutil.rmtree(units)
    return meta


@dataclass(frozen=True)
class AssembleJob:
    """Days whose units one worker puts together."""

    days: tuple[dt.date, ...]
    grid: RegionGrid
    blocks: tuple[Block, ...]
    settings: MonitorSettings
    monitor_dir: Path
    inputs: dict
    geotiffs: bool


def run_assemble_job(job: AssembleJob) -> list[str]:
    """Assemble the job's days; return their dates."""
    cells = cell_ids(job.grid, job.settings.cell_deg)
    for day in job.days:
        assemble_day(day, job.grid, job.blocks, job.settings, job.monitor_dir, job.inputs[day], cells, job.geotiffs)
    return [d.isoformat() for d in job.days]
