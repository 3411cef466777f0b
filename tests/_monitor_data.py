"""SYNTHETIC monitors for the monitor tests, made through the library and built once per session.

The region holds the Gorkha main shock (2015-04-25, M7.8); its tiles carry +5 K on the 7 days
before each main shock of the (declustered) catalogue; 2015-04-23..25 are monitored against
the reference years 2012-2013 (+-1 day).
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

CATALOG = Path(__file__).parent / "data" / "catalog" / "comcat_china_2013_2016.csv"
TRAIN_CATALOG = Path(__file__).parents[1] / "data_manifests" / "catalog" / "china_m5_2003_2020.csv"
REGION = "84.5,27.8,85.5,28.5"
MAIN_SHOCK_ID = "us20002926"
START, END = dt.date(2015, 4, 23), dt.date(2015, 4, 25)
REFERENCE_YEARS = (2012, 2013)
WINDOW_DAYS = 1

_built: dict[str, object] = {}


def synthetic_tiles(tmp_path_factory) -> Path:
    """The region's SYNTHETIC MYD11A1 tiles (``synth region``), written once."""
    if "hdf" not in _built:
        from thermoquake.catalog.readers import read_catalog
        from thermoquake.catalog.region import Region
        from thermoquake.synth import SynthConfig
        from thermoquake.synth.region import write_region

        hdf = tmp_path_factory.mktemp("monitor_hdf") / "hdf"
        write_region(hdf, "MYD11A1", Region.parse(REGION), START, END, REFERENCE_YEARS, WINDOW_DAYS,
                     read_catalog(CATALOG).events, SynthConfig(seed=0, cloud_fraction=0.1), anomaly_k=5.0)
        _built["hdf"] = hdf
    return _built["hdf"]


def run_the_monitor(hdf: Path, out: Path, run_dir: Path | None = None) -> dict:
    """``monitor`` of :data:`START`..:data:`END` in this process (no dask); its summary."""
    from thermoquake.catalog.region import Region
    from thermoquake.monitor.daily import MonitorSettings
    from thermoquake.monitor.run import run_monitor

    settings = MonitorSettings(Region.parse(REGION), REFERENCE_YEARS, WINDOW_DAYS, min_count=3)
    return run_monitor(hdf, out, settings, START, END, workers=0, model_dir=run_dir)


def trained_run(tiny_study: Path, tmp_path_factory) -> Path:
    """A tiny SYNTHETIC classifier (3-day window) on 16 km boxes with an R channel, trained once
    with fast settings on the ``tiny_study`` workdir."""
    if "run" not in _built:
        from thermoquake.api import train_window
        from thermoquake.rst.run import run_rst

        work = tmp_path_factory.mktemp("monitor_train") / "work"
        shutil.copytree(tiny_study / "work", work)
        run_rst(work, min_count=1)
        out = tmp_path_factory.mktemp("monitor_runs") / "w3"
        train_window(work, out, catalog=TRAIN_CATALOG, window=3, folds=2, epochs=1, width=0.125, batch_size=8,
                     channels=("lst", "mask", "retira"))
        _built["run"] = out
    return _built["run"]


def model_monitor(tiny_study: Path, tmp_path_factory) -> tuple[Path, dict, Path]:
    """A monitor run with :func:`trained_run`'s model: (MONITORDIR, summary, run directory)."""
    if "model_monitor" not in _built:
        run_dir = trained_run(tiny_study, tmp_path_factory)
        out = tmp_path_factory.mktemp("monitor_model") / "mon"
        _built["model_summary"] = run_the_monitor(synthetic_tiles(tmp_path_factory), out, run_dir)
        _built["model_monitor"] = out
    return _built["model_monitor"], _built["model_summary"], _built["run"]
