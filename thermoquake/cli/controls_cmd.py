"""``thermoquake controls``: no-earthquake samples, clear of every earthquake in the catalogue."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict
from pathlib import Path

import click

from thermoquake.atomic import write_text_atomic
from thermoquake.outputs import refuse_outputs_over_inputs
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
    from thermoquake.catalog import read_catalog
    from thermoquake.catalog.schema import events_to_csv
    from thermoquake.cli.catalog_cmd import load_catalog
    from thermoquake.control_years import candidate_years
    from thermoquake.controls import (
        ControlSettings,
        Exclusion,
        Period,
        QuakeIndex,
        controls_to_csv,
        matched_controls,
        random_controls,
        random_year_quotas,
        study_year_balance,
        unmatched_to_csv,
        year_matched_controls,
    )

    refuse_outputs_over_inputs({"--out": out}, {"--events": events_path, "--catalog": catalog_path})
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
    summary = {
        "mode": mode,
        "control_years": control_years,
        "reference_years": f"{reference_years.start}-{reference_years.stop - 1}",
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
    kept, side_files = study, {}
    if mode == "matched":
        if region or start or end:
            raise click.UsageError("--region, --start and --end apply to --mode random only")
        per_event = n if n is not None else 1
        if years is None:
            years = range(coverage.start.year, coverage.end.year + 1)
        if control_years == "any":
            if events_out or unmatched_out:
                raise click.UsageError(
                    "--events-out and --unmatched-out apply to --control-years matched only"
                )
            result = matched_controls(study, quakes, settings, years, per_event * len(study), seed)
            chosen = result.controls
            summary.update(
                years=f"{years.start}-{years.stop - 1}",
                available=result.available,
                events_without_control=result.events_without_control,
            )
        else:
            candidates = candidate_years((e.time.year for e in study), reference_years, years)
            matched = year_matched_controls(study, quakes, settings, candidates, per_event, seed)
            chosen, kept = matched.controls, matched.kept
            stem = str(Path(out).with_suffix(""))
            side_files = {
                events_out or f"{stem}.events.csv": events_to_csv(kept),
                unmatched_out or f"{stem}.unmatched.csv": unmatched_to_csv(matched.unmatched),
            }
            events_file, unmatched_file = side_files
            summary.update(
                years=f"{candidates.start}-{candidates.stop - 1}",
                controls_per_event=per_event,
                quotas={str(y): q for y, q in matched.quotas.items()},
                kept_events=len(kept),
                unmatched=[u.event.event_id for u in matched.unmatched],
                events_out=events_file,
                unmatched_out=unmatched_file,
            )
    else:
        if region is None:
            raise click.UsageError("--mode random needs --region")
        if years is not None:
            raise click.UsageError("--years applies to --mode matched only; use --start/--end")
        if events_out or unmatched_out:
            raise click.UsageError("--events-out and --unmatched-out apply to --mode matched only")
        count = n if n is not None else len(study)
        first = start.date() if start else dt.date(min(e.time.year for e in study), 1, 1)
        last = end.date() if end else dt.date(max(e.time.year for e in study), 12, 31)
        quotas = None
        if control_years == "matched":
            candidates = candidate_years(
                (e.time.year for e in study), reference_years, range(first.year, last.year + 1)
            )
            first = max(first, dt.date(candidates.start, 1, 1))
            last = min(last, dt.date(candidates.stop - 1, 12, 31))
            quotas = random_year_quotas(study, candidates, count)
            summary.update(quotas={str(y): q for y, q in quotas.items()})
        period = Period(first, last)
        chosen = random_controls(region, period, quakes, settings, count, seed, year_quotas=quotas)
        summary.update(region=region.text, period=period.text())
    balance = study_year_balance(kept, chosen, reference_years)
    refuse_outputs_over_inputs({"--events-out / --unmatched-out": list(side_files)},
                               {"--events": events_path, "--catalog": catalog_path})
    write_text_atomic(out, controls_to_csv(chosen))
    for path, text in side_files.items():
        write_text_atomic(path, text)
    summary.update(controls=len(chosen), out=out, balance=asdict(balance))
    if as_json:
        click.echo(json.dumps(summary))
        return
    missing = summary.get("events_without_control") or []
    note = f"; {len(missing)} events have no valid year" if missing else ""
    click.echo(
        f"{len(chosen)} {mode} controls (seed {seed}, {len(quakes)} catalogue events M >= "
        f"{min_mag:g} checked, {exclusion_km:g} km / {exclusion_days:g} days{note}) -> {out}"
    )
    if side_files:
        unmatched = summary["unmatched"]
        click.echo(
            f"{len(kept)} of {len(study)} events get exactly {summary['controls_per_event']} "
            f"each (their list: {summary['events_out']}); {len(unmatched)} unmatched, left out "
            f"(reasons: {summary['unmatched_out']})"
        )
    click.echo(balance.text())
