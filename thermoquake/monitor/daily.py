"""One monitored day of a region: the LST mosaic, its RST reference, RETIRA, the three-state
map and the day's anomalous regions, saved so that a later run does not compute it again.

* LST: every tile covering the region is read (its own 1 km pixels, :mod:`thermoquake.modis.region_grid`)
  and the region window is cut out of it: deg C, float32, NaN = no QC-passed value or outside
  the lon/lat box.
* Reference: the days of :func:`thermoquake.monitor.calendar.reference_dates` (same calendar
  day +- ``window_days`` in each reference year, never the monitored year). With quakes, a
  reference pixel is left out on every day within ``exclusion_days`` of a quake of magnitude
  >= ``exclusion_min_mag`` within ``exclusion_km`` km of it. The per-pixel statistics (count,
  mean, M2 of ``dT``) are computed once per set of reference days and cached under
  ``MONITORDIR/reference/``: monitored days of different years with the same reference days
  (e.g. 2017-03-01 and 2018-03-01 with reference years 2003-2016) share one file.
* RETIRA: :func:`thermoquake.rst.retira.retira_result` against that reference, with the
  ``min_count`` rule and the sigma floor.
* States: :func:`thermoquake.rst.anomalies.anomaly_states` (1 anomaly, 0 none, -1 no data).
* Regions: connected (8-neighbour) R >= threshold regions of at least ``min_area_km2``, each
  with its centroid (degrees), area (km^2, pixels x 0.8586 km^2), peak R and the forecast
  cells it touches.

A day is saved as ``MONITORDIR/days/YYYY-MM-DD.npz`` (atomically) with the key of the settings
that made it and a fingerprint of its tiles and its reference days' tiles (name, size,
modification time); a day whose file holds the current key and fingerprint is not
recomputed. Cached references are keyed by their days' tiles the same way.
"""

from __future__ import annotations

import collections
import datetime as dt
import hashlib
import json
import math
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from thermoquake.atomic import atomic_path
from thermoquake.preprocessing.hdf_index import HdfIndex
from thermoquake.catalog.geodesy import haversine_km
from thermoquake.catalog.region import Region
from thermoquake.evaluation.csep_files import CellGrid
from thermoquake.modis.reader import LstTileFile
from thermoquake.modis.region_grid import PIXEL_AREA_KM2, RegionGrid
from thermoquake.modis.sinusoidal import tile_name, xy_to_lonlat
from thermoquake.monitor.calendar import reference_dates
from thermoquake.monitor.outputs import DAYS_DIR, REFERENCE_DIR, day_geotiff_path
from thermoquake.rst.anomalies import NO_DATA, anomaly_states
from thermoquake.rst.retira import ReferenceStats, retira_result
from thermoquake.rst.sequences import Quake

FORMAT_VERSION = 1
IMAGE_CACHE = 64
"""Default number of region images kept in memory by :class:`RegionImages`."""


@dataclass(frozen=True)
class MonitorSettings:
    """What determines a monitored day's result.

    Attributes:
        region: the lon/lat box (degrees).
        reference_years: candidate reference years (the monitored year is always left out).
        window_days: reference days either side of the calendar day.
        product, layer, qc_policy: which LST is read.
        threshold: R of an anomaly.
        min_count: fewest valid reference samples for an R value.
        sigma_floor_k: smallest reference sigma, K.
        min_area_km2: smallest anomalous region, km^2.
        cell_deg: forecast cell size, degrees (divides 180).
        quakes: catalogue quakes that keep reference pixel-days out (empty: no exclusion).
        exclusion_km, exclusion_days: how near (km, days) a quake excludes.
    """

    region: Region
    reference_years: tuple[int, ...]
    window_days: int = 4
    product: str = "MYD11A1"
    layer: str = "LST_Night_1km"
    qc_policy: str = "paper"
    threshold: float = 2.0
    min_count: int = 5
    sigma_floor_k: float = 0.5
    min_area_km2: float = 150.0
    cell_deg: float = 0.5
    quakes: tuple[Quake, ...] = ()
    exclusion_km: float = 200.0
    exclusion_days: int = 30

    def reference_key(self) -> dict:
        return {"version": FORMAT_VERSION, "region": self.region.text, "product": self.product,
                "layer": self.layer, "qc_policy": self.qc_policy, "exclusion_km": self.exclusion_km,
                "exclusion_days": self.exclusion_days}

    def day_key(self) -> str:
        """Hash of every setting that changes a day's saved result."""
        d = asdict(self)
        d["region"] = self.region.text
        d["quakes"] = [[q.date.isoformat(), q.lat, q.lon, q.magnitude] for q in self.quakes]
        d["version"] = FORMAT_VERSION
        return hashlib.sha256(json.dumps(d, sort_keys=True, default=str).encode()).hexdigest()[:20]


def quakes_near(events, region: Region, min_mag: float, km: float) -> tuple[Quake, ...]:
    """Catalogue events (``thermoquake.catalog.schema.Event``) of magnitude >= ``min_mag``
    within about ``km`` km of ``region``, as :class:`Quake`."""
    dlat = km / 111.195
    out = []
    for e in events:
        dlon = km / (111.195 * max(math.cos(math.radians(e.latitude)), 1e-6))
        if (e.magnitude >= min_mag and region.lat_min - dlat <= e.latitude <= region.lat_max + dlat
                and region.lon_min - dlon <= e.longitude <= region.lon_max + dlon):
            out.append(Quake(e.time.date(), e.latitude, e.longitude, e.magnitude))
    return tuple(sorted(out, key=lambda q: (q.date, q.lat, q.lon)))


def cell_ids(grid: RegionGrid, cell_deg: float) -> np.ndarray:
    """int64 (height, width): the :class:`CellGrid` cell of every pixel as ``i * rows + j``
    (-1 outside the region)."""
    cells = CellGrid(cell_deg)
    lon, lat = grid.lonlat()
    inside = grid.inside()
    i = np.floor((np.where(inside, lon, 0.0) + 180.0) / cell_deg + 1e-9).astype(np.int64) % cells.columns
    j = np.minimum(np.floor((np.where(inside, lat, 0.0) + 90.0) / cell_deg + 1e-9).astype(np.int64),
                   cells.rows - 1)
    return np.where(inside, i * cells.rows + j, -1)


def region_cells(grid: RegionGrid, cell_deg: float) -> list[tuple[int, int]]:
    """The cells (column from 180 W, row from 90 S) holding at least one pixel of the region, sorted."""
    rows = CellGrid(cell_deg).rows
    ids = np.unique(cell_ids(grid, cell_deg))
    return [(int(c // rows), int(c % rows)) for c in ids if c >= 0]


@dataclass
class RegionImages:
    """Reads region mosaics of one product/layer from an :class:`HdfIndex`, keeping the last
    ``capacity`` in memory (least recently used out first). Days computed in order with a
    capacity of one day's reference days plus two read each image once: the next day's
    reference drops only the oldest day of each year's window."""

    index: HdfIndex
    grid: RegionGrid
    layer: str
    qc_policy: str
    capacity: int = IMAGE_CACHE
    _cache: collections.OrderedDict = field(default_factory=collections.OrderedDict)
    reads: int = 0

    def read(self, date: dt.date) -> tuple[np.ndarray | None, list[str], list[str], bool]:
        """``(image, sources, missing tiles, synthetic)``: deg C float32 (height, width), NaN
        = no value or outside the region; None when no covering tile exists."""
        if date in self._cache:
            self._cache.move_to_end(date)
            return self._cache[date]
        image = np.full(self.grid.shape, np.nan, dtype=np.float32)
        sources, missing, synthetic = [], [], False
        for h, v in self.grid.tiles():
            path = self.index.get(date, tile_name(h, v))
            if path is None:
                missing.append(tile_name(h, v))
                continue
            overlap = self.grid.tile_overlap(h, v)
            with LstTileFile(path, self.layer) as tile:
                lst = tile.read(self.qc_policy)
            self.reads += 1
            tr, tc, rr, rc = overlap
            image[rr, rc] = lst.celsius[tr, tc]
            sources.append(os.fspath(path))
            synthetic = synthetic or lst.synthetic
        image[~self.grid.inside()] = np.nan
        out = (image if sources else None, sources, missing, synthetic)
        self._cache[date] = out
        if len(self._cache) > self.capacity:
            self._cache.popitem(last=False)
        return out


def inputs_fingerprint(index: HdfIndex, grid: RegionGrid, dates: list[dt.date]) -> str:
    """Hash of the tiles (name, size, modification time) covering the region on ``dates``: a
    saved day or reference made from other files is computed again."""
    items = []
    for d in dates:
        for h, v in grid.tiles():
            path = index.get(d, tile_name(h, v))
            if path is not None:
                st = os.stat(path)
                items.append([d.isoformat(), path.name, st.st_size, st.st_mtime_ns])
    return hashlib.sha256(json.dumps(items).encode()).hexdigest()[:20]


def exclusion_mask(grid: RegionGrid, date: dt.date, quakes: tuple[Quake, ...], km: float, days: int) -> np.ndarray | None:
    """bool (height, width): pixels within ``km`` of a quake within ``days`` of ``date``; None if none."""
    near = [q for q in quakes if abs((q.date - date).days) <= days]
    if not near:
        return None
    lon, lat = grid.lonlat()
    mask = np.zeros(grid.shape, dtype=bool)
    for q in near:
        mask |= haversine_km(q.lat, q.lon, lat, lon) <= km
    return mask


def reference_path(monitor_dir: Path, day: dt.date, dates: list[dt.date], settings: MonitorSettings,
                   inputs: str = "") -> Path:
    key = settings.reference_key() | {"dates": [d.isoformat() for d in dates]}
    near = [[q.date.isoformat(), q.lat, q.lon] for q in settings.quakes
            if any(abs((q.date - d).days) <= settings.exclusion_days for d in dates)]
    key["quakes"] = near
    key["inputs"] = inputs
    digest = hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:16]
    return Path(monitor_dir) / REFERENCE_DIR / f"{day:%m%d}-{digest}.npz"


def load_reference(path: Path, shape: tuple[int, int]) -> ReferenceStats | None:
    """A cached reference, or None if absent or of another shape."""
    if not path.is_file():
        return None
    with np.load(path) as z:
        if tuple(z["count"].shape) != tuple(shape):
            return None
        stats = ReferenceStats(shape)
        stats._count, stats._mean, stats._m2 = z["count"].astype(np.int32), z["mean"], z["m2"]
        stats.images = int(z["images"])
    return stats


def save_reference(path: Path, stats: ReferenceStats) -> None:
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as fh:
            np.savez(fh, count=stats._count, mean=stats._mean, m2=stats._m2, images=np.int64(stats.images))


def reference_stats_for(day: dt.date, settings: MonitorSettings, images: RegionImages,
                        monitor_dir: Path) -> tuple[ReferenceStats, bool]:
    """The reference statistics of ``day`` (module doc) and whether they came from the cache."""
    dates = reference_dates(day, settings.reference_years, settings.window_days)
    path = reference_path(monitor_dir, day, dates, settings, inputs_fingerprint(images.index, images.grid, dates))
    cached = load_reference(path, images.grid.shape)
    if cached is not None:
        return cached, True
    stats = ReferenceStats(images.grid.shape)
    for d in dates:
        image, _, _, _ = images.read(d)
        if image is None:
            continue
        valid = np.isfinite(image)
        if not valid.any():
            continue
        delta = image.astype(np.float64) - float(image[valid].mean(dtype=np.float64))
        mask = exclusion_mask(images.grid, d, settings.quakes, settings.exclusion_km, settings.exclusion_days)
        if mask is not None:
            delta[mask] = np.nan
        stats.add_anomaly(delta)
    save_reference(path, stats)
    return stats, False


def anomalous_regions(r: np.ndarray, grid: RegionGrid, cells: np.ndarray, threshold: float,
                      min_area_km2: float, cell_rows: int) -> list[dict]:
    """Connected R >= ``threshold`` regions (8-neighbour) of at least ``min_area_km2``: centroid
    ``lat``/``lon`` (degrees, of the pixel centres), ``area_km2``, ``max_r`` and ``cells``
    (list of [column, row] of the forecast cells it touches)."""
    from scipy import ndimage

    hot = np.isfinite(r) & (r >= threshold)
    labels, n = ndimage.label(hot, structure=np.ones((3, 3), dtype=bool))
    if n == 0:
        return []
    sizes = np.bincount(labels.ravel(), minlength=n + 1)
    boxes = ndimage.find_objects(labels)
    out = []
    for label in np.nonzero(sizes * PIXEL_AREA_KM2 >= min_area_km2)[0]:
        if label == 0:
            continue
        box = boxes[label - 1]
        rows, cols = np.nonzero(labels[box] == label)
        rows, cols = rows + box[0].start, cols + box[1].start
        x = float(grid.x_m[cols].mean())
        y = float(grid.y_m[rows].mean())
        clon, clat = xy_to_lonlat(x, y)
        ids = np.unique(cells[rows, cols])
        out.append({"lat": float(clat), "lon": float(clon), "area_km2": float(rows.size * PIXEL_AREA_KM2),
                    "max_r": float(np.max(r[rows, cols])),
                    "cells": [[int(c // cell_rows), int(c % cell_rows)] for c in ids if c >= 0]})
    return out


def day_path(monitor_dir: Path, day: dt.date) -> Path:
    return Path(monitor_dir) / DAYS_DIR / f"{day.isoformat()}.npz"


def day_inputs(index: HdfIndex, grid: RegionGrid, day: dt.date, settings: MonitorSettings) -> str:
    """Fingerprint of the tiles of ``day`` and of its reference days."""
    return inputs_fingerprint(index, grid, [day, *reference_dates(day, settings.reference_years,
                                                                   settings.window_days)])


def day_is_done(monitor_dir: Path, day: dt.date, key: str, inputs: str) -> bool:
    """True if the day's saved result exists and was made with settings ``key`` from the
    tiles of fingerprint ``inputs``."""
    path = day_path(monitor_dir, day)
    if not path.is_file():
        return False
    try:
        meta = read_day_meta(path)
        return meta.get("key") == key and meta.get("inputs") == inputs
    except (OSError, ValueError, KeyError):
        return False


def read_day_meta(path: Path) -> dict:
    with np.load(path) as z:
        return json.loads(str(z["meta"]))


def read_day(path: Path) -> tuple[dict, np.ndarray, np.ndarray, np.ndarray]:
    """``(meta, lst deg C float32, R float32, states int8)`` of a saved day, each (height, width)."""
    with np.load(path) as z:
        return json.loads(str(z["meta"])), z["lst"], z["r"], z["states"]


def compute_day(day: dt.date, settings: MonitorSettings, images: RegionImages, monitor_dir: Path,
                cells: np.ndarray, write_geotiff: bool = True) -> dict:
    """Compute and save one monitored day (module doc); return its metadata."""
    grid = images.grid
    lst, sources, missing, synthetic = images.read(day)
    if lst is None:
        lst = np.full(grid.shape, np.nan, dtype=np.float32)
    stats, cached = reference_stats_for(day, settings, images, monitor_dir)
    result = retira_result(lst, stats, settings.min_count, sigma_floor_k=settings.sigma_floor_k)
    r = result.r.astype(np.float32)
    inside = grid.inside()
    r[~inside] = np.nan
    states = anomaly_states(r, settings.threshold)
    states[~inside] = NO_DATA
    rows = CellGrid(settings.cell_deg).rows
    regions = anomalous_regions(r, grid, cells, settings.threshold, settings.min_area_km2, rows)
    n_inside = int(inside.sum())
    meta = {"key": settings.day_key(), "inputs": day_inputs(images.index, grid, day, settings),
            "date": day.isoformat(), "sources": [Path(s).name for s in sources],
            "missing_tiles": missing, "synthetic": synthetic, "reference_images": stats.images,
            "reference_cached": cached,
            "valid_fraction": float(np.isfinite(lst).sum() / max(n_inside, 1)),
            "r_fraction": float(np.isfinite(r).sum() / max(n_inside, 1)),
            "anomalous_pixels": int((states == 1).sum()), "regions": regions}
    path = day_path(monitor_dir, day)
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as fh:
            np.savez_compressed(fh, lst=lst.astype(np.float32), r=r, states=states,
                                meta=np.array(json.dumps(meta, sort_keys=True)))
    if write_geotiff:
        from thermoquake.monitor.outputs import write_day_geotiff
        write_day_geotiff(day_geotiff_path(monitor_dir, day), grid, lst, r, states, meta)
    return meta

