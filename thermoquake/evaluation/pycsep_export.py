"""A run's out-of-fold predictions as forecasts pycsep reads (``thermoquake evaluate --pycsep-dir``).

Each row of predictions.csv (the image of UTC day D at a site, probability p) is one forecast:
"at least one event of the study (magnitude >= the bins' minimum) in the site's cell during
[D + 1, D + N)" (00:00 UTC, N = the run's window: :func:`thermoquake.dataset.windows.forecast_period`),
with probability p. Those are the days on which an event makes the image a positive, so a
positive image with p at or above the threshold is a hit in pycsep too. The site's cell is the
cell of a global grid (:class:`~thermoquake.evaluation.csep_files.CellGrid`) that holds the
sample's epicentre (samples.csv of the run's workdir).

Directory written (formats: :mod:`thermoquake.evaluation.csep_files`; every file atomic)::

    gridded/<YYYY-MM-DD>.dat   one CSEP ASCII gridded forecast per forecast period, named by the
                               period's first day (D + 1): every site with an image on day D,
                               rate p in its cell (sites sharing a cell: the larger p)
    temporal/<site>.csv        one temporal forecast per site: a row per image day
    forecasts.json             the index: each file's period or site and cell, the window, the
                               threshold, grid and magnitude bins

A directory written before is updated: files of the old index that the new one lacks are
removed. A non-empty directory without forecasts.json is refused.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from thermoquake.atomic import write_text_atomic
from thermoquake.dataset.windows import forecast_period
from thermoquake.errors import ThermoquakeError
from thermoquake.evaluation.csep_files import (DEPTH_KM, CellGrid, MagnitudeBins, TemporalForecast,
                                               gridded_forecast_text, rates_by_cell, temporal_forecast_text,
                                               utc_text)
from thermoquake.evaluation.rescore import fixed_threshold, read_config, read_predictions, run_window
from thermoquake.evaluation.threshold import threshold_source
from thermoquake.dirlock import LOCK_FILE, locks_directory
from thermoquake.training.run_files import CONFIG_FILE, PREDICTIONS_FILE

INDEX_FILE = "forecasts.json"
SCHEMA = "thermoquake-pycsep/1"


@dataclass(frozen=True)
class SiteForecast:
    """One out-of-fold prediction as a forecast: ``probability`` of an event in the cell of
    (``latitude``, ``longitude``) (degrees) during [``start``, ``end``) (aware UTC)."""

    sample_id: str
    site: str
    latitude: float
    longitude: float
    image_date: dt.date
    start: dt.datetime
    end: dt.datetime
    probability: float


def run_forecasts(run_dir: Path) -> list[SiteForecast]:
    """Every row of ``run_dir``'s predictions.csv as a forecast (module doc), in file order."""
    run_dir = Path(run_dir)
    rows = read_predictions(run_dir)
    config = read_config(run_dir)
    window = run_window(config, run_dir)
    places = _sample_places(Path(config.get("workdir", "")), run_dir)
    path = run_dir / PREDICTIONS_FILE
    out = []
    for n, r in enumerate(rows, start=2):
        try:
            p, day = float(r["prob"]), dt.date.fromisoformat(r["date"])
        except (KeyError, TypeError, ValueError):
            raise ThermoquakeError(f"row {n}: prob or date is missing or unreadable", path) from None
        if not 0 <= p <= 1:
            raise ThermoquakeError(f"row {n}: prob {p!r} is not a probability", path)
        if r["sample_id"] not in places:
            raise ThermoquakeError(f"row {n}: sample {r['sample_id']!r} has no place in the workdir's "
                                   f"{SAMPLES_FILE}", path)
        lat, lon = places[r["sample_id"]]
        start, end = forecast_period(day, window)
        out.append(SiteForecast(r["sample_id"], r["site"], lat, lon, day, start, end, p))
    return out


def _sample_places(workdir: Path, run_dir: Path) -> dict[str, tuple[float, float]]:
    from thermoquake.preprocessing.samples import SAMPLES_FILE, read_samples

    if not (workdir / SAMPLES_FILE).is_file():
        raise ThermoquakeError(f"the run's workdir ({workdir}) has no samples.csv: the sites' places are "
                               "needed for forecasts", run_dir / CONFIG_FILE)
    places = {}
    for s in read_samples(workdir):
        if not (math.isfinite(s.latitude) and math.isfinite(s.longitude)):
            raise ThermoquakeError(f"sample {s.sample_id!r} has no latitude/longitude", workdir / SAMPLES_FILE)
        places[s.sample_id] = (s.latitude, s.longitude)
    return places


def pycsep_files(forecasts: list[SiteForecast], grid: CellGrid, mags: MagnitudeBins,
                 depth_km: tuple[float, float] = DEPTH_KM) -> tuple[dict[str, str], list[dict], list[dict]]:
    """The texts of the directory (relative path -> text) and the index entries of the gridded
    and the temporal files. Raises :class:`ThermoquakeError` where pycsep could not read a file."""
    texts: dict[str, str] = {}
    by_period: dict[tuple[dt.datetime, dt.datetime], list[SiteForecast]] = defaultdict(list)
    by_site: dict[str, list[SiteForecast]] = defaultdict(list)
    for f in forecasts:
        by_period[(f.start, f.end)].append(f)
        by_site[f.site].append(f)
    gridded = []
    for (start, end), group in sorted(by_period.items()):
        name = f"gridded/{start:%Y-%m-%d}.dat"       # one window per run: one image day per period
        rates = rates_by_cell(((f.latitude, f.longitude, f.probability) for f in group), grid)
        try:
            texts[name] = gridded_forecast_text(rates, grid, mags, depth_km)
        except ValueError as err:
            raise ThermoquakeError(f"{name}: {err}") from None
        gridded.append({"file": name, "image_date": group[0].image_date.isoformat(),
                        "start_time": utc_text(start), "end_time": utc_text(end), "cells": len(rates),
                        "sites": sorted({f.site for f in group})})
    temporal = []
    for site, group in sorted(by_site.items()):
        name = f"temporal/{site}.csv"
        try:
            texts[name] = temporal_forecast_text([TemporalForecast(f.start, f.end, f.probability, f.image_date)
                                                  for f in group])
        except ValueError as err:
            raise ThermoquakeError(f"{name}: {err}") from None
        first = group[0]
        lon0, lon1, lat0, lat1 = grid.bounds(grid.cell_of(first.latitude, first.longitude))
        temporal.append({"file": name, "site": site, "sample_id": first.sample_id, "latitude": first.latitude,
                         "longitude": first.longitude, "cell": {"lon_0": lon0, "lon_1": lon1, "lat_0": lat0,
                                                                "lat_1": lat1}, "forecasts": len(group)})
    return texts, gridded, temporal


def _refuse_run_inputs(run_dir: Path, out_dir: Path, *args, **kwargs) -> None:
    from thermoquake.evaluation.rescore import refuse_exports_over_run

    refuse_exports_over_run(run_dir, pycsep_dir=out_dir)


@locks_directory("out_dir", "pycsep directory", check=_refuse_run_inputs)
def export_pycsep(run_dir: Path, out_dir: Path, threshold: float | None = None, grid: CellGrid = CellGrid(),
                  mags: MagnitudeBins = MagnitudeBins(), depth_km: tuple[float, float] = DEPTH_KM) -> dict:
    """Write ``out_dir`` (module doc) from ``run_dir``; return the index (forecasts.json).
    ``threshold`` (default: the run's, fixed before evaluation) is recorded in the index: the
    files hold probabilities, an alarm is a probability at or above it. An ``out_dir`` that
    is the run directory or one of its files is refused
    (:class:`thermoquake.outputs.OutputIsInputError`) before anything is written."""
    run_dir, out_dir = Path(run_dir), Path(out_dir)
    config = read_config(run_dir)
    window = run_window(config, run_dir)
    threshold, source = threshold_source(threshold, fixed_threshold(config))
    old = _old_files(out_dir)
    texts, gridded, temporal = pycsep_files(run_forecasts(run_dir), grid, mags, depth_km)
    index = {
        "schema": SCHEMA, "run": str(run_dir.resolve()), "window_days": window,
        "period": f"the image of UTC day D forecasts [D+1, D+{window}) 00:00 UTC: the days on which an event "
                  "makes the image a positive",
        "rate": "expected number of events of magnitude >= min_mag in the cell during the period: the model's "
                "probability of at least one (for small p, P(>=1) = 1 - exp(-p) is close to p)",
        "shared_cells": "sites in one cell in one period: the cell gets the largest probability",
        "threshold": threshold, "threshold_source": source,
        "cell_deg": grid.cell_deg, "min_mag": mags.min_mag, "max_mag": mags.max_mag, "mag_bin": mags.width,
        "b_value": mags.b_value, "depth_km": list(depth_km),
        "synthetic": bool(config.get("synthetic")),
        "gridded": gridded, "temporal": temporal,
    }
    for name, text in texts.items():
        write_text_atomic(out_dir / name, text)
    write_text_atomic(out_dir / INDEX_FILE, json.dumps(index, indent=1) + "\n")
    for name in sorted(old - set(texts)):
        (out_dir / name).unlink(missing_ok=True)
    return index


def _old_files(out_dir: Path) -> set[str]:
    """Files listed by an earlier index of ``out_dir``; refuse a non-empty directory without one."""
    if not out_dir.exists():
        return set()
    if not out_dir.is_dir():
        raise ThermoquakeError("is not a directory", out_dir)
    index = out_dir / INDEX_FILE
    if not index.is_file():
        if any(p.name != LOCK_FILE for p in out_dir.iterdir()):
            raise ThermoquakeError(f"is not empty and has no {INDEX_FILE}: give a new or empty directory", out_dir)
        return set()
    try:
        doc = json.loads(index.read_text(encoding="utf-8"))
        names = {e["file"] for key in ("gridded", "temporal") for e in doc[key]}
    except (OSError, ValueError, KeyError, TypeError) as err:
        raise ThermoquakeError(f"cannot read the earlier index: {err}", index) from None
    return {n for n in names if isinstance(n, str) and n.count("/") == 1 and n.split("/")[0] in ("gridded", "temporal")
            and ".." not in n}
