"""``thermoquake preprocess``: every target and RST-reference epicentre image of an events
list, from a directory of MODIS tiles, on dask.distributed."""

from __future__ import annotations

import json
from pathlib import Path

import click

from thermoquake.cli.options import (progress_option, size_option, parse_year_range, json_option, layer_option, qc_policy_option,
                                     reference_mode_option, reference_window_option)


@click.command()
@click.option("--events", "events_path", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Events CSV (thermoquake catalog select): event_id, time, latitude, longitude, ...")
@click.option("--controls", "controls_path", default=None, type=click.Path(dir_okay=False, path_type=Path),
              help="Controls CSV (thermoquake controls), cropped into the same workdir with label 0.")
@click.option("--hdf-dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Directory searched recursively for MODIS tiles (by file name).")
@click.option("--out", "workdir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Workdir (created; re-running resumes it).")
@click.option("--days-before", type=click.IntRange(min=1), default=9, show_default=True,
              help="Target images for the N days before each event (day 1 = the day before).")
@click.option("--reference-years", callback=parse_year_range, default="2003-2016", show_default=True,
              metavar="YYYY-YYYY", help="Years of the RST reference (the event's own year is left out).")
@reference_mode_option
@reference_window_option()
@click.option("--product", type=click.Choice(["MYD11A1", "MOD11A1"]), default="MYD11A1", show_default=True)
@layer_option
@qc_policy_option
@size_option
@click.option("--workers", type=click.IntRange(min=0), default=2, show_default=True,
              help="Processes of the local dask cluster; 0 runs in this process (debugging).")
@click.option("--scheduler", default=None, metavar="ADDR",
              help="Use the existing dask.distributed cluster at ADDR instead of a local one.")
@click.option("--dry-run", is_flag=True, help="Check the inputs and print the plan; write nothing.")
@progress_option
@json_option
def preprocess(events_path: Path, controls_path: Path | None, hdf_dir: Path, workdir: Path, days_before: int,
               reference_years: range, reference_mode: str, reference_window_days: int,
               product: str, layer: str, qc_policy: str, size: int, workers: int, scheduler: str | None,
               dry_run: bool, progress: bool | None, as_json: bool) -> None:
    """Crop the target and reference epicentre images of every event in EVENTS into WORKDIR.

    For each event: one image per day for the DAYS_BEFORE days before its (UTC) date, and
    the same calendar days (+- --reference-window-days; 29 February is skipped in non-leap
    years), or with --reference month every day of their calendar months, of every reference
    year; years count from the event's own year, so a window across New Year stays one
    window (manifest and rst use the same calendar). Tiles are mosaicked as `thermoquake
    crop` does. WORKDIR gets workdir.json,
    images/<site>/<target|reference>/<date>.tif, manifest.csv and failures.csv (bad files,
    images no tile covers); the batch goes on past bad files. Re-running skips finished
    images; a killed run re-run ends with the same outputs. A bad events file or a workdir
    made with other parameters stops the run before anything is written.

    With --controls, the controls are cropped too and WORKDIR/samples.csv labels every site
    (1 event, 0 control) and groups each matched control with its event, for the classifier.
    """
    from thermoquake.preprocessing.preprocess import preprocess as run_preprocess
    from thermoquake.image.grid import EpicentreGrid
    from thermoquake.errors import BadRequestError
    try:
        EpicentreGrid(0.0, 0.0, size)
    except BadRequestError as err:
        raise click.BadParameter(err.problem, param_hint="--size") from None
    summary = run_preprocess(events_path, hdf_dir, workdir, controls=controls_path, days_before=days_before,
                             reference_years=reference_years, reference_mode=reference_mode,
                             reference_window_days=reference_window_days, product=product, layer=layer,
                             qc_policy=qc_policy, size=size, workers=workers, scheduler=scheduler,
                             dry_run=dry_run, progress=progress,
                             on_note=lambda note: click.echo(f"note: {note}", err=True))
    _report(summary.to_dict(), as_json, "would make" if dry_run else "planned")


def _report(summary: dict, as_json: bool, verb: str) -> None:
    if as_json:
        click.echo(json.dumps(summary, sort_keys=True))
        return
    line = (f"{verb} {summary['images']} images ({summary['targets']} target, "
            f"{summary['references']} reference) for {summary['events']} events"
            + (f" and {summary['controls']} controls" if summary["controls"] else "") + "; "
            f"{summary['already_done']} already done")
    if summary["stale"]:
        line += f"; {summary['stale']} stale (inputs changed) {'to redo' if verb == 'would make' else 'redone'}"
    if "manifest_rows" in summary:
        line += (f"; {summary['written_now']} written now; manifest {summary['manifest_rows']} "
                 f"images, {summary['failure_rows']} failures in {summary['workdir']}")
    click.echo(line)
