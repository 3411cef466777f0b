"""``thermoquake manifest``: the MODIS granules (product, collection, date, tile) a study needs."""

from __future__ import annotations

import json

import click

from thermoquake.atomic import write_text_atomic
from thermoquake.cli.options import (
    make_size_option,
    base_url_option,
    dry_run_option,
    json_option,
    out_csv_option,
    region_option,
    reference_mode_option,
    reference_window_option,
    year_range_option,
)


@click.command()
@click.option(
    "--events",
    "events_path",
    type=click.Path(exists=True, dir_okay=False),
    default=None,
    help="Study events (CSV from `thermoquake catalog select`); or give --region.",
)
@region_option(help="Instead of --events: the region LON_MIN,LAT_MIN,LON_MAX,LAT_MAX `thermoquake monitor` "
               "watches; lists every tile of its grid on each day --start..--end and on their reference days.")
@click.option("--start", metavar="YYYY-MM-DD", default=None, help="With --region: first monitored day.")
@click.option("--end", metavar="YYYY-MM-DD", default=None, help="With --region: last monitored day (included).")
@click.option(
    "--controls",
    "controls_path",
    type=click.Path(exists=True, dir_okay=False),
    default=None,
    help="Controls (CSV from `thermoquake controls`).",
)
@click.option(
    "--days-before",
    type=click.IntRange(min=0),
    default=9,
    show_default=True,
    help="UTC days before each sample's date whose images are needed.",
)
@click.option(
    "--sample-day/--no-sample-day",
    default=False,
    show_default=True,
    help="Also list each sample's own UTC date (its night image may follow the earthquake; "
    "`thermoquake preprocess` uses days 1..N before).",
)
@year_range_option(
    "--reference-years",
    help="Years of the RST reference: the same calendar days in "
    "each of these years [default: 2003-2016].",
)
@reference_mode_option
@reference_window_option()
@click.option(
    "--product",
    type=click.Choice(["MYD11A1", "MOD11A1"]),
    default="MYD11A1",
    show_default=True,
    help="MODIS product (Aqua MYD, Terra MOD; never mix them in one reference).",
)
@click.option(
    "--collection", default="061", show_default=True, help="MODIS collection (three digits)."
)
@make_size_option(dest="size_km", help="Epicentre box width and height, km (= 1 km pixels).")
@click.option(
    "--cmr/--no-cmr",
    "use_cmr",
    default=True,
    show_default=True,
    envvar="THERMOQUAKE_CMR",
    show_envvar=True,
    help="Look every granule up in NASA's catalogue (CMR): its URL, size and checksum go into "
    "the manifest; granules it lacks are listed in --missing-out and left out. "
    "--no-cmr: list Data Pool directories only (fetch then reads their listings).",
)
@click.option(
    "--cmr-url",
    default=None,
    envvar="THERMOQUAKE_CMR_URL",
    show_envvar=True,
    help="Root of the CMR search [default: https://cmr.earthdata.nasa.gov].",
)
@click.option(
    "--missing-out",
    type=click.Path(dir_okay=False),
    default=None,
    help="CSV of the granules the catalogue lacks [default: beside --out, NAME.missing.csv].",
)
@base_url_option(help="Root of the LP DAAC Data Pool [default: https://e4ftl01.cr.usgs.gov].")
@click.option(
    "--granule-mb",
    type=click.FloatRange(min=0.0, min_open=True),
    default=None,
    help="Mean size of one granule for the estimate, MB [default: 3, rough].",
)
@out_csv_option
@dry_run_option
@json_option
def manifest(
    events_path,
    region,
    start,
    end,
    controls_path,
    days_before,
    sample_day,
    reference_years,
    reference_mode,
    reference_window_days,
    product,
    collection,
    size_km,
    use_cmr,
    cmr_url,
    missing_out,
    base_url,
    granule_mb,
    out,
    dry_run,
    as_json,
) -> None:
    """List every granule the events (and controls) need, de-duplicated, as CSV.

    Target days: the --days-before UTC days before each sample's UTC date
    (and that date with --sample-day). Reference days: the same calendar
    days (+- --reference-window-days), or with --reference month the whole
    calendar month, in each --reference-years year, for the RST mean and
    standard deviation; years count from the sample's own year, as in
    preprocess and rst. Tiles: those holding any
    pixel of the sample's box. Columns: product, collection, date, tile,
    directory (LP DAAC Data Pool URL of the date), role
    (target / reference / target+reference), and from NASA's catalogue
    (CMR, with --cmr) url, size (bytes), checksum_type and checksum.

    With --cmr, a granule the catalogue does not have (a day the satellite did
    not deliver) is listed in --missing-out and left out of the manifest; the
    run goes on and says how many. Later stages treat that day as having no
    image (preprocess records it in failures.csv).

    With --region, --start and --end instead of --events: the granules
    `thermoquake monitor` reads for that region and period, every tile of the
    region's grid on each monitored day (target) and on each of their reference
    days (the same calendar days +- --reference-window-days, default 4 as in
    monitor, in every --reference-years year but the monitored day's own).
    Give monitor's --reference-years and --reference-window-days.
    """
    from thermoquake.catalog import read_catalog
    from thermoquake.study.controls import read_controls
    from thermoquake.study.granules import (
        DEFAULT_BASE_URL,
        ESTIMATED_GRANULE_MB,
        ManifestSettings,
        Sample,
        build_manifest,
        manifest_to_csv,
        refuse_manifest_over_inputs,
        write_manifest,
    )

    from pathlib import Path

    if missing_out is None:
        missing_out = str(Path(out).with_name(Path(out).stem + ".missing.csv"))
    refuse_manifest_over_inputs(out, events_path, controls_path, missing_out)    # before a catalogue look-up
    if (events_path is None) == (region is None):
        raise click.UsageError("give either --events or --region (with --start and --end)")
    ctx = click.get_current_context()
    given = {name for name in ("days_before", "sample_day", "size_km", "controls_path", "reference_mode",
                               "reference_window_days", "start", "end")
             if ctx.get_parameter_source(name) == click.core.ParameterSource.COMMANDLINE}
    if region is not None:
        from thermoquake.monitor.calendar import DEFAULT_WINDOW_DAYS

        wrong = sorted(given & {"days_before", "sample_day", "size_km", "controls_path", "reference_mode"})
        if wrong:
            raise click.UsageError(f"--{wrong[0].replace('_path', '').replace('_km', '').replace('_', '-')} "
                                   "does not go with --region")
        if start is None or end is None:
            raise click.UsageError("--region needs --start and --end")
        if "reference_window_days" not in given:
            reference_window_days = DEFAULT_WINDOW_DAYS
    elif given & {"start", "end"}:
        raise click.UsageError("--start and --end go with --region")
    settings = ManifestSettings(
        product=product,
        collection=collection,
        days_before=days_before,
        include_sample_day=sample_day,
        reference_years=reference_years or range(2003, 2017),
        reference_window_days=reference_window_days,
        reference_mode=reference_mode,
        size_km=size_km,
        base_url=base_url or DEFAULT_BASE_URL,
    )
    n_controls = 0
    if region is not None:
        from thermoquake.api import build_region_manifest

        events = []
        rows = build_region_manifest(region, start, end, product=product, collection=collection,
                                     reference_years=settings.reference_years,
                                     reference_window_days=reference_window_days, base_url=base_url)
    else:
        events = read_catalog(events_path, "thermoquake").events
        samples = [Sample(e.event_id, e.time, e.latitude, e.longitude) for e in events]
        if controls_path:
            controls = read_controls(controls_path)
            n_controls = len(controls)
            samples += [Sample(c.control_id, c.time, c.latitude, c.longitude) for c in controls]
        rows = build_manifest(samples, settings)
    needed = len(rows)
    missing: list = []
    if use_cmr:
        from thermoquake.fetch.cmr import DEFAULT_CMR_URL, look_up

        rows, missing = look_up(rows, cmr_url or DEFAULT_CMR_URL)
        if not rows:
            from thermoquake.errors import ThermoquakeError

            raise ThermoquakeError(f"none of the {needed} granules needed is in the catalogue at "
                                   f"{cmr_url or DEFAULT_CMR_URL} (check --product, --collection and "
                                   "the dates)")
    mb = granule_mb or ESTIMATED_GRANULE_MB
    known = [r.size for r in rows if r.size is not None]
    estimated_bytes = sum(known) + (len(rows) - len(known)) * mb * 1e6
    roles = {
        r: sum(1 for row in rows if row.role == r)
        for r in ("target", "reference", "target+reference")
    }
    summary = {
        "region": None if region is None else region.text,
        "events": len(events),
        "controls": n_controls,
        "product": product,
        "collection": collection,
        "granules": len(rows),
        "needed": needed,
        "missing": len(missing),
        "catalogue": (cmr_url or "https://cmr.earthdata.nasa.gov") if use_cmr else None,
        "sizes_from_catalogue": len(known),
        "by_role": roles,
        "dates": len({r.date for r in rows}),
        "tiles": sorted({r.tile for r in rows}),
        "estimated_gb": round(estimated_bytes / 1e9, 3),
        "granule_mb_assumed": mb if len(known) < len(rows) else None,
        "out": None if dry_run else out,
        "missing_out": None if dry_run or not use_cmr else missing_out,
    }
    if not dry_run:
        if use_cmr:
            write_text_atomic(missing_out, manifest_to_csv(missing))
        write_manifest(out, rows, events=events_path, controls=controls_path)
    if as_json:
        click.echo(json.dumps(summary))
    else:
        verb = "would write" if dry_run else "->"
        n_target = roles["target"] + roles["target+reference"]
        n_reference = roles["reference"] + roles["target+reference"]
        if len(known) == len(rows):
            how = "catalogue sizes"
        elif known:
            how = f"catalogue sizes, {mb:g} MB for the {len(rows) - len(known)} without"
        else:
            how = f"{mb:g} MB each"
        click.echo(
            f"{len(rows)} granules of {product}.{collection} ({n_target} target, {n_reference} "
            f"reference; {summary['dates']} dates, {len(summary['tiles'])} tiles), about "
            f"{summary['estimated_gb']:g} GB ({how}) {verb} {out}"
        )
        if missing:
            click.echo(
                f"{len(missing)} of {needed} granules are not in NASA's catalogue: left out, "
                f"listed in {missing_out if not dry_run else '--missing-out'}",
                err=True,
            )
