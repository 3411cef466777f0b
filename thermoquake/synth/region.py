"""SYNTHETIC tiles of a whole monitored region: every tile covering the region on every
monitored day and on every reference day ``thermoquake monitor`` will read, with a warm
anomaly on the days before each catalogue earthquake near the region and none elsewhere.

The anomalies follow the synthetic study's rule (:mod:`thermoquake.synth.study`): one
:class:`SyntheticAnomaly` of ``anomaly_k`` K (e-folding ``radius_km``) at each epicentre of
magnitude >= ``min_mag`` whose footprint reaches the region, on the ``onset_days`` days
before its UTC date, in every year written (reference years included: the catalogue is
real). By default only the main shocks of the Gardner-Knopoff declustered catalogue get one:
anomalies of overlapping dates add up, and an aftershock swarm would otherwise stack tens of
them into one patch of tens of kelvin. Weather, cloud, terrain and noise are the synthetic world's (:mod:`thermoquake.synth`).
Complete tiles are skipped, so an interrupted run resumes. ``synth_region.json`` records
the parameters, the anomalies and the counts.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Callable, Sequence
from pathlib import Path

from thermoquake.atomic import write_text_atomic
from thermoquake.catalog.region import Region
from thermoquake.catalog.schema import Event
from thermoquake.monitor.calendar import date_range, reference_dates
from thermoquake.modis.region_grid import RegionGrid
from thermoquake.synth.anomaly import FOOTPRINT_RADII, SyntheticAnomaly
from thermoquake.synth.config import SYNTH_VERSION, SynthConfig
from thermoquake.synth.ecs_metadata import GENERATOR
from thermoquake.synth.study import active_on
from thermoquake.synth.tiles import is_complete, synthetic_granule_name, tile_parameters, write_synthetic_tile
from thermoquake.dirlock import locks_directory

REGION_MANIFEST = "synth_region.json"
KM_PER_DEG = 111.195


def region_dates(start: dt.date, end: dt.date, reference_years: Sequence[int], window_days: int) -> list[dt.date]:
    """The monitored days and all their reference days, sorted."""
    days = set(date_range(start, end))
    for d in date_range(start, end):
        days.update(reference_dates(d, reference_years, window_days))
    return sorted(days)


def quake_anomalies(events: Sequence[Event], region: Region, anomaly_k: float, radius_km: float,
                    onset_days: int, min_mag: float) -> list[SyntheticAnomaly]:
    """One anomaly per catalogue event of magnitude >= ``min_mag`` whose footprint
    (``FOOTPRINT_RADII * radius_km``) reaches ``region``; none when ``anomaly_k`` is 0."""
    if anomaly_k == 0:
        return []
    reach = FOOTPRINT_RADII * radius_km
    out = []
    for e in sorted(events):
        dlat = reach / KM_PER_DEG
        dlon = reach / (KM_PER_DEG * max(math.cos(math.radians(e.latitude)), 1e-6))
        if (e.magnitude >= min_mag and region.lat_min - dlat <= e.latitude <= region.lat_max + dlat
                and region.lon_min - dlon <= e.longitude <= region.lon_max + dlon):
            out.append(SyntheticAnomaly(e.latitude, e.longitude, float(anomaly_k), float(radius_km),
                                        int(onset_days), e.time.date()))
    return out


@locks_directory("out_dir", "tile directory")
def write_region(out_dir: Path, product: str, region: Region, start: dt.date, end: dt.date,
                 reference_years: Sequence[int], window_days: int, events: Sequence[Event],
                 config: SynthConfig, anomaly_k: float, radius_km: float = 40.0, onset_days: int = 7,
                 min_mag: float = 5.0, decluster_window: str = "gardner-knopoff", collection: str = "061",
                 dry_run: bool = False,
                 progress: Callable[[tuple[int, int, dt.date]], None] | None = None) -> dict:
    """Write the region's SYNTHETIC tiles into ``out_dir`` (module doc); return the manifest
    (also written to ``synth_region.json`` unless ``dry_run``)."""
    grid = RegionGrid.for_region(region)
    if decluster_window != "none":
        from thermoquake.catalog.decluster import decluster

        events = decluster(list(events), decluster_window).mainshocks
    anomalies = quake_anomalies(events, region, anomaly_k, radius_km, onset_days, min_mag)
    dates = region_dates(start, end, reference_years, window_days)
    files = already = written = 0
    for date in dates:
        active = active_on(anomalies, date)
        for h, v in grid.tiles():
            files += 1
            path = Path(out_dir) / synthetic_granule_name(product, h, v, date, collection).filename
            if is_complete(path, tile_parameters(product, h, v, date, config, collection, active)):
                already += 1
            elif not dry_run:
                write_synthetic_tile(out_dir, product, h, v, date, config=config, anomalies=active,
                                     collection=collection)
                written += 1
            if progress is not None:
                progress((h, v, date))
    manifest = {
        "synthetic": True, "generator": GENERATOR, "generator_version": SYNTH_VERSION,
        "product": product, "collection": collection, "config": config.to_dict(),
        "region": region.text, "start": start.isoformat(), "end": end.isoformat(),
        "reference_years": [min(reference_years), max(reference_years)], "window_days": window_days,
        "anomaly_k": anomaly_k, "radius_km": radius_km, "onset_days": onset_days, "min_mag": min_mag, "decluster": decluster_window,
        "anomalies": [a.to_dict() for a in anomalies],
        "tiles": [f"h{h:02d}v{v:02d}" for h, v in grid.tiles()], "dates": len(dates),
        "files": files, "already_complete": already, "written_now": written,
    }
    if not dry_run:
        stable = {k: v for k, v in manifest.items() if k not in ("already_complete", "written_now")}
        write_text_atomic(Path(out_dir) / REGION_MANIFEST, json.dumps(stable, sort_keys=True, indent=2) + "\n")
    return manifest
