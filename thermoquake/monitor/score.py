"""Score a monitor's alarm record as a forecast over space-time cells.

The space-time cells are (forecast cell, monitored day) pairs of ``monitor.nc``. A target
earthquake is a catalogue event of magnitude >= ``min_mag`` whose epicentre lies inside the
region and in one of its cells, on a monitored UTC day; with ``decluster`` the catalogue is
declustered first (:func:`thermoquake.catalog.decluster.decluster`, the whole file, so that
main shocks outside the period still claim their aftershocks inside it). Each earthquake
counts once; it is hit when its cell-day is alarmed.

* Molchan diagram (Molchan 1990; Zechar & Jordan 2008): for every threshold on the
  alarm score, tau = the fraction of space-time cells alarmed and nu = the fraction of
  earthquakes missed, from (0, 1) to (1, 0); cell-days of equal score are taken in random
  order (straight segments).
* Random-guess band: for an alarm covering tau, the number of hits of a random alarm is
  Binomial(N, tau); the band edge is the largest nu that a random alarm reaches with
  probability ``alpha`` or less (one-sided, Zechar & Jordan 2008).
* Area skill: 1 - the area under the Molchan trajectory (:func:`thermoquake.evaluation.metrics.molchan_area_skill`);
  0.5 for a random alarm. Its random band: the ``alpha/2`` and ``1 - alpha/2`` quantiles of the
  mean of N independent uniform(0, 1) draws (the area skill of a random ranking of cell-days
  for N earthquakes in distinct cell-days), by seeded simulation.
* Probability gain of the binary alarm (score > 0; for the model, probability >= the run's threshold): (hit fraction) / tau, with a percentile
  bootstrap interval over earthquakes (tau fixed).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from thermoquake.catalog.region import Region
from thermoquake.catalog.schema import Event
from thermoquake.errors import ThermoquakeError
from thermoquake.evaluation.csep_files import CellGrid
from thermoquake.evaluation.metrics import molchan_area_skill
from thermoquake.monitor.outputs import (
    ALARM_SOURCES,
    datacube_path,
    open_datacube,
    read_csep_index,
    read_summary,
    summary_path,
)

DECLUSTER_CHOICES = ("gardner-knopoff", "uhrhammer", "none")


@dataclass(frozen=True)
class AlarmRecord:
    """The alarm scores of a monitor: ``scores`` float32 (days, cells); the binary alarm is
    ``scores > 0`` (``threshold`` None) or ``scores >= threshold``."""

    days: list[dt.date]
    cells: list[tuple[int, int]]
    scores: np.ndarray
    cell_deg: float
    region: Region
    synthetic: bool
    source: str = "rst"
    threshold: float | None = None

    def alarmed(self, scores: np.ndarray) -> np.ndarray:
        """The binary alarm of ``scores`` (bool, same shape)."""
        scores = np.asarray(scores)
        return scores > 0 if self.threshold is None else scores >= self.threshold


def has_model_alarms(monitor_dir: Path) -> bool:
    """Whether the monitor in ``monitor_dir`` was run with a model (``monitor --run``)."""
    return bool(read_summary(monitor_dir).get("model"))


def read_alarm_record(monitor_dir: Path, source: str = "rst") -> AlarmRecord:
    """Read ``monitor.nc`` and ``monitor.json`` of a monitor directory; ``source`` one of
    :data:`ALARM_SOURCES`."""
    if source not in ALARM_SOURCES:
        raise ThermoquakeError(f"unknown alarm source {source!r}; known: {', '.join(ALARM_SOURCES)}")
    monitor_dir = Path(monitor_dir)
    for p in (datacube_path(monitor_dir), summary_path(monitor_dir)):
        if not p.is_file():
            raise ThermoquakeError("not found: run thermoquake monitor first", p)
    summary = read_summary(monitor_dir)
    try:
        cell_deg = float(summary["cell_deg"])
        region = Region.parse(summary["region"])
    except (KeyError, TypeError, ValueError) as err:
        raise ThermoquakeError(f"is not a monitor summary ({err})", summary_path(monitor_dir)) from None
    grid = CellGrid(cell_deg)
    threshold = None
    if source == "model":
        if not summary.get("model"):
            raise ThermoquakeError("has no model alarms: run thermoquake monitor with --run RUNDIR",
                                   summary_path(monitor_dir))
        threshold = float(summary["model"]["threshold"])
    variable = "alarm_score" if source == "rst" else "model_probability"
    with open_datacube(monitor_dir) as ds:
        if variable not in ds:
            raise ThermoquakeError(f"has no {variable}: run thermoquake monitor again", datacube_path(monitor_dir))
        days = [dt.date.fromisoformat(str(t)[:10]) for t in ds["time"].values]
        scores = np.asarray(ds[variable].values, dtype=np.float32)
        lon0 = np.asarray(ds["cell_lon_min"].values)
        lat0 = np.asarray(ds["cell_lat_min"].values)
    cells = [grid.cell_of(float(la) + cell_deg / 2, float(lo) + cell_deg / 2) for lo, la in zip(lon0, lat0)]
    return AlarmRecord(days, cells, scores, cell_deg, region, bool(summary.get("synthetic")), source, threshold)


def target_quakes(record: AlarmRecord, events: list[Event], min_mag: float,
                  decluster_window: str = "none") -> list[tuple[int, int, Event]]:
    """``(day index, cell index, event)`` of every target earthquake (module doc)."""
    if decluster_window not in DECLUSTER_CHOICES:
        raise ThermoquakeError(f"unknown declustering {decluster_window!r}; known: {', '.join(DECLUSTER_CHOICES)}")
    if decluster_window != "none":
        from thermoquake.catalog.decluster import decluster

        events = decluster(list(events), decluster_window).mainshocks
    grid = CellGrid(record.cell_deg)
    day_pos = {d: k for k, d in enumerate(record.days)}
    cell_pos = {c: j for j, c in enumerate(record.cells)}
    out = []
    for e in sorted(events):
        if e.magnitude < min_mag or not record.region.contains(e.latitude, e.longitude):
            continue
        k = day_pos.get(e.time.astimezone(dt.timezone.utc).date())
        j = cell_pos.get(grid.cell_of(e.latitude, e.longitude))
        if k is not None and j is not None:
            out.append((k, j, e))
    return out


def molchan_trajectory(scores: np.ndarray, hit_scores: np.ndarray) -> list[tuple[float, float]]:
    """(tau, nu) for every threshold on ``scores`` (all space-time cells) given the scores of the
    earthquakes' cell-days; from (0, 1) to (1, 0)."""
    flat = np.sort(np.asarray(scores, dtype=np.float64).ravel())
    n = len(hit_scores)
    points = [(0.0, 1.0)]
    for t in np.unique(flat)[::-1]:
        tau = float((flat.size - np.searchsorted(flat, t, side="left")) / flat.size)
        nu = float(1.0 - np.sum(hit_scores >= t) / n)
        points.append((tau, nu))
    if points[-1] != (1.0, 0.0):
        points.append((1.0, 0.0))
    return points


def random_band(tau: np.ndarray, n: int, alpha: float) -> np.ndarray:
    """Largest nu a random alarm of fraction ``tau`` reaches with probability <= ``alpha``:
    ``1 - h/n`` with ``h`` the smallest hit count with P(Binomial(n, tau) >= h) <= alpha."""
    from scipy.stats import binom

    out = []
    for t in np.atleast_1d(tau):
        h = next((h for h in range(n + 1) if binom.sf(h - 1, n, t) <= alpha), n + 1)
        out.append(1.0 - min(h, n + 1) / n)
    return np.array(out)


def area_skill_band(n: int, alpha: float, draws: int = 20000, seed: int = 0) -> tuple[float, float]:
    """The ``alpha/2``, ``1 - alpha/2`` quantiles of the area skill of a random alarm for ``n``
    earthquakes (module doc)."""
    rng = np.random.default_rng(seed)
    sims = rng.random((draws, n)).mean(axis=1)
    return float(np.quantile(sims, alpha / 2)), float(np.quantile(sims, 1 - alpha / 2))


def probability_gain(hits: np.ndarray, tau: float, boot: int = 2000, seed: int = 0,
                     level: float = 0.95) -> tuple[float, float, float]:
    """Gain (hit fraction / tau) and its percentile bootstrap interval over earthquakes."""
    hits = np.asarray(hits, dtype=bool)
    if tau <= 0:
        return math.nan, math.nan, math.nan
    gain = float(hits.mean() / tau)
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, hits.size, size=(boot, hits.size))
    g = hits[idx].mean(axis=1) / tau
    lo, hi = np.quantile(g, [(1 - level) / 2, 1 - (1 - level) / 2])
    return gain, float(lo), float(hi)


def score_record(record: AlarmRecord, events: list[Event], min_mag: float, decluster_window: str = "none",
                 alpha: float = 0.05, seed: int = 0) -> dict:
    """Molchan trajectory, random band, area skill and probability gain (module doc) as JSON-ready data."""
    quakes = target_quakes(record, events, min_mag, decluster_window)
    base = {"catalogue": "declustered (" + decluster_window + ")" if decluster_window != "none" else "raw",
            "min_mag": min_mag, "earthquakes": len(quakes), "cell_days": int(record.scores.size),
            "synthetic": record.synthetic, "alarm_source": record.source}
    if not quakes:
        return base | {"error": "no target earthquake in the monitored cells and days"}
    hit_scores = np.array([record.scores[k, j] for k, j, _ in quakes], dtype=np.float64)
    points = molchan_trajectory(record.scores, hit_scores)
    skill = molchan_area_skill(points)
    lo, hi = area_skill_band(len(quakes), alpha, seed=seed)
    tau = float(record.alarmed(record.scores).mean())
    hits = record.alarmed(hit_scores)
    gain, glo, ghi = probability_gain(hits, tau, seed=seed)
    taus = np.array([p[0] for p in points])
    return base | {
        "alarm_fraction": tau, "hits": int(hits.sum()), "missed_fraction": float(1 - hits.mean()),
        "area_skill": skill, "area_skill_random_band": [lo, hi], "alpha": alpha,
        "outside_random_band": bool(skill > hi or skill < lo),
        "probability_gain": gain, "probability_gain_interval": [glo, ghi],
        "molchan": [[round(t, 6), round(v, 6)] for t, v in points],
        "random_nu_edge": [[round(float(t), 6), round(float(v), 6)]
                           for t, v in zip(taus, random_band(taus, len(quakes), alpha))],
        "earthquake_list": [{"id": e.event_id, "date": record.days[k].isoformat(), "magnitude": e.magnitude,
                             "cell": list(record.cells[j]), "score": float(record.scores[k, j])}
                            for k, j, e in quakes],
    }


CSEP_SIMULATIONS = 1000
"""Simulated catalogues per pycsep likelihood test (S and CL)."""


def csep_period_tests(files: list[tuple[Path, dt.datetime, dt.datetime]], events: list[Event], alpha: float = 0.05,
                      num_simulations: int = CSEP_SIMULATIONS, seed: int = 0, name: str = "monitor") -> dict:
    """pycsep's Poisson consistency tests of one period: the daily gridded forecasts ``files``
    (read with ``csep.load_gridded_forecast``) summed into one forecast of the period (expected
    numbers of events per cell and magnitude bin), against ``events`` (those of the period;
    the ones outside the forecast's cells or below its smallest magnitude are left out).

    * N-test (``number_test``): quantiles delta1 = P(N >= observed), delta2 = P(N <= observed)
      for N ~ Poisson(forecast total); fails when either is below ``alpha / 2``.
    * S-test (``spatial_test``) and conditional-likelihood test (``conditional_likelihood_test``),
      with ``num_simulations`` simulated catalogues (seeded): quantile of the observed
      likelihood; fails below ``alpha``. Skipped (``None``) for a period without an event.
    """
    import csep
    from csep.core import poisson_evaluations as poisson
    from csep.core.catalogs import CSEPCatalog
    from csep.core.forecasts import GriddedForecast

    if not files:
        raise ThermoquakeError("no CSEP forecast in the period")
    total, first = None, None
    for path, start, end in files:
        if not Path(path).is_file():
            raise ThermoquakeError("not found: a CSEP forecast listed in the index", path)
        try:
            forecast = csep.load_gridded_forecast(str(path), start_date=start, end_date=end, name=name)
        except Exception as err:            # pycsep raises bare ValueError/IndexError on a bad file
            raise ThermoquakeError(f"pycsep cannot read it: {err}", path) from None
        if first is None:
            first, total = forecast, np.array(forecast.data, dtype=np.float64)
        elif forecast.data.shape != total.shape:
            raise ThermoquakeError(f"has {forecast.data.shape} rates, the period's first forecast "
                                   f"{total.shape}", path)
        else:
            total += forecast.data
    period = GriddedForecast(data=total, region=first.region, magnitudes=first.magnitudes,
                             start_time=files[0][1], end_time=files[-1][2], name=name)
    region = first.region
    min_mag = float(np.min(first.magnitudes))
    rows = []
    for e in events:
        if e.magnitude < min_mag - 1e-9:
            continue
        try:
            region.get_index_of(np.array([e.longitude]), np.array([e.latitude]))
        except ValueError:
            continue
        ms = int(round(e.time.astimezone(dt.timezone.utc).timestamp() * 1000))
        rows.append((e.event_id, ms, e.latitude, e.longitude, e.depth_km, e.magnitude))
    catalog = CSEPCatalog(data=rows, region=region, name="observed")
    n_test = poisson.number_test(period, catalog)
    d1, d2 = (float(q) for q in n_test.quantile)
    out = {"start": files[0][1].date().isoformat(), "end": (files[-1][2] - dt.timedelta(seconds=1)).date().isoformat(),
           "days": len(files), "forecast_events": float(period.event_count), "observed_events": len(rows),
           "min_mag": min_mag, "alpha": alpha,
           "n_test": {"delta1": d1, "delta2": d2, "passed": bool(min(d1, d2) >= alpha / 2)}}
    for key, test in (("s_test", poisson.spatial_test), ("cl_test", poisson.conditional_likelihood_test)):
        if not rows:
            out[key] = None
            continue
        result = test(period, catalog, num_simulations=num_simulations, seed=seed)
        q = float(result.quantile)
        out[key] = {"quantile": q, "observed_log_likelihood": float(result.observed_statistic),
                    "passed": bool(q >= alpha), "simulations": num_simulations}
    return out


def csep_tests(monitor_dir: Path, record: AlarmRecord, events: list[Event], decluster_window: str = "none",
               period_days: int | None = None, alpha: float = 0.05, seed: int = 0,
               num_simulations: int = CSEP_SIMULATIONS) -> list[dict]:
    """:func:`csep_period_tests` of every period of ``period_days`` consecutive monitored days
    (``None``: the whole record as one period) against the catalogue (declustered with
    ``decluster_window`` as :func:`target_quakes`), on the daily forecasts of the record's
    alarms (:func:`thermoquake.monitor.outputs.csep_dir`).
    The rates are the fixed alarm and background rates of :mod:`thermoquake.monitor.outputs`,
    not a calibrated rate model: the N-test mostly measures that choice."""
    files = read_csep_index(monitor_dir, record.source)
    quakes = target_quakes(record, events, -math.inf, decluster_window)
    size = len(files) if period_days is None else period_days
    if size < 1:
        raise ThermoquakeError(f"a CSEP test period must be >= 1 day, got {period_days}")
    out = []
    for i in range(0, len(files), size):
        chunk = files[i:i + size]
        first, last = chunk[0][1].date(), chunk[-1][1].date()
        period_events = [e for k, _, e in quakes if first <= record.days[k] <= last]
        out.append(csep_period_tests(chunk, period_events, alpha, num_simulations, seed))
    return out


EVALUATE_DECLUSTER_CHOICES = (*DECLUSTER_CHOICES, "both")
"""``both``: the Gardner-Knopoff declustered catalogue and the raw one."""


def evaluate_monitor(monitor_dir: Path, catalog: Path, min_mag: float = 5.0, decluster_window: str = "both",
                     alpha: float = 0.05, seed: int = 0, sources: tuple[str, ...] | None = None,
                     csep_period_days: int | None = None, write: bool = True) -> dict[str, dict]:
    """Score the alarm records of a monitor directory (``monitor evaluate``): for each source
    (:data:`ALARM_SOURCES`; default the RST rule's and, when the monitor ran a model, the
    model's) :func:`score_record` and :func:`csep_tests` against ``catalog`` for each
    catalogue of ``decluster_window`` (:data:`EVALUATE_DECLUSTER_CHOICES`). Returns source ->
    evaluation (JSON-ready), each written to :func:`thermoquake.monitor.outputs.evaluation_path`
    unless ``write`` is False."""
    from thermoquake.catalog.readers import read_catalog
    from thermoquake.monitor.outputs import write_evaluation

    if decluster_window not in EVALUATE_DECLUSTER_CHOICES:
        raise ThermoquakeError(f"unknown declustering {decluster_window!r}; known: "
                               f"{', '.join(EVALUATE_DECLUSTER_CHOICES)}")
    if sources is None:
        sources = ("rst", "model") if has_model_alarms(monitor_dir) else ("rst",)
    records = [read_alarm_record(monitor_dir, source) for source in sources]
    events = read_catalog(catalog).events
    windows = ["gardner-knopoff", "none"] if decluster_window == "both" else [decluster_window]
    out = {}
    for record in records:
        results = [score_record(record, events, min_mag, w, alpha, seed)
                   | {"csep_tests": csep_tests(monitor_dir, record, events, w, csep_period_days, alpha, seed)}
                   for w in windows]
        evaluation = {"synthetic": record.synthetic, "monitor": str(monitor_dir), "catalog": str(catalog),
                      "alarm_source": record.source, "scores": results}
        if record.threshold is not None:
            evaluation["threshold"] = record.threshold
        if write:
            write_evaluation(monitor_dir, record.source, evaluation)
        out[record.source] = evaluation
    return out
