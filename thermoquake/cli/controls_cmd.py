"""``thermoquake controls``: no-earthquake samples, clear of every earthquake in the catalogue."""

from __future__ import annotations

import json

import click

from thermoquake.cli.options import (
    study_events_option,
    catalog_format_option,
    control_years_option,
    json_option,
    min_mag_option,
    out_csv_option,
    reference_years_option,
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
    help="matched: controls per study event, exactly [default: 1] (--control-years any: N x "
    "events in all, round-robin); random: number of controls [default: one per study event].",
)
@control_years_option
@reference_years_option(
    "Years of the RST reference (as for manifest/preprocess): with --control-years matched "
    "every control year lies inside them; the balance report measures against their centre."
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
@click.option(
    "--events-out",
    type=click.Path(dir_okay=False, writable=True),
    default=None,
    help="matched with --control-years matched: the events that got their controls (the "
    "study's events, for preprocess/manifest --events) [default: OUT with .events.csv].",
)
@click.option(
    "--unmatched-out",
    type=click.Path(dir_okay=False, writable=True),
    default=None,
    help="matched with --control-years matched: the events left out, with the reason "
    "[default: OUT with .unmatched.csv].",
)
@json_option
def controls(
    events_path,
    catalog_path,
    fmt,
    mode,
    n,
    control_years,
    reference_years,
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
    events_out,
    unmatched_out,
    as_json,
) -> None:
    """Choose no-earthquake control samples and write them as CSV.

    Columns: control_id, time (UTC, ISO 8601), latitude, longitude (degrees),
    mode, matched_event_id. Each control has no earthquake of M >= --min-mag
    in the whole --catalog within --exclusion-km and --exclusion-days.
    Deterministic for a --seed. If not enough controls exist under these
    settings, nothing is written and the command fails.

    With --control-years matched (default) control years lie in the events' span
    inside --reference-years and follow the events' year histogram. In --mode matched
    every event then gets exactly --n controls, or is unmatched: listed with the reason
    in --unmatched-out and left out of --events-out, the events list to give
    preprocess/manifest --events with these controls. The summary reports the years
    of both classes (span, outside the reference period, mean |year - its centre|).
    """
    from thermoquake.study.control_study import make_controls
    from thermoquake.errors import ConfigurationError

    try:
        result = make_controls(
            events_path, catalog_path, out, mode=mode, n=n, control_years=control_years,
            reference_years=reference_years, min_mag=min_mag, exclusion_km=exclusion_km,
            exclusion_days=exclusion_days, years=years, region=region, start=start, end=end,
            catalog_years=catalog_years, catalog_region=catalog_region, seed=seed, fmt=fmt,
            skip_bad_rows=skip_bad_rows, events_out=events_out, unmatched_out=unmatched_out,
            on_note=lambda line: click.echo(line, err=True),
        )
    except ConfigurationError as err:
        raise click.UsageError(err.problem) from None
    summary, chosen, kept, balance = result.summary, result.controls, result.kept, result.balance
    side_files = result.side_files
    quakes_checked, study_size = summary["catalog_events_checked"], summary["events"]
    if as_json:
        click.echo(json.dumps(summary))
        return
    missing = summary.get("events_without_control") or []
    note = f"; {len(missing)} events have no valid year" if missing else ""
    click.echo(
        f"{len(chosen)} {mode} controls (seed {seed}, {quakes_checked} catalogue events M >= "
        f"{min_mag:g} checked, {exclusion_km:g} km / {exclusion_days:g} days{note}) -> {out}"
    )
    if side_files:
        unmatched = summary["unmatched"]
        click.echo(
            f"{len(kept)} of {study_size} events get exactly {summary['controls_per_event']} "
            f"each (their list: {summary['events_out']}); {len(unmatched)} unmatched, left out "
            f"(reasons: {summary['unmatched_out']})"
        )
    click.echo(balance.text())
