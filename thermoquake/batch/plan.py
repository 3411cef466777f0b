"""The images of a batch: for each event, a target image for each of the ``days_before``
days before the event date, and a reference image for the same calendar days of every
reference year other than the event's year (the RST reference).

The reference day of target day ``d`` in year ``Y`` is ``d`` moved by ``Y - event year``
years (a window that crosses New Year stays one window). A target day of 29 February has no
reference in a non-leap year: that reference image is skipped (not planned, not a failure).

The order is deterministic: events in file order; per event the targets (days before
1..N), then the references by year, then days before 1..N.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass

from thermoquake.batch.events import Event
from thermoquake.epicentre_grid import EpicentreGrid
from thermoquake.errors import ThermoquakeError
from thermoquake.modis.sinusoidal import tile_name

TARGET = "target"
REFERENCE = "reference"


@dataclass(frozen=True)
class ImageTask:
    """One planned image. ``relpath``: where it goes, relative to the workdir (POSIX)."""

    event_id: str
    site: str
    role: str
    date: dt.date
    days_before: int
    lat: float
    lon: float
    size: int
    tiles: tuple[str, ...]
    relpath: str


def safe_name(event_id: str) -> str:
    """An event id as a directory name: characters other than letters, digits, ``._-`` -> ``_``."""
    name = re.sub(r"[^A-Za-z0-9._-]", "_", event_id)
    return "_" + name if name.startswith(".") or not name else name


def target_days(event_date: dt.date, days_before: int) -> list[tuple[int, dt.date]]:
    return [(k, event_date - dt.timedelta(days=k)) for k in range(1, days_before + 1)]


def shift_years(day: dt.date, years: int) -> dt.date | None:
    """``day`` moved by ``years`` calendar years; None for 29 February into a non-leap year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return None


def plan_images(events: Sequence[Event], days_before: int, reference_years: Sequence[int],
                size: int, events_source: object = None) -> list[ImageTask]:
    """Every image of the batch, in the deterministic order described above."""
    tasks: list[ImageTask] = []
    sites: dict[str, str] = {}
    for event in events:
        site = safe_name(event.event_id)
        if site in sites:
            raise ThermoquakeError(
                f"row {event.row}: event ids {sites[site]!r} and {event.event_id!r} give the same "
                f"directory name {site!r}", events_source)
        sites[site] = event.event_id
        try:
            grid = EpicentreGrid(lat=event.latitude, lon=event.longitude, size=size)
        except ThermoquakeError as err:
            raise ThermoquakeError(f"row {event.row}: {err.problem}", events_source) from None
        tiles = tuple(sorted(tile_name(h, v) for h, v in grid.tiles()))

        def task(role: str, day: dt.date, k: int) -> ImageTask:
            return ImageTask(event.event_id, site, role, day, k, event.latitude, event.longitude,
                             size, tiles, f"images/{site}/{role}/{day.isoformat()}.tif")

        days = target_days(event.date, days_before)
        tasks.extend(task(TARGET, day, k) for k, day in days)
        for year in reference_years:
            if year == event.date.year:
                continue
            for k, day in days:
                ref = shift_years(day, year - event.date.year)
                if ref is not None:
                    tasks.append(task(REFERENCE, ref, k))
    return tasks
