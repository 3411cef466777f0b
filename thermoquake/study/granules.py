"""Granule manifests: which MODIS tiles on which days a set of events and controls needs.

For each sample (event or control) at UTC time ``t`` with epicentre box of
``size`` km, the *target days* are the ``days_before`` UTC days before
``t``'s date (days 1..N before, as ``thermoquake preprocess`` plans them), plus that
date itself if ``include_sample_day``.
The *reference days* (for the RST mean and standard deviation) are the reference periods
of the target days in each reference year, by the calendar ``preprocess`` and ``rst`` use
(:mod:`thermoquake.study.calendar`): reference year ``Y`` is ``Y - t.year`` years from
the sample, and the period is the same calendar days (``± reference_window_days``;
a 29 February has no counterpart in common years and is skipped there) or, with
``reference_mode`` "month", the whole calendar month.
The tiles are the MODIS sinusoidal tiles holding any pixel of the sample's
box (:meth:`thermoquake.image.grid.EpicentreGrid.tiles`).

Each manifest row is one (product, collection, date, tile), de-duplicated,
with the LP DAAC Data Pool directory of its date:
``<base>/<MOLA|MOLT|MOTA>/<PRODUCT>.<COLLECTION>/YYYY.MM.DD/``.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from thermoquake.catalog.region import Region
from thermoquake.catalog.schema import CatalogError, RowProblem, data_rows, open_csv_table, summarize_problems
from thermoquake.image.grid import EpicentreGrid
from thermoquake.errors import BadRequestError
from thermoquake.modis.sinusoidal import N_TILES_H, N_TILES_V, tile_name
from thermoquake.study.calendar import MAX_WINDOW_DAYS, MODES, reference_schedule, target_days

DEFAULT_BASE_URL = "https://e4ftl01.cr.usgs.gov"
"""LP DAAC Data Pool."""

BASE_URL_ENV = "THERMOQUAKE_DATAPOOL_URL"
"""Environment variable overriding :data:`DEFAULT_BASE_URL` (tests point it at 127.0.0.1)."""

PLATFORM_FOLDERS = {"MOD": "MOLT", "MYD": "MOLA", "MCD": "MOTA"}
"""Data Pool folder by product prefix (Terra, Aqua, combined)."""

PRODUCT_START = {"MOD11A1": dt.date(2000, 2, 24), "MYD11A1": dt.date(2002, 7, 4)}
"""First day each product exists, UTC."""

ESTIMATED_GRANULE_MB = 3.0
"""Rough mean size of one daily 1 km LST tile (HDF4, compressed), MB (10^6 bytes).
Real tiles range from well under 1 MB (mostly ocean or cloud) to several MB."""

MANIFEST_COLUMNS: tuple[str, ...] = ("product", "collection", "date", "tile", "directory", "role")
"""Columns every manifest has."""
CATALOGUE_COLUMNS: tuple[str, ...] = ("url", "size", "checksum_type", "checksum")
"""Columns from NASA's catalogue (CMR): the granule's URL, size in bytes and published checksum;
empty where the manifest was built without the catalogue (and absent in older manifests)."""
ROLES = ("target", "reference", "target+reference")


@dataclass(frozen=True)
class Sample:
    """A place and time needing images: a study event or a control.

    Attributes:
        sample_id: event_id or control_id.
        time: UTC.
        latitude: degrees north.
        longitude: degrees east.
    """

    sample_id: str
    time: dt.datetime
    latitude: float
    longitude: float


@dataclass(frozen=True, order=True)
class GranuleRow:
    """One granule to fetch. ``tile`` is ``hHHvVV``; ``directory`` ends with ``/``.

    ``url``, ``size`` (bytes), ``checksum_type`` and ``checksum`` come from NASA's catalogue
    (:mod:`thermoquake.fetch.cmr`); None where the granule was not looked up there."""

    date: dt.date
    tile: str
    product: str
    collection: str
    directory: str
    role: str
    url: str | None = None
    size: int | None = None
    checksum_type: str | None = None
    checksum: str | None = None

    @property
    def hv(self) -> tuple[int, int]:
        return int(self.tile[1:3]), int(self.tile[4:6])

    @property
    def name_prefix(self) -> str:
        """Start of the granule's file name, e.g. ``MYD11A1.A2008133.h26v05.061.``."""
        doy = self.date.timetuple().tm_yday
        return f"{self.product}.A{self.date.year:04d}{doy:03d}.{self.tile}.{self.collection}."


def datapool_directory(base_url: str, product: str, collection: str, date: dt.date) -> str:
    """Data Pool directory URL of ``product.collection`` on ``date`` (ends with ``/``)."""
    folder = PLATFORM_FOLDERS.get(product[:3])
    if folder is None:
        raise BadRequestError(f"product {product!r} is not a MODIS MOD/MYD/MCD product")
    return f"{base_url.rstrip('/')}/{folder}/{product}.{collection}/{date:%Y.%m.%d}/"


@dataclass(frozen=True)
class ManifestSettings:
    """How samples turn into granules.

    Attributes:
        product: MODIS short name, e.g. ``MYD11A1``.
        collection: three digits, e.g. ``061``.
        days_before: number of UTC days before each sample's date (>= 0).
        include_sample_day: also list the sample's own UTC date.
        reference_years: years of the RST reference (inclusive range).
        reference_window_days: reference days reach this many days either side
            of each target calendar day (0: the same calendar days only).
        reference_mode: "same-day" (the calendar days +- the window) or "month" (the whole
            calendar month of each target day).
        size_km: epicentre box width and height, km (1 km pixels).
        base_url: Data Pool root.
    """

    product: str = "MYD11A1"
    collection: str = "061"
    days_before: int = 9
    include_sample_day: bool = False
    reference_years: range = range(2003, 2017)
    reference_window_days: int = 0
    reference_mode: str = "same-day"
    size_km: int = 256
    base_url: str = DEFAULT_BASE_URL

    def __post_init__(self) -> None:
        if self.product[:3] not in PLATFORM_FOLDERS:
            raise BadRequestError(f"product {self.product!r} is not a MODIS MOD/MYD/MCD product")
        if not (len(self.collection) == 3 and self.collection.isdigit()):
            raise BadRequestError(
                f"collection must be three digits (e.g. 061), got {self.collection!r}"
            )
        if self.days_before < 0:
            raise BadRequestError(f"--days-before must be >= 0, got {self.days_before}")
        if self.days_before == 0 and not self.include_sample_day:
            raise BadRequestError(
                "no target days: --days-before is 0 and the sample day is excluded"
            )
        if not 0 <= self.reference_window_days <= MAX_WINDOW_DAYS:
            raise BadRequestError(
                f"--reference-window-days must be 0..{MAX_WINDOW_DAYS}, "
                f"got {self.reference_window_days}"
            )
        if self.reference_mode not in MODES:
            raise BadRequestError(
                f"--reference must be one of {', '.join(MODES)}, got {self.reference_mode!r}"
            )


def sample_date(sample: Sample) -> dt.date:
    """The sample's UTC date (its reference years are counted from this date's year)."""
    return sample.time.astimezone(dt.timezone.utc).date()


def target_dates(sample: Sample, settings: ManifestSettings) -> list[dt.date]:
    """The UTC dates whose images a sample needs, oldest first."""
    days = target_days(sample_date(sample), settings.days_before, settings.include_sample_day)
    return [day for _, day in reversed(days)]


def reference_dates(
    targets: Iterable[dt.date], settings: ManifestSettings, sample_year: int
) -> set[dt.date]:
    """The reference periods of ``targets`` (the target days of a sample dated in
    ``sample_year``) in every reference year, the sample's own year included."""
    schedule = reference_schedule([(0, day) for day in targets], sample_year, settings.reference_years,
                                  settings.reference_mode, settings.reference_window_days, own_year=True)
    return {day for _, _, day in schedule}


def build_manifest(samples: list[Sample], settings: ManifestSettings) -> list[GranuleRow]:
    """De-duplicated granules for ``samples``, sorted by date then tile.

    Raises:
        BadRequestError: no samples, a box that cannot be built, or a date before the product.
    """
    if not samples:
        raise BadRequestError("no samples: the events (and controls) files are empty")
    roles: dict[tuple[dt.date, tuple[int, int]], set[str]] = {}
    for sample in samples:
        try:
            tiles = EpicentreGrid(sample.latitude, sample.longitude, settings.size_km).tiles()
        except BadRequestError as err:
            raise BadRequestError(f"sample {sample.sample_id}: {err.problem}") from None
        targets = target_dates(sample, settings)
        for day in targets:
            for hv in tiles:
                roles.setdefault((day, hv), set()).add("target")
        for day in reference_dates(targets, settings, sample_date(sample).year):
            for hv in tiles:
                roles.setdefault((day, hv), set()).add("reference")
    first = PRODUCT_START.get(settings.product)
    earliest = min(day for day, _ in roles)
    if first is not None and earliest < first:
        raise BadRequestError(
            f"{settings.product} starts on {first}, but {earliest} is needed "
            "(check the sample dates and --reference-years)"
        )
    rows = []
    for (day, (h, v)), r in roles.items():
        role = "target+reference" if len(r) == 2 else next(iter(r))
        rows.append(
            GranuleRow(
                day,
                tile_name(h, v),
                settings.product,
                settings.collection,
                datapool_directory(settings.base_url, settings.product, settings.collection, day),
                role,
            )
        )
    return sorted(rows)


MAX_REGION_GRANULES = 5_000_000
"""Largest region manifest built (about 40 years of mainland China's 25 tiles a day)."""


def build_region_manifest(region: Region, start: dt.date, end: dt.date, reference_years: Iterable[int],
                          window_days: int, settings: ManifestSettings) -> list[GranuleRow]:
    """The granules ``thermoquake monitor`` reads for ``region`` from ``start`` to ``end``
    (both included), sorted by date then tile: every tile of the region's grid
    (:meth:`thermoquake.modis.region_grid.RegionGrid.tiles`) on every monitored day (role
    ``target``) and on every reference day of a monitored day
    (:func:`thermoquake.monitor.calendar.reference_dates` with ``window_days`` either side; the
    monitored year never enters its own reference), role ``reference``; a day that is both is
    ``target+reference``. ``settings`` gives the product, collection and Data Pool root only.

    Raises:
        BadRequestError: ``end`` before ``start``, a region the grid refuses, a date before the
            product, or more than :data:`MAX_REGION_GRANULES` granules.
    """
    from thermoquake.modis.region_grid import RegionGrid
    from thermoquake.monitor.calendar import date_range
    from thermoquake.monitor.calendar import reference_dates as monitor_reference_dates

    if end < start:
        raise BadRequestError(f"--end {end} is before --start {start}")
    if not 0 <= window_days <= MAX_WINDOW_DAYS:
        raise BadRequestError(f"--reference-window-days must be 0..{MAX_WINDOW_DAYS}, got {window_days}")
    years = list(reference_years)
    tiles = RegionGrid.for_region(region).tiles()
    targets = date_range(start, end)
    references: set[dt.date] = set()
    for day in targets:
        references.update(monitor_reference_dates(day, years, window_days))
    target_set = set(targets)
    days = sorted(target_set | references)
    if len(days) * len(tiles) > MAX_REGION_GRANULES:
        raise BadRequestError(f"{len(days)} days x {len(tiles)} tiles is more than {MAX_REGION_GRANULES} "
                              "granules (split the period or the region)")
    first = PRODUCT_START.get(settings.product)
    if first is not None and days[0] < first:
        raise BadRequestError(f"{settings.product} starts on {first}, but {days[0]} is needed "
                              "(check --start and --reference-years)")
    rows = []
    for day in days:
        role = ("target+reference" if day in references else "target") if day in target_set else "reference"
        directory = datapool_directory(settings.base_url, settings.product, settings.collection, day)
        rows += [GranuleRow(day, tile_name(h, v), settings.product, settings.collection, directory, role)
                 for h, v in tiles]
    return rows


def refuse_manifest_over_inputs(out: str | os.PathLike[str] | None, events: str | os.PathLike[str] | None = None,
                                controls: str | os.PathLike[str] | None = None,
                                missing_out: str | os.PathLike[str] | None = None) -> None:
    """Raise :class:`thermoquake.outputs.OutputIsInputError` if the manifest ``out`` or the
    table of granules not found ``missing_out`` is the ``events`` or ``controls`` CSV the
    manifest is built from. :func:`write_manifest` checks this itself; call it first to refuse
    before a catalogue look-up."""
    from thermoquake.outputs import refuse_outputs_over_inputs

    refuse_outputs_over_inputs({"out": out, "missing_out": missing_out}, {"events": events, "controls": controls})


def write_manifest(out: str | os.PathLike[str], rows: list[GranuleRow], *,
                   events: str | os.PathLike[str] | None = None,
                   controls: str | os.PathLike[str] | None = None) -> Path:
    """Write ``rows`` to ``out`` as :func:`manifest_to_csv` text, atomically, and return the
    path; an ``out`` that is the ``events`` or ``controls`` file the rows come from is refused
    (:func:`refuse_manifest_over_inputs`) before anything is written."""
    from thermoquake.atomic import write_text_atomic

    refuse_manifest_over_inputs(out, events, controls)
    write_text_atomic(Path(out), manifest_to_csv(rows))
    return Path(out)


def manifest_to_csv(rows: list[GranuleRow]) -> str:
    """CSV text with :data:`MANIFEST_COLUMNS` and :data:`CATALOGUE_COLUMNS`."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(MANIFEST_COLUMNS + CATALOGUE_COLUMNS)
    for r in rows:
        writer.writerow([r.product, r.collection, r.date.isoformat(), r.tile, r.directory, r.role,
                         r.url or "", "" if r.size is None else r.size, r.checksum_type or "",
                         r.checksum or ""])
    return buf.getvalue()


def read_manifest(path: str | os.PathLike[str]) -> list[GranuleRow]:
    """Read a manifest written by :func:`manifest_to_csv`; bad rows raise, naming the lines."""
    path = Path(path)
    reader, header, col = open_csv_table(path, MANIFEST_COLUMNS, "granule manifest")
    rows, problems, seen = [], [], {}
    for line, fields in data_rows(reader, len(header), problems):
        get = {name: fields[i].strip() for name, i in col.items()}
        for name in CATALOGUE_COLUMNS:
            get.setdefault(name, "")
        try:
            row = _parse_row(get)
        except ValueError as err:
            problems.append(RowProblem(line, str(err)))
            continue
        key = (row.product, row.collection, row.date, row.tile)
        if key in seen:
            problems.append(RowProblem(line, f"duplicate granule (first at line {seen[key]})"))
            continue
        seen[key] = line
        rows.append(row)
    if problems:
        raise CatalogError(summarize_problems(problems), path)
    if not rows:
        raise CatalogError("the manifest lists no granules", path)
    return rows


def _parse_row(get: dict[str, str]) -> GranuleRow:
    product, collection, tile = get["product"], get["collection"], get["tile"]
    if product[:3] not in PLATFORM_FOLDERS or not product[3:].isalnum():
        raise ValueError(f"product {product!r} is not a MODIS MOD/MYD/MCD product")
    if not (len(collection) == 3 and collection.isdigit()):
        raise ValueError(f"collection {collection!r} is not three digits")
    try:
        day = dt.date.fromisoformat(get["date"])
    except ValueError:
        raise ValueError(f"date {get['date']!r} is not YYYY-MM-DD") from None
    ok = (
        len(tile) == 6
        and tile[0] == "h"
        and tile[3] == "v"
        and tile[1:3].isdigit()
        and tile[4:].isdigit()
    )
    if not ok or not (int(tile[1:3]) < N_TILES_H and int(tile[4:]) < N_TILES_V):
        raise ValueError(f"tile {tile!r} is not hHHvVV within the 36 x 18 grid")
    directory = get["directory"]
    if not directory.startswith(("http://", "https://")):
        raise ValueError(f"directory {directory!r} is not an http(s) URL")
    role = get["role"]
    if role not in ROLES:
        raise ValueError(f"role {role!r} is not one of {', '.join(ROLES)}")
    url = get["url"]
    if url and not url.startswith(("http://", "https://")):
        raise ValueError(f"url {url!r} is not an http(s) URL")
    size_text = get["size"]
    if size_text and not size_text.isdigit():
        raise ValueError(f"size {size_text!r} is not a byte count")
    kind, value = get["checksum_type"], get["checksum"]
    if bool(kind) != bool(value):
        raise ValueError("checksum_type and checksum go together (both or neither)")
    return GranuleRow(
        day,
        tile,
        product,
        collection,
        directory if directory.endswith("/") else directory + "/",
        role,
        url or None,
        int(size_text) if size_text else None,
        kind or None,
        value or None,
    )
