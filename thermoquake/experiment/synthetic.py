"""The SYNTHETIC benchmark: real catalogue events and matched controls, synthetic tiles with
a K-kelvin anomaly before each event, then preprocess -> rst -> train -> evaluate, each
through the library call its command makes, so the benchmark tests the chain users run.

Events are drawn (seeded) from the study list whose UTC year lies strictly inside the
reference years, preferring boxes inside one MODIS tile (cheaper synthetic tiles); matched
controls come from :func:`thermoquake.study.control_study.make_controls` (matched mode) over the whole real catalogue, in
the events' years inside the reference years; an event without one is left out of the study
(``controls.unmatched.csv`` says why).
With K = 0 events and controls are statistically identical: any skill is an artefact (the
null test). Everything written is SYNTHETIC and labelled so.

A harder world, to show what each guard is for: ``controls="random"`` draws controls at
random places in the events' bounding box (padded by 1 degree) over the events' years;
``control_years="any"`` lets matched controls take any year of the whole catalogue, not only
the reference years; ``paired=False`` gives every sample its own RST reference; the anomaly
offset, day probability, warming trend and inter-annual spread go to the synthetic tiles.
"""

from __future__ import annotations

import csv
import io
import json
import random
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from thermoquake.atomic import write_text_atomic
from thermoquake.errors import InputNotFoundError, ThermoquakeError

if TYPE_CHECKING:
    from thermoquake.evaluation.document import MetricsDocument


@dataclass(frozen=True)
class SyntheticStudy:
    """Parameters of the synthetic benchmark (units: K, km, days, years)."""

    anomaly_k: float
    n_events: int = 16
    size: int = 64
    first_year: int = 2007
    last_year: int = 2012
    radius_km: float = 25.0
    cloud_fraction: float = 0.2
    min_count: int = 3
    seed: int = 0
    controls: str = "matched"
    control_years: str = "matched"
    paired: bool = True
    anomaly_offset_km: float = 0.0
    anomaly_day_prob: float = 1.0
    trend_k_per_year: float = 0.0
    interannual_k: float = 0.0

    def record(self) -> dict:
        """The parameters for study.json: the world's harder settings only where they are set
        (a default study records what it always did)."""
        out = asdict(self)
        for name, default in HARDER_DEFAULTS.items():
            if out[name] == default:
                del out[name]
        return out


# The real study lists the benchmark draws from ship with the source checkout (data_manifests/),
# not with the installed package.
DATA_MANIFESTS = Path(__file__).resolve().parents[2] / "data_manifests"
DEFAULT_EVENTS = DATA_MANIFESTS / "events_study.csv"
DEFAULT_CATALOG = DATA_MANIFESTS / "catalog" / "china_m5_2003_2020.csv"

HARDER_DEFAULTS = {"controls": "matched", "control_years": "matched", "paired": True,
                   "anomaly_offset_km": 0.0, "anomaly_day_prob": 1.0, "trend_k_per_year": 0.0,
                   "interannual_k": 0.0}


def choose_events(events_csv: Path, study: SyntheticStudy, out_csv: Path) -> int:
    """Write the drawn events (file order kept) to ``out_csv``; return how many."""
    from thermoquake.image.grid import EpicentreGrid

    with open(events_csv, newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        header = reader.fieldnames or []
        rows = [r for r in reader if study.first_year < int(r["time"][:4]) < study.last_year]
    one_tile = [r for r in rows if len(EpicentreGrid(float(r["latitude"]), float(r["longitude"]), study.size).tiles()) == 1]
    pool = one_tile if len(one_tile) >= study.n_events else rows
    if len(pool) < study.n_events:
        raise ThermoquakeError(f"only {len(pool)} events lie inside {study.first_year}-{study.last_year}", events_csv)
    chosen = set(map(id, random.Random(study.seed).sample(pool, study.n_events)))
    buf = io.StringIO()
    writer = csv.DictWriter(buf, header, lineterminator="\n")
    writer.writeheader()
    writer.writerows(r for r in rows if id(r) in chosen)
    write_text_atomic(out_csv, buf.getvalue())
    return study.n_events


def study_controls(study: SyntheticStudy, events_csv: Path, catalog: Path, controls_csv: Path,
                   years: range) -> Path:
    """Choose the study's controls into ``controls_csv`` with
    :func:`thermoquake.study.control_study.make_controls`: matched ones in the reference years (any
    catalogue year with ``control_years="any"``), or random ones in the events' bounding box
    padded by 1 degree over the events' years, one per event. Returns the events file the
    study goes on with (matched, matched years: only the events that got their control)."""
    from thermoquake.catalog import Region
    from thermoquake.study.control_study import make_controls

    if study.controls == "matched":
        any_year = study.control_years == "any"
        make_controls(events_csv, catalog, controls_csv, mode="matched", control_years=study.control_years,
                      years=None if any_year else years, reference_years=years, seed=study.seed)
        return events_csv if any_year else controls_csv.with_name(controls_csv.stem + ".events.csv")
    if study.controls != "random":
        raise ThermoquakeError(f"controls must be matched or random, got {study.controls!r}")
    with open(events_csv, newline="", encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    lats = [float(r["latitude"]) for r in rows]
    lons = [float(r["longitude"]) for r in rows]
    box = Region(min(lons) - 1, min(lats) - 1, max(lons) + 1, max(lats) + 1)
    make_controls(events_csv, catalog, controls_csv, mode="random", region=box, n=len(rows),
                  control_years=study.control_years, reference_years=years, seed=study.seed)
    return events_csv


def build_study(out: Path, study: SyntheticStudy, days_before: int, events_csv: Path, catalog: Path,
                progress: bool = False) -> Path:
    """events/controls -> synthetic tiles -> preprocess -> rst; returns the workdir.

    ``events_csv``: the real study events to draw from; ``catalog``: the whole real catalogue
    (controls are clear of its M >= 5 quakes; RST references leave its quakes out).
    """
    from thermoquake.preprocessing.preprocess import preprocess
    from thermoquake.rst.run import run_rst
    from thermoquake.rst.sequences import catalog_quakes
    from thermoquake.synth.study import synthetic_study

    for path in (events_csv, catalog):
        if not Path(path).is_file():
            raise InputNotFoundError("not found (give --events/--catalog)", path)
    out.mkdir(parents=True, exist_ok=True)
    years = range(study.first_year, study.last_year + 1)
    events, controls = out / "events.csv", out / "controls.csv"
    choose_events(Path(events_csv), study, events)
    events = study_controls(study, events, Path(catalog), controls, years)
    common = {"days_before": days_before, "reference_years": years, "size": study.size, "progress": progress}
    synthetic_study(events, out / "hdf", controls=controls, anomaly_k=study.anomaly_k, radius_km=study.radius_km,
                    seed=study.seed, cloud_fraction=study.cloud_fraction,
                    anomaly_offset_km=study.anomaly_offset_km, anomaly_day_prob=study.anomaly_day_prob,
                    trend_k_per_year=study.trend_k_per_year, interannual_k=study.interannual_k, **common)
    workdir = out / "work"
    preprocess(events, out / "hdf", workdir, controls=controls, workers=0, **common)
    run_rst(workdir, min_count=study.min_count, quakes=catalog_quakes(catalog), paired=study.paired)
    write_text_atomic(out / "study.json", json.dumps({"synthetic": True, **study.record(),
                                                      "days_before": days_before}, indent=2) + "\n")
    return workdir


def plan_study(study: SyntheticStudy, days_before: int, events_csv: Path, catalog: Path) -> dict:
    """What :func:`build_study` would make, writing nothing under its output: the events drawn
    and the controls chosen (in a temporary directory, removed), the synthetic tiles (MODIS
    tile names and tile-day files), the epicentre images (targets, references) and a rough
    RST time (s, CPU). The same draws as :func:`build_study` with the same ``study``."""
    import tempfile

    from thermoquake.preprocessing.events import read_events
    from thermoquake.preprocessing.plan import TARGET, plan_images
    from thermoquake.rst.run import SECONDS_PER_IMAGE
    from thermoquake.synth.study import synthetic_study

    for path in (events_csv, catalog):
        if not Path(path).is_file():
            raise InputNotFoundError("not found (give --events/--catalog)", path)
    years = range(study.first_year, study.last_year + 1)
    with tempfile.TemporaryDirectory(prefix="thermoquake-plan-") as tmp:
        events, controls = Path(tmp) / "events.csv", Path(tmp) / "controls.csv"
        choose_events(Path(events_csv), study, events)
        events = study_controls(study, events, Path(catalog), controls, years)
        tiles = synthetic_study(events, Path(tmp) / "hdf", controls=controls, days_before=days_before,
                                reference_years=years, size=study.size, seed=study.seed, dry_run=True, progress=False)
        event_rows, control_rows = read_events(events), read_events(controls)
        tasks = (plan_images(event_rows, days_before, years, study.size, events)
                 + plan_images(control_rows, days_before, years, study.size, controls))
    targets = sum(t.role == TARGET for t in tasks)
    return {"synthetic": True, "events": len(event_rows), "controls": len(control_rows),
            "tiles": tiles["tiles"], "tile_files": tiles["files"], "images": len(tasks), "targets": targets,
            "references": len(tasks) - targets, "size_px": study.size,
            "rst_seconds": SECONDS_PER_IMAGE * (2 * targets + (len(tasks) - targets))}


def plan_experiment(out: Path, study: SyntheticStudy, config, events_csv: Path, catalog: Path) -> dict:
    """What ``thermoquake experiment synthetic`` would do into ``out``, writing nothing there:
    :func:`plan_study` (``config.window`` - 1 days before each sample), the training run
    (its directory, images, fits, epochs) and a rough CPU time (s) of RST and training
    (tile synthesis and preprocess not counted). ``config``: a
    :class:`thermoquake.training.config.TrainConfig`."""
    from thermoquake.dataset.windows import days_in_window
    from thermoquake.outputs import refuse_outputs_over_inputs
    from thermoquake.training.run import planned_fits, training_seconds

    refuse_outputs_over_inputs({"out": out}, {"events_csv": events_csv, "catalog": catalog})
    window = int(config.window)
    plan = plan_study(study, window - 1, events_csv, catalog)
    days = (plan["events"] + plan["controls"]) * days_in_window(window)
    fits = planned_fits(config)
    train_s = training_seconds(config, days, study.size, len(fits))
    run_dir = Path(out) / "runs" / f"{config.run_name}-{config.digest}"
    return plan | {"out": str(out), "study": str(Path(out) / "study"),
                   "training": {"run": str(run_dir), "days": days, "fits": fits, "epochs": config.epochs,
                                "seconds": train_s},
                   "seconds": plan["rst_seconds"] + train_s}


def experiment_run_dir(out: Path, config) -> Path:
    """``OUT/runs/<run name>-<digest>``: where :func:`run_experiment` trains ``config``."""
    return Path(out) / "runs" / f"{config.run_name}-{config.digest}"


def run_experiment(out: str | Path, study: SyntheticStudy, config, *, events_csv: str | Path = DEFAULT_EVENTS,
                   catalog: str | Path = DEFAULT_CATALOG, allow_imbalance: bool = False, progress: bool | None = None,
                   metrics_out: str | Path | None = None) -> MetricsDocument:
    """The SYNTHETIC benchmark end to end: :func:`build_study` into ``OUT/study`` (events drawn
    from ``events_csv``, controls clear of ``catalog``; ``config.window - 1`` days before each),
    then the classifier ``config`` (a :class:`thermoquake.training.config.TrainConfig`) trained
    and scored into :func:`experiment_run_dir` with ``catalog`` for the clustering baseline.
    Returns the run's :class:`~thermoquake.evaluation.document.MetricsDocument` with the study under ``"experiment"`` (``anomaly_k`` K,
    ``events``, ``size_km``, ``reference_years``, ``radius_km`` and the harder world's settings
    that are set); also written to ``metrics_out`` when given. Needs TensorFlow. An ``out`` or
    ``metrics_out`` that is ``events_csv`` or ``catalog`` is refused
    (:class:`thermoquake.outputs.OutputIsInputError`) before anything is written."""
    from thermoquake.catalog import read_catalog
    from thermoquake.outputs import refuse_outputs_over_inputs
    from thermoquake.training.run import train_window

    refuse_outputs_over_inputs({"out": out, "metrics_out": metrics_out}, {"events_csv": events_csv, "catalog": catalog})
    out = Path(out)
    workdir = build_study(out / "study", study, int(config.window) - 1, Path(events_csv), Path(catalog),
                          progress=progress)
    result = train_window(workdir, config, experiment_run_dir(out, config), read_catalog(catalog).events,
                          allow_imbalance=allow_imbalance)
    world = {k: v for k, v in study.record().items() if k in HARDER_DEFAULTS}
    doc = result.metrics.with_records(experiment={"anomaly_k": study.anomaly_k, "events": study.n_events,
                                                  "size_km": study.size,
                                                  "reference_years": f"{study.first_year}-{study.last_year}",
                                                  "radius_km": study.radius_km, **world})
    if metrics_out is not None:
        doc.write(metrics_out)
    return doc
