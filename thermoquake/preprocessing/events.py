"""Read and validate the events CSV (as written by ``thermoquake catalog select``).

Columns used: an id (``event_id``, or ``control_id`` in a controls file written by
``thermoquake controls``), ``time`` (UTC ISO 8601), ``latitude``, ``longitude``; other
columns (depth_km, magnitude, ...) are ignored. Any problem raises
:class:`ThermoquakeError` naming the file and the row number (the header is row 1).
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import os
from dataclasses import dataclass
from pathlib import Path

from thermoquake.errors import InputNotFoundError, ThermoquakeError

ID_COLUMNS = ("event_id", "control_id")
REQUIRED_COLUMNS = ("time", "latitude", "longitude")


@dataclass(frozen=True)
class Event:
    """One event of the batch: ``date`` is the UTC date of ``time``; ``row`` its CSV row."""

    event_id: str
    time: dt.datetime
    latitude: float
    longitude: float
    row: int

    @property
    def date(self) -> dt.date:
        return self.time.date()


def parse_utc_time(text: str) -> dt.datetime:
    """ISO 8601 time -> aware UTC datetime (a time without zone is taken as UTC)."""
    value = dt.datetime.fromisoformat(text.strip())
    if value.tzinfo is None:
        return value.replace(tzinfo=dt.timezone.utc)
    return value.astimezone(dt.timezone.utc)


def read_events(path: str | os.PathLike[str]) -> list[Event]:
    """Events in file order. Raises :class:`ThermoquakeError` (file + row) on the first problem."""
    path = Path(path)
    try:
        with open(path, newline="", encoding="utf-8-sig") as fh:
            rows = list(csv.reader(fh))
    except FileNotFoundError:
        raise InputNotFoundError("no such events file", path) from None
    except (OSError, UnicodeDecodeError, csv.Error) as err:
        raise ThermoquakeError(f"cannot read the events file: {err}", path) from None
    if not rows or not any(cell.strip() for cell in rows[0]):
        raise ThermoquakeError("events file is empty (expected a header row)", path)
    header = [cell.strip() for cell in rows[0]]
    id_column = next((c for c in ID_COLUMNS if c in header), None)
    missing = ([] if id_column else ["event_id (or control_id)"]) + [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise ThermoquakeError(f"row 1: missing column(s) {', '.join(missing)}", path)
    col = {name: header.index(name) for name in REQUIRED_COLUMNS} | {"event_id": header.index(id_column)}
    events: list[Event] = []
    seen: dict[str, int] = {}
    for number, cells in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) != len(header):
            raise ThermoquakeError(f"row {number}: has {len(cells)} fields, the header has {len(header)}", path)
        event = _parse_row(cells, col, number, path)
        if event.event_id in seen:
            raise ThermoquakeError(
                f"row {number}: duplicate event_id {event.event_id!r} (also row {seen[event.event_id]})", path)
        seen[event.event_id] = number
        events.append(event)
    if not events:
        raise ThermoquakeError("events file has no events", path)
    return events


def _parse_row(cells: list[str], col: dict[str, int], number: int, path: Path) -> Event:
    event_id = cells[col["event_id"]].strip()
    if not event_id:
        raise ThermoquakeError(f"row {number}: empty event_id", path)
    text = cells[col["time"]]
    try:
        time = parse_utc_time(text)
    except ValueError:
        raise ThermoquakeError(f"row {number}: time {text!r} is not ISO 8601", path) from None
    coords = []
    for name, limit in (("latitude", 90.0), ("longitude", 180.0)):
        raw = cells[col[name]]
        try:
            value = float(raw)
        except ValueError:
            raise ThermoquakeError(f"row {number}: {name} {raw!r} is not a number", path) from None
        if not math.isfinite(value) or abs(value) > limit:
            raise ThermoquakeError(f"row {number}: {name} {raw!r} is outside -{limit:g}..{limit:g}", path)
        coords.append(value)
    return Event(event_id, time, coords[0], coords[1], number)
