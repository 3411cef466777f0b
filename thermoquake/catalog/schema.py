"""The one event schema every catalogue format is read into, and its CSV form.

Columns (in this order): ``event_id, time, latitude, longitude, depth_km,
magnitude, magnitude_type``. ``time`` is UTC, written as ISO 8601 with a
``Z`` suffix and millisecond precision; latitude and longitude are degrees
north and east; depth is km below sea level (may be slightly negative:
ComCat reports events above sea level).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import os
from dataclasses import dataclass
from pathlib import Path

from thermoquake.errors import CatalogError, ThermoquakeError  # noqa: F401  (CatalogError: re-exported)

COLUMNS: tuple[str, ...] = (
    "event_id",
    "time",
    "latitude",
    "longitude",
    "depth_km",
    "magnitude",
    "magnitude_type",
)

LAT_RANGE = (-90.0, 90.0)
LON_RANGE = (-180.0, 180.0)
DEPTH_RANGE_KM = (-10.0, 800.0)
MAGNITUDE_RANGE = (-3.0, 10.0)


@dataclass(frozen=True, order=True)
class Event:
    """One earthquake.

    Attributes:
        time: origin time, timezone-aware UTC.
        event_id: identifier, unique within a catalogue (e.g. ``iscgem:13228121``).
        latitude: degrees north.
        longitude: degrees east.
        depth_km: hypocentre depth, km.
        magnitude: magnitude value.
        magnitude_type: e.g. ``Mw``, ``Mw_proxy``, ``mww``, ``mb``.

    Events sort by time, then id.
    """

    time: dt.datetime
    event_id: str
    latitude: float
    longitude: float
    depth_km: float
    magnitude: float
    magnitude_type: str


@dataclass(frozen=True)
class RowProblem:
    """A row of an input file that could not be used.

    ``line`` is the 1-based line number as an editor shows it (for QuakeML,
    ``unit`` is ``"event"`` and ``line`` the 1-based event number).
    """

    line: int
    message: str
    unit: str = "line"

    def __str__(self) -> str:
        return f"{self.unit} {self.line}: {self.message}"


class BadRowsError(CatalogError):
    """A catalogue with unusable or duplicate rows (``problems`` lists them all)."""

    def __init__(
        self, problems: list[RowProblem], source: str | os.PathLike[str] | None = None
    ) -> None:
        self.problems = list(problems)
        super().__init__(summarize_problems(self.problems), source)


def summarize_problems(problems: list[RowProblem], limit: int = 5) -> str:
    """``"3 unusable rows: line 4: ...; line 9: ...; line 12: ..."`` (the first ``limit`` shown)."""
    shown = "; ".join(str(p) for p in problems[:limit])
    more = f"; and {len(problems) - limit} more" if len(problems) > limit else ""
    noun = "row" if len(problems) == 1 else "rows"
    return f"{len(problems)} unusable {noun}: {shown}{more}"


def parse_time(text: str) -> dt.datetime:
    """Parse an ISO 8601 date-time (``T`` or space separator) into aware UTC.

    A time without an offset is taken as UTC; an offset is converted to UTC.
    Raises ``ValueError`` with a readable message.
    """
    s = text.strip()
    if not s:
        raise ValueError("time is empty")
    try:
        value = dt.datetime.fromisoformat(s)
    except ValueError:
        raise ValueError(f"time {s!r} is not an ISO 8601 date-time") from None
    if value.tzinfo is None:
        return value.replace(tzinfo=dt.timezone.utc)
    return value.astimezone(dt.timezone.utc)


def format_time(value: dt.datetime) -> str:
    """``2008-05-12T06:28:00.470Z`` (UTC, milliseconds; microseconds if they are not whole ms)."""
    value = value.astimezone(dt.timezone.utc)
    if value.microsecond % 1000:
        return value.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def format_number(value: float) -> str:
    """Shortest text that reads back as the same float (``35.425``, ``10.0``)."""
    return repr(float(value))


def parse_number(text: str, name: str, valid: tuple[float, float]) -> float:
    """Parse a finite float within ``valid`` (inclusive); ``ValueError`` names the field."""
    s = text.strip()
    if not s:
        raise ValueError(f"{name} is missing")
    try:
        value = float(s)
    except ValueError:
        raise ValueError(f"{name} {s!r} is not a number") from None
    if not math.isfinite(value) or not valid[0] <= value <= valid[1]:
        raise ValueError(f"{name} {s} is outside {valid[0]:g}..{valid[1]:g}")
    return value


def make_event(
    event_id: str,
    time: str,
    latitude: str,
    longitude: str,
    depth_km: str,
    magnitude: str,
    magnitude_type: str,
) -> Event:
    """Build an :class:`Event` from text fields, checking each (``ValueError`` names the field)."""
    event_id = event_id.strip()
    if not event_id:
        raise ValueError("event_id is missing")
    magnitude_type = magnitude_type.strip()
    if not magnitude_type:
        raise ValueError("magnitude_type is missing")
    return Event(
        time=parse_time(time),
        event_id=event_id,
        latitude=parse_number(latitude, "latitude", LAT_RANGE),
        longitude=parse_number(longitude, "longitude", LON_RANGE),
        depth_km=parse_number(depth_km, "depth_km", DEPTH_RANGE_KM),
        magnitude=parse_number(magnitude, "magnitude", MAGNITUDE_RANGE),
        magnitude_type=magnitude_type,
    )


def event_row(event: Event) -> list[str]:
    """The CSV fields of ``event`` in :data:`COLUMNS` order."""
    return [
        event.event_id,
        format_time(event.time),
        format_number(event.latitude),
        format_number(event.longitude),
        format_number(event.depth_km),
        format_number(event.magnitude),
        event.magnitude_type,
    ]


def events_to_csv(events: list[Event]) -> str:
    """CSV text (header + one row per event, ``\\n`` line ends) in the order given."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(COLUMNS)
    for event in events:
        writer.writerow(event_row(event))
    return buf.getvalue()


def data_rows(reader, width: int, problems: list[RowProblem]):
    """Yield ``(line, fields)`` for each non-blank row of a ``csv.reader`` after its header.

    A row whose field count differs from ``width`` (the header's) is recorded in
    ``problems`` with its line number and skipped.
    """
    for fields in reader:
        line = reader.line_num
        if not any(f.strip() for f in fields):
            continue
        if len(fields) != width:
            problems.append(RowProblem(line, f"has {len(fields)} fields, the header has {width}"))
            continue
        yield line, fields


def open_csv_table(path, required, what: str):
    """Open a UTF-8 CSV written by this package: ``(reader, header, column index by name)``.

    ``required`` columns must all be in the header; ``what`` names the kind of file in the
    errors (e.g. ``"controls file"``). Raises :class:`CatalogError` naming ``path``.
    """
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except OSError as err:
        raise CatalogError(f"cannot read the {what}: {err.strerror or err}", path) from None
    reader = csv.reader(io.StringIO(text, newline=""))
    header = [h.strip() for h in next(reader, [])]
    missing = [c for c in required if c not in header]
    if missing:
        raise CatalogError(f"not a {what}: missing column(s) {', '.join(missing)}", path)
    return reader, header, {name: header.index(name) for name in header}
