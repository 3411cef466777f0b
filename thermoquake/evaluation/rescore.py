"""Re-score a run directory from its predictions.csv (``thermoquake evaluate``), and export
its daily alarms. Needs no TensorFlow."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path

import numpy as np

from thermoquake.dataset.windows import forecast_period
from thermoquake.evaluation.document import MetricsDocument, metrics_path, read_training_records
from thermoquake.evaluation.threshold import DEFAULT_THRESHOLD, THRESHOLD_FIXED, threshold_source
from thermoquake.errors import RunDirectoryError, ThermoquakeError
from thermoquake.training.run_files import CONFIG_FILE, PREDICTIONS_FILE

ALARM_COLUMNS = ("lon_min", "lon_max", "lat_min", "lat_max", "depth_min", "depth_max", "mag_min", "mag_max",
                 "start_time", "end_time", "score", "alarm", "sample_id", "label")


def read_predictions(run_dir: Path) -> list[dict[str, str]]:
    path = Path(run_dir) / PREDICTIONS_FILE
    if not path.is_file():
        raise RunDirectoryError("no predictions.csv: not a thermoquake train run directory", run_dir)
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    if not rows:
        raise RunDirectoryError("has no predictions", path)
    return rows


def read_config(run_dir: Path) -> dict:
    path = Path(run_dir) / CONFIG_FILE
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise RunDirectoryError(f"cannot read the run configuration: {err}", path) from None


def fixed_threshold(config: dict) -> float:
    """The threshold a run fixed before evaluation (config.json; runs written before it was
    recorded used the default)."""
    return float(config.get("train", {}).get("threshold", DEFAULT_THRESHOLD))


def run_window(config: dict, run_dir: Path) -> int:
    """The run's window N, days (config.json)."""
    window = config.get("train", {}).get("window")
    if not isinstance(window, int) or window < 2:
        raise RunDirectoryError("config.json has no window of 2 days or more (train.window)", run_dir)
    return window


def rescore_run(run_dir: Path, threshold: float | None = None, n_boot: int = 1000) -> MetricsDocument:
    """metrics.json's document recomputed from predictions.csv at ``threshold`` (default: the
    run's own). Another threshold than the run's is marked ``threshold_source`` "chosen
    after evaluation", with the run's under ``threshold_fixed``. What only training knows
    (:data:`~thermoquake.evaluation.document.TRAINING_RECORDS`: the class balance, the split,
    the folds, the augmentation) is carried over from the run's metrics.json, whatever its
    schema version."""
    rows = read_predictions(run_dir)
    config = read_config(run_dir)
    train = config.get("train", {})
    fixed = fixed_threshold(config)
    threshold, source = threshold_source(threshold, fixed)
    prob = np.array([float(r["prob"]) for r in rows])
    baselines = {k.removeprefix("baseline_"): np.array([float(r[k]) for r in rows])
                 for k in rows[0] if k.startswith("baseline_")}
    meta = {"synthetic": bool(config.get("synthetic")), "window": train.get("window"), "model": train.get("model"),
            "augment": train.get("augment"), "split": train.get("split"), "seed": train.get("seed", 0),
            "threshold": threshold, "threshold_source": source}
    if source != THRESHOLD_FIXED:
        meta["threshold_fixed"] = fixed
    doc = MetricsDocument.compute([r["sample_id"] for r in rows], np.array([int(r["label"]) for r in rows]),
                                  [r["group"] for r in rows], prob, baselines, meta, threshold=threshold,
                                  n_boot=n_boot, seed=int(train.get("seed", 0)))
    records = read_training_records(run_dir)
    return MetricsDocument.from_dict(doc.to_dict() | records, metrics_path(run_dir)) if records else doc


def alarm_forecast_csv(run_dir: Path, threshold: float | None = None, box_deg: float = 1.0,
                       min_mag: float = 5.0) -> str:
    """Daily alarms as one flat CSV table with a header, for people and spreadsheets (pycsep
    reads the files of :func:`thermoquake.evaluation.pycsep_export.export_pycsep` instead): per
    prediction, a ``box_deg`` box centred on the sample's epicentre, depth 0-70 km,
    M >= ``min_mag``, the period the image forecasts (``start_time`` to ``end_time``: the days
    D+1 .. D+N-1 of an image of day D in an N-day window,
    :func:`thermoquake.dataset.windows.forecast_period`), the model's probability as
    ``score`` and the 0/1 ``alarm`` at ``threshold`` (default: the run's)."""
    rows = read_predictions(run_dir)
    config = read_config(run_dir)
    threshold = fixed_threshold(config) if threshold is None else threshold
    window = run_window(config, Path(run_dir))
    samples = _sample_sites(Path(config.get("workdir", "")))
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(ALARM_COLUMNS)
    half = box_deg / 2
    for r in rows:
        lat, lon = samples.get(r["sample_id"], (float("nan"), float("nan")))
        start, end = forecast_period(dt.date.fromisoformat(r["date"]), window)
        p = float(r["prob"])
        writer.writerow([f"{lon - half:.4f}", f"{lon + half:.4f}", f"{lat - half:.4f}", f"{lat + half:.4f}",
                         "0", "70", f"{min_mag:g}", "10", start.isoformat(), end.isoformat(), f"{p:.6f}",
                         int(p >= threshold), r["sample_id"], r["label"]])
    return buf.getvalue()


def run_inputs(run_dir: Path) -> list[Path]:
    """The paths of a run directory that rescoring reads (the directory, its predictions and
    config): what an output written from a run must not be."""
    run_dir = Path(run_dir)
    return [run_dir, run_dir / PREDICTIONS_FILE, run_dir / CONFIG_FILE]


def refuse_exports_over_run(run_dir: Path, alarms_csv: Path | None = None, pycsep_dir: Path | None = None) -> None:
    """Raise :class:`thermoquake.outputs.OutputIsInputError` if the alarm table
    ``alarms_csv`` or the pycsep directory ``pycsep_dir`` is the run directory or one of the
    files read from it (:func:`run_inputs`). :func:`write_alarm_forecast_csv` and
    :func:`thermoquake.evaluation.pycsep_export.export_pycsep` check this themselves; call it
    first to refuse before rescoring."""
    from thermoquake.outputs import refuse_outputs_over_inputs

    refuse_outputs_over_inputs({"alarms_csv": alarms_csv, "pycsep_dir": pycsep_dir}, {"run_dir": run_inputs(run_dir)})


def write_alarm_forecast_csv(run_dir: Path, out: Path, threshold: float | None = None, box_deg: float = 1.0,
                             min_mag: float = 5.0) -> Path:
    """Write :func:`alarm_forecast_csv` to the file ``out`` (atomically) and return it. An
    ``out`` (named ``alarms_csv`` in the refusal) that is the run directory or one of its files read here is refused
    (:class:`thermoquake.outputs.OutputIsInputError`) before anything is read or written."""
    from thermoquake.atomic import write_text_atomic

    refuse_exports_over_run(run_dir, alarms_csv=out)
    write_text_atomic(Path(out), alarm_forecast_csv(run_dir, threshold, box_deg=box_deg, min_mag=min_mag))
    return Path(out)


def _sample_sites(workdir: Path) -> dict[str, tuple[float, float]]:
    from thermoquake.preprocessing.samples import read_samples

    try:
        return {s.sample_id: (s.latitude, s.longitude) for s in read_samples(workdir)}
    except ThermoquakeError:
        return {}
