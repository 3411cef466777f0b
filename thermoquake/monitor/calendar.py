"""Which days a monitored day's RST reference is made of.

The reference of a monitored day ``d`` is, in each reference year ``Y`` other than ``d``'s
own, the same calendar day moved to ``Y`` plus and minus ``window_days`` days
(:func:`thermoquake.study.calendar.period_days`, "same-day" mode). A reference day that
falls in the monitored day's own calendar year (a window crossing New Year) is left out too:
the monitored year never enters its own reference.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from thermoquake.study.calendar import period_days

DEFAULT_WINDOW_DAYS = 4
"""Reference days either side of each calendar day, unless told otherwise (``monitor`` and
``manifest --region``)."""


def reference_dates(day: dt.date, reference_years: Iterable[int], window_days: int) -> list[dt.date]:
    """The reference days of monitored ``day`` (module doc), sorted."""
    out: set[dt.date] = set()
    for year in reference_years:
        if year == day.year:
            continue
        out.update(d for d in period_days(day, year - day.year, "same-day", window_days) if d.year != day.year)
    return sorted(out)


def date_range(start: dt.date, end: dt.date) -> list[dt.date]:
    """Every day from ``start`` to ``end``, both included."""
    return [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]
