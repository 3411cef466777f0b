"""``thermoquake synth``: write SYNTHETIC data (HDF4-EOS MODIS LST tiles) for tests and demos."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import click

from thermoquake.cli.options import (
    progress_option,
    parse_year_range,
    region_option,
    collection_option,
    dry_run_option,
    json_option,
    product_option,
    seed_option,
    size_option,
    synthetic_world_options,
)
from thermoquake.errors import BadRequestError

TILE_RE = re.compile(r"^h(\d{2})v(\d{2})$", re.IGNORECASE)
MAX_FILES = 100_000


@click.group()
def synth() -> None:
    """Write SYNTHETIC data for tests and demos (never mistake it for NASA data).

    Every file is marked synthetic (global attribute thermoquake_synthetic=true,
    SYNTHETIC in its ECS metadata) and comes with a ground-truth sidecar.
    """


@synth.command("tiles")
@click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Directory for the tiles, their .truth.json sidecars and synth_run.json.",
)
@click.option(
    "--tile",
    "tile_names",
    multiple=True,
    metavar="hHHvVV",
    help="A tile to write (repeatable), e.g. h26v05.",
)
@click.option(
    "--around",
    metavar="LAT,LON",
    help="Also write every tile an epicentre box of --size km centred here needs.",
)
@size_option
@click.option("--start", metavar="YYYY-MM-DD", help="First date (with --end; both included).")
@click.option("--end", metavar="YYYY-MM-DD", help="Last date (with --start).")
@click.option(
    "--date",
    "single_dates",
    multiple=True,
    metavar="YYYY-MM-DD",
    help="A date to write (repeatable).",
)
@product_option
@collection_option
@seed_option
@click.option(
    "--cloud-fraction",
    default="0.3",
    show_default=True,
    help="Expected fraction of cloudy pixels, 0..1.",
)
@click.option(
    "--no-swath-gaps",
    is_flag=True,
    help="Observe everything between orbits (no low-latitude gaps).",
)
@click.option(
    "--no-qc-mix",
    is_flag=True,
    help="Give every produced pixel QC 00 (no cloud-edge QA 01 pixels).",
)
@click.option(
    "--anomaly",
    "anomaly_specs",
    multiple=True,
    metavar="LAT,LON,AMP_K,RADIUS_KM,ONSET_DAYS,EVENT_DATE",
    help="Inject a warm anomaly (repeatable): AMP_K kelvin x exp(-(d/RADIUS_KM)^2) "
    "on the ONSET_DAYS "
    "dates before EVENT_DATE (the event day excluded).",
)
@dry_run_option
@json_option
def tiles(
    out_dir: Path,
    tile_names: tuple[str, ...],
    around: str | None,
    size: int,
    start: str | None,
    end: str | None,
    single_dates: tuple[str, ...],
    product: str,
    collection: str,
    seed: int,
    cloud_fraction: str,
    no_swath_gaps: bool,
    no_qc_mix: bool,
    anomaly_specs: tuple[str, ...],
    dry_run: bool,
    as_json: bool,
) -> None:
    """Write SYNTHETIC MODIS daily LST tiles (genuine HDF4-EOS files in the MYD11A1/MOD11A1 layout).

    Night and day LST come from a latitude/season climatology, synthetic terrain
    with a lapse rate, day-to-day weather, clouds (QC bits and fill) and
    low-latitude swath gaps; --anomaly injects pre-earthquake warm anomalies,
    recorded in each tile's <name>.truth.json. The same arguments always give the
    same pixels, and neighbouring tiles join seamlessly. Tiles already complete
    are skipped, so an interrupted run resumes. The output is SYNTHETIC: it is
    labelled so in every file and must never be reported as real data.

    Example: thermoquake synth tiles --out synth --around 31.0,103.4
    --start 2008-04-28 --end 2008-05-12 --anomaly 31.0,103.4,4,40,7,2008-05-12
    """
    from tqdm import tqdm

    from thermoquake.image.grid import EpicentreGrid
    from thermoquake.synth import SynthConfig, parse_anomaly_spec
    from thermoquake.synth.run import plan_run, run_synthetic_tiles

    wanted = [parse_tile(name) for name in tile_names]
    if around is not None:
        lat, lon = parse_lat_lon(around)
        wanted += EpicentreGrid(lat=lat, lon=lon, size=size).tiles()
    dates = parse_dates(start, end, single_dates)
    config = SynthConfig(
        seed=seed,
        cloud_fraction=parse_fraction(cloud_fraction),
        swath_gaps=not no_swath_gaps,
        qc_mix=not no_qc_mix,
    )
    anomalies = [parse_anomaly_spec(spec) for spec in anomaly_specs]
    if len(set(wanted)) * len(set(dates)) > MAX_FILES:
        raise BadRequestError(
            f"{len(set(wanted))} tiles x {len(set(dates))} dates is more than {MAX_FILES} files"
        )

    if dry_run:
        plan = plan_run(
            out_dir,
            product,
            wanted,
            dates,
            config=config,
            anomalies=anomalies,
            collection=collection,
        )
        _report(out_dir, plan, None, as_json, dry_run=True)
        return
    with tqdm(
        total=len(set(wanted)) * len(set(dates)),
        desc="synthetic tiles",
        unit="tile",
        disable=None,
        leave=False,
    ) as bar:
        plan, manifest = run_synthetic_tiles(
            out_dir,
            product,
            wanted,
            dates,
            config=config,
            anomalies=anomalies,
            collection=collection,
            progress=lambda item: bar.update(1),
        )
    _report(out_dir, plan, manifest, as_json, dry_run=False)


def _report(out_dir: Path, plan: list, manifest: Path | None, as_json: bool, dry_run: bool) -> None:
    counts = {
        action: sum(1 for p in plan if p.action == action)
        for action in ("write", "replace", "skip")
    }
    if as_json:
        click.echo(
            json.dumps(
                {
                    "synthetic": True,
                    "dry_run": dry_run,
                    "out": str(out_dir),
                    "manifest": None if manifest is None else str(manifest),
                    "counts": counts,
                    "files": [
                        {
                            "file": p.path.name,
                            "tile": p.tile,
                            "date": p.date.isoformat(),
                            "action": p.action,
                        }
                        for p in plan
                    ],
                },
                sort_keys=True,
            )
        )
        return
    if dry_run:
        for p in plan:
            click.echo(f"{p.action:8s}{p.path}")
        verb = "would write"
    else:
        verb = "wrote"
    click.echo(
        f"{verb} {counts['write']}, replace {counts['replace']}, skip {counts['skip']} (complete) "
        f"SYNTHETIC tile(s) in {out_dir}"
        + ("" if manifest is None else f"; run manifest {manifest}")
    )


def parse_tile(text: str) -> tuple[int, int]:
    """``"h26v05"`` -> ``(26, 5)``; :class:`BadRequestError` if malformed or outside the grid."""
    m = TILE_RE.match(text.strip())
    if m is None:
        raise BadRequestError(f"tile {text!r} is not of the form hHHvVV (e.g. h26v05)")
    h, v = int(m.group(1)), int(m.group(2))
    if not (0 <= h < 36 and 0 <= v < 18):
        raise BadRequestError(f"tile {text!r} is outside the 36 x 18 MODIS grid")
    return h, v


def parse_lat_lon(text: str) -> tuple[float, float]:
    """``"31.0,103.4"`` -> ``(31.0, 103.4)`` degrees."""
    parts = text.split(",")
    try:
        if len(parts) != 2:
            raise ValueError
        return float(parts[0]), float(parts[1])
    except ValueError:
        raise BadRequestError(f"--around {text!r} is not LAT,LON in degrees") from None


def parse_date(text: str, what: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise BadRequestError(f"{what} {text!r} is not a date YYYY-MM-DD") from None


def parse_dates(start: str | None, end: str | None, singles: tuple[str, ...]) -> list[dt.date]:
    """The dates of ``--start``..``--end`` (inclusive) plus every ``--date``, sorted, unique."""
    dates = {parse_date(s, "--date") for s in singles}
    if (start is None) != (end is None):
        raise BadRequestError("--start and --end go together")
    if start is not None and end is not None:
        first, last = parse_date(start, "--start"), parse_date(end, "--end")
        if last < first:
            raise BadRequestError(f"--end {last} is before --start {first}")
        if (last - first).days >= MAX_FILES:
            raise BadRequestError(f"--start..--end spans more than {MAX_FILES} days")
        dates.update(first + dt.timedelta(days=i) for i in range((last - first).days + 1))
    if not dates:
        raise BadRequestError("no dates: give --start and --end, or --date")
    return sorted(dates)


def parse_fraction(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise BadRequestError(f"--cloud-fraction {text!r} is not a number") from None
    if not 0.0 <= value <= 1.0:
        raise BadRequestError(f"--cloud-fraction {value} is outside 0..1")
    return value


@synth.command("study")
@click.option("--events", "events_path", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Events CSV (thermoquake catalog select); each gets an anomaly.")
@click.option("--controls", "controls_path", default=None, type=click.Path(dir_okay=False, path_type=Path),
              help="Controls CSV (thermoquake controls); no anomaly.")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Directory for the tiles (give it to preprocess --hdf-dir).")
@click.option("--days-before", type=click.IntRange(min=1), default=9, show_default=True,
              help="Target days before each event, as preprocess will use.")
@click.option("--reference-years", callback=parse_year_range, default="2003-2016", show_default=True,
              metavar="YYYY-YYYY", help="RST reference years, as preprocess will use.")
@size_option
@product_option
@collection_option
@seed_option
@click.option("--cloud-fraction", default="0.3", show_default=True, help="Expected cloudy fraction, 0..1.")
@click.option("--anomaly-k", type=float, default=3.0, show_default=True,
              help="Warming injected at each event's epicentre, K (0: a null study, no anomaly).")
@click.option("--radius-km", type=click.FloatRange(min=0, min_open=True), default=40.0, show_default=True,
              help="E-folding radius of the anomaly, km.")
@click.option("--onset-days", type=click.IntRange(min=1), default=None,
              help="Days before the event the anomaly is present [default: --days-before].")
@synthetic_world_options
@progress_option
@dry_run_option
@json_option
def study(events_path: Path, controls_path: Path | None, out_dir: Path, days_before: int,
          reference_years: range, size: int, product: str, collection: str, seed: int, cloud_fraction: str,
          anomaly_k: float, radius_km: float, onset_days: int | None, anomaly_offset_km: float,
          anomaly_day_prob: float, trend_k_per_year: float, interannual_k: float, progress: bool | None,
          dry_run: bool, as_json: bool) -> None:
    """Write the SYNTHETIC tiles a study needs: every tile and date that `thermoquake
    preprocess --events EVENTS --controls CONTROLS` with the same --days-before,
    --reference-years and --size will read, with an --anomaly-k warm anomaly before each
    event (controls get none). Only the tile/date pairs the boxes need are written; complete
    tiles are skipped, so an interrupted run resumes. Writes synth_study.json.

    A harder world: --anomaly-offset-km moves each anomaly off its epicentre,
    --anomaly-day-prob drops precursor days, --trend-k-per-year adds a warming trend and
    --interannual-k year-to-year departures (defaults: none of these).
    """
    from thermoquake.synth.study import synthetic_study

    manifest = synthetic_study(events_path, out_dir, controls=controls_path, days_before=days_before,
                               reference_years=reference_years, size=size, product=product, collection=collection,
                               seed=seed, cloud_fraction=parse_fraction(cloud_fraction), anomaly_k=anomaly_k,
                               radius_km=radius_km, onset_days=onset_days, anomaly_offset_km=anomaly_offset_km,
                               anomaly_day_prob=anomaly_day_prob, trend_k_per_year=trend_k_per_year,
                               interannual_k=interannual_k, dry_run=dry_run, progress=progress)
    n_events, n_controls = manifest["events"], manifest["controls"]
    summary = {k: manifest[k] for k in ("files", "already_complete", "written_now", "tiles", "anomaly_k")}
    summary |= {"synthetic": True, "dry_run": dry_run, "out": str(out_dir), "events": n_events,
                "controls": n_controls}
    if as_json:
        click.echo(json.dumps(summary, sort_keys=True))
    else:
        verb = "would write" if dry_run else "wrote"
        click.echo(f"{verb} {summary['files'] - summary['already_complete']} SYNTHETIC tiles "
                   f"({summary['already_complete']} already complete) for {n_events} events and "
                   f"{n_controls} controls in {out_dir}")


@synth.command("region")
@region_option(help="Region LON_MIN,LAT_MIN,LON_MAX,LAT_MAX in degrees (edges included).")
@click.option("--start", required=True, metavar="YYYY-MM-DD", help="First monitored day.")
@click.option("--end", required=True, metavar="YYYY-MM-DD", help="Last monitored day (included).")
@click.option("--reference-years", callback=parse_year_range, default="2003-2016", show_default=True,
              metavar="YYYY-YYYY", help="RST reference years, as monitor will use.")
@click.option("--reference-window-days", type=click.IntRange(0, 182), default=4, show_default=True,
              help="Reference days either side of each calendar day, as monitor will use.")
@click.option("--catalog", "catalog_path", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Earthquake catalogue (real): an anomaly precedes each of its events near the region.")
@click.option("--min-mag", type=float, default=5.0, show_default=True,
              help="Smallest magnitude that gets an anomaly.")
@click.option("--decluster", "decluster_window", type=click.Choice(["gardner-knopoff", "uhrhammer", "none"]),
              default="gardner-knopoff", show_default=True,
              help="Only the main shocks of the declustered catalogue get an anomaly (none: every event; "
                   "overlapping anomalies add up).")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Directory for the tiles (give it to monitor --hdf-dir).")
@product_option
@collection_option
@seed_option
@click.option("--cloud-fraction", default="0.3", show_default=True, help="Expected cloudy fraction, 0..1.")
@click.option("--anomaly-k", type=float, default=3.0, show_default=True,
              help="Warming injected before each event, K (0: no anomaly anywhere).")
@click.option("--radius-km", type=click.FloatRange(min=0, min_open=True), default=40.0, show_default=True,
              help="E-folding radius of the anomaly, km.")
@click.option("--onset-days", type=click.IntRange(min=1), default=7, show_default=True,
              help="Days before each event the anomaly is present.")
@progress_option
@dry_run_option
@json_option
def region(region, start: str, end: str, reference_years: range, reference_window_days: int,
           catalog_path: Path, min_mag: float, decluster_window: str, out_dir: Path, product: str, collection: str, seed: int,
           cloud_fraction: str, anomaly_k: float, radius_km: float, onset_days: int, progress: bool | None,
           dry_run: bool, as_json: bool) -> None:
    """Write the SYNTHETIC tiles of a region: every tile covering it on every day from --start
    to --end and on every reference day `thermoquake monitor` reads for them, with an
    --anomaly-k warm anomaly on the --onset-days days before each --catalog event of
    magnitude >= --min-mag near the region, and none elsewhere. Complete tiles are skipped,
    so an interrupted run resumes. Writes synth_region.json.

    Example: thermoquake synth region --region 84,27,87,29 --start 2015-04-10
    --end 2015-05-20 --reference-years 2012-2014 --catalog cat.csv --anomaly-k 4 --out hdf
    """
    from tqdm import tqdm

    from thermoquake.api import synthetic_region

    if region is None:
        raise click.UsageError("--region is required")
    first, last = parse_date(start, "--start"), parse_date(end, "--end")
    with tqdm(unit="tile", disable=not progress or dry_run, desc="synthetic tiles") as bar:
        summary = synthetic_region(region, first, last, catalog_path, out_dir, reference_years=reference_years,
                                   reference_window_days=reference_window_days, min_mag=min_mag,
                                   decluster_window=decluster_window, product=product, collection=collection,
                                   seed=seed, cloud_fraction=parse_fraction(cloud_fraction), anomaly_k=anomaly_k,
                                   radius_km=radius_km, onset_days=onset_days, dry_run=dry_run,
                                   progress=lambda _: bar.update(1))
    if as_json:
        click.echo(json.dumps(summary, sort_keys=True))
    else:
        verb = "would write" if dry_run else "wrote"
        click.echo(f"{verb} {summary['files'] - summary['already_complete']} SYNTHETIC tiles "
                   f"({summary['already_complete']} already complete; {summary['anomalies']} anomalies "
                   f"of {anomaly_k:g} K) in {out_dir}")


SERVICE_PARENT_ENV = "THERMOQUAKE_SERVICE_PARENT"
"""Set by ``thermoquake run`` for a service stage: the stand-in stops when that process ends."""


@synth.command("nasa-server")
@click.option("--hdf-dir", required=True, type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="Folder of MODIS-named .hdf granules to serve (e.g. from `thermoquake synth study`).")
@click.option("--port", type=click.IntRange(0, 65535), default=0, show_default=True,
              help="TCP port on 127.0.0.1 (0: a free one, printed).")
@click.option("--missing", multiple=True, metavar="NAME",
              help="Withhold this granule (file name or prefix, e.g. MYD11A1.A2008130.h26v05); repeatable.")
@click.option("--bad-checksum", multiple=True, metavar="NAME[:N]",
              help="Serve this granule with one byte changed N times (default 1) before serving it whole; repeatable.")
@click.option("--delay", "delay_s", type=click.FloatRange(min=0.0), default=0.0, show_default=True,
              help="Seconds to wait before answering each granule download.")
def nasa_server(hdf_dir: Path, port: int, missing: tuple[str, ...], bad_checksum: tuple[str, ...],
                delay_s: float) -> None:
    """Serve granules as NASA does, on 127.0.0.1, until interrupted (for tests and the demo).

    One port answers as the LP DAAC Data Pool and CMR's granule search
    (http://127.0.0.1:PORT) and as Earthdata Login (http://localhost:PORT), with the
    throw-away credentials EARTHDATA_USERNAME=demo-user and
    EARTHDATA_PASSWORD=throw-away-password (or EARTHDATA_TOKEN=throw-away-token).
    Point `thermoquake manifest --cmr-url` at the first and EARTHDATA_HOST at the
    second. The first line printed is the URL.
    """
    import logging
    import os
    import signal
    import sys
    import threading

    from thermoquake.testing.nasa import PASSWORD, USERNAME, NasaStandIn

    faults: dict[str, int] = {}
    for item in bad_checksum:
        name, _, times = item.partition(":")
        if not name or (times and not times.isdigit()):
            raise click.BadParameter(f"{item!r} is not NAME or NAME:N", param_hint="--bad-checksum")
        faults[name] = int(times) if times else 1
    logging.basicConfig(level=logging.WARNING, format="%(message)s", stream=sys.stderr)
    server = NasaStandIn(hdf_dir, port, missing=missing, bad_checksum=faults, delay_s=delay_s).start()
    click.echo(server.url, nl=True)
    click.echo(f"NASA stand-in: Data Pool and CMR at {server.url}, Earthdata Login at {server.auth_url} "
               f"(user {USERNAME}, password {PASSWORD}); {len(server.granules)} granules from {hdf_dir}",
               err=True)
    sys.stdout.flush()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    parent = os.environ.get(SERVICE_PARENT_ENV, "")
    watch = parent.isdigit() and int(parent) == os.getppid()
    try:
        while not stop.is_set():
            if watch and os.getppid() != int(parent):
                break                          # the run that started it has gone
            stop.wait(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
