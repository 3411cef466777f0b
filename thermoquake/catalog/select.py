"""Choose the study events: magnitude, period and region filters, and an optional flag file."""

from __future__ import annotations

import csv
import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from thermoquake.catalog.region import Region
from thermoquake.catalog.schema import CatalogError, Event

if TYPE_CHECKING:
    from collections.abc import Callable

    from thermoquake.catalog.readers import Catalog

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


@dataclass(frozen=True)
class CatalogSelection:
    """What :func:`select_catalog` chose and what happened on the way.

    Attributes:
        events: the selected events, sorted by time.
        catalog: the catalogue as read (``format``, ``problems`` skipped, ``merged`` duplicates,
            ``skipped`` counts of non-earthquake types).
        selection: the magnitude, period and region filters.
        dependents_removed: events the declustering removed (0 without it).
        unflagged: selected events the flag file left out (0 without one).
        out: the events CSV written, or None.
    """

    events: list[Event]
    catalog: Catalog
    selection: Selection
    dependents_removed: int = 0
    unflagged: int = 0
    out: Path | None = None


def select_catalog(catalog: str | os.PathLike[str], out: str | os.PathLike[str] | None = None, *,
                   fmt: str = "auto", min_mag: float = 5.0, start: dt.date | None = None,
                   end: dt.date | None = None, region: Region | str | None = None, decluster: str = "none",
                   linked: bool = False, foreshock_fraction: float = 1.0,
                   flag_file: str | os.PathLike[str] | None = None, flag_column: str = "in_china_coarse",
                   skip_bad_rows: bool = False, on_note: Callable[[str], None] | None = None) -> CatalogSelection:
    """Study events from a catalogue file (what ``thermoquake catalog select`` runs): read it
    (any format :func:`thermoquake.catalog.read_catalog` reads; skipped rows and merged exact
    duplicates go to ``on_note``, default: logged), decluster every event of M >= ``min_mag``
    with the ``decluster`` windows (``"gardner-knopoff"``, ``"uhrhammer"``; ``linked``: removed
    events open windows too; ``foreshock_fraction`` of each window reaches back in time), keep
    those in the period (UTC days ``start``..``end``, inclusive) and ``region`` (degrees), and
    with ``flag_file`` only those whose ``flag_column`` is 1. Written to ``out`` (events CSV,
    atomically) when given; nothing is written if no event is selected.

    Raises:
        CatalogError: an unreadable catalogue, unusable rows (unless ``skip_bad_rows``), no event
            selected.
        ConfigurationError: ``linked`` without ``decluster``.
    """
    from thermoquake.atomic import write_text_atomic
    from thermoquake.catalog.decluster import decluster as run_decluster
    from thermoquake.catalog.load import load_catalog
    from thermoquake.catalog.schema import events_to_csv
    from thermoquake.errors import ConfigurationError
    from thermoquake.outputs import refuse_outputs_over_inputs

    if linked and decluster == "none":
        raise ConfigurationError("linked declustering needs a decluster window")
    if out is not None:
        refuse_outputs_over_inputs({"out": out}, {"catalog": catalog, "flag_file": flag_file})
    if isinstance(region, str):
        region = Region.parse(region)
    selection = Selection(min_mag, start, end, region)
    cat = load_catalog(catalog, fmt, skip_bad_rows, keep=selection.keeps, on_note=on_note)
    pool = [e for e in cat.events if e.magnitude >= min_mag]
    removed = 0
    if decluster != "none" and pool:
        result = run_decluster(pool, decluster, foreshock_fraction=foreshock_fraction, linked=linked)
        removed = len(result.dependents)
        pool = result.mainshocks
    chosen = select_events(pool, selection)
    unflagged = 0
    if flag_file:
        kept = keep_flagged(chosen, read_flags(flag_file, flag_column), flag_file)
        unflagged = len(chosen) - len(kept)
        if not kept:
            raise CatalogError(f"none of the {len(chosen)} selected events has {flag_column} = 1", flag_file)
        chosen = kept
    if out is not None:
        write_text_atomic(out, events_to_csv(chosen))
    return CatalogSelection(chosen, cat, selection, removed, unflagged, None if out is None else Path(out))
