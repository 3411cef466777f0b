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
    invoke(["controls", "--events", str(events), "--catalog", str(catalog), "--mode", "matched",
            "--years", years, "--reference-years", years, "--seed", str(study.seed), "--out", str(controls)])
    events = out / "controls.events.csv"  # the events that got their control
    common = ["--days-before", str(days_before), "--reference-years", years, "--size", str(study.size)]
    bar = ["--progress" if progress else "--no-progress"]
    invoke(["synth", "study", "--events", str(events), "--controls", str(controls), "--out", str(out / "hdf"),
            "--anomaly-k", repr(study.anomaly_k), "--radius-km", repr(study.radius_km), "--seed", str(study.seed),
            "--cloud-fraction", repr(study.cloud_fraction), *common, *bar])
    workdir = out / "work"
    invoke(["preprocess", "--events", str(events), "--controls", str(controls), "--hdf-dir", str(out / "hdf"),
            "--out", str(workdir), "--workers", "0", *common, *bar])
    invoke(["rst", "--workdir", str(workdir), "--catalog", str(catalog), "--min-count", str(study.min_count)])
    write_text_atomic(out / "study.json", json.dumps({"synthetic": True, **asdict(study),
                                                      "days_before": days_before}, indent=2) + "\n")
    return workdir
