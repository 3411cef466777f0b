"""``thermoquake monitor``: daily RETIRA, anomaly and alarm maps over a region; ``monitor
evaluate`` scores the alarms as a forecast."""

from __future__ import annotations

import json
from pathlib import Path

import click

from thermoquake.cli.options import (
    json_option,
    layer_option,
    parse_year_range,
    qc_policy_option,
    region_option,
)
from thermoquake.monitor.calendar import DEFAULT_WINDOW_DAYS
from thermoquake.rst.retira import DEFAULT_MIN_COUNT, DEFAULT_SIGMA_FLOOR_K


@click.group(invoke_without_command=True)
@region_option(help="Region LON_MIN,LAT_MIN,LON_MAX,LAT_MAX in degrees (edges included).")
@click.option("--start", metavar="YYYY-MM-DD", help="First monitored day.")
@click.option("--end", metavar="YYYY-MM-DD", help="Last monitored day (included).")
@click.option("--hdf-dir", type=click.Path(file_okay=False, path_type=Path),
              help="Directory of MODIS LST tiles (searched recursively).")
@click.option("--reference-years", callback=parse_year_range, default="2003-2016", show_default=True,
              metavar="YYYY-YYYY", help="RST reference years (a monitored day's own year is never used).")
@click.option("--reference-window-days", type=click.IntRange(0, 182), default=DEFAULT_WINDOW_DAYS, show_default=True,
              help="Reference days either side of each calendar day in each reference year.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              help="MONITORDIR: outputs, cached reference statistics and finished days (a rerun resumes).")
@click.option("--catalog", type=click.Path(dir_okay=False, path_type=Path),
              help="Earthquake catalogue: reference pixel-days near its quakes are left out.")
@click.option("--exclusion-km", type=click.FloatRange(min=0), default=200.0, show_default=True,
              help="With --catalog: radius around each quake, km.")
@click.option("--exclusion-days", type=click.IntRange(min=0), default=30, show_default=True,
              help="With --catalog: days before and after each quake.")
@click.option("--exclusion-min-mag", type=float, default=5.0, show_default=True,
              help="With --catalog: smallest magnitude that excludes.")
@click.option("--product", type=click.Choice(["MYD11A1", "MOD11A1"]), default="MYD11A1", show_default=True,
              help="MODIS daily LST product.")
@layer_option
@qc_policy_option
@click.option("--r-threshold", "threshold", type=float, default=2.0, show_default=True,
              help="R threshold of an anomaly (the paper: 2; the RST literature: 3 to 4).")
@click.option("--min-count", type=click.IntRange(min=1), default=DEFAULT_MIN_COUNT, show_default=True,
              help="Fewest clear reference samples for a pixel to get an R value.")
@click.option("--sigma-floor-k", type=click.FloatRange(min=0), default=DEFAULT_SIGMA_FLOOR_K, show_default=True,
              help="Smallest reference sigma R divides by, K (0 = none).")
@click.option("--min-days", type=click.IntRange(min=1), default=2, show_default=True,
              help="Significant sequence: fewest consecutive days.")
@click.option("--max-distance-km", type=click.FloatRange(min=0), default=50.0, show_default=True,
              help="Significant sequence: largest centroid distance between consecutive days, km.")
@click.option("--min-area-km2", type=click.FloatRange(min=0), default=150.0, show_default=True,
              help="Significant sequence: smallest anomalous region, km^2.")
@click.option("--alarm-days", type=click.IntRange(min=1), default=30, show_default=True,
              help="Days an anomalous region of a significant sequence keeps its cells alarmed.")
@click.option("--cell-deg", type=click.FloatRange(min=0, min_open=True, max=180), default=0.5, show_default=True,
              help="Alarm and forecast cell size, degrees; must divide 180.")
@click.option("--min-mag", type=float, default=5.0, show_default=True,
              help="Smallest magnitude the CSEP forecasts are for.")
@click.option("--max-mag", type=float, default=9.0, show_default=True,
              help="Upper edge of the last magnitude bin of the CSEP forecasts.")
@click.option("--mag-bin", type=click.FloatRange(min=0, min_open=True), default=0.1, show_default=True,
              help="Magnitude bin width of the CSEP forecasts.")
@click.option("--block-days", type=click.IntRange(min=1), default=8, show_default=True,
              help="Consecutive days per job.")
@click.option("--block-km", type=click.IntRange(min=1), default=1200, show_default=True,
              help="Side of the square space blocks a day is computed in, km (pixels), on the global "
                   "grid's multiples: a worker holds one block's images. 1200 = one MODIS tile, each tile "
                   "decoded once per block and date; smaller blocks use less memory and decode more.")
@click.option("--workers", type=click.IntRange(min=0), default=2, show_default=True,
              help="Processes of the local dask cluster; 0 runs in this process.")
@click.option("--scheduler", default=None, metavar="ADDR",
              help="Use the existing dask.distributed cluster at ADDR instead of a local one.")
@click.option("--geotiffs/--no-geotiffs", default=True, show_default=True, help="Write the daily GeoTIFFs.")
@click.option("--run", "run_dir", type=click.Path(file_okay=False, exists=True, path_type=Path), default=None,
              help="A run directory written by thermoquake train: its model's alarm per cell and day too "
                   "(the model's box centred on each cell, the run's window of days before).")
@click.option("--dry-run", is_flag=True, help="Print the grid, tiles and days; compute nothing.")
@json_option
@click.pass_context
def monitor(ctx: click.Context, region, start, end, hdf_dir, reference_years, reference_window_days, out_dir,
            catalog, exclusion_km, exclusion_days, exclusion_min_mag, product, layer, qc_policy, threshold,
            min_count, sigma_floor_k, min_days, max_distance_km, min_area_km2, alarm_days, cell_deg, min_mag,
            max_mag, mag_bin, block_days, block_km, workers, scheduler, geotiffs, run_dir, dry_run, as_json) -> None:
    """Daily RETIRA maps of a whole region, Significant Sequences of anomalies and an alarm
    per forecast cell and day, from every tile covering the region on the MODIS sinusoidal
    1 km grid (the product's own pixels, no resampling).

    Writes MONITORDIR/monitor.nc (time, y, x), geotiff/DAY.tif, sequences.csv,
    csep/DAY.dat (CSEP gridded forecasts) and monitor.json; with --run also the model's
    probabilities (model_probability in monitor.nc) and csep_model/. Finished days and reference
    statistics are kept in MONITORDIR: a rerun (or a longer --end) computes only new days.

    Example: thermoquake monitor --region 84,27,87,29 --start 2015-04-10 --end 2015-05-20
    --hdf-dir hdf --reference-years 2012-2014 --out mon
    """
    if ctx.invoked_subcommand is not None:
        return
    from thermoquake.api import monitor_region
    from thermoquake.cli.options import csep_grid

    missing = [name for name, v in (("--region", region), ("--start", start), ("--end", end),
                                    ("--hdf-dir", hdf_dir), ("--out", out_dir)) if v is None]
    if missing:
        raise click.UsageError(f"{', '.join(missing)} required")
    csep_grid(cell_deg, min_mag, max_mag, mag_bin)           # a bad combination is a usage error
    summary = monitor_region(
        region, start, end, hdf_dir, out_dir, reference_years=reference_years,
        reference_window_days=reference_window_days, catalog=catalog, exclusion_km=exclusion_km,
        exclusion_days=exclusion_days, exclusion_min_mag=exclusion_min_mag, product=product, layer=layer,
        qc_policy=qc_policy, threshold=threshold, min_count=min_count, sigma_floor_k=sigma_floor_k,
        min_days=min_days, max_distance_km=max_distance_km, min_area_km2=min_area_km2, alarm_days=alarm_days,
        cell_deg=cell_deg, min_mag=min_mag, max_mag=max_mag, mag_bin=mag_bin, block_days=block_days,
        block_km=block_km, workers=workers, scheduler=scheduler, geotiffs=geotiffs, run=run_dir, dry_run=dry_run)
    if dry_run:
        plan = summary
        grid = plan["grid"]
        click.echo(json.dumps(plan, sort_keys=True) if as_json else
                   f"{plan['days']} days on a {grid['width']} x {grid['height']} pixel grid in {plan['blocks']} "
                   f"block(s) of up to {block_km} km from tiles {', '.join(plan['tiles'])}")
        return
    if as_json:
        click.echo(json.dumps(summary, sort_keys=True))
    else:
        label = " (SYNTHETIC data)" if summary["synthetic"] else ""
        click.echo(f"{summary['days']} days ({summary['computed_days']} computed, {summary['reused_days']} "
                   f"reused; {summary['computed_units']} (day, block) units computed, {summary['reused_units']} "
                   f"reused, {summary['blocks']} block(s)), {summary['sequences']} significant sequences, {summary['alarmed_cell_days']} of "
                   f"{summary['cell_days']} cell-days alarmed{label}; outputs in {out_dir}")
        if summary["model"]:
            m = summary["model"]
            click.echo(f"model {m['dir']}: {m['alarmed_cell_days']} cell-days alarmed (probability >= "
                       f"{m['threshold']:g} on the {m['window']} days before, {m['box_px'][0]} km boxes){label}")


@monitor.command("evaluate")
@click.option("--monitor", "monitor_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="MONITORDIR written by thermoquake monitor.")
@click.option("--catalog", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Earthquake catalogue the alarms are scored against.")
@click.option("--min-mag", type=float, default=5.0, show_default=True, help="Smallest magnitude that counts.")
@click.option("--decluster", "decluster_window", type=click.Choice(["gardner-knopoff", "uhrhammer", "none", "both"]),
              default="both", show_default=True,
              help="Score against the declustered catalogue, the raw one (none), or both.")
@click.option("--alpha", type=click.FloatRange(0, 1, min_open=True, max_open=True), default=0.05, show_default=True,
              help="Significance of the random-guess bands.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the bootstrap and band simulation.")
@click.option("--alarm-source", type=click.Choice(["all", "rst", "model"]), default="all", show_default=True,
              help="Score the RST rule's alarms, the model's (monitor --run), or all the monitor has.")
@click.option("--csep-period-days", type=click.IntRange(min=1), default=None,
              help="Days per period of the pycsep tests (the daily forecasts summed); default: the whole record.")
@json_option
def evaluate(monitor_dir: Path, catalog: Path, min_mag: float, decluster_window: str, alpha: float, seed: int,
             alarm_source: str, csep_period_days: int | None, as_json: bool) -> None:
    """Score the alarm record of MONITORDIR against the earthquakes that followed: Molchan
    diagram over space-time cells (fraction alarmed vs fraction of earthquakes missed), its
    random-guess band, the area skill and its random band, and the probability gain with a
    bootstrap interval; and pycsep's N, S and conditional-likelihood tests of the CSEP
    forecasts summed per period (their magnitudes, not --min-mag; fixed alarm rates, not a
    calibrated rate model); for the declustered and the raw catalogue. Scores the RST rule's
    alarms and, when the monitor ran a model (--run), the model's, by the same measures.
    Writes MONITORDIR/evaluation.json (and evaluation_model.json for the model's alarms);
    with --json prints one line per alarm source.
    """
    from thermoquake.monitor.score import evaluate_monitor

    sources = None if alarm_source == "all" else (alarm_source,)
    evaluations = evaluate_monitor(monitor_dir, catalog, min_mag, decluster_window, alpha, seed, sources,
                                   csep_period_days)
    for source, out in evaluations.items():
        if as_json:
            click.echo(json.dumps(out, sort_keys=True))
        else:
            _echo_evaluation(out, min_mag)


def _echo_evaluation(out: dict, min_mag: float) -> None:
    results = out["scores"]
    alarm_source = out["alarm_source"]
    label = ("SYNTHETIC data: " if out["synthetic"] else "") + ("model alarms, " if alarm_source == "model" else "")
    for r in results:
        for p in r["csep_tests"]:
            n = p["n_test"]
            spatial = " ".join(f"{k[:-5].upper()}-test quantile {p[k]['quantile']:.3f} "
                               f"({'pass' if p[k]['passed'] else 'FAIL'})" for k in ("s_test", "cl_test") if p[k])
            click.echo(f"{label}{r['catalogue']} catalogue, {p['start']}..{p['end']}, M>={p['min_mag']:g}: "
                       f"{p['observed_events']} events, {p['forecast_events']:.3g} forecast; N-test delta1 "
                       f"{n['delta1']:.3g} delta2 {n['delta2']:.3g} ({'pass' if n['passed'] else 'FAIL'}) {spatial}")
        if "error" in r:
            click.echo(f"{label}{r['catalogue']}: {r['error']}")
            continue
        lo, hi = r["area_skill_random_band"]
        glo, ghi = r["probability_gain_interval"]
        click.echo(f"{label}{r['catalogue']} catalogue, M>={min_mag:g}: {r['earthquakes']} earthquakes, "
                   f"{r['hits']} hit; alarm fraction {r['alarm_fraction']:.3f}; area skill {r['area_skill']:.3f} "
                   f"(random {lo:.3f}..{hi:.3f}, {'outside' if r['outside_random_band'] else 'inside'}); "
                   f"probability gain {r['probability_gain']:.2f} ({glo:.2f}..{ghi:.2f})")
