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

__all__ = ["build_manifest", "build_region_manifest", "fetch_granules", "train_window"]

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
    from thermoquake.atomic import write_text_atomic
    from thermoquake.catalog import read_catalog
    from thermoquake.study.controls import read_controls
    from thermoquake.study.granules import DEFAULT_BASE_URL, ManifestSettings, Sample, build_manifest as build
    from thermoquake.study.granules import manifest_to_csv
    from thermoquake.outputs import refuse_outputs_over_inputs

    if out is not None:
        refuse_outputs_over_inputs({"out": out}, {"events": events, "controls": controls})
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
        write_text_atomic(out, manifest_to_csv(rows))
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
    ``Outcome``, ``on_bytes`` each count of bytes received."""
    from thermoquake.fetch.auth import auth_host, find_credentials
    from thermoquake.fetch.download import FetchSettings, fetch_granules as fetch
    from thermoquake.study.granules import read_manifest

    rows = read_manifest(manifest) if isinstance(manifest, (str, os.PathLike)) else list(manifest)
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
    from thermoquake.training.run import train_window as train

    if config is None:
        if "window" not in settings:
            raise ConfigurationError("give config=TrainConfig(...) or window=N (days) and other settings")
        settings["window"] = int(settings["window"])
        if "channels" in settings:
            settings["channels"] = tuple(settings["channels"])
        config = TrainConfig(**settings)
    elif settings:
        raise ConfigurationError(f"give either config or settings, not both ({', '.join(sorted(settings))})")
    quakes = None
    if catalog is not None:
        from thermoquake.catalog import read_catalog

        quakes = read_catalog(catalog).events
    return train(Path(workdir), config, Path(out), quakes, on_fold=on_fold, gan_cache=gan_cache,
                 allow_imbalance=allow_imbalance)
