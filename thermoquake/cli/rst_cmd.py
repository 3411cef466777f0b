"""``thermoquake rst``: RETIRA maps and the anomalies table of a preprocess workdir."""

from __future__ import annotations

import json
from pathlib import Path

import click

from thermoquake.cli.options import (dry_run_option, json_option, progress_option, reference_mode_option,
                                     reference_window_option, renamed_option)
from thermoquake.rst.config import RstConfig

RST = RstConfig()   # every default is the configuration's own


def _parse_years(ctx: click.Context, param: click.Parameter, value: str) -> tuple[int, ...]:
    try:
        return tuple(sorted({int(y) for y in value.split(",") if y.strip()}))
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a comma-separated list of years") from None


@click.group(invoke_without_command=True)
@click.option("--workdir", type=click.Path(file_okay=False, path_type=Path),
              help="Workdir written by thermoquake preprocess.")
@click.option("--r-threshold", "threshold", type=float, default=RST.threshold, show_default=True,
              help="R level of an anomaly (the paper: 2; the RST literature: 3 to 4).")
@renamed_option("--threshold", "--r-threshold", "threshold", type=float)
@click.option("--min-count", type=click.IntRange(min=1), default=RST.min_count, show_default=True,
              help="Fewest clear reference samples for a pixel to get an R value.")
@click.option("--sigma-floor-k", type=click.FloatRange(min=0), default=RST.sigma_floor_k, show_default=True,
              help="Smallest reference sigma R divides by, K (about the MODIS night LST retrieval noise; "
                   "0 = none): a nearly constant reference no longer gives huge R.")
@reference_mode_option
@reference_window_option()
@renamed_option("--window-days", "--reference-window-days", "reference_window_days", type=click.IntRange(0, 182))
@click.option("--exclude-years", callback=_parse_years, default="", metavar="YYYY[,YYYY...]",
              help="Years never used as reference (e.g. the test years).")
@click.option("--catalog", type=click.Path(dir_okay=False, path_type=Path),
              help="Earthquake catalogue: leave reference dates near its quakes out of each reference.")
@click.option("--exclusion-km", type=click.FloatRange(min=0), default=RST.exclusion_km, show_default=True,
              help="With --catalog: radius around the site, km.")
@click.option("--exclusion-days", type=click.IntRange(min=0), default=RST.exclusion_days, show_default=True,
              help="With --catalog: days before and after each such quake.")
@click.option("--exclusion-min-mag", type=float, default=RST.exclusion_min_mag, show_default=True,
              help="With --catalog: smallest magnitude that excludes.")
@click.option("--min-days", type=click.IntRange(min=1), default=RST.min_days, show_default=True,
              help="Significant sequence: fewest consecutive days.")
@click.option("--max-distance-km", type=click.FloatRange(min=0), default=RST.max_distance_km, show_default=True,
              help="Significant sequence: largest centroid distance between consecutive days, km.")
@click.option("--min-area-km2", type=click.FloatRange(min=0), default=RST.min_area_km2, show_default=True,
              help="Significant sequence: smallest anomalous region, km^2.")
@click.option("--paired/--unpaired", default=RST.paired, show_default=True,
              help="Build every sample's reference under the exclusions of its whole reference group "
                   "(an event, its matched controls, and the random controls that join it by time), "
                   "so all get the same reference years; --unpaired: each sample alone.")
@progress_option
@dry_run_option
@json_option
@click.pass_context
def rst(ctx: click.Context, workdir: Path | None, threshold: float, min_count: int, sigma_floor_k: float,
        reference_mode: str, reference_window_days: int, exclude_years: tuple[int, ...], catalog: Path | None,
        exclusion_km: float, exclusion_days: int, exclusion_min_mag: float, min_days: int,
        max_distance_km: float, min_area_km2: float, paired: bool, progress: bool | None, dry_run: bool,
        as_json: bool) -> None:
    """Write an R (RETIRA) GeoTIFF beside every target image of WORKDIR, WORKDIR/anomalies.csv
    and WORKDIR/sequences.csv (significant sequences of anomalies).

    R = (dT - mu) / max(sigma, --sigma-floor-k) per pixel, dT = T minus the image's mean over
    clear pixels, mu and sigma (ddof=0) from the same site's reference images of other years
    (whole reference years counted from the sample's own year, the same years for every
    sample of a reference group). Pixels with fewer than --min-count clear reference samples
    get no value (NaN).
    """
    if ctx.invoked_subcommand is not None:
        return
    if workdir is None:
        raise click.UsageError("--workdir is required")
    from thermoquake.progress import progress_bar, rough_duration
    from thermoquake.rst.run import ANOMALIES_FILE, SEQUENCES_FILE, plan_rst, run_rst

    if dry_run:
        plan = plan_rst(workdir)
        if as_json:
            click.echo(json.dumps({"dry_run": True, **plan}, sort_keys=True))
            return
        click.echo(f"dry run: R maps of {plan['targets']} targets from {plan['references']} reference images, "
                   f"{rough_duration(plan['seconds'])}; would write {plan['targets']} *.retira.tif, "
                   f"{workdir / ANOMALIES_FILE} and {workdir / SEQUENCES_FILE}")
        return
    config = RstConfig(threshold=threshold, min_count=min_count, sigma_floor_k=sigma_floor_k,
                       reference_mode=reference_mode, reference_window_days=reference_window_days,
                       exclude_years=exclude_years, paired=paired, exclusion_km=exclusion_km,
                       exclusion_days=exclusion_days, exclusion_min_mag=exclusion_min_mag, min_days=min_days,
                       max_distance_km=max_distance_km, min_area_km2=min_area_km2)
    with progress_bar(desc="rst", unit="image", enabled=False if as_json else progress) as bar:
        summary = run_rst(workdir, config, catalog=catalog, progress=lambda site: bar.update(1))
    data = {"targets": summary.targets, "retira_written": summary.written,
            "targets_with_anomaly": summary.with_anomaly, "threshold": threshold,
            "anomalies_csv": str(summary.anomalies_csv)}
    if as_json:
        click.echo(json.dumps(data, sort_keys=True))
    else:
        click.echo(f"{summary.written} R images written for {summary.targets} targets; "
                   f"{summary.with_anomaly} with R >= {threshold:g} pixels; table {summary.anomalies_csv}")


@rst.command("validate")
@click.option("--real", "real", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="The real epicentre image (GeoTIFF, deg C) of the site and day.")
@click.option("--reference", "reference", multiple=True, required=True, metavar="DIR_OR_GLOB",
              help="The site's real reference images (same calendar period, other years); repeatable.")
@click.option("--set", "sets", multiple=True, required=True, metavar="LABEL=DIR_OR_GLOB",
              help="A named set of generated GeoTIFFs, e.g. dcgan=gen/dcgan; repeatable.")
@click.option("--r-threshold", "threshold", type=float, default=RST.threshold, show_default=True,
              help="R level of an anomaly.")
@renamed_option("--threshold", "--r-threshold", "threshold", type=float)
@click.option("--min-count", type=click.IntRange(min=1), default=RST.min_count, show_default=True,
              help="Fewest clear reference samples for a pixel to get an R value.")
@click.option("--max-eq6-ratio", type=float, default=1.25, show_default=True,
              help="Largest Eq. 6 / real spread.")
@click.option("--max-eq6-over-real", type=float, default=1.25, show_default=True,
              help="The Eq. 6 limit rises to this multiple of the real day's own ratio where larger "
                   "(a day with a strong anomaly scores high itself); 0 = the fixed limit only.")
@click.option("--min-iou", type=float, default=0.3, show_default=True, help="Smallest IoU of R masks.")
@click.option("--max-centroid-km", type=float, default=15.0, show_default=True,
              help="Largest distance between anomaly centroids, km.")
@click.option("--max-mean-diff", type=float, default=2.0, show_default=True, help="Largest |mean diff|, K.")
@click.option("--max-std-diff", type=float, default=1.0, show_default=True, help="Largest |std diff|, K.")
@click.option("--max-hist-distance", type=float, default=2.0, show_default=True,
              help="Largest Wasserstein-1 histogram distance, K.")
@click.option("--max-spectrum-distance", type=float, default=0.5, show_default=True,
              help="Largest RMS log10 radial power difference, decades.")
@json_option
def validate(real: Path, reference: tuple[str, ...], sets: tuple[str, ...], threshold: float, min_count: int,
             max_eq6_ratio: float, max_eq6_over_real: float, min_iou: float, max_centroid_km: float, max_mean_diff: float,
             max_std_diff: float, max_hist_distance: float, max_spectrum_distance: float,
             as_json: bool) -> None:
    """Gate sets of generated images against the REAL image of their day and its RST reference.

    Prints one row per generated image (Eq. 6 in grey levels and over the real spread, IoU
    and centroid distance of the R >= --r-threshold masks, mean/std differences, histogram and
    spectrum distances, verdict), the mean of each set (the paper's Table 1: DCGAN vs
    improved DCGAN), and every rejection reason. No downloaded model is used.
    """
    from thermoquake.rst.gate import GateThresholds
    from thermoquake.rst.validate import format_table, parse_set, rows_as_json, validate_sets

    thresholds = GateThresholds(
        max_eq6_ratio=max_eq6_ratio, max_eq6_over_real=max_eq6_over_real or None, min_iou=min_iou, max_centroid_km=max_centroid_km,
        max_abs_mean_diff_k=max_mean_diff, max_abs_std_diff_k=max_std_diff,
        max_histogram_distance_k=max_hist_distance, max_spectrum_distance=max_spectrum_distance,
        r_threshold=threshold, min_count=min_count)
    rows = validate_sets(real, reference, [parse_set(s) for s in sets], thresholds)
    if as_json:
        click.echo(json.dumps(rows_as_json(rows), sort_keys=True))
    else:
        click.echo(format_table(rows))
