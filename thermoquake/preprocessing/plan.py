"""The images of a batch: for each event, a target image for each of the ``days_before``
days before the event date, and a reference image for every day of the targets' reference
periods in every reference year other than the event's year (the RST reference).

The calendar is :mod:`thermoquake.study.calendar` (shared with ``manifest`` and ``rst``):
reference year ``Y`` is the offset ``Y - event year``, so a window that crosses New Year
stays one window; ``mode`` "same-day" takes the same calendar days (+- ``window_days``),
"month" the whole calendar month of each target day. A target day of 29 February has no
same-day reference in a common year: that reference image is skipped (not planned, not a
failure).

The order is deterministic: events in file order; per event the targets (days before
1..N), then the references by year, then by the days before 1..N of the first target whose
period holds them, then by date. A reference image's ``days_before`` is that target's.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass

from thermoquake.preprocessing.events import Event
from thermoquake.image.grid import EpicentreGrid, check_box_memory
from thermoquake.errors import ThermoquakeError
from thermoquake.modis.sinusoidal import tile_name
from thermoquake.study.calendar import check_reference, reference_schedule, target_days

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


def plan_images(events: Sequence[Event], days_before: int, reference_years: Sequence[int],
                size: int, events_source: object = None, mode: str = "same-day",
                window_days: int = 0) -> list[ImageTask]:
    """Every image of the batch, in the deterministic order described above (``mode`` and
    ``window_days``: the reference period, :mod:`thermoquake.study.calendar`)."""
    try:
        check_reference(mode, window_days)
    except ValueError as err:
        raise ThermoquakeError(str(err), events_source) from None
    check_box_memory(size)
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
        tasks.extend(task(REFERENCE, ref, k) for _, k, ref in
                     reference_schedule(days, event.date.year, reference_years, mode, window_days, own_year=False))
    return tasks
