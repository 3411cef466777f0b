"""``thermoquake catalog``: read earthquake catalogues into one schema and select study events."""

from __future__ import annotations

import json

import click

from thermoquake.cli.options import (
    catalog_format_option,
    json_option,
    min_mag_option,
    out_csv_option,
    region_option,
    skip_bad_rows_option,
)

DATE = click.DateTime(formats=["%Y-%m-%d"])


@click.group()
def catalog() -> None:
    """Earthquake catalogues: USGS ComCat CSV, ISC-GEM CSV, thermoquake CSV, QuakeML (ObsPy)."""


@catalog.command()
@click.option(
    "--catalog",
    "catalog_path",
    type=click.Path(exists=True, dir_okay=False),
    required=True,
    help="Catalogue file.",
)
@catalog_format_option
@min_mag_option
@click.option(
    "--start",
    type=DATE,
    default=None,
    metavar="YYYY-MM-DD",
    help="First UTC day, YYYY-MM-DD (inclusive).",
)
@click.option(
    "--end",
    type=DATE,
    default=None,
    metavar="YYYY-MM-DD",
    help="Last UTC day, YYYY-MM-DD (inclusive).",
)
@region_option()
@click.option(
    "--decluster",
    type=click.Choice(["none", "gardner-knopoff", "uhrhammer"]),
    default="none",
    show_default=True,
    help="Remove fore- and aftershocks with these space-time windows (run on all events "
    ">= --min-mag in the file, before the period and region are applied).",
)
@click.option(
    "--linked",
    is_flag=True,
    help="With --decluster: every removed event opens its own window too, so sequences "
    "along long ruptures (Wenchuan 2008) are gathered into one cluster.",
)
@click.option(
    "--foreshock-fraction",
    type=click.FloatRange(0.0, 1.0),
    default=1.0,
    show_default=True,
    help="With --decluster: the window reaches back this fraction of its length in time.",
)
@click.option(
    "--flag-file",
    type=click.Path(exists=True, dir_okay=False),
    default=None,
    help="CSV with event_id and a 0/1 column; keep only events flagged 1.",
)
@click.option(
    "--flag-column",
    default="in_china_coarse",
    show_default=True,
    help="With --flag-file: the 0/1 column to use.",
)
@skip_bad_rows_option
@out_csv_option
@json_option
def select(
    catalog_path,
    fmt,
    min_mag,
    start,
    end,
    region,
    decluster,
    linked,
    foreshock_fraction,
    flag_file,
    flag_column,
    skip_bad_rows,
    out,
    as_json,
) -> None:
    """Select events (M >= --min-mag, in a period and region) from a catalogue into one schema.

    Writes CSV columns event_id, time (UTC, ISO 8601), latitude, longitude
    (degrees), depth_km, magnitude, magnitude_type, sorted by time, with the
    catalogue's own values. Exact duplicates (one event under two ids, every
    other value equal) are merged with a note. Unusable rows (malformed,
    missing or out-of-range values, conflicting duplicates of a selected event)
    stop the command with their line numbers, unless --skip-bad-rows. Nothing
    is written if no event is selected.
    """
    from thermoquake.catalog.select import select_catalog

    if linked and decluster == "none":
        raise click.UsageError("--linked needs --decluster")
    picked = select_catalog(catalog_path, out, fmt=fmt, min_mag=min_mag, start=start.date() if start else None,
                             end=end.date() if end else None, region=region, decluster=decluster, linked=linked,
                             foreshock_fraction=foreshock_fraction, flag_file=flag_file, flag_column=flag_column,
                             skip_bad_rows=skip_bad_rows, on_note=lambda line: click.echo(line, err=True))
    cat, selection, chosen = picked.catalog, picked.selection, picked.events
    removed, unflagged = picked.dependents_removed, picked.unflagged
    summary = {
        "catalog": catalog_path,
        "format": cat.format,
        "read": len(cat.events) + len(cat.problems) + len(cat.merged),
        "bad_rows_skipped": [str(p) for p in cat.problems],
        "duplicates_merged": [str(m) for m in cat.merged],
        "left_out_by_type": cat.skipped,
        "selection": selection.describe(),
        "declustering": None
        if decluster == "none"
        else {
            "window": decluster,
            "linked": linked,
            "foreshock_fraction": foreshock_fraction,
            "dependent_events_removed": removed,
        },
        "flag": None
        if not flag_file
        else {"file": flag_file, "column": flag_column, "left_out": unflagged},
        "selected": len(chosen),
        "out": out,
    }
    if as_json:
        click.echo(json.dumps(summary))
    else:
        extra = (
            f", {removed} dependent events removed ({decluster}{' linked' if linked else ''})"
            if removed
            else ""
        )
        flagged = f", {unflagged} left out by {flag_column}" if flag_file else ""
        click.echo(
            f"{len(chosen)} events ({selection.describe()}{extra}{flagged}) "
            f"from {catalog_path} [{cat.format}] -> {out}"
        )
