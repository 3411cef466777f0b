"""SYNTHETIC tiles for a whole study: every tile and date that ``thermoquake preprocess`` of
an events list (and its controls) will ask for, with a warm anomaly before each event.

Only the (tile, date) pairs the study's epicentre boxes need are written (not the tiles x
dates product), so a study of sites far apart costs what its images need. Each event gets
one :class:`SyntheticAnomaly` of ``anomaly_k`` kelvin (none when 0: the null study),
present on the ``onset_days`` days before the event's UTC date; controls get none. With
``offset_km`` > 0 its centre lies uniformly in the disc of that radius around the epicentre;
with ``day_prob`` < 1 each of those days shows it with that probability (both drawn from
the world's seed and the event id, so independent of the other events). Each
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
import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from thermoquake.atomic import write_text_atomic
from thermoquake.preprocessing.events import Event
from thermoquake.preprocessing.plan import plan_images
from thermoquake.errors import BadRequestError
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
                    onset_days: int, offset_km: float = 0.0, day_prob: float = 1.0,
                    seed: int = 0) -> list[SyntheticAnomaly]:
    """One anomaly of ``anomaly_k`` K (e-folding radius ``radius_km`` km) per event on the
    ``onset_days`` days before its UTC date; none when ``anomaly_k`` is 0. Its centre is the
    epicentre, or with ``offset_km`` > 0 a point uniform in the disc of ``offset_km`` km
    around it; with ``day_prob`` < 1 each day shows it with probability ``day_prob``
    (the draws depend on ``seed`` and the event id only)."""
    if anomaly_k == 0:
        return []
    if offset_km < 0 or not 0.0 <= day_prob <= 1.0:
        raise BadRequestError(f"anomaly offset must be >= 0 km and day probability 0..1, got "
                              f"{offset_km} km and {day_prob}")
    out = []
    for e in events:
        rng = random.Random(f"anomaly-{seed}-{e.event_id}")
        lat, lon = e.latitude, e.longitude
        if offset_km > 0:
            lat, lon = _offset_point(lat, lon, offset_km * math.sqrt(rng.random()), 360.0 * rng.random())
        absent: tuple[dt.date, ...] = ()
        if day_prob < 1:
            days = [e.date - dt.timedelta(days=k) for k in range(int(onset_days), 0, -1)]
            absent = tuple(d for d in days if rng.random() >= day_prob)
        out.append(SyntheticAnomaly(lat, lon, float(anomaly_k), float(radius_km), int(onset_days), e.date,
                                    absent))
    return out


def _offset_point(lat: float, lon: float, distance_km: float, bearing_deg: float) -> tuple[float, float]:
    """The point ``distance_km`` from (lat, lon) (degrees) along ``bearing_deg`` on the MODIS sphere."""
    from thermoquake.synth.noise import SPHERE_RADIUS_KM

    d = distance_km / SPHERE_RADIUS_KM
    p1, l1, b = math.radians(lat), math.radians(lon), math.radians(bearing_deg)
    p2 = math.asin(math.sin(p1) * math.cos(d) + math.cos(p1) * math.sin(d) * math.cos(b))
    l2 = l1 + math.atan2(math.sin(b) * math.sin(d) * math.cos(p1), math.cos(d) - math.sin(p1) * math.sin(p2))
    lon2 = (math.degrees(l2) + 540.0) % 360.0 - 180.0
    return max(-90.0, min(90.0, math.degrees(p2))), lon2


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
                progress: Callable[[StudyTile], None] | None = None,
                offset_km: float = 0.0, day_prob: float = 1.0) -> dict:
    """Write the study's SYNTHETIC tiles into ``out_dir`` (see the module doc); return the
    manifest (also written to ``synth_study.json`` unless ``dry_run``). ``offset_km`` (km)
    and ``day_prob`` place and thin the anomalies (:func:`event_anomalies`)."""
    onset = days_before if onset_days is None else onset_days
    anomalies = event_anomalies(events, anomaly_k, radius_km, onset, offset_km, day_prob, config.seed)
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
        **({"anomaly_offset_km": offset_km} if offset_km else {}),
        **({"anomaly_day_prob": day_prob} if day_prob < 1 else {}),
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
                    onset_days: int | None = None, anomaly_offset_km: float = 0.0, anomaly_day_prob: float = 1.0,
                    trend_k_per_year: float = 0.0, interannual_k: float = 0.0, dry_run: bool = False,
                    progress: bool | None = None) -> dict:
    """Write the SYNTHETIC tiles that :func:`thermoquake.preprocess` with the same events,
    controls, ``days_before``, ``reference_years`` and ``size`` will read, with an ``anomaly_k``
    kelvin warm anomaly (e-folding radius ``radius_km`` km) before each event; controls get none.
    A harder world: the anomaly's centre uniform within ``anomaly_offset_km`` km of the
    epicentre, present on each precursor day with probability ``anomaly_day_prob``; a smooth,
    spatially varying warming trend of ``trend_k_per_year`` K per year; year-to-year departures
    of typical size ``interannual_k`` K (all 0 / 1: today's world).
    Complete tiles are skipped (an interrupted run resumes). Returns the study manifest (also
    written to ``out_dir/synth_study.json`` unless ``dry_run``): files, already_complete,
    written_now, tiles, anomaly_k, ...

    Raises:
        ThermoquakeError: an unreadable events/controls file, a bad cloud fraction, an output
            that is an input.
    """
    import sys

    from tqdm import tqdm

    from thermoquake.preprocessing.events import read_events
    from thermoquake.errors import BadRequestError
    from thermoquake.outputs import refuse_outputs_over_inputs

    out_dir = Path(out_dir)
    refuse_outputs_over_inputs({"out_dir": [out_dir, out_dir / STUDY_MANIFEST]},
                               {"events": events, "controls": controls})
    if not 0.0 <= cloud_fraction <= 1.0:
        raise BadRequestError(f"cloud fraction {cloud_fraction!r} is not in 0..1", "cloud_fraction")
    event_rows = read_events(Path(events))
    control_rows = read_events(Path(controls)) if controls is not None else []
    config = SynthConfig(seed=seed, cloud_fraction=float(cloud_fraction), trend_k_per_year=float(trend_k_per_year),
                         interannual_k=float(interannual_k))
    show = sys.stderr.isatty() if progress is None else progress
    years = range(min(reference_years), max(reference_years) + 1)
    with tqdm(unit="tile", disable=not show or dry_run, desc="synthetic tiles") as bar:
        manifest = write_study(out_dir, product, event_rows, control_rows, days_before, years, size,
                               config, anomaly_k, radius_km, onset_days, collection, dry_run,
                               progress=lambda _: bar.update(1), offset_km=float(anomaly_offset_km),
                               day_prob=float(anomaly_day_prob))
    return manifest | {"events": len(event_rows), "controls": len(control_rows)}
