"""Which images form the RST reference of a target day.

The calendar is :mod:`thermoquake.study.calendar`: years count from the *sample* (the
event or control whose target days these are), so reference year ``Y`` of a sample dated in
``A.year`` is the offset ``Y - A.year``, and its days are the targets' reference periods
moved by that offset (``mode`` "same-day": the same calendar days +- ``window_days``;
"month": the same calendar month). A window that crosses New Year stays one window.

A sample's reference is made of whole reference years: a year is used for every target day
of the sample or for none, and it is the same for every member of the sample's *reference
group* (an event and the controls that share its reference, :mod:`thermoquake.rst.pairing`).
A reference year is left out of the whole group when, for any member:

* it is the member's own year (offset 0);
* any of the member's reference days in it falls in a calendar year of ``exclude_years``
  (e.g. the test years of a chronological split);
* any of the member's reference days in it lies in one of the member's
  ``excluded_periods`` (e.g. +- 30 days around an M >= 5 within 200 km of its site).

So an event and its matched controls (one site, the same calendar days) get the very same
reference images, and every member of a group the same number of reference years: the
reference differs between the classes only by what the group's members differ in.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from thermoquake.catalog.geodesy import haversine_km
from thermoquake.study.calendar import MODES, check_reference, reference_offset, reference_period
from thermoquake.rst.sequences import Quake

__all__ = ["MODES", "ReferenceMember", "ReferenceRules", "TargetReference", "excluded_periods",
           "group_references", "group_excluded_years", "select_reference_dates"]


@dataclass(frozen=True)
class ReferenceRules:
    """How reference days are chosen: the period (``mode``, ``window_days`` in days) and the
    calendar years (``exclude_years``) no reference day may fall in."""

    mode: str = "same-day"
    window_days: int = 0
    exclude_years: frozenset[int] = frozenset()

    def __post_init__(self) -> None:
        check_reference(self.mode, self.window_days)
        object.__setattr__(self, "exclude_years", frozenset(int(y) for y in self.exclude_years))


@dataclass(frozen=True)
class ReferenceMember:
    """One sample of a reference group.

    Attributes:
        year: the year of the sample's UTC date (its offsets count from it).
        targets: its target days.
        candidates: the days it has reference images of (same site).
        excluded_periods: inclusive date ranges none of its reference days may lie in.
    """

    year: int
    targets: tuple[dt.date, ...]
    candidates: tuple[dt.date, ...] = ()
    excluded_periods: tuple[tuple[dt.date, dt.date], ...] = field(default=())


@dataclass(frozen=True)
class TargetReference:
    """The reference of one target day: its days (sorted) and the offsets (years from the
    sample's year, sorted, distinct) they come from. ``len(offsets)`` is its number of
    reference years."""

    target: dt.date
    dates: tuple[dt.date, ...]
    offsets: tuple[int, ...]


def excluded_periods(site: tuple[float, float], quakes: Iterable[Quake], exclusion_km: float,
                     exclusion_days: int) -> list[tuple[dt.date, dt.date]]:
    """Date ranges (inclusive) to keep out of a site's reference: +- ``exclusion_days`` around
    every quake within ``exclusion_km`` km of the site (lat, lon degrees)."""
    span = dt.timedelta(days=exclusion_days)
    return [(q.date - span, q.date + span) for q in quakes
            if float(haversine_km(site[0], site[1], q.lat, q.lon)) <= exclusion_km]


def _hits(first: dt.date, last: dt.date, rules: ReferenceRules,
          periods: Sequence[tuple[dt.date, dt.date]]) -> bool:
    if first > last:
        return False
    if any(y in rules.exclude_years for y in range(first.year, last.year + 1)):
        return True
    return any(start <= last and first <= end for start, end in periods)


def member_excluded_years(member: ReferenceMember, years: Iterable[int], rules: ReferenceRules) -> set[int]:
    """The reference ``years`` one member rules out (module doc), its own year included."""
    out = {member.year}
    for year in years:
        k = year - member.year
        if k != 0 and any(_hits(*reference_period(t, k, rules.mode, rules.window_days), rules,
                                member.excluded_periods) for t in member.targets):
            out.add(year)
    return out


def candidate_years(member: ReferenceMember, rules: ReferenceRules) -> set[int]:
    """The reference years (sample year + offset) of the member's candidate days."""
    out = set()
    for t in member.targets:
        for c in member.candidates:
            k = reference_offset(t, c, rules.mode, rules.window_days)
            if k is not None:
                out.add(member.year + k)
    return out


def group_excluded_years(members: Sequence[ReferenceMember], years: Iterable[int],
                         rules: ReferenceRules) -> frozenset[int]:
    """The reference years left out for every member of a group: the union of what each
    member rules out among ``years`` and every member's own year."""
    years = set(years)
    out: set[int] = set()
    for m in members:
        out |= member_excluded_years(m, years, rules)
    return frozenset(out)


def _target_reference(target: dt.date, member: ReferenceMember, allowed: set[int],
                      rules: ReferenceRules) -> TargetReference:
    chosen = {}
    for c in member.candidates:
        k = reference_offset(target, c, rules.mode, rules.window_days)
        if k is not None and member.year + k in allowed:
            chosen[c] = k
    dates = tuple(sorted(chosen))
    return TargetReference(target, dates, tuple(sorted(set(chosen.values()))))


def group_references(members: Sequence[ReferenceMember], rules: ReferenceRules
                     ) -> tuple[frozenset[int], list[dict[dt.date, TargetReference]]]:
    """The reference of every target day of every member of one reference group.

    Returns ``(excluded, references)``: the reference years left out for the whole group
    (among those its candidates offer, plus every member's own year) and, per member in
    order, ``{target day: TargetReference}``.
    """
    years: set[int] = set()
    for m in members:
        years |= candidate_years(m, rules)
    excluded = group_excluded_years(members, years, rules)
    allowed = years - excluded
    return excluded, [{t: _target_reference(t, m, allowed, rules) for t in m.targets} for m in members]


def select_reference_dates(target: dt.date, candidates: Iterable[dt.date], mode: str = "same-day",
                           window_days: int = 0, exclude_years: Iterable[int] = (),
                           excluded_periods: Sequence[tuple[dt.date, dt.date]] = (),
                           sample_year: int | None = None) -> list[dt.date]:
    """The ``candidates`` that form the reference of ``target`` as the only target day of a
    sample of its own dated in ``sample_year`` (default: the target's year); sorted."""
    rules = ReferenceRules(mode, window_days, frozenset(exclude_years))
    member = ReferenceMember(target.year if sample_year is None else sample_year, (target,),
                             tuple(sorted(set(candidates))), tuple(excluded_periods))
    _, (refs,) = group_references([member], rules)
    return list(refs[target].dates)
