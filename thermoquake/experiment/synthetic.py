"""The SYNTHETIC benchmark: real catalogue events and matched controls, synthetic tiles with
a K-kelvin anomaly before each event, then preprocess -> rst -> train -> evaluate, each
through the real command (in-process click calls), so the benchmark tests the chain users run.

Events are drawn (seeded) from the study list whose UTC year lies strictly inside the
reference years, preferring boxes inside one MODIS tile (cheaper synthetic tiles); matched
controls come from ``thermoquake controls --mode matched`` over the whole real catalogue, in
the events' years inside the reference years; an event without one is left out of the study
(``controls.unmatched.csv`` says why).
With K = 0 events and controls are statistically identical: any skill is an artefact (the
null test). Everything written is SYNTHETIC and labelled so.

A harder world, to show what each guard is for: ``controls="random"`` draws controls at
random places in the events' bounding box (padded by 1 degree) through ``thermoquake
controls --mode random``; ``control_years="any"`` is that command's earlier year policy
(matched controls then take any year of the whole catalogue, not only the reference
years); ``paired=False`` gives every sample its own RST reference (``rst --unpaired``);
the anomaly offset, day probability, warming trend and inter-annual spread go to
``thermoquake synth study``.
"""

from __future__ import annotations

import csv
import io
import json
import random
from dataclasses import asdict, dataclass
from pathlib import Path

import click

import thermoquake
from thermoquake.atomic import write_text_atomic
from thermoquake.errors import ThermoquakeError

REPO = Path(thermoquake.__file__).resolve().parents[1]
DEFAULT_EVENTS = REPO / "data_manifests" / "events_study.csv"
DEFAULT_CATALOG = REPO / "data_manifests" / "catalog" / "china_m5_2003_2020.csv"


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


HARDER_DEFAULTS = {"controls": "matched", "control_years": "matched", "paired": True,
                   "anomaly_offset_km": 0.0, "anomaly_day_prob": 1.0, "trend_k_per_year": 0.0,
                   "interannual_k": 0.0}


def invoke(args: list[str]) -> None:
    """Run a thermoquake command in this process; its failure becomes a ThermoquakeError."""
    from thermoquake.cli.main import cli

    try:
        cli.main(args, standalone_mode=False)
    except click.ClickException as err:
        raise ThermoquakeError(f"thermoquake {args[0]} failed: {err.format_message()}") from None


def choose_events(events_csv: Path, study: SyntheticStudy, out_csv: Path) -> int:
    """Write the drawn events (file order kept) to ``out_csv``; return how many."""
    from thermoquake.epicentre_grid import EpicentreGrid

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


def control_args(study: SyntheticStudy, events_csv: Path, years: str) -> list[str]:
    """The ``thermoquake controls`` options that choose the study's controls: matched ones in
    the reference years (any catalogue year with ``control_years="any"``), or random ones in the
    events' bounding box padded by 1 degree, one per event."""
    if study.controls == "matched":
        return ["--events", str(events_csv), "--mode", "matched",
                *(["--years", years] if study.control_years == "matched" else [])]
    if study.controls != "random":
        raise ThermoquakeError(f"controls must be matched or random, got {study.controls!r}")
    with open(events_csv, newline="", encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    lats = [float(r["latitude"]) for r in rows]
    lons = [float(r["longitude"]) for r in rows]
    box = f"{min(lons) - 1:.3f},{min(lats) - 1:.3f},{max(lons) + 1:.3f},{max(lats) + 1:.3f}"
    return ["--events", str(events_csv), "--mode", "random", "--region", box, "--n", str(len(rows))]


def build_study(out: Path, study: SyntheticStudy, days_before: int, events_csv: Path = DEFAULT_EVENTS,
                catalog: Path = DEFAULT_CATALOG, progress: bool = False) -> Path:
    """events/controls -> synthetic tiles -> preprocess -> rst; returns the workdir."""
    for path in (events_csv, catalog):
        if not Path(path).is_file():
            raise ThermoquakeError("not found (give --events/--catalog)", path)
    out.mkdir(parents=True, exist_ok=True)
    years = f"{study.first_year}-{study.last_year}"
    events, controls = out / "events.csv", out / "controls.csv"
    choose_events(Path(events_csv), study, events)
    invoke(["controls", *control_args(study, events, years), "--catalog", str(catalog),
            "--reference-years", years, "--control-years", study.control_years, "--seed", str(study.seed),
            "--out", str(controls)])
    if study.controls == "matched" and study.control_years == "matched":
        events = out / "controls.events.csv"  # the events that got their control
    common = ["--days-before", str(days_before), "--reference-years", years, "--size", str(study.size)]
    bar = ["--progress" if progress else "--no-progress"]
    world = ["--anomaly-offset-km", repr(study.anomaly_offset_km), "--anomaly-day-prob", repr(study.anomaly_day_prob),
             "--trend-k-per-year", repr(study.trend_k_per_year), "--interannual-k", repr(study.interannual_k)]
    invoke(["synth", "study", "--events", str(events), "--controls", str(controls), "--out", str(out / "hdf"),
            "--anomaly-k", repr(study.anomaly_k), "--radius-km", repr(study.radius_km), "--seed", str(study.seed),
            "--cloud-fraction", repr(study.cloud_fraction), *world, *common, *bar])
    workdir = out / "work"
    invoke(["preprocess", "--events", str(events), "--controls", str(controls), "--hdf-dir", str(out / "hdf"),
            "--out", str(workdir), "--workers", "0", *common, *bar])
    invoke(["rst", "--workdir", str(workdir), "--catalog", str(catalog), "--min-count", str(study.min_count),
            "--paired" if study.paired else "--unpaired"])
    write_text_atomic(out / "study.json", json.dumps({"synthetic": True, **study.record(),
                                                      "days_before": days_before}, indent=2) + "\n")
    return workdir
