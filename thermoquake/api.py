"""Thin library entry points where the underlying function takes settings objects that only a
command line used to build. Each returns objects or paths, raises :mod:`thermoquake.errors`
exceptions and never exits or prints. ``import thermoquake`` exposes these (lazily) beside the
library functions that needed no wrapper; see ``docs/api.md``.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

__all__ = ["build_manifest", "build_region_manifest", "fetch_granules", "monitor_region", "synthetic_region",
           "train_window"]

PathLike = str | os.PathLike[str]


def build_manifest(events: PathLike, out: PathLike | None = None, *, controls: PathLike | None = None,
                   product: str = "MYD11A1", collection: str = "061", days_before: int = 9,
                   sample_day: bool = False, reference_years: Sequence[int] = range(2003, 2017),
                   reference_mode: str = "same-day", reference_window_days: int = 0, size_km: int = 256,
                   base_url: str | None = None) -> list:
    """The MODIS granules (one :class:`thermoquake.study.granules.GranuleRow` per product, date and
    tile) that the events (and controls) CSV need for their target days and RST reference;
    written to ``out`` as the manifest CSV (atomically) when given. Same calendar as
    :func:`thermoquake.preprocess`."""
    from thermoquake.catalog import read_catalog
    from thermoquake.study.controls import read_controls
    from thermoquake.study.granules import DEFAULT_BASE_URL, ManifestSettings, Sample, build_manifest as build
    from thermoquake.study.granules import refuse_manifest_over_inputs, write_manifest

    if out is not None:
        refuse_manifest_over_inputs(out, events, controls)     # before reading them
    years = range(min(reference_years), max(reference_years) + 1)
    settings = ManifestSettings(product=product, collection=collection, days_before=days_before,
                                include_sample_day=sample_day, reference_years=years,
                                reference_window_days=reference_window_days, reference_mode=reference_mode,
                                size_km=size_km, base_url=base_url or DEFAULT_BASE_URL)
    samples = [Sample(e.event_id, e.time, e.latitude, e.longitude)
               for e in read_catalog(events, "thermoquake").events]
    if controls is not None:
        samples += [Sample(c.control_id, c.time, c.latitude, c.longitude) for c in read_controls(controls)]
    rows = build(samples, settings)
    if out is not None:
        write_manifest(out, rows, events=events, controls=controls)
    return rows


def build_region_manifest(region: Any, start: dt.date | str, end: dt.date | str, out: PathLike | None = None, *,
                          product: str = "MYD11A1", collection: str = "061",
                          reference_years: Sequence[int] = range(2003, 2017), reference_window_days: int | None = None,
                          base_url: str | None = None) -> list:
    """The MODIS granules ``thermoquake monitor`` reads for ``region`` (a
    :class:`thermoquake.catalog.region.Region` or ``"LON_MIN,LAT_MIN,LON_MAX,LAT_MAX"``, degrees)
    from ``start`` to ``end`` (dates or ``YYYY-MM-DD``, both included): every tile of the
    region's grid on each monitored day (role ``target``) and on each of their reference days
    (the same calendar days +- ``reference_window_days``, default monitor's, in every
    ``reference_years`` year but the monitored day's own); a day that is both is
    ``target+reference``. One :class:`thermoquake.study.granules.GranuleRow` per date and tile,
    sorted by date then tile; written to ``out`` as the manifest CSV (atomically) when given.

    Raises:
        BadRequestError: a malformed region or date, ``end`` before ``start``, a date before the
            product exists, too many granules.
    """
    from thermoquake.atomic import write_text_atomic
    from thermoquake.catalog.region import Region
    from thermoquake.errors import BadRequestError
    from thermoquake.monitor.calendar import DEFAULT_WINDOW_DAYS
    from thermoquake.study.granules import DEFAULT_BASE_URL, ManifestSettings, manifest_to_csv
    from thermoquake.study.granules import build_region_manifest as build

    if not isinstance(region, Region):
        region = Region.parse(str(region))
    try:
        first = start if isinstance(start, dt.date) else dt.date.fromisoformat(str(start))
        last = end if isinstance(end, dt.date) else dt.date.fromisoformat(str(end))
    except ValueError:
        raise BadRequestError(f"--start {start!r} / --end {end!r} must be dates YYYY-MM-DD") from None
    window = DEFAULT_WINDOW_DAYS if reference_window_days is None else reference_window_days
    settings = ManifestSettings(product=product, collection=collection, reference_years=reference_years,
                                reference_window_days=window, base_url=base_url or DEFAULT_BASE_URL)
    rows = build(region, first, last, reference_years, window, settings)
    if out is not None:
        write_text_atomic(out, manifest_to_csv(rows))
    return rows


def fetch_granules(manifest: PathLike | Sequence[Any], dest: PathLike, *, workers: int = 4, retries: int = 5,
                   timeout_s: float = 60.0, backoff_s: float = 2.0, min_rate: float = 1024.0,
                   base_url: str | None = None, credentials=None, on_done: Callable[[Any], None] | None = None,
                   on_bytes: Callable[[int], None] | None = None) -> list:
    """Download the granules of a manifest (a CSV path or :func:`build_manifest` rows) into
    ``dest`` from the LP DAAC Data Pool, checking each against NASA's checksum; granules already
    there and verified are kept. ``credentials`` default to the Earthdata Login ones found in
    the environment or ``~/.netrc``. Returns one :class:`thermoquake.fetch.download.Outcome` per
    granule, in order (``status``: one of :data:`thermoquake.fetch.download.STATUSES`).
    ``backoff_s``: wait before the first retry, s (doubling); ``min_rate``: slowest acceptable
    transfer, bytes/s, over each ``timeout_s`` window (0: none); ``on_done`` gets each
    ``Outcome``, ``on_bytes`` each count of bytes received. A ``dest`` that is the manifest
    file is refused (:class:`thermoquake.outputs.OutputIsInputError`)."""
    from thermoquake.fetch.auth import auth_host, find_credentials
    from thermoquake.fetch.download import FetchSettings, fetch_granules as fetch, manifest_rows

    rows = manifest_rows(manifest, dest)          # refuses a dest that is the manifest file
    host = auth_host()
    if credentials is None:
        credentials = find_credentials(host)
    settings = FetchSettings(Path(dest), workers=workers, retries=retries, backoff_s=backoff_s,
                             timeout_s=timeout_s, min_rate=min_rate, base_url=base_url)
    return fetch(rows, settings, credentials, host, on_done=on_done, on_bytes=on_bytes)


def train_window(workdir: PathLike, out: PathLike, config=None, *, catalog: PathLike | None = None,
                 gan_cache: PathLike | None = None, allow_imbalance: bool = False,
                 on_fold: Callable[[int, bool], None] | None = None, **settings: Any):
    """Train and cross-validate one classifier for one forecast window on a preprocess workdir
    (after :func:`thermoquake.run_rst` when the channels include ``retira``); writes the run
    directory ``out`` (config.json, predictions.csv, metrics.json, model.keras).

    ``config`` is a :class:`thermoquake.training.config.TrainConfig`; or give its fields as
    keywords (``window=10, model="cnn", epochs=2, ...``). ``catalog`` feeds the clustering
    baseline. Returns a :class:`thermoquake.training.run.RunResult` (``.metrics``: the
    :class:`thermoquake.evaluation.document.MetricsDocument`). Needs TensorFlow.
    """
    from thermoquake.errors import ConfigurationError
    from thermoquake.training.config import TrainConfig
    from thermoquake.training.run import refuse_run_over_inputs, train_window as train

    if config is None:
        if "window" not in settings:
            raise ConfigurationError("give config=TrainConfig(...) or window=N (days) and other settings")
        settings["window"] = int(settings["window"])
        if "channels" in settings:
            settings["channels"] = tuple(settings["channels"])
        config = TrainConfig(**settings)
    elif settings:
        raise ConfigurationError(f"give either config or settings, not both ({', '.join(sorted(settings))})")
    refuse_run_over_inputs(workdir, out, gan_cache, catalog, out_name="out")     # before reading the catalog
    quakes = None
    if catalog is not None:
        from thermoquake.catalog import read_catalog

        quakes = read_catalog(catalog).events
    return train(Path(workdir), config, Path(out), quakes, on_fold=on_fold, gan_cache=gan_cache,
                 allow_imbalance=allow_imbalance, catalog=catalog)


def _date(value: dt.date | str, what: str) -> dt.date:
    from thermoquake.errors import BadRequestError

    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise BadRequestError(f"{what} {value!r} is not a date YYYY-MM-DD") from None


def _region(region: Any):
    from thermoquake.catalog.region import Region

    return region if isinstance(region, Region) else Region.parse(str(region))


def monitor_region(region: Any, start: dt.date | str, end: dt.date | str, hdf_dir: PathLike, out: PathLike, *,
                   reference_years: Sequence[int] = range(2003, 2017), reference_window_days: int | None = None,
                   catalog: PathLike | None = None, exclusion_km: float = 200.0, exclusion_days: int = 30,
                   exclusion_min_mag: float = 5.0, product: str = "MYD11A1", layer: str = "LST_Night_1km",
                   qc_policy: str = "paper", threshold: float = 2.0, min_count: int | None = None,
                   sigma_floor_k: float | None = None, min_days: int = 2, max_distance_km: float = 50.0,
                   min_area_km2: float = 150.0, alarm_days: int = 30, cell_deg: float = 0.5,
                   min_mag: float = 5.0, max_mag: float = 9.0, mag_bin: float = 0.1, block_days: int = 8,
                   block_km: int | None = None, workers: int = 0, scheduler: str | None = None,
                   geotiffs: bool = True, run: PathLike | None = None, dry_run: bool = False,
                   on_done: Callable[[list[tuple[str, str, bool]]], None] | None = None) -> dict:
    """Monitor ``region`` (a :class:`thermoquake.catalog.region.Region` or
    ``"LON_MIN,LAT_MIN,LON_MAX,LAT_MAX"``, degrees) from ``start`` to ``end`` (dates or
    ``YYYY-MM-DD``, both included) on the MODIS tiles under ``hdf_dir``: daily RETIRA maps,
    significant sequences and an alarm per ``cell_deg`` cell and day, written to the
    MONITORDIR ``out`` (``monitor.nc`` with dims (time, y, x), ``geotiff/DAY.tif``,
    ``sequences.csv``, ``csep/DAY.dat``, ``monitor.json``); finished days are kept, so a rerun
    computes only new or changed days. Returns the summary of ``monitor.json`` (``days``,
    ``computed_days``, ``reused_days``, ``sequences``, ``alarmed_cell_days``, ``synthetic``, ...).

    ``reference_window_days``: reference days either side of each calendar day (default the
    monitor's); ``catalog``: reference pixel-days within ``exclusion_km`` km and
    ``exclusion_days`` days of its quakes of M >= ``exclusion_min_mag`` are left out;
    ``threshold``: R of an anomaly; ``min_count``: fewest clear reference samples;
    ``sigma_floor_k``: smallest reference sigma, K; ``min_days``, ``max_distance_km`` (km),
    ``min_area_km2`` (km^2): a significant sequence; ``alarm_days``: days an alarm lasts;
    ``min_mag``, ``max_mag``, ``mag_bin``: the CSEP forecasts' magnitude bins; ``block_days``
    days and ``block_km`` km (pixels) per job; ``workers`` dask processes (0: this process);
    ``run``: a ``train`` run directory whose model alarms too. With ``dry_run``, computes
    nothing and returns the plan (``grid``, ``tiles``, ``days``, ``quakes_excluding``,
    ``blocks``, ``block_km``).

    Raises:
        BadRequestError: a malformed region or date, ``end`` before ``start``, bad CSEP bins.
        ThermoquakeError: no tiles, outputs over inputs, unreadable inputs.
    """
    from thermoquake.errors import BadRequestError
    from thermoquake.evaluation.csep_files import CellGrid, MagnitudeBins
    from thermoquake.modis.region_grid import RegionGrid
    from thermoquake.monitor.blocks import DEFAULT_BLOCK_KM, region_blocks
    from thermoquake.monitor.calendar import DEFAULT_WINDOW_DAYS
    from thermoquake.monitor.daily import MonitorSettings, quakes_near
    from thermoquake.monitor.run import AlarmRules, run_monitor
    from thermoquake.outputs import refuse_outputs_over_inputs
    from thermoquake.rst.retira import DEFAULT_MIN_COUNT, DEFAULT_SIGMA_FLOOR_K

    region = _region(region)
    first, last = _date(start, "--start"), _date(end, "--end")
    if last < first:
        raise BadRequestError(f"--end {last} is before --start {first}")
    try:
        CellGrid(cell_deg)
        mags = MagnitudeBins(min_mag, max_mag, mag_bin)
    except ValueError as err:
        raise BadRequestError(str(err)) from None
    block_km = DEFAULT_BLOCK_KM if block_km is None else block_km
    refuse_outputs_over_inputs({"out": [out]}, {"hdf_dir": hdf_dir, "catalog": catalog})
    quakes: tuple = ()
    if catalog is not None:
        from thermoquake.catalog.readers import read_catalog

        quakes = quakes_near(read_catalog(catalog).events, region, exclusion_min_mag, exclusion_km + 50.0)
    settings = MonitorSettings(region, tuple(reference_years),
                               DEFAULT_WINDOW_DAYS if reference_window_days is None else reference_window_days,
                               product, layer, qc_policy, threshold,
                               DEFAULT_MIN_COUNT if min_count is None else min_count,
                               DEFAULT_SIGMA_FLOOR_K if sigma_floor_k is None else sigma_floor_k,
                               min_area_km2, cell_deg, quakes, exclusion_km, exclusion_days)
    if dry_run:
        grid = RegionGrid.for_region(region)
        return {"grid": grid.to_dict(), "tiles": [f"h{h:02d}v{v:02d}" for h, v in grid.tiles()],
                "days": (last - first).days + 1, "quakes_excluding": len(quakes),
                "blocks": len(region_blocks(grid, block_km)), "block_km": block_km}
    return run_monitor(Path(hdf_dir), Path(out), settings, first, last,
                       rules=AlarmRules(min_days, max_distance_km, alarm_days), mags=mags, workers=workers,
                       scheduler=scheduler, block_days=block_days, block_km=block_km, geotiffs=geotiffs,
                       model_dir=None if run is None else Path(run),
                       **({} if on_done is None else {"on_done": on_done}))


def synthetic_region(region: Any, start: dt.date | str, end: dt.date | str, catalog: PathLike, out: PathLike, *,
                     reference_years: Sequence[int] = range(2003, 2017), reference_window_days: int = 4,
                     min_mag: float = 5.0, decluster_window: str = "gardner-knopoff", product: str = "MYD11A1",
                     collection: str = "061", seed: int = 0, cloud_fraction: float = 0.3, anomaly_k: float = 3.0,
                     radius_km: float = 40.0, onset_days: int = 7, dry_run: bool = False,
                     progress: Callable[[tuple[int, int, dt.date]], None] | None = None) -> dict:
    """Write the SYNTHETIC MODIS tiles of ``region`` (a Region or
    ``"LON_MIN,LAT_MIN,LON_MAX,LAT_MAX"``, degrees) into ``out``: every tile covering it on
    every day ``start``..``end`` (dates or ``YYYY-MM-DD``) and on every reference day
    :func:`monitor_region` reads for them (``reference_years``, +- ``reference_window_days``),
    with an ``anomaly_k`` K warm anomaly (e-folding ``radius_km`` km) on the ``onset_days``
    days before each ``catalog`` event of M >= ``min_mag`` near the region (main shocks of
    ``decluster_window``; ``"none"``: every event), none elsewhere. ``cloud_fraction``: 0..1.
    Complete tiles are kept (a rerun resumes); writes ``synth_region.json``. Returns the
    summary: ``files``, ``already_complete``, ``written_now``, ``tiles``, ``anomaly_k``,
    ``anomalies`` (count), ``synthetic`` (True), ``dry_run``, ``out``. ``progress`` gets each
    ``(h, v, date)`` done.

    Raises:
        BadRequestError: a malformed region or date, ``end`` before ``start``, a cloud fraction
            outside 0..1.
    """
    from thermoquake.catalog.readers import read_catalog
    from thermoquake.errors import BadRequestError
    from thermoquake.outputs import refuse_outputs_over_inputs
    from thermoquake.synth import SynthConfig
    from thermoquake.synth.region import REGION_MANIFEST, write_region

    region = _region(region)
    first, last = _date(start, "--start"), _date(end, "--end")
    if last < first:
        raise BadRequestError(f"--end {last} is before --start {first}")
    if not 0.0 <= float(cloud_fraction) <= 1.0:
        raise BadRequestError(f"--cloud-fraction {cloud_fraction} is outside 0..1")
    out = Path(out)
    refuse_outputs_over_inputs({"out": [out, out / REGION_MANIFEST]}, {"catalog": catalog})
    events = read_catalog(catalog).events
    config = SynthConfig(seed=seed, cloud_fraction=float(cloud_fraction))
    manifest = write_region(out, product, region, first, last, reference_years, reference_window_days, events,
                            config, anomaly_k, radius_km, onset_days, min_mag, decluster_window, collection,
                            dry_run, progress=progress)
    summary = {k: manifest[k] for k in ("files", "already_complete", "written_now", "tiles", "anomaly_k")}
    return summary | {"synthetic": True, "dry_run": dry_run, "out": str(out), "anomalies": len(manifest["anomalies"])}
