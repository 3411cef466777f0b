"""``thermoquake controls``: no-earthquake samples, clear of every earthquake in the catalogue."""

from __future__ import annotations

import datetime as dt
import json

import click

from thermoquake.atomic import write_text_atomic
from thermoquake.cli.options import (
    study_events_option,
    catalog_format_option,
    json_option,
    min_mag_option,
    out_csv_option,
    region_option,
    seed_option,
    skip_bad_rows_option,
    year_range_option,
)

DATE = click.DateTime(formats=["%Y-%m-%d"])


@click.command()
@study_events_option
@click.option(
    "--catalog",
    "catalog_path",
    type=click.Path(exists=True, dir_okay=False),
    required=True,
    help="The whole catalogue every control is checked against (not only the study events).",
)
@catalog_format_option
@click.option(
    "--mode",
    type=click.Choice(["matched", "random"]),
    default="matched",
    show_default=True,
    help="matched: study-event sites on the same calendar day of another year; "
    "random: random places in --region at random times (the paper's choice).",
)
@click.option(
    "--n",
    "n",
    type=click.IntRange(min=1),
    default=None,
    help="Number of controls [default: one per study event].",
)
@min_mag_option
@click.option(
    "--exclusion-km",
    type=float,
    default=200.0,
    show_default=True,
    help="No M >= --min-mag earthquake within this distance of a control, km.",
)
@click.option(
    "--exclusion-days",
    type=float,
    default=30.0,
    show_default=True,
    help="... and within this many days before or after it. Keep it >= the image window "
    "(manifest --days-before).",
)
@year_range_option(
    "--years", help="matched: years a control may fall in [default: the catalogue years]."
)
@region_option(
    "--region", help="random: box LON_MIN,LAT_MIN,LON_MAX,LAT_MAX (degrees) to draw places from."
)
@click.option(
    "--start",
    type=DATE,
    default=None,
    metavar="YYYY-MM-DD",
    help="random: first UTC day [default: 1 January of the first study event's year].",
)
@click.option(
    "--end",
    type=DATE,
    default=None,
    metavar="YYYY-MM-DD",
    help="random: last UTC day [default: 31 December of the last study event's year].",
)
@year_range_option(
    "--catalog-years",
    help="Years the catalogue is complete for [default: the years of its first and last "
    "events]; a control's exclusion window must lie inside them.",
)
@region_option(
    "--catalog-region",
    help="Box LON_MIN,LAT_MIN,LON_MAX,LAT_MAX the catalogue is complete for; a control's "
    "exclusion disc must lie inside it (not checked if not given).",
)
@seed_option
@skip_bad_rows_option
@out_csv_option
@json_option
def controls(
    events_path,
    catalog_path,
    fmt,
    mode,
    n,
    min_mag,
    exclusion_km,
    exclusion_days,
    years,
    region,
    start,
    end,
    catalog_years,
    catalog_region,
    seed,
    skip_bad_rows,
    out,
    as_json,
) -> None:
    """Choose no-earthquake control samples and write them as CSV.

    Columns: control_id, time (UTC, ISO 8601), latitude, longitude (degrees),
    mode, matched_event_id. Each control has no earthquake of M >= --min-mag
    in the whole --catalog within --exclusion-km and --exclusion-days.
    Deterministic for a --seed. If not enough controls exist under these
    settings, nothing is written and the command fails.
    """
    from thermoquake.catalog import read_catalog
    from thermoquake.cli.catalog_cmd import load_catalog
    from thermoquake.controls import (
        ControlSettings,
        Exclusion,
        Period,
        QuakeIndex,
        controls_to_csv,
        matched_controls,
        random_controls,
    )

    exclusion = Exclusion(exclusion_km, exclusion_days)
    study = read_catalog(events_path, "thermoquake").events
    cat = load_catalog(catalog_path, fmt, skip_bad_rows)
    quakes = QuakeIndex(cat.events + study, min_mag)
    if catalog_years is None:
        coverage = Period.whole_years_of(cat.events)
    else:
        coverage = Period(
            dt.date(catalog_years.start, 1, 1), dt.date(catalog_years.stop - 1, 12, 31)
        )
    settings = ControlSettings(exclusion, coverage, catalog_region)
    count = n if n is not None else len(study)
    summary = {
        "mode": mode,
        "seed": seed,
        "events": len(study),
        "catalog": catalog_path,
        "catalog_events_checked": len(quakes),
        "min_mag": min_mag,
        "exclusion_km": exclusion_km,
        "exclusion_days": exclusion_days,
        "catalog_period": coverage.text(),
        "catalog_region": catalog_region.text if catalog_region else None,
    }
    if mode == "matched":
        if region or start or end:
            raise click.UsageError("--region, --start and --end apply to --mode random only")
        if years is None:
            years = range(coverage.start.year, coverage.end.year + 1)
        result = matched_controls(study, quakes, settings, years, count, seed)
        chosen = result.controls
        summary.update(
            years=f"{years.start}-{years.stop - 1}",
            available=result.available,
            events_without_control=result.events_without_control,
        )
    else:
        if region is None:
            raise click.UsageError("--mode random needs --region")
        if years is not None:
            raise click.UsageError("--years applies to --mode matched only; use --start/--end")
        first = start.date() if start else dt.date(min(e.time.year for e in study), 1, 1)
        last = end.date() if end else dt.date(max(e.time.year for e in study), 12, 31)
        period = Period(first, last)
        chosen = random_controls(region, period, quakes, settings, count, seed)
        summary.update(region=region.text, period=period.text())
    write_text_atomic(out, controls_to_csv(chosen))
    summary.update(controls=len(chosen), out=out)
    if as_json:
        click.echo(json.dumps(summary))
    else:
        missing = summary.get("events_without_control") or []
        note = f"; {len(missing)} events have no valid year" if missing else ""
        click.echo(
            f"{len(chosen)} {mode} controls (seed {seed}, {len(quakes)} catalogue events M >= "
            f"{min_mag:g} checked, {exclusion_km:g} km / {exclusion_days:g} days{note}) -> {out}"
        )
