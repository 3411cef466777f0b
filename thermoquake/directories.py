"""The directories thermoquake writes, as objects: a preprocess workdir (:func:`open_workdir`)
and a training run directory (:func:`open_run`).

Each object knows the paths of its files (the names come from the modules that write them)
and reads them on demand. :meth:`Workdir.to_xarray` gives the epicentre images as an
``xarray.Dataset`` (xarray is imported only there), ready for ``to_netcdf``.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from thermoquake.preprocessing.samples import SAMPLES_FILE
from thermoquake.preprocessing.workdir import FAILURES_FILE, IMAGES_DIR, MANIFEST_FILE, METADATA_FILE
from thermoquake.errors import InputNotFoundError, RunDirectoryError, WorkdirError
from thermoquake.training.run_files import CONFIG_FILE, METRICS_FILE, MODEL_FILE, PREDICTIONS_FILE

if TYPE_CHECKING:
    from thermoquake.evaluation.document import MetricsDocument

__all__ = ["KELVIN_OFFSET", "RunDirectory", "Workdir", "open_run", "open_workdir"]

KELVIN_OFFSET = 273.15
"""deg C + KELVIN_OFFSET = K."""

PathLike = str | os.PathLike[str]


def _read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _read_json(path: Path, error: type) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise error(f"cannot be read as JSON: {err}", path) from None


@dataclass(frozen=True)
class Workdir:
    """A preprocess workdir (``thermoquake preprocess``, then ``thermoquake rst``).

    Attributes ending in ``_file`` are paths (which may not exist yet: ``rst`` writes the
    anomalies table and the R maps later); properties read the files on each access.
    """

    path: Path

    @property
    def metadata_file(self) -> Path:
        """``workdir.json``: the parameters the images were made with."""
        return self.path / METADATA_FILE

    @property
    def manifest_file(self) -> Path:
        """``manifest.csv``: one row per image written (site, date, role, days_before, path)."""
        return self.path / MANIFEST_FILE

    @property
    def failures_file(self) -> Path:
        """``failures.csv``: images no tile covered and bad tiles."""
        return self.path / FAILURES_FILE

    @property
    def samples_file(self) -> Path:
        """``samples.csv``: label (1 event, 0 control) and group of every site (with controls)."""
        return self.path / SAMPLES_FILE

    @property
    def images_dir(self) -> Path:
        """``images/<site>/<target|reference>/<date>.tif``."""
        return self.path / IMAGES_DIR

    @property
    def anomalies_file(self) -> Path:
        """``anomalies.csv`` (thermoquake rst): one row per target image."""
        from thermoquake.rst.run import ANOMALIES_FILE

        return self.path / ANOMALIES_FILE

    @property
    def sequences_file(self) -> Path:
        """``sequences.csv`` (thermoquake rst): significant sequences of anomalies."""
        from thermoquake.rst.run import SEQUENCES_FILE

        return self.path / SEQUENCES_FILE

    @property
    def parameters(self) -> dict[str, Any]:
        """The ``parameters`` of workdir.json (product, layer, size, days_before, ...)."""
        return _read_json(self.metadata_file, WorkdirError).get("parameters", {})

    @property
    def manifest(self) -> list[dict[str, str]]:
        """The rows of manifest.csv (columns :data:`thermoquake.preprocessing.tables.MANIFEST_COLUMNS`)."""
        return _read_csv(self.manifest_file)

    @property
    def samples(self) -> list:
        """The :class:`thermoquake.preprocessing.samples.Sample` of every site (from samples.csv, or
        from the manifest for a workdir made without controls)."""
        from thermoquake.preprocessing.samples import read_samples

        return read_samples(self.path)

    @property
    def anomalies(self) -> list[dict[str, str]]:
        """The rows of anomalies.csv (empty before ``rst``)."""
        return _read_csv(self.anomalies_file) if self.anomalies_file.is_file() else []

    @property
    def sites(self) -> list[str]:
        """Site directory names, sorted."""
        return sorted({row["site"] for row in self.manifest})

    def images(self, role: str | None = "target", site: str | None = None) -> list[Path]:
        """Paths of the images of ``role`` ("target", "reference" or None for both), in
        manifest order, optionally of one ``site``."""
        return [self.path / row["path"] for row in self.manifest
                if (role is None or row["role"] == role) and (site is None or row["site"] == site)]

    def retira_maps(self, site: str | None = None) -> list[Path]:
        """Paths of the R (RETIRA) GeoTIFFs that exist beside the target images."""
        from thermoquake.rst.run import retira_path

        return [p for p in map(retira_path, self.images("target", site)) if p.is_file()]

    def to_xarray(self, role: str = "target", sites: list[str] | None = None):
        """The images as an ``xarray.Dataset`` with dims (site, time, y, x).

        Variables: ``lst`` (K, float32, NaN where no clear value), ``mask`` (uint8, 1 where
        ``lst`` has a value), ``retira`` (R, dimensionless, targets after ``rst``; NaN where a
        pixel had too few reference samples), ``n_reference`` (site, time: reference images of
        each target's R), ``days_before`` (site, time), ``label`` and ``kind`` (site, from
        samples.csv). Coordinates: ``time`` (UTC dates, the union over sites: a site without an
        image that day is NaN there), ``lat`` (site, y) and ``lon`` (site, x) pixel centres in
        degrees, ``epicentre_lat``/``epicentre_lon`` (site). Memory: sites x dates x size^2 x 4
        bytes per variable.
        """
        import numpy as np
        import xarray as xr

        from thermoquake.image.geotiff import read_epicentre_geotiff
        from thermoquake.rst.run import retira_path

        rows = [r for r in self.manifest if r["role"] == role and (sites is None or r["site"] in sites)]
        if not rows:
            raise WorkdirError(f"no {role} images" + (f" of sites {sites}" if sites else ""), self.manifest_file)
        site_names = sorted({r["site"] for r in rows})
        dates = sorted({dt.date.fromisoformat(r["date"]) for r in rows})
        s_index = {s: i for i, s in enumerate(site_names)}
        t_index = {d: i for i, d in enumerate(dates)}
        first = read_epicentre_geotiff(self.path / rows[0]["path"])
        size = first.grid.size
        shape = (len(site_names), len(dates), size, size)
        lst = np.full(shape, np.nan, dtype=np.float32)
        retira = np.full(shape, np.nan, dtype=np.float32)
        days_before = np.full(shape[:2], -1, dtype=np.int16)
        lat = np.zeros((len(site_names), size))
        lon = np.zeros((len(site_names), size))
        centre = np.zeros((len(site_names), 2))
        any_retira = False
        for row in rows:
            i, j = s_index[row["site"]], t_index[dt.date.fromisoformat(row["date"])]
            path = self.path / row["path"]
            image = read_epicentre_geotiff(path)
            if image.grid.size != size:
                raise WorkdirError(f"image is {image.grid.size} px, the others {size}", path)
            lst[i, j] = image.celsius + np.float32(KELVIN_OFFSET)
            if row["days_before"].lstrip("-").isdigit():
                days_before[i, j] = int(row["days_before"])
            lons, lats = image.grid.centre_axes()
            lat[i], lon[i] = lats, lons
            centre[i] = image.grid.lat, image.grid.lon
            r_path = retira_path(path)
            if role == "target" and r_path.is_file():
                retira[i, j] = read_epicentre_geotiff(r_path).celsius
                any_retira = True
        data = {"lst": (("site", "time", "y", "x"), lst, {"units": "K", "long_name": "land-surface temperature"}),
                "mask": (("site", "time", "y", "x"), np.isfinite(lst).astype(np.uint8),
                         {"long_name": "1 where lst has a clear value"}),
                "days_before": (("site", "time"), days_before,
                                {"long_name": "days before the sample's date (-1: no image)"})}
        if any_retira:
            data["retira"] = (("site", "time", "y", "x"), retira,
                              {"units": "1", "long_name": "RETIRA index R = (dT - mu) / sigma"})
        n_ref = self._n_reference(s_index, t_index)
        if n_ref is not None:
            data["n_reference"] = (("site", "time"), n_ref, {"long_name": "reference images of the R map"})
        labels = {s.site: s for s in self.samples}
        coords = {"site": site_names, "time": np.array(dates, dtype="datetime64[ns]"),
                  "lat": (("site", "y"), lat, {"units": "degrees_north"}),
                  "lon": (("site", "x"), lon, {"units": "degrees_east"}),
                  "epicentre_lat": ("site", centre[:, 0], {"units": "degrees_north"}),
                  "epicentre_lon": ("site", centre[:, 1], {"units": "degrees_east"})}
        if all(s in labels for s in site_names):
            data["label"] = ("site", np.array([labels[s].label for s in site_names], dtype=np.int8),
                             {"long_name": "1 earthquake, 0 control"})
            data["kind"] = ("site", np.array([labels[s].kind for s in site_names], dtype=str))
        attrs = {"title": f"thermoquake workdir {self.path.name} ({role} images)", "role": role,
                 "synthetic": int(first.synthetic), "product": first.product, "layer": first.layer,
                 "qc_policy": first.qc_policy, "time_zone": "UTC"}
        return xr.Dataset(data, coords=coords, attrs=attrs)

    def _n_reference(self, s_index: dict, t_index: dict):
        import numpy as np

        rows = self.anomalies
        if not rows:
            return None
        out = np.full((len(s_index), len(t_index)), -1, dtype=np.int32)
        for row in rows:
            key = (row["site"], dt.date.fromisoformat(row["date"]))
            if key[0] in s_index and key[1] in t_index and row["n_reference"].isdigit():
                out[s_index[key[0]], t_index[key[1]]] = int(row["n_reference"])
        return out


@dataclass(frozen=True)
class RunDirectory:
    """A training run directory (``thermoquake train``)."""

    path: Path

    @property
    def config_file(self) -> Path:
        return self.path / CONFIG_FILE

    @property
    def predictions_file(self) -> Path:
        return self.path / PREDICTIONS_FILE

    @property
    def metrics_file(self) -> Path:
        return self.path / METRICS_FILE

    @property
    def model_file(self) -> Path:
        """``model.keras``: the final model (absent with ``--no-final-model``)."""
        return self.path / MODEL_FILE

    @property
    def config(self) -> dict:
        from thermoquake.evaluation.rescore import read_config

        return read_config(self.path)

    @property
    def predictions(self) -> list[dict[str, str]]:
        """Out-of-fold predictions, one row per (sample, day)."""
        from thermoquake.evaluation.rescore import read_predictions

        return read_predictions(self.path)

    @property
    def metrics(self) -> MetricsDocument:
        """The metrics document of the run (metrics.json), checked
        (:class:`thermoquake.evaluation.document.MetricsDocument`)."""
        from thermoquake.evaluation.document import MetricsDocument

        if not self.metrics_file.is_file():
            raise RunDirectoryError(f"no {METRICS_FILE}: the run has not finished", self.path)
        return MetricsDocument.read(self.metrics_file)

    @cached_property
    def window(self) -> int:
        from thermoquake.evaluation.rescore import run_window

        return run_window(self.config, self.path)

    def to_pandas(self):
        """The predictions as a ``pandas.DataFrame`` (needs pandas)."""
        import pandas as pd

        return pd.DataFrame(self.predictions)


def open_workdir(path: PathLike) -> Workdir:
    """The preprocess workdir at ``path``.

    Raises:
        InputNotFoundError: no such directory.
        WorkdirError: it has no manifest.csv (not a preprocess workdir, or not finished).
    """
    path = Path(path)
    if not path.is_dir():
        raise InputNotFoundError("no such workdir", path)
    if not (path / MANIFEST_FILE).is_file():
        raise WorkdirError(f"no {MANIFEST_FILE}: not a thermoquake preprocess workdir", path)
    return Workdir(path)


def open_run(path: PathLike) -> RunDirectory:
    """The training run directory at ``path``.

    Raises:
        InputNotFoundError: no such directory.
        RunDirectoryError: it has no config.json (not a run directory).
    """
    path = Path(path)
    if not path.is_dir():
        raise InputNotFoundError("no such run directory", path)
    if not (path / CONFIG_FILE).is_file():
        raise RunDirectoryError("no config.json: not a thermoquake train run directory", path)
    return RunDirectory(path)
