"""thermoquake: thermal precursors of earthquakes in MODIS land-surface temperature.

The Python API (``docs/api.md``), imported lazily: ``import thermoquake`` is cheap (no
TensorFlow, Keras, dask or xarray); each name loads its module on first use::

    import thermoquake as tq
    summary = tq.preprocess("events.csv", "hdf/", "work/", controls="controls.csv")
    tq.run_rst("work/")
    images = tq.open_workdir("work/").to_xarray()

Every function raises :mod:`thermoquake.errors` exceptions (all :class:`ThermoquakeError`)
for problems a user can fix, and never exits or prints.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

# public name -> (module, attribute there)
_API: dict[str, tuple[str, str]] = {
    # images: tiles, epicentre crops, the epicentre GeoTIFF
    "read_tile": ("thermoquake.modis.reader", "read_lst_tile"),
    "crop_epicentre": ("thermoquake.image.crop", "crop_epicentre"),
    "crop_to_geotiff": ("thermoquake.image.geotiff", "crop_to_geotiff"),
    "read_epicentre_image": ("thermoquake.image.geotiff", "read_epicentre_geotiff"),
    "write_epicentre_image": ("thermoquake.image.geotiff", "write_epicentre_geotiff"),
    "EpicentreGrid": ("thermoquake.image.grid", "EpicentreGrid"),
    "EpicentreImage": ("thermoquake.image.crop", "EpicentreImage"),
    # study: catalogue, events, controls, granules
    "read_catalog": ("thermoquake.catalog.readers", "read_catalog"),
    "Selection": ("thermoquake.catalog.select", "Selection"),
    "select_events": ("thermoquake.catalog.select", "select_events"),
    "select_catalog": ("thermoquake.catalog.select", "select_catalog"),
    "make_controls": ("thermoquake.study.control_study", "make_controls"),
    "build_manifest": ("thermoquake.api", "build_manifest"),
    "build_region_manifest": ("thermoquake.api", "build_region_manifest"),
    "fetch_granules": ("thermoquake.api", "fetch_granules"),
    "verify_directory": ("thermoquake.verify", "verify_directory"),
    # SYNTHETIC tiles for tests and demos
    "synthetic_study": ("thermoquake.synth.study", "synthetic_study"),
    # preprocess and RST
    "preprocess": ("thermoquake.preprocessing.preprocess", "preprocess"),
    "RstConfig": ("thermoquake.rst.config", "RstConfig"),
    "run_rst": ("thermoquake.rst.run", "run_rst"),
    # classifiers
    "TrainConfig": ("thermoquake.training.config", "TrainConfig"),
    "train_window": ("thermoquake.api", "train_window"),
    "balance_report": ("thermoquake.evaluation.balance", "balance_report"),
    "evaluate_run": ("thermoquake.evaluation.rescore", "rescore_run"),
    "MetricsDocument": ("thermoquake.evaluation.document", "MetricsDocument"),
    "Metric": ("thermoquake.evaluation.document", "Metric"),
    "predict": ("thermoquake.training.predict", "predict_images"),
    # GAN augmentation
    "train_gan": ("thermoquake.gan.train", "train_gan"),
    "generate": ("thermoquake.gan.generation", "generate"),
    "train_gan_on_workdir": ("thermoquake.gan.augment", "train_gan_on_workdir"),
    "generate_like": ("thermoquake.gan.augment", "generate_like"),
    # SYNTHETIC benchmarks end to end
    "SyntheticStudy": ("thermoquake.experiment.synthetic", "SyntheticStudy"),
    "run_synthetic_experiment": ("thermoquake.experiment.synthetic", "run_experiment"),
    "run_null_experiment": ("thermoquake.experiment.null", "run_null"),
    # region monitoring: daily RETIRA maps, alarms, their scores (SYNTHETIC regions for demos)
    "MonitorSettings": ("thermoquake.monitor.daily", "MonitorSettings"),
    "AlarmRules": ("thermoquake.monitor.run", "AlarmRules"),
    "monitor_region": ("thermoquake.api", "monitor_region"),
    "run_monitor": ("thermoquake.monitor.run", "run_monitor"),
    "evaluate_monitor": ("thermoquake.monitor.score", "evaluate_monitor"),
    "synthetic_region": ("thermoquake.api", "synthetic_region"),
    # report
    "build_report": ("thermoquake.report.build", "build_report"),
    "build_monitor_report": ("thermoquake.report.monitor_report", "build_monitor_report"),
    # directories written by the steps above
    "open_workdir": ("thermoquake.directories", "open_workdir"),
    "open_run": ("thermoquake.directories", "open_run"),
    "Workdir": ("thermoquake.directories", "Workdir"),
    "RunDirectory": ("thermoquake.directories", "RunDirectory"),
}

__all__ = ["ThermoquakeError", "__version__", "errors", *sorted(_API)]

from thermoquake import errors  # noqa: E402  (light: no third-party imports)
from thermoquake.errors import ThermoquakeError  # noqa: E402


def __getattr__(name: str) -> Any:
    if name in _API:
        import importlib

        module, attribute = _API[name]
        value = getattr(importlib.import_module(module), attribute)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'thermoquake' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_API))
