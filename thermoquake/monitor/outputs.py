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
from thermoquake.evaluation.csep_files import CellGrid, MagnitudeBins, gridded_forecast_text
from thermoquake.modis.region_grid import RegionGrid
from thermoquake.modis.sinusoidal import PROJ4

ALARM_RATE = 0.01
"""Expected events per alarmed cell and day written to the CSEP files."""
BACKGROUND_RATE = 1e-4
"""Expected events per cell and day without an alarm written to the CSEP files."""
EPOCH = dt.date(1970, 1, 1)


def write_day_geotiff(path: Path, grid: RegionGrid, lst: np.ndarray, r: np.ndarray, states: np.ndarray,
                      meta: dict) -> Path:
    """Three-band float32 GeoTIFF (LST deg C, R, state) of one day, sinusoidal CRS, NaN nodata."""
    import rasterio

    from thermoquake.modis.sinusoidal import sinusoidal_crs

    h, w = grid.shape
    profile = {"driver": "GTiff", "width": w, "height": h, "count": 3, "dtype": "float32",
               "crs": sinusoidal_crs(), "transform": grid.transform, "nodata": np.nan,
               "compress": "deflate", "zlevel": 1}
    with atomic_path(path) as tmp:
        with rasterio.open(tmp, "w", **profile) as dst:
            dst.write(lst.astype(np.float32), 1)
            dst.write(r.astype(np.float32), 2)
            dst.write(states.astype(np.float32), 3)
            for band, name in ((1, "LST (deg C)"), (2, "RETIRA R"), (3, "state: 1 anomaly, 0 none, -1 no data")):
                dst.set_band_description(band, name)
            dst.update_tags(date=meta["date"], synthetic="true" if meta.get("synthetic") else "false",
                            region=grid.region.text, software=f"thermoquake {__version__}")
    return path


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
    write_text_atomic(Path(out_dir) / "index.csv", index.getvalue())
    return paths


def relpath(path: Path, root: Path) -> str:
    return os.path.relpath(path, root)
