"""What ``thermoquake monitor`` writes into MONITORDIR (all atomically):

* ``monitor.nc``: the datacube (NetCDF4/HDF5, opened by ``xarray.open_dataset``), dimensions
  ``time`` (days), ``y``, ``x`` (sinusoidal pixel centres, metres) and ``cell`` (forecast
  cells): ``lst`` (deg C), ``retira`` (R), ``state`` (1 anomaly, 0 none, -1 no data),
  ``valid`` (1 where LST has a QC-passed value), ``alarm`` (1 where the pixel's cell is
  alarmed), ``alarm_score`` and ``alarm_cell`` (time, cell), the cell edges and the pixel
  ``lon``/``lat``. Written one day at a time (memory does not grow with the period).
* ``geotiff/YYYY-MM-DD.tif``: per day, three float32 bands (LST deg C, R, state) on the
  sinusoidal grid (the MODIS sphere's CRS).
* ``sequences.csv``: the significant sequences.
* ``csep/YYYY-MM-DD.dat`` and ``csep/index.csv``: the day's alarms as a CSEP gridded
  forecast for that UTC day (``csep.load_gridded_forecast(path, start_date=..., end_date=...)``).
  Rates are the alarm written as a number, :data:`ALARM_RATE` expected events of magnitude >=
  ``min_mag`` in an alarmed cell-day and :data:`BACKGROUND_RATE` elsewhere: an alarm record in
  CSEP's format, not a calibrated rate model.
* with a model (``monitor --model``): ``model_probability``, ``model_image_probability`` and
  ``model_alarm_cell`` (time, cell) in ``monitor.nc`` (:mod:`thermoquake.monitor.model`) and the
  model's alarms as CSEP forecasts in ``csep_model/`` (same rates).
* ``monitor.json``: the run's settings and counts (:func:`read_summary`).
* ``evaluation.json`` (the RST rule's alarms) and ``evaluation_model.json`` (the model's),
  written by ``monitor evaluate`` (:func:`write_evaluation`, :func:`read_evaluation`).
* ``days/`` and ``reference/``: the finished days and cached reference statistics a rerun
  reuses (:mod:`thermoquake.monitor.daily`).

This module names every file of a monitor directory (the ``*_FILE`` and ``*_DIR`` constants
below); other modules use these names and the readers here, never their own spelling.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from thermoquake import __version__
from thermoquake.atomic import atomic_path, write_text_atomic
from thermoquake.errors import ThermoquakeError
from thermoquake.json_files import read_json_object
from thermoquake.evaluation.csep_files import CellGrid, MagnitudeBins, gridded_forecast_text
from thermoquake.modis.region_grid import RegionGrid
from thermoquake.modis.sinusoidal import PROJ4

ALARM_RATE = 0.01
"""Expected events per alarmed cell and day written to the CSEP files."""
BACKGROUND_RATE = 1e-4
"""Expected events per cell and day without an alarm written to the CSEP files."""
EPOCH = dt.date(1970, 1, 1)

# --- the names of a monitor directory ----------------------------------------------------------

SUMMARY_FILE = "monitor.json"
"""The run's settings and counts."""
DATACUBE_FILE = "monitor.nc"
"""The datacube (time, y, x) and (time, cell)."""
MONITOR_SEQUENCES_FILE = "sequences.csv"
"""The significant sequences."""
GEOTIFF_DIR = "geotiff"
"""The daily three-band GeoTIFFs."""
CSEP_DIR = "csep"
"""The RST rule's alarms as daily CSEP gridded forecasts."""
CSEP_MODEL_DIR = "csep_model"
"""The model's alarms as daily CSEP gridded forecasts."""
CSEP_INDEX_FILE = "index.csv"
"""The list of a CSEP directory's daily forecasts."""
EVALUATION_FILE = "evaluation.json"
"""``monitor evaluate`` of the RST rule's alarms."""
MODEL_EVALUATION_FILE = "evaluation_model.json"
"""``monitor evaluate`` of the model's alarms."""
DAYS_DIR = "days"
"""The finished days (``YYYY-MM-DD.npz``) a rerun reuses."""
REFERENCE_DIR = "reference"
#: One file per (day, space block): ``units/<YYYY-MM-DD>/<block>.npz``.
UNITS_DIR = "units"
#: The cached whole-region spatial mean of each image.
MEANS_DIR = "means"
#: The classifier's cached probabilities: ``model_cache/<run identity>/<YYYY-MM-DD>.npz``.
MODEL_CACHE_DIR = "model_cache"
"""The cached reference statistics."""

ALARM_SOURCES = ("rst", "model")
"""``rst``: the RST rule's alarm scores (peak R, 0 = none); ``model``: the classifier's
``model_probability``, alarmed at or above the run's threshold (``monitor --run``)."""


def _check_source(source: str) -> None:
    if source not in ALARM_SOURCES:
        raise ThermoquakeError(f"unknown alarm source {source!r}; known: {', '.join(ALARM_SOURCES)}")


def summary_path(monitor_dir: Path) -> Path:
    return Path(monitor_dir) / SUMMARY_FILE


def datacube_path(monitor_dir: Path) -> Path:
    return Path(monitor_dir) / DATACUBE_FILE


def sequences_path(monitor_dir: Path) -> Path:
    return Path(monitor_dir) / MONITOR_SEQUENCES_FILE


def day_geotiff_path(monitor_dir: Path, day: dt.date) -> Path:
    """``MONITORDIR/geotiff/YYYY-MM-DD.tif``."""
    return Path(monitor_dir) / GEOTIFF_DIR / f"{day.isoformat()}.tif"


def csep_dir(monitor_dir: Path, source: str = "rst") -> Path:
    """The directory of the daily CSEP forecasts of the alarms of ``source`` (:data:`ALARM_SOURCES`)."""
    _check_source(source)
    return Path(monitor_dir) / (CSEP_DIR if source == "rst" else CSEP_MODEL_DIR)


def evaluation_path(monitor_dir: Path, source: str = "rst") -> Path:
    """Where ``monitor evaluate`` writes its scores of the alarms of ``source``."""
    _check_source(source)
    return Path(monitor_dir) / (EVALUATION_FILE if source == "rst" else MODEL_EVALUATION_FILE)


def days_dir(monitor_dir: Path) -> Path:
    return Path(monitor_dir) / DAYS_DIR


def reference_dir(monitor_dir: Path) -> Path:
    return Path(monitor_dir) / REFERENCE_DIR


# --- readers -----------------------------------------------------------------------------------


def read_summary(monitor_dir: Path) -> dict:
    """``monitor.json`` of a monitor directory (:class:`ThermoquakeError` when missing or malformed)."""
    path = summary_path(monitor_dir)
    if not path.is_file():
        raise ThermoquakeError("not found: run thermoquake monitor first", path)
    return read_json_object(path)


def read_evaluation(path: Path) -> dict:
    """An evaluation written by ``monitor evaluate`` (:func:`write_evaluation`); raises
    :class:`ThermoquakeError` naming ``path`` when it is not one."""
    data = read_json_object(path)
    if not isinstance(data.get("scores"), list):
        raise ThermoquakeError("has no 'scores' list: is it written by thermoquake monitor evaluate?", path)
    return data


def find_evaluation(monitor_dir: Path, source: str = "rst") -> dict | None:
    """The evaluation of ``source``'s alarms in the monitor directory, None when not evaluated."""
    path = evaluation_path(monitor_dir, source)
    return read_evaluation(path) if path.is_file() else None


def write_evaluation(monitor_dir: Path, source: str, evaluation: dict) -> Path:
    """Write ``evaluation`` (JSON-ready) to :func:`evaluation_path` atomically."""
    import json

    path = evaluation_path(monitor_dir, source)
    write_text_atomic(path, json.dumps(evaluation, indent=2, sort_keys=True) + "\n")
    return path


def read_sequences(monitor_dir: Path) -> list[dict]:
    """The rows of ``sequences.csv`` (strings; columns :data:`SEQUENCE_COLUMNS`); [] when absent."""
    path = sequences_path(monitor_dir)
    if not path.is_file():
        return []
    try:
        with open(path, newline="", encoding="utf-8") as fh:
            return list(csv.DictReader(fh))
    except (UnicodeDecodeError, csv.Error) as err:
        raise ThermoquakeError(f"is not a readable CSV table ({err})", path) from None


def open_datacube(monitor_dir: Path):
    """``monitor.nc`` opened lazily with ``xarray.open_dataset`` (close it, or use ``with``)."""
    import xarray as xr

    path = datacube_path(monitor_dir)
    if not path.is_file():
        raise ThermoquakeError("not found: run thermoquake monitor first", path)
    try:
        return xr.open_dataset(path)
    except (OSError, ValueError) as err:
        raise ThermoquakeError(f"is not a monitor datacube ({err})", path) from None


def read_csep_index(monitor_dir: Path, source: str = "rst") -> list[tuple[Path, dt.datetime, dt.datetime]]:
    """``(file, start, end)`` of every daily CSEP forecast of ``source``'s alarms listed in
    its ``index.csv`` (UTC datetimes, naive as pycsep expects)."""
    index = csep_dir(monitor_dir, source) / CSEP_INDEX_FILE
    if not index.is_file():
        raise ThermoquakeError("not found: run thermoquake monitor first", index)
    out = []
    with index.open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            try:
                start = dt.datetime.fromisoformat(row["start_date"].replace("Z", ""))
                end = dt.datetime.fromisoformat(row["end_date"].replace("Z", ""))
                out.append((index.parent / row["file"], start, end))
            except (KeyError, TypeError, AttributeError, ValueError) as err:
                raise ThermoquakeError(f"bad row {row}: {err}", index) from None
    return out


# --- writers -----------------------------------------------------------------------------------

DAY_BANDS = ("LST (deg C)", "RETIRA R", "state: 1 anomaly, 0 none, -1 no data")
"""The bands of a daily GeoTIFF, in order."""


def write_day_geotiff(path: Path, grid: RegionGrid, lst: np.ndarray, r: np.ndarray, states: np.ndarray,
                      meta: dict) -> Path:
    """Three-band float32 GeoTIFF (:data:`DAY_BANDS`: LST deg C, R, state; each (height, width))
    of one day, sinusoidal CRS, NaN nodata, atomically."""
    from thermoquake.image.geotiff import write_bands_geotiff
    from thermoquake.modis.sinusoidal import sinusoidal_crs

    tags = {"date": meta["date"], "synthetic": "true" if meta.get("synthetic") else "false",
            "region": grid.region.text, "software": f"thermoquake {__version__}"}
    return write_bands_geotiff(path, [lst, r, states], sinusoidal_crs(), grid.transform, DAY_BANDS, tags)


def read_day_geotiff(path: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict[str, str]]:
    """``(lst deg C, R, state, tags)`` of a daily GeoTIFF (float32 (height, width) each; the
    state as written, 1 / 0 / -1)."""
    from thermoquake.image.geotiff import read_bands

    bands, header = read_bands(path)
    if bands.shape[0] != len(DAY_BANDS):
        raise ThermoquakeError(f"has {bands.shape[0]} bands, a monitor day has {len(DAY_BANDS)}", path)
    return bands[0], bands[1], bands[2], header.tags


def write_monitor_nc(path: Path, grid: RegionGrid, days: Sequence[dt.date], day_files: Sequence[Path],
                     cells: Sequence[tuple[int, int]], cell_deg: float, cell_of_pixel: np.ndarray,
                     scores: np.ndarray, attrs: dict, cell_variables: dict[str, tuple[np.ndarray, str]] | None = None
                     ) -> Path:
    """Write ``monitor.nc`` (module doc) from the saved days; ``scores`` (time, cell) float32,
    ``cell_of_pixel`` (y, x) index into ``cells`` (-1 outside the region); ``cell_variables``:
    more (time, cell) variables, name -> (values, long name)."""
    import h5netcdf

    from thermoquake.monitor.daily import read_day

    ny, nx = grid.shape
    grid_cells = CellGrid(cell_deg)
    bounds = np.array([grid_cells.bounds(c) for c in cells], dtype=np.float64).reshape(-1, 4)
    lon, lat = grid.lonlat()
    with atomic_path(path) as tmp:
        with h5netcdf.File(tmp, "w") as f:
            f.dimensions = {"time": len(days), "y": ny, "x": nx, "cell": len(cells)}
            t = f.create_variable("time", ("time",), "i4")
            t[:] = np.array([(d - EPOCH).days for d in days], dtype=np.int32)
            t.attrs.update({"units": "days since 1970-01-01", "calendar": "standard"})
            for name, values, units in (("x", grid.x_m, "m"), ("y", grid.y_m, "m")):
                v = f.create_variable(name, (name,), "f8")
                v[:] = values
                v.attrs.update({"units": units, "long_name": f"sinusoidal {name} of pixel centres"})
            for name, values in (("lon", lon), ("lat", lat)):
                v = f.create_variable(name, ("y", "x"), "f4", compression="gzip")
                v[:] = values.astype(np.float32)
                v.attrs["units"] = "degrees_east" if name == "lon" else "degrees_north"
            for k, name in enumerate(("cell_lon_min", "cell_lon_max", "cell_lat_min", "cell_lat_max")):
                v = f.create_variable(name, ("cell",), "f8")
                v[:] = bounds[:, k] if len(cells) else []
                v.attrs["units"] = "degrees"
            chunks = (1, ny, nx)
            var = {
                "lst": f.create_variable("lst", ("time", "y", "x"), "f4", chunks=chunks, compression="gzip",
                                         fillvalue=np.float32(np.nan)),
                "retira": f.create_variable("retira", ("time", "y", "x"), "f4", chunks=chunks,
                                            compression="gzip", fillvalue=np.float32(np.nan)),
                "state": f.create_variable("state", ("time", "y", "x"), "i1", chunks=chunks, compression="gzip"),
                "valid": f.create_variable("valid", ("time", "y", "x"), "i1", chunks=chunks, compression="gzip"),
                "alarm": f.create_variable("alarm", ("time", "y", "x"), "i1", chunks=chunks, compression="gzip"),
            }
            var["lst"].attrs["units"] = "degC"
            var["retira"].attrs["long_name"] = "RETIRA R (dimensionless)"
            var["state"].attrs["long_name"] = "1 anomaly, 0 no anomaly, -1 no data"
            var["alarm"].attrs["long_name"] = "1 where the pixel's forecast cell is alarmed"
            score = f.create_variable("alarm_score", ("time", "cell"), "f4")
            score[:] = scores.astype(np.float32)
            score.attrs["long_name"] = "peak R of the significant sequences alarming the cell (0: no alarm)"
            alarm_cell = f.create_variable("alarm_cell", ("time", "cell"), "i1")
            alarm_cell[:] = (scores > 0).astype(np.int8)
            for name, (values, long_name) in (cell_variables or {}).items():
                v = f.create_variable(name, ("time", "cell"), values.dtype.str[1:])
                v[:] = values
                v.attrs["long_name"] = long_name
            inside = cell_of_pixel >= 0
            for k, p in enumerate(day_files):
                _, lst, r, states = read_day(p)
                var["lst"][k] = lst
                var["retira"][k] = r
                var["state"][k] = states
                var["valid"][k] = np.isfinite(lst).astype(np.int8)
                alarmed = np.zeros((ny, nx), dtype=np.int8)
                if len(cells):
                    alarmed[inside] = (scores[k][cell_of_pixel[inside]] > 0).astype(np.int8)
                var["alarm"][k] = alarmed
            f.attrs.update({k: str(v) for k, v in attrs.items()})
            f.attrs["crs_proj4"] = PROJ4
            f.attrs["software"] = f"thermoquake {__version__}"
    return path


SEQUENCE_COLUMNS = ("sequence", "start", "end", "days", "regions", "alarm_from", "peak_r", "max_area_km2",
                    "lat", "lon", "lat_min", "lat_max", "lon_min", "lon_max", "cells")


def write_sequences_csv(path: Path, rows: Sequence[dict]) -> Path:
    """``sequences.csv``: one row per significant sequence (columns :data:`SEQUENCE_COLUMNS`)."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=SEQUENCE_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow(row)
    write_text_atomic(path, buf.getvalue())
    return path


def write_csep_forecasts(out_dir: Path, days: Sequence[dt.date], cells: Sequence[tuple[int, int]],
                         scores: np.ndarray, cell_deg: float, mags: MagnitudeBins) -> list[Path]:
    """One CSEP gridded forecast per day (module doc) and ``index.csv`` (file, start_date,
    end_date: UTC midnight to midnight)."""
    grid = CellGrid(cell_deg)
    paths, index = [], io.StringIO()
    writer = csv.writer(index, lineterminator="\n")
    writer.writerow(["file", "start_date", "end_date", "alarmed_cells"])
    for k, day in enumerate(days):
        rates = {c: (ALARM_RATE if scores[k, j] > 0 else BACKGROUND_RATE) for j, c in enumerate(cells)}
        path = Path(out_dir) / f"{day.isoformat()}.dat"
        write_text_atomic(path, gridded_forecast_text(rates, grid, mags))
        writer.writerow([path.name, f"{day.isoformat()}T00:00:00Z",
                         f"{(day + dt.timedelta(days=1)).isoformat()}T00:00:00Z", int((scores[k] > 0).sum())])
        paths.append(path)
    write_text_atomic(Path(out_dir) / CSEP_INDEX_FILE, index.getvalue())
    return paths


def relpath(path: Path, root: Path) -> str:
    return os.path.relpath(path, root)
