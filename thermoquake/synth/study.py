"""SYNTHETIC tiles for a whole study: every tile and date that ``thermoquake preprocess`` of
an events list (and its controls) will ask for, with a warm anomaly before each event.

Only the (tile, date) pairs the study's epicentre boxes need are written (not the tiles x
dates product), so a study of sites far apart costs what its images need. Each event gets
one :class:`SyntheticAnomaly` of ``anomaly_k`` kelvin (none when 0: the null study),
present on the ``onset_days`` days before the event's UTC date; controls get none. Each
tile is written with the anomalies active on its date (each tile keeps those that reach
it): the pixels are those ``thermoquake synth tiles`` writes with the same ``--anomaly``
options, and a tile no anomaly touches is the same file whatever ``anomaly_k`` is (so
studies of several amplitudes can share those). Complete tiles are skipped: an
interrupted run resumes.

``synth_study.json`` records the parameters, the anomalies and the files.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from thermoquake.atomic import write_text_atomic
from thermoquake.batch.events import Event
from thermoquake.batch.plan import plan_images
from thermoquake.modis.sinusoidal import tile_name
from thermoquake.synth.anomaly import SyntheticAnomaly
from thermoquake.synth.config import SYNTH_VERSION, SynthConfig
from thermoquake.synth.ecs_metadata import GENERATOR
from thermoquake.synth.tiles import (
    is_complete,
    synthetic_granule_name,
    tile_parameters,
    write_synthetic_tile,
)
from thermoquake.dirlock import locks_directory

STUDY_MANIFEST = "synth_study.json"


@dataclass(frozen=True)
class StudyTile:
    h: int
    v: int
    date: dt.date
    path: Path
    done: bool


def event_anomalies(events: Sequence[Event], anomaly_k: float, radius_km: float,
                    onset_days: int) -> list[SyntheticAnomaly]:
    """One anomaly of ``anomaly_k`` K (e-folding radius ``radius_km`` km) at each event's
    epicentre on the ``onset_days`` days before its UTC date; none when ``anomaly_k`` is 0."""
    if anomaly_k == 0:
        return []
    return [SyntheticAnomaly(e.latitude, e.longitude, float(anomaly_k), float(radius_km), int(onset_days),
                             e.date) for e in events]


def active_on(anomalies: Sequence[SyntheticAnomaly], date: dt.date) -> list[SyntheticAnomaly]:
    return [a for a in anomalies if a.is_active(date)]


def study_tiles(out_dir: Path, product: str, sites: Sequence[Event], days_before: int,
                reference_years: Sequence[int], size: int, config: SynthConfig,
                anomalies: Sequence[SyntheticAnomaly], collection: str = "061") -> list[StudyTile]:
    """The (tile, date) pairs the sites' target and reference boxes need, sorted by tile then
    date, each with whether its file is already complete."""
    pairs = set()
    for task in plan_images(sites, days_before, reference_years, size):
        for name in task.tiles:
            pairs.add((int(name[1:3]), int(name[4:6]), task.date))
    out = []
    for h, v, date in sorted(pairs):
        path = Path(out_dir) / synthetic_granule_name(product, h, v, date, collection).filename
        params = tile_parameters(product, h, v, date, config, collection, active_on(anomalies, date))
        out.append(StudyTile(h, v, date, path, is_complete(path, params)))
    return out


@locks_directory("out_dir", "tile directory")
def write_study(out_dir: Path, product: str, events: Sequence[Event], controls: Sequence[Event],
                days_before: int, reference_years: Sequence[int], size: int, config: SynthConfig,
                anomaly_k: float, radius_km: float = 40.0, onset_days: int | None = None,
                collection: str = "061", dry_run: bool = False,
                progress: Callable[[StudyTile], None] | None = None) -> dict:
    """Write the study's SYNTHETIC tiles into ``out_dir`` (see the module doc); return the
    manifest (also written to ``synth_study.json`` unless ``dry_run``)."""
    onset = days_before if onset_days is None else onset_days
    anomalies = event_anomalies(events, anomaly_k, radius_km, onset)
    plan = study_tiles(out_dir, product, list(events) + list(controls), days_before, reference_years,
                       size, config, anomalies, collection)
    written = 0
    for item in plan:
        if not dry_run and not item.done:
            write_synthetic_tile(out_dir, product, item.h, item.v, item.date, config=config,
                                 anomalies=active_on(anomalies, item.date), collection=collection)
            written += 1
        if progress is not None:
            progress(item)
    manifest = {
        "synthetic": True, "generator": GENERATOR, "generator_version": SYNTH_VERSION,
        "product": product, "collection": collection, "config": config.to_dict(),
        "days_before": days_before, "reference_years": [min(reference_years), max(reference_years)],
        "size": size, "anomaly_k": anomaly_k, "radius_km": radius_km, "onset_days": onset,
        "events": [e.event_id for e in events], "controls": [c.event_id for c in controls],
        "anomalies": [a.to_dict() for a in anomalies],
        "tiles": sorted({tile_name(t.h, t.v) for t in plan}),
        "files": len(plan), "already_complete": sum(t.done for t in plan),
        "written_now": written,
    }
    if not dry_run:
        stable = {k: v for k, v in manifest.items() if k not in ("already_complete", "written_now")}
        write_text_atomic(Path(out_dir) / STUDY_MANIFEST, json.dumps(stable, sort_keys=True, indent=2) + "\n")
    return manifest


def synthetic_study(events: str | Path, out_dir: str | Path, *, controls: str | Path | None = None,
                    days_before: int = 9, reference_years: Sequence[int] = range(2003, 2017), size: int = 256,
                    product: str = "MYD11A1", collection: str = "061", seed: int = 0,
                    cloud_fraction: float = 0.3, anomaly_k: float = 3.0, radius_km: float = 40.0,
                    onset_days: int | None = None, dry_run: bool = False,
                    progress: bool | None = None) -> dict:
    """Write the SYNTHETIC tiles that :func:`thermoquake.preprocess` with the same events,
    controls, ``days_before``, ``reference_years`` and ``size`` will read, with an ``anomaly_k``
    kelvin warm anomaly (e-folding radius ``radius_km`` km) before each event; controls get none.
    Complete tiles are skipped (an interrupted run resumes). Returns the study manifest (also
    written to ``out_dir/synth_study.json`` unless ``dry_run``): files, already_complete,
    written_now, tiles, anomaly_k, ...

    Raises:
        ThermoquakeError: an unreadable events/controls file, a bad cloud fraction, an output
            that is an input.
    """
    import sys

    from tqdm import tqdm

    from thermoquake.batch.events import read_events
    from thermoquake.errors import BadRequestError
    from thermoquake.outputs import refuse_outputs_over_inputs

    out_dir = Path(out_dir)
    refuse_outputs_over_inputs({"--out": [out_dir, out_dir / STUDY_MANIFEST]},
                               {"--events": events, "--controls": controls})
    if not 0.0 <= cloud_fraction <= 1.0:
        raise BadRequestError(f"cloud fraction {cloud_fraction!r} is not in 0..1", "cloud_fraction")
    event_rows = read_events(Path(events))
    control_rows = read_events(Path(controls)) if controls is not None else []
    config = SynthConfig(seed=seed, cloud_fraction=float(cloud_fraction))
    show = sys.stderr.isatty() if progress is None else progress
    years = range(min(reference_years), max(reference_years) + 1)
    with tqdm(unit="tile", disable=not show or dry_run, desc="synthetic tiles") as bar:
        manifest = write_study(out_dir, product, event_rows, control_rows, days_before, years, size,
                               config, anomaly_k, radius_km, onset_days, collection, dry_run,
                               progress=lambda _: bar.update(1))
    return manifest | {"events": len(event_rows), "controls": len(control_rows)}
