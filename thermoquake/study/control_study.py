"""Controls as a library call: choose no-earthquake control samples for a study's events and
write them (and, with matched years, the events that got their controls) as CSV.

:func:`make_controls` is what ``thermoquake controls`` runs; it raises
:mod:`thermoquake.errors` exceptions and never exits or prints.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from thermoquake.atomic import write_text_atomic
from thermoquake.errors import ConfigurationError
from thermoquake.outputs import refuse_outputs_over_inputs

__all__ = ["ControlsResult", "make_controls"]

PathLike = str | os.PathLike[str]


@dataclass(frozen=True)
class ControlsResult:
    """What :func:`make_controls` chose and wrote.

    ``summary`` holds the JSON-ready settings and counts (``thermoquake controls --json``);
    ``controls`` the chosen controls, ``kept`` the study events that keep their place (all of
    them unless matched years leave some unmatched), ``balance`` the year balance of both classes.
    """

    summary: dict[str, Any]
    controls: list
    kept: list
    balance: Any
    side_files: list[str] = field(default_factory=list)


def make_controls(events: PathLike, catalog: PathLike, out: PathLike, *, mode: str = "matched",
                  n: int | None = None, control_years: str = "matched",
                  reference_years: range = range(2003, 2017), min_mag: float = 5.0,
                  exclusion_km: float = 200.0, exclusion_days: float = 30.0, years: range | None = None,
                  region=None, start: dt.datetime | None = None, end: dt.datetime | None = None,
                  catalog_years: range | None = None, catalog_region=None, seed: int = 0, fmt: str = "auto",
                  skip_bad_rows: bool = False, events_out: PathLike | None = None,
                  unmatched_out: PathLike | None = None,
                  on_note: Callable[[str], None] | None = None) -> ControlsResult:
    """Choose controls clear of every M >= ``min_mag`` quake of ``catalog`` within
    ``exclusion_km`` km and ``exclusion_days`` days, and write them to ``out`` (CSV, atomic).

    ``mode`` is ``"matched"`` (each event's place, another year; ``n`` per event, default 1) or
    ``"random"`` (places in ``region``, a ``Region`` box in degrees, between ``start`` and ``end``
    UTC; ``n`` in all, default one per event). ``control_years="matched"`` keeps control years in
    the events' span inside ``reference_years`` with the events' year histogram; in matched mode
    it also writes ``events_out`` (default OUT with ``.events.csv``: the events that got exactly
    their controls) and ``unmatched_out`` (``.unmatched.csv``: the others, with the reason).
    Deterministic for a ``seed``.

    Raises:
        ConfigurationError: options that do not fit the mode.
        CatalogueError: an unreadable events list or catalogue.
        ThermoquakeError: too few controls exist under these settings (nothing is written).
    """
    from thermoquake.catalog import read_catalog
    from thermoquake.catalog.load import load_catalog
    from thermoquake.catalog.schema import events_to_csv
    from thermoquake.study.control_years import candidate_years
    from thermoquake.study.controls import (
        ControlSettings, Exclusion, Period, QuakeIndex, controls_to_csv, matched_controls, random_controls,
        random_year_quotas, study_year_balance, unmatched_to_csv, year_matched_controls,
    )

    if mode not in ("matched", "random"):
        raise ConfigurationError(f"mode {mode!r} is not matched or random")
    if control_years not in ("matched", "any"):
        raise ConfigurationError(f"control_years {control_years!r} is not matched or any")
    out = os.fspath(out)
    stem = str(Path(out).with_suffix(""))
    side_outputs = ({"events_out": events_out or f"{stem}.events.csv",
                     "unmatched_out": unmatched_out or f"{stem}.unmatched.csv"}
                    if mode == "matched" and control_years == "matched" else {})
    refuse_outputs_over_inputs({"out": out, **side_outputs}, {"events": events, "catalog": catalog})
    exclusion = Exclusion(exclusion_km, exclusion_days)
    study = read_catalog(events, "thermoquake").events
    cat = load_catalog(catalog, fmt, skip_bad_rows, on_note=on_note)
    quakes = QuakeIndex(cat.events + study, min_mag)
    if catalog_years is None:
        coverage = Period.whole_years_of(cat.events)
    else:
        coverage = Period(dt.date(catalog_years.start, 1, 1), dt.date(catalog_years.stop - 1, 12, 31))
    settings = ControlSettings(exclusion, coverage, catalog_region)
    summary: dict[str, Any] = {
        "mode": mode, "control_years": control_years,
        "reference_years": f"{reference_years.start}-{reference_years.stop - 1}", "seed": seed,
        "events": len(study), "catalog": os.fspath(catalog), "catalog_events_checked": len(quakes),
        "min_mag": min_mag, "exclusion_km": exclusion_km, "exclusion_days": exclusion_days,
        "catalog_period": coverage.text(), "catalog_region": catalog_region.text if catalog_region else None,
    }
    kept, side_files = study, {}
    if mode == "matched":
        if region or start or end:
            raise ConfigurationError("--region, --start and --end apply to --mode random only")
        per_event = n if n is not None else 1
        if years is None:
            years = range(coverage.start.year, coverage.end.year + 1)
        if control_years == "any":
            if events_out or unmatched_out:
                raise ConfigurationError("--events-out and --unmatched-out apply to --control-years matched only")
            result = matched_controls(study, quakes, settings, years, per_event * len(study), seed)
            chosen = result.controls
            summary.update(years=f"{years.start}-{years.stop - 1}", available=result.available,
                           events_without_control=result.events_without_control)
        else:
            candidates = candidate_years((e.time.year for e in study), reference_years, years)
            matched = year_matched_controls(study, quakes, settings, candidates, per_event, seed)
            chosen, kept = matched.controls, matched.kept
            side_files = {
                os.fspath(events_out or f"{stem}.events.csv"): events_to_csv(kept),
                os.fspath(unmatched_out or f"{stem}.unmatched.csv"): unmatched_to_csv(matched.unmatched),
            }
            events_file, unmatched_file = side_files
            summary.update(years=f"{candidates.start}-{candidates.stop - 1}", controls_per_event=per_event,
                           quotas={str(y): q for y, q in matched.quotas.items()}, kept_events=len(kept),
                           unmatched=[u.event.event_id for u in matched.unmatched],
                           events_out=events_file, unmatched_out=unmatched_file)
    else:
        if region is None:
            raise ConfigurationError("--mode random needs --region")
        if years is not None:
            raise ConfigurationError("--years applies to --mode matched only; use --start/--end")
        if events_out or unmatched_out:
            raise ConfigurationError("--events-out and --unmatched-out apply to --mode matched only")
        count = n if n is not None else len(study)
        first = start.date() if start else dt.date(min(e.time.year for e in study), 1, 1)
        last = end.date() if end else dt.date(max(e.time.year for e in study), 12, 31)
        quotas = None
        if control_years == "matched":
            candidates = candidate_years((e.time.year for e in study), reference_years,
                                         range(first.year, last.year + 1))
            first = max(first, dt.date(candidates.start, 1, 1))
            last = min(last, dt.date(candidates.stop - 1, 12, 31))
            quotas = random_year_quotas(study, candidates, count)
            summary.update(quotas={str(y): q for y, q in quotas.items()})
        period = Period(first, last)
        chosen = random_controls(region, period, quakes, settings, count, seed, year_quotas=quotas)
        summary.update(region=region.text, period=period.text())
    balance = study_year_balance(kept, chosen, reference_years)
    write_text_atomic(out, controls_to_csv(chosen))
    for path, text in side_files.items():
        write_text_atomic(path, text)
    summary.update(controls=len(chosen), out=out, balance=asdict(balance))
    return ControlsResult(summary, chosen, kept, balance, list(side_files))
