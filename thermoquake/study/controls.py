"""No-earthquake samples ("controls") for the study events.

Two modes:

``matched`` (default)
    The site and calendar day (and UTC time of day) of a study event, in
    another year. Removes the "the network learns the terrain" shortcut: a
    control differs from its event only in whether an earthquake followed.
``random``
    A random place in a region (uniform in area) at a random time in a
    period: the paper's choice, kept for comparison.

Which years controls take is a policy of its own (:mod:`thermoquake.study.control_years`):
``matched`` years lie in the events' span inside the reference period, with the
events' year histogram, and every matched event gets exactly ``n`` controls or is
listed as unmatched with the reason (:func:`year_matched_controls`); ``any`` is the
earlier design (:func:`matched_controls`, and :func:`random_controls` without quotas).

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
from collections import Counter
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
from thermoquake.study.control_years import YearBalance, apportion, assign_years, year_balance
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


def year_problem(
    event: Event, year: int, quakes: QuakeIndex, settings: ControlSettings
) -> str | None:
    """Why ``event``'s site and calendar day in ``year`` cannot be a control (None: it can)."""
    if year == event.time.year:
        return "the event's own year"
    t = same_calendar_time(event.time, year)
    half = dt.timedelta(days=settings.exclusion.days)
    if t - half < settings.coverage.start_time or t + half >= settings.coverage.end_time:
        return f"the exclusion window leaves the catalogue period {settings.coverage.text()}"
    if not settings.checkable(event.latitude, event.longitude, t):
        return (
            f"the {settings.exclusion.radius_km:g} km exclusion disc leaves the catalogue "
            f"region {settings.catalog_region.text}"
        )
    blockers = quakes.conflicts(event.latitude, event.longitude, t, settings.exclusion)
    if blockers:
        return (
            f"M >= {quakes.min_magnitude:g} within {settings.exclusion.radius_km:g} km and "
            f"{settings.exclusion.days:g} days: " + " ".join(q.event_id for q in blockers)
        )
    return None


def _matched_control(event: Event, year: int) -> Control:
    return Control(
        same_calendar_time(event.time, year),
        f"matched:{event.event_id}:{year}",
        event.latitude,
        event.longitude,
        "matched",
        event.event_id,
    )


def _described(quakes: QuakeIndex, settings: ControlSettings, years: range) -> str:
    return (
        f"M >= {quakes.min_magnitude:g} within {settings.exclusion.radius_km:g} km and "
        f"{settings.exclusion.days:g} days, years {years.start}-{years.stop - 1}, catalogue period "
        f"{settings.coverage.text()}"
        + (f", catalogue region {settings.catalog_region.text}" if settings.catalog_region else "")
    )


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
    """``n`` controls in all at study-event sites on the same calendar day of other years
    (control-year policy ``any``, the earlier design).

    Every valid (event, year) pair is found first; controls are then drawn
    round-robin over the events in a seeded order, one random valid year per
    event per round, so each event gets ``n // len(events)`` or one more
    controls where it has enough valid years. Events without a valid year get
    none, and their share goes to the others.

    Raises:
        CatalogError: no valid pair exists, or fewer than ``n``.
    """
    if n < 1:
        raise BadRequestError(f"the number of controls must be >= 1, got {n}")
    valid: dict[str, list[int]] = {}
    by_id = {e.event_id: e for e in events}
    for event in sorted(events):
        valid[event.event_id] = [
            year for year in years if year_problem(event, year, quakes, settings) is None
        ]
    available = sum(len(v) for v in valid.values())
    described = _described(quakes, settings, years)
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
                chosen.append(_matched_control(by_id[event_id], valid[event_id][round_]))
        round_ += 1
    missing = sorted(eid for eid, ys in valid.items() if not ys)
    return MatchedResult(sorted(chosen), available, missing)


UNMATCHED_COLUMNS: tuple[str, ...] = (
    "event_id",
    "time",
    "latitude",
    "longitude",
    "usable_years",
    "needed",
    "reason",
)


@dataclass(frozen=True)
class Unmatched:
    """A study event left out of the study because it cannot get its ``needed`` controls.

    Attributes:
        event: the event.
        usable_years: candidate years clear of the catalogue (fewer than ``needed``).
        needed: controls per event asked for.
        reason: one line: which candidate years fail, and why.
    """

    event: Event
    usable_years: tuple[int, ...]
    needed: int
    reason: str


@dataclass(frozen=True)
class YearMatchedResult:
    """Matched controls under the ``matched`` control-year policy.

    Attributes:
        controls: exactly ``n`` per kept event, sorted by time.
        kept: the events that got them (input order): the study's events.
        unmatched: the events left out, with the reason.
        candidates: years a control could take (the events' span inside the reference period).
        quotas: year -> controls wanted there (``n`` x kept events of that year).
    """

    controls: list[Control]
    kept: list[Event]
    unmatched: list[Unmatched]
    candidates: range
    quotas: dict[int, int]


def _years_text(years: list[int]) -> str:
    """``[2003, 2004, 2005, 2009]`` -> ``2003-2005, 2009``."""
    runs: list[list[int]] = []
    for y in sorted(years):
        if runs and y == runs[-1][-1] + 1:
            runs[-1].append(y)
        else:
            runs.append([y])
    return ", ".join(f"{r[0]}-{r[-1]}" if len(r) > 1 else str(r[0]) for r in runs)


def _unmatched_reason(problems: dict[int, str | None], n: int, candidates: range) -> str:
    usable = [y for y, p in problems.items() if p is None]
    by_problem: dict[str, list[int]] = {}
    for year, problem in problems.items():
        if problem is not None:
            by_problem.setdefault(problem, []).append(year)
    causes = "; ".join(f"{_years_text(ys)}: {p}" for p, ys in by_problem.items())
    return (
        f"{len(usable)} of the {len(candidates)} candidate years "
        f"{candidates.start}-{candidates.stop - 1} usable, {n} needed ({causes})"
    )


def year_matched_controls(
    events: list[Event],
    quakes: QuakeIndex,
    settings: ControlSettings,
    candidates: range,
    n: int,
    seed: int,
) -> YearMatchedResult:
    """Exactly ``n`` matched controls per event, in years that look like the events' years.

    A control is the event's site and calendar day in a ``candidates`` year (normally the
    events' span inside the reference period, :func:`thermoquake.study.control_years.candidate_years`)
    other than the event's own, clear of the catalogue. An event with fewer than ``n``
    such years is unmatched: listed with the reason and left out, so the study stays
    balanced. The years of the kept events' controls fill quotas of ``n`` x the kept
    events of each year, as closely as the exclusion allows
    (:func:`thermoquake.study.control_years.assign_years`), so the controls' year histogram
    is the events' one.

    Raises:
        CatalogError: no event has ``n`` usable years.
    """
    if n < 1:
        raise BadRequestError(f"the number of controls per event must be >= 1, got {n}")
    kept: list[Event] = []
    unmatched: list[Unmatched] = []
    options: dict[str, list[int]] = {}
    for event in events:
        problems = {y: year_problem(event, y, quakes, settings) for y in candidates}
        usable = [y for y, p in problems.items() if p is None]
        if len(usable) >= n:
            kept.append(event)
            options[event.event_id] = usable
        else:
            reason = _unmatched_reason(problems, n, candidates)
            unmatched.append(Unmatched(event, tuple(usable), n, reason))
    if not kept:
        raise CatalogError(
            f"none of the {len(events)} events has {n} usable years for matched controls "
            f"({_described(quakes, settings, candidates)})"
        )
    counts = Counter(e.time.year for e in kept if e.time.year in candidates)
    quotas = apportion(n * len(kept), counts)
    years = assign_years(options, n, quotas, seed)
    by_id = {e.event_id: e for e in kept}
    chosen = [_matched_control(by_id[eid], y) for eid, ys in years.items() for y in ys]
    return YearMatchedResult(sorted(chosen), kept, unmatched, candidates, quotas)


def unmatched_to_csv(unmatched: list[Unmatched]) -> str:
    """CSV text with :data:`UNMATCHED_COLUMNS` (``usable_years`` space-separated)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(UNMATCHED_COLUMNS)
    for u in unmatched:
        writer.writerow(
            [
                u.event.event_id,
                format_time(u.event.time),
                format_number(u.event.latitude),
                format_number(u.event.longitude),
                " ".join(map(str, u.usable_years)),
                u.needed,
                u.reason,
            ]
        )
    return buf.getvalue()


def random_controls(
    region: Region,
    period: Period,
    quakes: QuakeIndex,
    settings: ControlSettings,
    n: int,
    seed: int,
    max_attempts: int | None = None,
    year_quotas: dict[int, int] | None = None,
) -> list[Control]:
    """``n`` controls at random places in ``region`` (uniform in area), random times in ``period``.

    Without ``year_quotas`` (control-year policy ``any``) times are uniform over the period.
    With them (policy ``matched``, :func:`random_year_quotas`) exactly ``year_quotas[y]``
    controls fall in year ``y``, each uniform over that year's part of the period; draws
    rejected by the exclusion are repeated in the same year, so busy years are not
    under-filled.

    Raises:
        CatalogError: fewer than ``n`` found in ``max_attempts`` draws (default ``1000 + 200 n``,
            per year with quotas).
    """
    if n < 1:
        raise BadRequestError(f"the number of controls must be >= 1, got {n}")
    rng = random.Random(seed)
    if year_quotas is None:
        windows = [(period.start_time, period.end_time, n)]
    else:
        if sum(year_quotas.values()) != n:
            raise BadRequestError(f"the year quotas add up to {sum(year_quotas.values())}, not {n}")
        windows = []
        for year, quota in sorted(year_quotas.items()):
            lo = max(period.start_time, dt.datetime(year, 1, 1, tzinfo=UTC))
            hi = min(period.end_time, dt.datetime(year + 1, 1, 1, tzinfo=UTC))
            if quota and lo >= hi:
                raise BadRequestError(f"year {year} is outside the period {period.text()}")
            if quota:
                windows.append((lo, hi, quota))
    found: list[tuple[dt.datetime, float, float]] = []
    for lo, hi, quota in windows:
        attempts = max_attempts if max_attempts is not None else 1000 + 200 * quota
        found_here, tries = _random_draws(region, lo, hi, quakes, settings, quota, attempts, rng)
        found += found_here
        if len(found_here) < quota:
            where = "" if year_quotas is None else f" in {lo.year}"
            raise CatalogError(
                f"found only {len(found_here)} of {quota} random controls{where} in {tries} draws: "
                f"no M >= {quakes.min_magnitude:g} within {settings.exclusion.radius_km:g} km and "
                f"{settings.exclusion.days:g} days leaves too little of region {region.text}, "
                f"{period.text()} (catalogue period {settings.coverage.text()})"
            )
    found.sort()
    return [
        Control(t, f"random:{i:04d}", lat, lon, "random")
        for i, (t, lat, lon) in enumerate(found, 1)
    ]


def _random_draws(
    region: Region,
    lo: dt.datetime,
    hi: dt.datetime,
    quakes: QuakeIndex,
    settings: ControlSettings,
    n: int,
    attempts: int,
    rng: random.Random,
) -> tuple[list[tuple[dt.datetime, float, float]], int]:
    """Up to ``n`` (time, lat, lon) clear of the catalogue, times uniform in [lo, hi); and the draws made."""
    span = int((hi - lo).total_seconds())
    found: list[tuple[dt.datetime, float, float]] = []
    tries = 0
    while len(found) < n and tries < attempts:
        tries += 1
        lat, lon = region.random_point(rng)
        lat, lon = round(lat, 4), round(lon, 4)
        t = lo + dt.timedelta(seconds=rng.randrange(span))
        if not settings.checkable(lat, lon, t):
            continue
        if quakes.conflicts(lat, lon, t, settings.exclusion):
            continue
        found.append((t, lat, lon))
    return found, tries


def random_year_quotas(events: list[Event], candidates: range, n: int) -> dict[int, int]:
    """Year -> random controls: ``n`` split over ``candidates`` in proportion to the events
    of each year (largest remainders), so random controls get the events' year histogram."""
    counts = Counter(e.time.year for e in events if e.time.year in candidates)
    return apportion(n, counts)


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


def study_year_balance(
    events: list[Event], controls: list[Control], reference_years: range
) -> YearBalance:
    """:class:`~thermoquake.study.control_years.YearBalance` of a study's events and controls."""
    return year_balance(
        {e.event_id: e.time.year for e in events},
        [c.time.year for c in controls],
        reference_years,
        [c.matched_event_id for c in controls],
    )
