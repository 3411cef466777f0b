"""The RST calendar: a sample's target days and the days of its reference in each reference
year. One definition serves ``manifest`` (:mod:`thermoquake.study.granules`), ``preprocess``
(:mod:`thermoquake.preprocessing.plan`) and ``rst`` (:mod:`thermoquake.rst.reference`), so that the
days fetched, cropped and used are the same days.

Years are counted from the sample (an event or a control) at UTC date ``A``: reference year
``Y`` is the year *offset* ``k = Y - A.year``, and the reference period of a target day ``d``
at offset ``k`` (``mode``):

* ``"same-day"``: the days within ``window_days`` of ``d`` moved by ``k`` years. A
  29 February moved into a common year has no day of its own: its period is the days within
  ``window_days`` of where it would fall (none for ``window_days`` = 0);
* ``"month"``: the whole calendar month of ``d`` moved by ``k`` years (the RST literature's
  practice).

A window that crosses New Year stays one window: the target day 2009-12-31 of a sample dated
2010-01-02 has at offset +2 (reference year 2012) the day 2011-12-31, not 2012-12-31.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable, Sequence

MODES = ("same-day", "month")
MAX_WINDOW_DAYS = 182
"""Largest same-day half-window, days: a longer one would reach into the next reference year."""

_DAYS_PER_YEAR = 365.2425


def check_reference(mode: str, window_days: int) -> None:
    """Raise ``ValueError`` for an unknown ``mode`` or a half-window outside 0..182 days."""
    if mode not in MODES:
        raise ValueError(f"reference mode must be one of {MODES}, got {mode!r}")
    if not 0 <= window_days <= MAX_WINDOW_DAYS:
        raise ValueError(f"reference window must be 0..{MAX_WINDOW_DAYS} days, got {window_days}")


def shift_years(day: dt.date, years: int) -> dt.date | None:
    """``day`` moved by ``years`` calendar years; None for 29 February into a common year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return None


def target_days(anchor: dt.date, days_before: int, include_anchor: bool = False) -> list[tuple[int, dt.date]]:
    """``(days before, date)`` of the target days of a sample at UTC date ``anchor``, nearest
    first: days 1..``days_before`` before it (and day 0, the anchor itself, if asked)."""
    first = 0 if include_anchor else 1
    return [(k, anchor - dt.timedelta(days=k)) for k in range(first, days_before + 1)]


def reference_period(target: dt.date, offset: int, mode: str = "same-day",
                     window_days: int = 0) -> tuple[dt.date, dt.date]:
    """First and last day (inclusive) of the reference period of ``target`` at year ``offset``
    (module doc); first > last when the period is empty (29 February, window 0)."""
    check_reference(mode, window_days)
    year = target.year + offset
    if mode == "month":
        return dt.date(year, target.month, 1), dt.date(year, target.month,
                                                       calendar.monthrange(year, target.month)[1])
    centre = shift_years(target, offset)
    span = dt.timedelta(days=window_days)
    if centre is None:                                 # 29 February in a common year
        return dt.date(year, 3, 1) - span, dt.date(year, 2, 28) + span
    return centre - span, centre + span


def period_days(target: dt.date, offset: int, mode: str = "same-day", window_days: int = 0) -> list[dt.date]:
    """Every day of :func:`reference_period`, oldest first."""
    first, last = reference_period(target, offset, mode, window_days)
    return [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]


def reference_days(targets: Iterable[dt.date], offset: int, mode: str = "same-day",
                   window_days: int = 0) -> list[dt.date]:
    """The days of a sample's reference at year ``offset``: the union of its targets' periods."""
    return sorted({day for t in targets for day in period_days(t, offset, mode, window_days)})


def reference_schedule(targets: Sequence[tuple[int, dt.date]], sample_year: int, years: Iterable[int],
                       mode: str = "same-day", window_days: int = 0,
                       own_year: bool = True) -> list[tuple[int, int, dt.date]]:
    """``(reference year, days before, date)`` of every reference day of a sample dated in
    ``sample_year`` whose target days are ``targets`` (``(days before, date)`` pairs, as
    :func:`target_days` gives them), by year in the order of ``years``, then by the targets'
    order: a day in the periods of several targets belongs to the first. Each day appears once
    per year. ``own_year``: whether the sample's own year is a reference year too."""
    out: list[tuple[int, int, dt.date]] = []
    for year in years:
        if year == sample_year and not own_year:
            continue
        planned: set[dt.date] = set()
        for k, day in targets:
            for ref in period_days(day, year - sample_year, mode, window_days):
                if ref not in planned:
                    planned.add(ref)
                    out.append((year, k, ref))
    return out


def reference_offset(target: dt.date, candidate: dt.date, mode: str = "same-day",
                     window_days: int = 0) -> int | None:
    """The year offset ``k`` at which ``candidate`` lies in the reference period of ``target``,
    or None if it lies in none (offset 0, the target's own period, is returned like any other)."""
    offset = round((candidate - target).days / _DAYS_PER_YEAR)
    first, last = reference_period(target, offset, mode, window_days)
    return offset if first <= candidate <= last else None
