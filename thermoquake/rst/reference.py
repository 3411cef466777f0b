"""Which images form the RST reference of a target day.

Two rules (``mode``):

* ``"same-day"``: the same calendar day ``+- window_days`` days (circular across New Year;
  29 February counts as 28 February in non-leap years);
* ``"month"``: the same calendar month (the RST literature's practice, with the same
  overpass: never mix Aqua and Terra in one reference).

Always: every year except the target's own and except ``exclude_years`` (test-set years);
optionally no date inside an ``excluded_periods`` interval (e.g. around an M >= 5 near the
site).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

MODES = ("same-day", "month")


def calendar_distance_days(a: dt.date, b: dt.date) -> int:
    """Days between the calendar days (month, day) of ``a`` and ``b``, ignoring the year, 0..183."""
    def moved(day: dt.date, year: int) -> dt.date:
        try:
            return day.replace(year=year)
        except ValueError:                          # 29 February into a non-leap year
            return dt.date(year, 2, 28)
    return min(abs((moved(a, b.year + k) - b).days) for k in (-1, 0, 1))


def is_reference_date(target: dt.date, candidate: dt.date, mode: str = "same-day", window_days: int = 0,
                      exclude_years: Iterable[int] = (),
                      excluded_periods: Sequence[tuple[dt.date, dt.date]] = ()) -> bool:
    """Whether an image of ``candidate`` may serve in the reference of ``target`` (see module doc)."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
    if window_days < 0:
        raise ValueError(f"window_days must be >= 0, got {window_days}")
    if candidate.year == target.year or candidate.year in set(exclude_years):
        return False
    if any(start <= candidate <= end for start, end in excluded_periods):
        return False
    if mode == "month":
        return candidate.month == target.month
    return calendar_distance_days(target, candidate) <= window_days


def select_reference_dates(target: dt.date, candidates: Iterable[dt.date], mode: str = "same-day",
                           window_days: int = 0, exclude_years: Iterable[int] = (),
                           excluded_periods: Sequence[tuple[dt.date, dt.date]] = ()) -> list[dt.date]:
    """The ``candidates`` that form the reference of ``target``, sorted, without duplicates."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
    exclude = set(exclude_years)
    return sorted({c for c in candidates
                   if is_reference_date(target, c, mode, window_days, exclude, excluded_periods)})
