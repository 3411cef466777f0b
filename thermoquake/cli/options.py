"""Click options shared by several commands, so that they read the same everywhere."""

from __future__ import annotations

import click

lat_option = click.option("--lat", type=float, required=True, help="Epicentre latitude, degrees north.")
lon_option = click.option("--lon", type=float, required=True, help="Epicentre longitude, degrees east.")


def make_size_option(default: int = 256, minimum: int = 1, dest: str = "size",
                     help: str = "Image width and height in 1 km pixels (= km)."):
    """``--size N``: the epicentre image's width and height, 1 km pixels."""
    return click.option("--size", dest, type=click.IntRange(min=minimum), default=default, show_default=True,
                        help=help)


size_option = make_size_option()
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


def make_json_option(help: str = "Print machine-readable JSON."):
    """``--json``: a flag (value ``as_json``); the document goes to stdout."""
    return click.option("--json", "as_json", is_flag=True, help=help)


json_option = make_json_option()


def _resolve_progress(ctx: click.Context, param: click.Parameter, value: bool | None) -> bool:
    from thermoquake.progress import show_progress

    return show_progress(value)


progress_option = click.option(
    "--progress/--no-progress",
    default=None,
    callback=_resolve_progress,
    help="Progress bar on stderr [default: only when stderr is a terminal, never redrawn into a log].",
)


# --- catalogue, controls, manifest and fetch -------------------------------------------------


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


def make_seed_option(default: int = 0, help: str = "Random seed (same seed, same output)."):
    """``--seed N`` (an int)."""
    return click.option("--seed", type=int, default=default, show_default=True, help=help)


seed_option = make_seed_option()
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


# MODIS product and collection: used by `thermoquake synth`.
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


def reference_window_option():
    """``--reference-window-days``: half-width in days of the same-day reference period (0..182)."""
    return click.option(
        "--reference-window-days",
        "reference_window_days",
        type=click.IntRange(0, 182),
        default=0,
        show_default=True,
        help="Widen each same-day reference period by this many days either side.",
    )


# --- a training run (train, experiment synthetic, experiment paper-tables) ---------------------


def _channels(ctx: click.Context, param: click.Parameter, value: str | tuple[str, ...]) -> tuple[str, ...]:
    if isinstance(value, tuple):
        return value
    return tuple(c.strip() for c in value.split(",") if c.strip())


def _training_option(name: str, default):
    from thermoquake.dataset.windows import WINDOWS
    from thermoquake.training.config import AUGMENTATIONS, GAN_BASES, MODEL_KINDS, SPLITS

    positive = click.FloatRange(min=0, min_open=True)
    if name == "window":
        # no default=None beside required=True: click then takes None as given and never asks
        given = {} if default is None else {"default": str(default)}
        return click.option("--window", type=click.Choice([str(w) for w in WINDOWS]), required=default is None,
                            help="Forecast window N, days (N-1 images).", **given)
    if name == "model_kind":
        return click.option("--model", "model_kind", type=click.Choice(MODEL_KINDS), default=default,
                            show_default=True, help="Classifier architecture.")
    if name == "augment":
        return click.option("--augment", type=click.Choice(AUGMENTATIONS), default=default, show_default=True,
                            help="Augmentation kind; fitted and applied inside each training fold only.")
    if name == "folds":
        return click.option("--folds", type=click.IntRange(min=2), default=default, show_default=True,
                            help="K folds grouped by event (a matched control stays with its event) and by "
                                 "spatial cluster (--overlap-max).")
    if name == "overlap_max":
        return click.option("--overlap-max", type=click.FloatRange(0, 1), default=default, show_default=True,
                            help="Epicentre boxes overlapping by more than this fraction of their area share a "
                                 "fold group, transitively (0: any overlap; 1: folds by event only).")
    if name == "split":
        return click.option("--split", type=click.Choice(SPLITS), default=default, show_default=True)
    if name == "test_from":
        return click.option("--test-from", type=int, default=default, metavar="YEAR",
                            help="chronological: cut at Jan 1 of YEAR; training target and RST reference days "
                                 "before it, test target days after; groups across the cut are left out.")
    if name == "seed":
        return make_seed_option(default)
    if name == "channels":
        return click.option("--channels", callback=_channels, default=",".join(default), show_default=True,
                            help="Model inputs: lst (deg C minus the image mean, scaled), mask (validity), "
                                 "retira (R; needs thermoquake rst). --augment gan takes lst,mask.")
    if name == "width":
        return click.option("--width", type=positive, default=default, show_default=True,
                            help="Network channel multiplier (1.0 = full size; small for CPUs).")
    if name == "epochs":
        return click.option("--epochs", type=click.IntRange(min=1), default=default, show_default=True)
    if name == "batch_size":
        return click.option("--batch-size", type=click.IntRange(min=1), default=default, show_default=True)
    if name == "learning_rate":
        return click.option("--learning-rate", type=positive, default=default, show_default=True)
    if name == "gan_steps":
        return click.option("--gan-steps", type=click.IntRange(min=1), default=default, show_default=True,
                            help="--augment gan: training steps of each per-class GAN.")
    if name == "gan_width":
        return click.option("--gan-width", type=positive, default=default, show_default=True,
                            help="--augment gan: channel multiplier of each per-class GAN (1.0 = the paper's).")
    if name == "gan_base":
        return gan_base_option(default)
    if name == "catalog_path":
        from pathlib import Path

        return click.option("--catalog", "catalog_path", default=default,
                            type=click.Path(dir_okay=False, path_type=Path),
                            help="Catalogue for the clustering baseline (alarm after a recent nearby quake).")
    raise KeyError(name)


TRAINING_OPTIONS = ("window", "model_kind", "augment", "folds", "overlap_max", "split", "test_from", "seed",
                    "channels", "width", "epochs", "batch_size", "learning_rate", "gan_steps", "gan_width",
                    "gan_base", "catalog_path")
"""The options of a training run, by parameter name, in ``--help`` order."""


def training_options(*names: str, **defaults):
    """A decorator adding the training options ``names`` (default: all of
    :data:`TRAINING_OPTIONS`) with :class:`~thermoquake.training.config.TrainConfig`'s defaults,
    or those given in ``defaults`` (by parameter name; ``window=None`` makes it required).
    Every command that takes a training option takes it from here, with the same type."""
    from thermoquake.training.config import TrainConfig

    names = names or TRAINING_OPTIONS
    unknown = (set(names) | set(defaults)) - set(TRAINING_OPTIONS)
    if unknown:
        raise KeyError(f"not training options: {sorted(unknown)}")
    config_field = {"model_kind": "model", "catalog_path": None, "window": None}

    def default_of(name: str):
        if name in defaults:
            return defaults[name]
        field = config_field.get(name, name)
        return None if field is None else getattr(TrainConfig, field)

    def decorate(f):
        for name in reversed(names):
            f = _training_option(name, default_of(name))(f)
        return f

    return decorate


def gan_base_option(default: str = "none"):
    """``--gan-base none|site``: how the GAN encodes temperature. none: the paper's GAN on whole
    images; site: the GAN learns departures from each training site's mean field, added back
    per site."""
    return click.option("--gan-base", type=click.Choice(["none", "site"]), default=default, show_default=True,
                        help="How the GAN encodes temperature: none = the paper's GAN on whole images; "
                             "site = departures from each training site's mean field, added back per site.")


# --- old option names, kept hidden for one release ------------------------------------------------


def renamed_option(old: str, new: str, dest: str, convert=None, required: bool = False, **option_kwargs):
    """A hidden ``old`` option that sets the parameter ``dest`` of the option now called ``new``,
    with a deprecation note on stderr. ``convert`` maps an old value to the new option's value
    set; ``option_kwargs`` (type, multiple...) describe the old option. Giving both names is a
    usage error. Place it anywhere in the command's decorator stack below ``@click.command``.
    ``required``: one of the two names must be given (declare ``new`` itself not required, so
    that the old name alone is accepted)."""
    import functools

    hidden_name = f"_renamed_{dest}_{old.lstrip('-').replace('-', '_')}"

    def decorate(f):
        @functools.wraps(f)
        def wrapper(*args, **kwargs):
            value = kwargs.pop(hidden_name, None)
            if value is None or value == ():
                if required and kwargs.get(dest) is None:
                    raise click.MissingParameter(param_hint=f"'{new}'", param_type="option")
                return f(*args, **kwargs)
            ctx = click.get_current_context()
            source = ctx.get_parameter_source(dest)
            if source is not None and source.name not in ("DEFAULT", "DEFAULT_MAP"):
                raise click.UsageError(f"{old} is the old name of {new}: give {new} only")
            click.echo(f"thermoquake: {old} is deprecated, use {new}", err=True)
            kwargs[dest] = convert(value) if convert is not None else value
            return f(*args, **kwargs)

        return click.option(old, hidden_name, hidden=True, default=None, **option_kwargs)(wrapper)

    return decorate


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
