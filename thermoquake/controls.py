"""No-earthquake samples ("controls") for the study events.

Two modes:

``matched`` (default)
    The site and calendar day (and UTC time of day) of a study event, in
    another year. Removes the "the network learns the terrain" shortcut: a
    control differs from its event only in whether an earthquake followed.
``random``
    A random place in a region (uniform in area) at a random time in a
    period: the paper's choice, kept for comparison.

Every control is clear of the whole catalogue: no event of magnitude
>= ``min_magnitude`` lies within ``radius_km`` (great-circle, km) and
``days`` (either side, days) of it. It must also be checkable: its time
window lies inside the catalogue's period and, when the catalogue's region
is given, its exclusion disc inside that region. Results are deterministic
for a seed.
"""

from __future__ import annotations

import bisect
import csv
import datetime as dt
import io
import os
import random
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from thermoquake.catalog.geodesy import HALF_CIRCUMFERENCE_KM, haversine_km
from thermoquake.catalog.region import Region
from thermoquake.catalog.schema import (
    CatalogError,
    Event,
    RowProblem,
    data_rows,
    open_csv_table,
    format_number,
    format_time,
    parse_number,
    parse_time,
    summarize_problems,
)
from thermoquake.errors import BadRequestError

UTC = dt.timezone.utc
MODES = ("matched", "random")
CONTROL_COLUMNS: tuple[str, ...] = (
    "control_id",
    "time",
    "latitude",
    "longitude",
    "mode",
    "matched_event_id",
)


@dataclass(frozen=True, order=True)
class Control:
    """One no-earthquake sample.

    Attributes:
        time: UTC time standing in for an origin time (the target days end there).
        control_id: ``matched:<event_id>:<year>`` or ``random:<n>``.
        latitude: degrees north.
        longitude: degrees east.
        mode: ``matched`` or ``random``.
        matched_event_id: the study event it mirrors ("" for random controls).
    """

    time: dt.datetime
    control_id: str
    latitude: float
    longitude: float
    mode: str
    matched_event_id: str = ""


@dataclass(frozen=True)
class Exclusion:
    """How far (km) and how long (days, either side) a control must stay from any earthquake."""

    radius_km: float
    days: float

    def __post_init__(self) -> None:
        if not self.radius_km > 0:
            raise BadRequestError(f"the exclusion radius must be > 0 km, got {self.radius_km:g}")
        if self.radius_km >= HALF_CIRCUMFERENCE_KM:
            raise BadRequestError(
                f"impossible exclusion: {self.radius_km:g} km reaches every place on Earth "
                f"(the farthest point is {HALF_CIRCUMFERENCE_KM:.0f} km away)"
            )
        if not self.days >= 0:
            raise BadRequestError(f"the exclusion time must be >= 0 days, got {self.days:g}")


@dataclass(frozen=True)
class Period:
    """Whole UTC days ``start`` .. ``end`` (inclusive)."""

    start: dt.date
    end: dt.date

    def __post_init__(self) -> None:
        if self.start > self.end:
            raise BadRequestError(f"the period is empty: {self.start} is after {self.end}")

    @property
    def start_time(self) -> dt.datetime:
        return dt.datetime.combine(self.start, dt.time(), UTC)

    @property
    def end_time(self) -> dt.datetime:
        """The first instant after the period."""
        return dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time(), UTC)

    @classmethod
    def whole_years_of(cls, events: list[Event]) -> "Period":
        """1 January of the first event's year to 31 December of the last event's year."""
        years = [e.time.year for e in events]
        return cls(dt.date(min(years), 1, 1), dt.date(max(years), 12, 31))

    def text(self) -> str:
        return f"{self.start}..{self.end}"


class QuakeIndex:
    """Earthquakes of magnitude >= ``min_magnitude``, indexed by time for exclusion queries."""

    def __init__(self, events: list[Event], min_magnitude: float) -> None:
        unique = {e.event_id: e for e in events if e.magnitude >= min_magnitude}
        ordered = sorted(unique.values())
        self.min_magnitude = min_magnitude
        self.events = ordered
        self._seconds = [e.time.timestamp() for e in ordered]
        self._lats = np.array([e.latitude for e in ordered])
        self._lons = np.array([e.longitude for e in ordered])

    def __len__(self) -> int:
        return len(self.events)

    def conflicts(
        self, lat: float, lon: float, time: dt.datetime, exclusion: Exclusion
    ) -> list[Event]:
        """The indexed events within ``exclusion`` of the point and time."""
        t = time.timestamp()
        half = exclusion.days * 86400.0
        lo = bisect.bisect_left(self._seconds, t - half)
        hi = bisect.bisect_right(self._seconds, t + half)
        if lo >= hi:
            return []
        dist = haversine_km(lat, lon, self._lats[lo:hi], self._lons[lo:hi])
        return [self.events[lo + int(i)] for i in np.nonzero(dist <= exclusion.radius_km)[0]]


@dataclass(frozen=True)
class ControlSettings:
    """What every control must satisfy.

    Attributes:
        exclusion: distance and time to stay clear of every indexed earthquake.
        coverage: period the catalogue is complete for; a control's exclusion
            window must lie inside it.
        catalog_region: region the catalogue is complete for, or None (not checked);
            a control's exclusion disc must lie inside it.
    """

    exclusion: Exclusion
    coverage: Period
    catalog_region: Region | None = None

    def checkable(self, lat: float, lon: float, time: dt.datetime) -> bool:
        """True if the catalogue can vouch for this place and time."""
        half = dt.timedelta(days=self.exclusion.days)
        if time - half < self.coverage.start_time or time + half >= self.coverage.end_time:
            return False
        return self.catalog_region is None or self.catalog_region.contains_disc(
            lat, lon, self.exclusion.radius_km
        )


def same_calendar_time(time: dt.datetime, year: int) -> dt.datetime:
    """``time`` moved to ``year`` (same month, day, UTC time of day); 29 Feb becomes 28 Feb."""
    try:
        return time.replace(year=year)
    except ValueError:
        return time.replace(year=year, day=28)


@dataclass(frozen=True)
class MatchedResult:
    controls: list[Control]
    available: int
    events_without_control: list[str]


def matched_controls(
    events: list[Event],
    quakes: QuakeIndex,
    settings: ControlSettings,
    years: range,
    n: int,
    seed: int,
) -> MatchedResult:
    """``n`` controls at study-event sites on the same calendar day of other years.

    Every valid (event, year) pair is found first; controls are then drawn
    round-robin over the events in a seeded order, one random valid year per
    event per round, so each event gets ``n // len(events)`` or one more
    controls where it has enough valid years.

    Raises:
        CatalogError: no valid pair exists, or fewer than ``n``.
    """
    if n < 1:
        raise BadRequestError(f"the number of controls must be >= 1, got {n}")
    valid: dict[str, list[int]] = {}
    by_id = {e.event_id: e for e in events}
    for event in sorted(events):
        ok = []
        for year in years:
            if year == event.time.year:
                continue
            t = same_calendar_time(event.time, year)
            if not settings.checkable(event.latitude, event.longitude, t):
                continue
            if quakes.conflicts(event.latitude, event.longitude, t, settings.exclusion):
                continue
            ok.append(year)
        valid[event.event_id] = ok
    available = sum(len(v) for v in valid.values())
    described = (
        f"M >= {quakes.min_magnitude:g} within {settings.exclusion.radius_km:g} km and "
        f"{settings.exclusion.days:g} days, years {years.start}-{years.stop - 1}, catalogue period "
        f"{settings.coverage.text()}"
        + (f", catalogue region {settings.catalog_region.text}" if settings.catalog_region else "")
    )
    if available == 0:
        raise CatalogError(
            f"no matched control exists for any of the {len(events)} events ({described})"
        )
    if available < n:
        raise CatalogError(
            f"only {available} matched controls exist, {n} were asked for ({described})"
        )
    rng = random.Random(seed)
    order = sorted(valid)
    rng.shuffle(order)
    for event_id in order:
        rng.shuffle(valid[event_id])
    chosen: list[Control] = []
    round_ = 0
    while len(chosen) < n:
        for event_id in order:
            if round_ < len(valid[event_id]) and len(chosen) < n:
                event, year = by_id[event_id], valid[event_id][round_]
                chosen.append(
                    Control(
                        same_calendar_time(event.time, year),
                        f"matched:{event_id}:{year}",
                        event.latitude,
                        event.longitude,
                        "matched",
                        event_id,
                    )
                )
        round_ += 1
    missing = sorted(eid for eid, ys in valid.items() if not ys)
    return MatchedResult(sorted(chosen), available, missing)


def random_controls(
    region: Region,
    period: Period,
    quakes: QuakeIndex,
    settings: ControlSettings,
    n: int,
    seed: int,
    max_attempts: int | None = None,
) -> list[Control]:
    """``n`` controls at random places in ``region`` (uniform in area), random times in ``period``.

    Raises:
        CatalogError: fewer than ``n`` found in ``max_attempts`` draws (default ``1000 + 200 n``).
    """
    if n < 1:
        raise BadRequestError(f"the number of controls must be >= 1, got {n}")
    attempts = max_attempts if max_attempts is not None else 1000 + 200 * n
    rng = random.Random(seed)
    span = int((period.end_time - period.start_time).total_seconds())
    found: list[tuple[dt.datetime, float, float]] = []
    tries = 0
    while len(found) < n and tries < attempts:
        tries += 1
        lat, lon = region.random_point(rng)
        lat, lon = round(lat, 4), round(lon, 4)
        t = period.start_time + dt.timedelta(seconds=rng.randrange(span))
        if not settings.checkable(lat, lon, t):
            continue
        if quakes.conflicts(lat, lon, t, settings.exclusion):
            continue
        found.append((t, lat, lon))
    if len(found) < n:
        raise CatalogError(
            f"found only {len(found)} of {n} random controls in {tries} draws: no M >= "
            f"{quakes.min_magnitude:g} within {settings.exclusion.radius_km:g} km and "
            f"{settings.exclusion.days:g} days leaves too little of region {region.text}, "
            f"{period.text()} (catalogue period {settings.coverage.text()})"
        )
    found.sort()
    return [
        Control(t, f"random:{i:04d}", lat, lon, "random")
        for i, (t, lat, lon) in enumerate(found, 1)
    ]


def controls_to_csv(controls: list[Control]) -> str:
    """CSV text with :data:`CONTROL_COLUMNS`."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(CONTROL_COLUMNS)
    for c in controls:
        writer.writerow(
            [
                c.control_id,
                format_time(c.time),
                format_number(c.latitude),
                format_number(c.longitude),
                c.mode,
                c.matched_event_id,
            ]
        )
    return buf.getvalue()


def read_controls(path: str | os.PathLike[str]) -> list[Control]:
    """Read a controls CSV written by :func:`controls_to_csv` (bad rows raise, naming the lines)."""
    path = Path(path)
    reader, header, col = open_csv_table(path, ("control_id", "time", "latitude", "longitude"), "controls file")
    controls, problems, seen = [], [], {}
    for line, fields in data_rows(reader, len(header), problems):
        cid = fields[col["control_id"]].strip()
        if not cid:
            problems.append(RowProblem(line, "control_id is missing"))
            continue
        if cid in seen:
            problems.append(
                RowProblem(line, f"duplicate control_id {cid!r} (first at line {seen[cid]})")
            )
            continue
        try:
            control = Control(
                parse_time(fields[col["time"]]),
                cid,
                parse_number(fields[col["latitude"]], "latitude", (-90.0, 90.0)),
                parse_number(fields[col["longitude"]], "longitude", (-180.0, 180.0)),
                fields[col["mode"]].strip() if "mode" in col else "",
                fields[col["matched_event_id"]].strip() if "matched_event_id" in col else "",
            )
        except ValueError as err:
            problems.append(RowProblem(line, str(err)))
            continue
        seen[cid] = line
        controls.append(control)
    if problems:
        raise CatalogError(summarize_problems(problems), path)
    if not controls:
        raise CatalogError("the controls file has no rows", path)
    return controls
