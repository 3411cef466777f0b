"""Choose the study events: magnitude, period and region filters, and an optional flag file."""

from __future__ import annotations

import csv
import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path

from thermoquake.catalog.region import Region
from thermoquake.catalog.schema import CatalogError, Event

UTC = dt.timezone.utc


@dataclass(frozen=True)
class Selection:
    """Which events pass ``select_events``.

    Attributes:
        min_magnitude: smallest magnitude kept (inclusive).
        start: first UTC day kept (from 00:00:00).
        end: last UTC day kept (to 23:59:59.999999).
        region: box the epicentre must lie in (None: anywhere).
    """

    min_magnitude: float
    start: dt.date | None = None
    end: dt.date | None = None
    region: Region | None = None

    def __post_init__(self) -> None:
        if self.start and self.end and self.start > self.end:
            raise CatalogError(f"the period is empty: start {self.start} is after end {self.end}")

    def describe(self) -> str:
        parts = [f"M >= {self.min_magnitude:g}"]
        if self.start or self.end:
            parts.append(f"{self.start or '...'} to {self.end or '...'} UTC")
        if self.region:
            parts.append(f"region {self.region.text}")
        return ", ".join(parts)

    def keeps(self, event: Event) -> bool:
        """True if ``event`` passes every filter."""
        if event.magnitude < self.min_magnitude:
            return False
        day = event.time.astimezone(UTC).date()
        if self.start and day < self.start:
            return False
        if self.end and day > self.end:
            return False
        return self.region is None or self.region.contains(event.latitude, event.longitude)


def select_events(events: list[Event], selection: Selection) -> list[Event]:
    """The events ``selection`` keeps, sorted by time (then id).

    Raises:
        CatalogError: if nothing is selected (the message names the filters).
    """
    chosen = sorted(e for e in events if selection.keeps(e))
    if not chosen:
        raise CatalogError(f"no event matches {selection.describe()}")
    return chosen


def read_flags(path: str | os.PathLike[str], column: str) -> dict[str, bool]:
    """Read ``event_id -> flag`` from a CSV with an ``event_id`` column and a 0/1 ``column``.

    Accepted values: ``1/0``, ``true/false``, ``yes/no`` (any case). Bad values
    and duplicate ids raise :class:`CatalogError` naming the lines.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as err:
        raise CatalogError(f"cannot read the flag file: {err.strerror or err}", path) from None
    reader = csv.DictReader(text.splitlines())
    if (
        reader.fieldnames is None
        or "event_id" not in reader.fieldnames
        or column not in reader.fieldnames
    ):
        raise CatalogError(f"the flag file needs columns event_id and {column}", path)
    flags: dict[str, bool] = {}
    bad: list[str] = []
    for row in reader:
        line = reader.line_num
        value = (row[column] or "").strip().lower()
        if value in ("1", "true", "yes"):
            flag = True
        elif value in ("0", "false", "no"):
            flag = False
        else:
            bad.append(f"line {line}: {column} {value!r} is not 0/1")
            continue
        event_id = (row["event_id"] or "").strip()
        if event_id in flags:
            bad.append(f"line {line}: duplicate event_id {event_id!r}")
            continue
        flags[event_id] = flag
    if bad:
        more = f"; and {len(bad) - 5} more" if len(bad) > 5 else ""
        raise CatalogError(f"{len(bad)} unusable rows: {'; '.join(bad[:5])}{more}", path)
    return flags


def keep_flagged(
    events: list[Event], flags: dict[str, bool], source: str | os.PathLike[str]
) -> list[Event]:
    """The events whose flag is true. Every event must have a flag (else :class:`CatalogError`)."""
    missing = [e.event_id for e in events if e.event_id not in flags]
    if missing:
        shown = ", ".join(missing[:5]) + (
            f" and {len(missing) - 5} more" if len(missing) > 5 else ""
        )
        raise CatalogError(f"{len(missing)} selected events have no flag: {shown}", source)
    return [e for e in events if flags[e.event_id]]
