"""``thermoquake monitor``: every day of a period over a region, then sequences, alarms and
the output files (:mod:`thermoquake.monitor.outputs`).

Work is split in space and time (:mod:`thermoquake.monitor.blocks`): the region in square
blocks of ``block_km`` km, the period in runs of ``block_days`` consecutive days; one job
computes the (day, block) units of one block over one run of days (so the block's image cache
serves the overlapping reference windows of neighbouring days). Three phases run on a local
dask cluster of ``workers`` processes, on the cluster at ``scheduler``, or in this process
(``workers`` 0): the spatial mean of every needed image, the units, and the assembly of each
day from its blocks. Every unit and day is saved on its own, so a killed run, run again,
computes only the units it had not finished; the results do not depend on ``block_km``.

Alarms (the RST rule on significant sequences). Daily regions (R >= threshold, area >=
``min_area_km2``) are linked into significant sequences (:func:`thermoquake.rst.sequences.significant_sequences`:
centroids of consecutive days within ``max_distance_km``, at least ``min_days`` consecutive
days). A sequence is *known* from the day its first run of ``min_days`` consecutive days is
complete. Each of its daily regions then alarms the forecast cells it touches on the days
after both that region's day and the day the sequence became known, up to ``alarm_days``
days after the region's day. The alarm of day ``d`` so uses data up to ``d - 1`` only (a
forecast for day ``d``). A cell-day's alarm score is the largest peak R of the regions
alarming it (0: no alarm).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from thermoquake.atomic import write_text_atomic
from thermoquake.preprocessing.hdf_index import HdfIndex, scan_hdf_dir
from thermoquake.errors import ThermoquakeError
from thermoquake.evaluation.csep_files import CellGrid, MagnitudeBins
from thermoquake.modis.region_grid import RegionGrid
from thermoquake.monitor.calendar import date_range, reference_dates
from thermoquake.monitor.blocks import (
    DEFAULT_BLOCK_KM,
    AssembleJob,
    HdfImages,
    ImageSource,
    UnitJob,
    date_means,
    mean_jobs,
    region_blocks,
    run_assemble_job,
    run_mean_job,
    run_unit_job,
)
from thermoquake.monitor.daily import (
    MonitorSettings,
    cell_ids,
    day_is_done,
    day_path,
    read_day_meta,
    region_cells,
)
from thermoquake.rst.sequences import DailyAnomaly, SequenceRules, significant_sequences
from thermoquake.dirlock import locks_directory



@dataclass(frozen=True)
class AlarmRules:
    """Significant sequences (``min_days`` consecutive days, centroids within
    ``max_distance_km`` km) and how long a region alarms its cells (``alarm_days`` days)."""

    min_days: int = 2
    max_distance_km: float = 50.0
    alarm_days: int = 30


def sequence_onset(dates: Sequence[dt.date], min_days: int) -> dt.date:
    """The day a sequence with region days ``dates`` first has ``min_days`` consecutive days."""
    ordinals = sorted({d.toordinal() for d in dates})
    run = 1
    if min_days <= 1:
        return dt.date.fromordinal(ordinals[0])
    for a, b in zip(ordinals, ordinals[1:]):
        run = run + 1 if b == a + 1 else 1
        if run >= min_days:
            return dt.date.fromordinal(b)
    return dt.date.fromordinal(ordinals[-1])


def sequences_and_alarms(days: Sequence[dt.date], metas: Sequence[dict], cells: Sequence[tuple[int, int]],
                         settings: MonitorSettings, rules: AlarmRules) -> tuple[list[dict], np.ndarray]:
    """The significant sequences (rows of ``sequences.csv``) and the alarm scores, float32
    (len(days), len(cells)) (module doc)."""
    anomalies, cells_of = [], {}
    for meta in metas:
        day = dt.date.fromisoformat(meta["date"])
        for reg in meta["regions"]:
            a = DailyAnomaly(day, reg["lat"], reg["lon"], reg["area_km2"], reg["max_r"])
            anomalies.append(a)
            cells_of[a] = [tuple(c) for c in reg["cells"]]
    seqs = significant_sequences(anomalies, SequenceRules(rules.min_days, rules.max_distance_km,
                                                           settings.min_area_km2, settings.threshold))
    ordinals = np.array([d.toordinal() for d in days], dtype=np.int64)
    if ordinals.size > 1 and np.any(np.diff(ordinals) <= 0):
        raise ValueError("days must be in increasing order")
    cell_pos = {c: j for j, c in enumerate(cells)}
    scores = np.zeros((len(days), len(cells)), dtype=np.float32)
    rows = []
    for n, seq in enumerate(seqs, start=1):
        known = sequence_onset([m.date for m in seq.members], rules.min_days)
        touched = set()
        for m in seq.members:
            first = max(m.date, known).toordinal() + 1
            last = m.date.toordinal() + rules.alarm_days
            js = np.array(sorted({cell_pos[c] for c in cells_of.get(m, []) if c in cell_pos}), dtype=np.int64)
            touched.update(cells_of.get(m, []))
            k0, k1 = np.searchsorted(ordinals, first, "left"), np.searchsorted(ordinals, last, "right")
            if js.size and k1 > k0:                  # every monitored day first..last at once
                block = scores[k0:k1, js]
                scores[k0:k1, js] = np.maximum(block, np.float32(m.max_r))
        lats = [m.lat for m in seq.members]
        lons = [m.lon for m in seq.members]
        rows.append({"sequence": n, "start": seq.start.isoformat(), "end": seq.end.isoformat(), "days": seq.days,
                     "regions": len(seq.members), "alarm_from": (known + dt.timedelta(days=1)).isoformat(),
                     "peak_r": round(max(m.max_r for m in seq.members), 4),
                     "max_area_km2": round(max(m.area_km2 for m in seq.members), 3),
                     "lat": round(float(np.mean(lats)), 5), "lon": round(float(np.mean(lons)), 5),
                     "lat_min": round(min(lats), 5), "lat_max": round(max(lats), 5),
                     "lon_min": round(min(lons), 5), "lon_max": round(max(lons), 5),
                     "cells": " ".join(f"{i}:{j}" for i, j in sorted(touched))})
    return rows, scores


@locks_directory("monitor_dir", "monitor directory")
def run_monitor(hdf_dir: Path | ImageSource, monitor_dir: Path, settings: MonitorSettings, start: dt.date,
                end: dt.date, *, rules: AlarmRules = AlarmRules(), mags: MagnitudeBins = MagnitudeBins(),
                workers: int = 0, scheduler: str | None = None, block_days: int = 8,
                block_km: int = DEFAULT_BLOCK_KM, geotiffs: bool = True, model_dir: Path | None = None,
                on_done: Callable[[list[tuple[str, str, bool]]], None] = lambda done: None) -> dict:
    """Monitor ``start``..``end`` (module doc); write the outputs into ``monitor_dir``; return
    the summary written to ``monitor.json``. ``hdf_dir``: the directory of MODIS tiles, or an
    image source of the region's grid (:class:`thermoquake.monitor.blocks.ArrayImages`).
    ``on_done`` is called with the ``(date, block, computed now)`` of each finished unit job.
    With ``model_dir`` (a ``thermoquake train`` run) the model's alarms too
    (:mod:`thermoquake.monitor.model`; its probabilities are cached in ``monitor_dir``)."""
    if end < start:
        raise ThermoquakeError(f"--end {end} is before --start {start}")
    if block_days < 1:
        raise ThermoquakeError(f"block size must be >= 1 day, got {block_days}")
    if block_km < 1:
        raise ThermoquakeError(f"--block-km must be >= 1, got {block_km}")
    monitor_dir = Path(monitor_dir)
    grid = RegionGrid.for_region(settings.region)
    if isinstance(hdf_dir, (str, Path)):
        index = scan_hdf_dir(hdf_dir, settings.product)
        if not index.paths:
            raise ThermoquakeError(f"no {settings.product} tiles found", hdf_dir)
        source: ImageSource = HdfImages(index, grid, settings.layer, settings.qc_policy)
        notes = index.notes
    else:
        source, notes = hdf_dir, []
        if source.grid != grid:
            raise ThermoquakeError(f"the image source's grid is not region {settings.region.text}'s")
    days = date_range(start, end)
    key = settings.day_key()
    refs = {d: reference_dates(d, settings.reference_years, settings.window_days) for d in days}
    inputs = {d: source.fingerprint([d, *refs[d]]) for d in days}
    todo = [d for d in days if not day_is_done(monitor_dir, d, key, inputs[d])]
    blocks = region_blocks(grid, block_km)
    needed = sorted(set(todo) | {r for d in todo for r in refs[d]})
    from thermoquake.parallel import job_runner

    units: list[tuple[str, str, bool]] = []
    with job_runner(workers, scheduler) as run:
        step = max(1, -(-len(needed) // max(4 * max(workers, 1), 1)))
        keys, jobs = mean_jobs(source, settings, monitor_dir, needed, step)
        run(run_mean_job, jobs)
        means = date_means(monitor_dir, keys)
        unit_jobs = []
        for i in range(0, len(todo), block_days):
            chunk = tuple(todo[i:i + block_days])
            job_dates = set(chunk) | {r for d in chunk for r in refs[d]}
            job_source = source.restricted(sorted(job_dates))      # a job carries only its dates' tiles
            for block in blocks:
                unit_jobs.append(UnitJob(chunk, block, job_source, settings, monitor_dir,
                                         {d: inputs[d] for d in chunk}, {d: means[d] for d in job_dates}))

        def done_units(result: list[tuple[str, str, bool]]) -> None:
            units.extend(result)
            on_done(result)

        run(run_unit_job, unit_jobs, done_units)
        run(run_assemble_job, [AssembleJob(tuple(todo[i:i + block_days]), grid, tuple(blocks), settings,
                                           monitor_dir, {d: inputs[d] for d in todo[i:i + block_days]}, geotiffs)
                               for i in range(0, len(todo), block_days)])
    computed = sorted(d.isoformat() for d in todo)
    files = [day_path(monitor_dir, d) for d in days]
    metas = [read_day_meta(p) for p in files]
    cells = region_cells(grid, settings.cell_deg)
    seq_rows, scores = sequences_and_alarms(days, metas, cells, settings, rules)
    from thermoquake.monitor.outputs import (
        csep_dir,
        datacube_path,
        sequences_path,
        summary_path,
        write_csep_forecasts,
        write_monitor_nc,
        write_sequences_csv,
    )

    rows = CellGrid(settings.cell_deg).rows
    ids = cell_ids(grid, settings.cell_deg)
    sorted_ids = np.array([i * rows + j for i, j in cells], dtype=np.int64)   # ascending, as cells are
    lookup = np.full(ids.shape, -1, dtype=np.int64)
    inside = ids >= 0
    lookup[inside] = np.searchsorted(sorted_ids, ids[inside])
    synthetic = any(m.get("synthetic") for m in metas)
    attrs = {"region": settings.region.text, "start": start.isoformat(), "end": end.isoformat(),
             "synthetic": "true" if synthetic else "false", "threshold": settings.threshold,
             "cell_deg": settings.cell_deg, "reference_years": f"{min(settings.reference_years)}-"
             f"{max(settings.reference_years)}", "window_days": settings.window_days,
             "alarm_days": rules.alarm_days, "min_days": rules.min_days}
    cell_variables, model_summary = {}, None
    if model_dir is None and csep_dir(monitor_dir, "model").is_dir():
        import shutil

        shutil.rmtree(csep_dir(monitor_dir, "model"))      # a former run's model alarms, not this run's
    if model_dir is not None:
        from thermoquake.monitor.model import model_alarms
        from thermoquake.monitor.outputs import MODEL_CACHE_DIR

        ma = model_alarms(model_dir, grid, days, files, cells, settings.cell_deg, monitor_dir / MODEL_CACHE_DIR)
        cell_variables = {
            "model_probability": (ma.probability, f"largest model probability of the cell's box on the {ma.window} "
                                                  "days before (the model's forecast for the day)"),
            "model_image_probability": (ma.image_probability, "model probability of the box centred on the cell "
                                                              "on this day (NaN: no valid pixel)"),
            "model_alarm_cell": (ma.alarmed.astype(np.int8), f"1 where model_probability >= {ma.threshold:g}")}
        attrs |= {"model_dir": str(model_dir), "model_threshold": ma.threshold, "model_window": ma.window,
                  "model_box_px": f"{ma.box[0]}x{ma.box[1]}", "model_channels": ",".join(ma.channels)}
        model_summary = {"dir": str(model_dir), "threshold": ma.threshold, "window": ma.window,
                         "box_px": list(ma.box), "channels": list(ma.channels),
                         "alarmed_cell_days": int(ma.alarmed.sum()), "computed_days": ma.computed_days,
                         "cached_days": ma.cached_days}
        write_csep_forecasts(csep_dir(monitor_dir, "model"), days, cells, ma.alarmed.astype(np.float32),
                             settings.cell_deg, mags)
    write_monitor_nc(datacube_path(monitor_dir), grid, days, files, cells, settings.cell_deg, lookup, scores, attrs,
                     cell_variables)
    write_sequences_csv(sequences_path(monitor_dir), seq_rows)
    write_csep_forecasts(csep_dir(monitor_dir, "rst"), days, cells, scores, settings.cell_deg, mags)
    summary = {
        "synthetic": synthetic, "region": settings.region.text, "start": start.isoformat(), "end": end.isoformat(),
        "grid": grid.to_dict(), "days": len(days), "computed_days": len(computed), "reused_days": len(days) - len(computed),
        "computed": computed, "block_km": block_km, "blocks": len(blocks),
        "computed_units": sum(1 for u in units if u[2]), "reused_units": sum(1 for u in units if not u[2]),
        "cells": len(cells), "cell_deg": settings.cell_deg,
        "reference_years": [min(settings.reference_years), max(settings.reference_years)],
        "window_days": settings.window_days, "threshold": settings.threshold, "min_count": settings.min_count,
        "sigma_floor_k": settings.sigma_floor_k, "min_area_km2": settings.min_area_km2,
        "min_days": rules.min_days, "max_distance_km": rules.max_distance_km, "alarm_days": rules.alarm_days,
        "catalog_quakes_excluded": len(settings.quakes), "exclusion_km": settings.exclusion_km,
        "exclusion_days": settings.exclusion_days, "sequences": len(seq_rows),
        "alarmed_cell_days": int((scores > 0).sum()), "cell_days": int(scores.size),
        "csep": {"min_mag": mags.min_mag, "max_mag": mags.max_mag, "mag_bin": mags.width},
        "notes": notes[:20], "model": model_summary,
    }
    write_text_atomic(summary_path(monitor_dir), json.dumps(summary, indent=2, sort_keys=True) + "\n")
    return summary
