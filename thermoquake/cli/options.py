"""Click options shared by several commands, so that they read the same everywhere."""

from __future__ import annotations

import click

lat_option = click.option("--lat", type=float, required=True, help="Epicentre latitude, degrees north.")
lon_option = click.option("--lon", type=float, required=True, help="Epicentre longitude, degrees east.")
size_option = click.option(
    "--size", type=int, default=256, show_default=True, help="Image width and height in 1 km pixels."
)
layer_option = click.option(
    "--layer",
    type=click.Choice(["LST_Night_1km", "LST_Day_1km"]),
    default="LST_Night_1km",
    show_default=True,
    help="LST layer to read (its QC layer is used for masking).",
)
qc_policy_option = click.option(
    "--qc-policy",
    type=click.Choice(["strict", "paper", "all"]),
    default="paper",
    show_default=True,
    help="strict: mandatory QA 00 only; paper: 00, and 01 with average LST error <= 2 K; "
    "all: every produced value.",
)
json_option = click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON.")


# --- catalogue, controls, manifest and fetch (issue 6) -------------------------------------------


def _parse_region(ctx: click.Context, param: click.Parameter, value: str | None):
    """Click callback: ``LON_MIN,LAT_MIN,LON_MAX,LAT_MAX`` -> a ``Region`` (or None)."""
    if value is None:
        return None
    from thermoquake.catalog.region import Region
    from thermoquake.errors import ThermoquakeError

    try:
        return Region.parse(value)
    except ThermoquakeError as err:
        raise click.BadParameter(err.problem) from None


def parse_year_range(ctx: click.Context, param: click.Parameter, value: str | None):
    """Click callback: ``YYYY-YYYY`` (or one year) -> ``range`` of years, inclusive."""
    if value is None:
        return None
    first, sep, last = value.partition("-")
    try:
        start, stop = int(first), int(last if sep else first)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not YYYY-YYYY") from None
    if not (1900 <= start <= stop <= 2100):
        raise click.BadParameter(f"{value!r} is not an increasing pair of years 1900..2100")
    return range(start, stop + 1)


def region_option(
    name: str = "--region",
    help: str = "Box LON_MIN,LAT_MIN,LON_MAX,LAT_MAX in degrees (edges included).",
):
    """An option taking a lon/lat box (value: a ``Region`` or None)."""
    return click.option(
        name,
        callback=_parse_region,
        metavar="LON_MIN,LAT_MIN,LON_MAX,LAT_MAX",
        default=None,
        help=help,
    )


def year_range_option(name: str, help: str):
    """An option taking ``YYYY-YYYY`` (value: a ``range`` of years, inclusive, or None)."""
    return click.option(
        name, callback=parse_year_range, metavar="YYYY-YYYY", default=None, help=help
    )


catalog_format_option = click.option(
    "--format",
    "fmt",
    type=click.Choice(["auto", "thermoquake", "comcat", "iscgem", "quakeml"]),
    default="auto",
    show_default=True,
    help="Catalogue format; auto recognises it from the header.",
)
min_mag_option = click.option(
    "--min-mag",
    type=float,
    default=5.0,
    show_default=True,
    help="Smallest magnitude that counts (inclusive).",
)
seed_option = click.option(
    "--seed", type=int, default=0, show_default=True, help="Random seed (same seed, same output)."
)
out_csv_option = click.option(
    "--out",
    type=click.Path(dir_okay=False, writable=True),
    required=True,
    help="Output CSV; written atomically (never left half-written).",
)
dry_run_option = click.option(
    "--dry-run", is_flag=True, help="Report what would be done; write or download nothing."
)
skip_bad_rows_option = click.option(
    "--skip-bad-rows",
    is_flag=True,
    help="Drop unusable or duplicate rows (listed on stderr) instead of stopping.",
)


def base_url_option(help: str):
    """``--base-url`` (env ``THERMOQUAKE_DATAPOOL_URL``): root of the LP DAAC Data Pool."""
    return click.option(
        "--base-url", envvar="THERMOQUAKE_DATAPOOL_URL", show_envvar=True, default=None, help=help
    )


# Restored after an accidental overwrite (issue-6 helper): used by `thermoquake synth`.
product_option = click.option(
    "--product",
    default="MYD11A1",
    show_default=True,
    help="MODIS daily LST product: MYD11A1 (Aqua) or MOD11A1 (Terra).",
)
collection_option = click.option(
    "--collection",
    default="061",
    show_default=True,
    help="MODIS collection, three digits (e.g. 006, 061).",
)

study_events_option = click.option(
    "--events",
    "events_path",
    type=click.Path(exists=True, dir_okay=False),
    required=True,
    help="Study events (CSV from `thermoquake catalog select`).",
)

control_years_option = click.option(
    "--control-years",
    type=click.Choice(["matched", "any"]),
    default="matched",
    show_default=True,
    help="matched: control years lie in the events' span inside --reference-years, with the "
    "events' year histogram, and every event gets exactly its controls or is left out "
    "(listed with the reason); any: the earlier design (any catalogue year, round-robin; "
    "random: uniform over the period).",
)


def reference_years_option(help: str, default: str = "2003-2016"):
    """``--reference-years YYYY-YYYY`` (value: a ``range`` of years, inclusive)."""
    return click.option(
        "--reference-years",
        callback=parse_year_range,
        default=default,
        show_default=True,
        metavar="YYYY-YYYY",
        help=help,
    )


def csep_grid_options(f):
    """``--cell-deg``, ``--min-mag``, ``--max-mag``, ``--mag-bin``: the cells and magnitude bins of
    CSEP forecast files (values: ``cell_deg``, ``min_mag``, ``max_mag``, ``mag_bin``; see
    :func:`csep_grid`)."""
    options = [
        click.option("--cell-deg", type=click.FloatRange(min=0, min_open=True, max=180), default=1.0,
                     show_default=True,
                     help="Forecast cell size, degrees; must divide 180 (cells of one global grid, so "
                     "cells of different sites never overlap in part)."),
        click.option("--min-mag", type=float, default=5.0, show_default=True,
                     help="Smallest magnitude the forecasts are for (the study's events')."),
        click.option("--max-mag", type=float, default=9.0, show_default=True,
                     help="Upper edge of the last magnitude bin (pycsep counts larger events in it)."),
        click.option("--mag-bin", type=click.FloatRange(min=0, min_open=True), default=0.1, show_default=True,
                     help="Magnitude bin width; each rate is split over the bins by Gutenberg-Richter, b = 1 "
                     "(--max-mag minus --min-mag: one bin)."),
    ]
    for option in reversed(options):
        f = option(f)
    return f


def csep_grid(cell_deg: float, min_mag: float, max_mag: float, mag_bin: float):
    """``(CellGrid, MagnitudeBins)`` from :func:`csep_grid_options`' values; a bad combination
    is a usage error."""
    from thermoquake.evaluation.csep_files import CellGrid, MagnitudeBins

    try:
        return CellGrid(cell_deg), MagnitudeBins(min_mag, max_mag, mag_bin)
    except ValueError as err:
        raise click.UsageError(str(err)) from None

# --- the RST reference period (manifest, preprocess and rst plan and use the same days) ---------

reference_mode_option = click.option(
    "--reference",
    "reference_mode",
    type=click.Choice(["same-day", "month"]),
    default="same-day",
    show_default=True,
    help="RST reference period in each reference year: the target's calendar day "
    "(+- the window) or its whole calendar month.",
)


def reference_window_option(name: str = "--reference-window-days"):
    """Half-width in days of the same-day reference period (0..182)."""
    return click.option(
        name,
        "reference_window_days",
        type=click.IntRange(0, 182),
        default=0,
        show_default=True,
        help="Widen each same-day reference period by this many days either side.",
    )


# --- the synthetic world (synth study, experiment synthetic) -------------------------------------

def synthetic_world_options(f):
    """``--anomaly-offset-km``, ``--anomaly-day-prob``, ``--trend-k-per-year`` and
    ``--interannual-k``: how hard the SYNTHETIC world is (defaults: today's easy world)."""
    options = [
        click.option("--anomaly-offset-km", type=click.FloatRange(min=0), default=0.0, show_default=True,
                     help="Each anomaly's centre is uniform within this distance of its epicentre, km."),
        click.option("--anomaly-day-prob", type=click.FloatRange(0, 1), default=1.0, show_default=True,
                     help="Each precursor day shows the anomaly with this probability."),
        click.option("--trend-k-per-year", type=float, default=0.0, show_default=True,
                     help="A smooth warming trend, K per year on average (locally 0 to 2 times it), "
                          "counted from 2000."),
        click.option("--interannual-k", type=click.FloatRange(min=0), default=0.0, show_default=True,
                     help="Year-to-year LST departures, K: a field per calendar year whose spread "
                          "varies between surface patches (0 to about 2 times this)."),
    ]
    for option in reversed(options):
        f = option(f)
    return f
