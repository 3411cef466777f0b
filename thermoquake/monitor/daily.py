"""One monitored day of a region: the LST mosaic, its RST reference, RETIRA, the three-state
map and the day's anomalous regions, saved so that a later run does not compute it again.

* LST: every tile covering the region is read (its own 1 km pixels, :mod:`thermoquake.modis.region_grid`)
  and the region window is cut out of it: deg C, float32, NaN = no QC-passed value or outside
  the lon/lat box.
* Reference: the days of :func:`thermoquake.monitor.calendar.reference_dates` (same calendar
  day +- ``window_days`` in each reference year, never the monitored year). With quakes, a
  reference pixel is left out on every day within ``exclusion_days`` of a quake of magnitude
  >= ``exclusion_min_mag`` within ``exclusion_km`` km of it. The per-pixel statistics (count,
  mean, M2 of ``dT``) are computed once per space block and set of reference days and cached under
  ``MONITORDIR/reference/``: monitored days of different years with the same reference days
  (e.g. 2017-03-01 and 2018-03-01 with reference years 2003-2016) share one file.
* RETIRA: :func:`thermoquake.rst.retira.retira_result` against that reference, with the
  ``min_count`` rule and the sigma floor.
* States: :func:`thermoquake.rst.anomalies.anomaly_states` (1 anomaly, 0 none, -1 no data).
* Regions: connected (8-neighbour) R >= threshold regions of at least ``min_area_km2``, each
  with its centroid (degrees), area (km^2, pixels x 0.8586 km^2), peak R and the forecast
  cells it touches.

``thermoquake monitor`` computes a day block by block (:mod:`thermoquake.monitor.blocks`,
which uses the whole region's spatial mean for ``dT``) and saves the assembled day here.
A day is saved as ``MONITORDIR/days/YYYY-MM-DD.npz`` (atomically) with the key of the settings
that made it and a fingerprint of its tiles and its reference days' tiles (name, size,
modification time); a day whose file holds the current key and fingerprint is not
recomputed. Cached references are keyed by their days' tiles the same way.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import os
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from thermoquake.preprocessing.hdf_index import HdfIndex
from thermoquake.catalog.region import Region
from thermoquake.evaluation.csep_files import CellGrid
from thermoquake.modis.region_grid import PIXEL_AREA_KM2, RegionGrid
from thermoquake.modis.sinusoidal import tile_name, xy_to_lonlat
from thermoquake.monitor.outputs import DAYS_DIR, REFERENCE_DIR
from thermoquake.rst.sequences import Quake

FORMAT_VERSION = 2


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
