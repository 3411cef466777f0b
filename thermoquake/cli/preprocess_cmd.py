"""``thermoquake preprocess``: every target and RST-reference epicentre image of an events
list, from a directory of MODIS tiles, on dask.distributed."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from thermoquake.cli.options import (parse_year_range, json_option, layer_option, qc_policy_option,
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
@click.option("--size", type=int, default=256, show_default=True, help="Image width and height in 1 km pixels.")
@click.option("--workers", type=click.IntRange(min=0), default=2, show_default=True,
              help="Processes of the local dask cluster; 0 runs in this process (debugging).")
@click.option("--scheduler", default=None, metavar="ADDR",
              help="Use the existing dask.distributed cluster at ADDR instead of a local one.")
@click.option("--dry-run", is_flag=True, help="Check the inputs and print the plan; write nothing.")
@click.option("--progress/--no-progress", default=None, help="Progress bar (default: on a terminal).")
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
    from tqdm import tqdm

    from thermoquake.batch.events import read_events
    from thermoquake.batch.hdf_index import scan_hdf_dir
    from thermoquake.batch.plan import TARGET, plan_images
    from thermoquake.batch.recipes import find_stale_images, remove_images
    from thermoquake.batch.run import execute, make_jobs
    from thermoquake.batch.samples import SAMPLES_FILE, build_samples, write_samples
    from thermoquake.batch.tables import write_tables
    from thermoquake.batch.workdir import (
        FAILURES_FILE, MANIFEST_FILE, METADATA_FILE, check_workdir, prepare_workdir, reference_parameters,
    )
    from thermoquake.dirlock import lock_directory
    from thermoquake.epicentre_grid import EpicentreGrid
    from thermoquake.errors import BadRequestError
    from thermoquake.outputs import refuse_outputs_over_inputs

    written = [workdir] + [workdir / name for name in (METADATA_FILE, MANIFEST_FILE, FAILURES_FILE, SAMPLES_FILE)]
    refuse_outputs_over_inputs({"--out": written},
                               {"--events": events_path, "--controls": controls_path, "--hdf-dir": hdf_dir})
    try:
        EpicentreGrid(0.0, 0.0, size)
    except BadRequestError as err:
        raise click.BadParameter(err.problem, param_hint="--size") from None
    parameters = {"product": product, "layer": layer, "qc_policy": qc_policy, "size": size,
                  "days_before": days_before,
                  "reference_years": [reference_years.start, reference_years.stop - 1]}
    parameters |= reference_parameters(reference_mode, reference_window_days)
    events = read_events(events_path)
    controls = read_events(controls_path) if controls_path is not None else []
    samples = build_samples(events, events_path, controls, controls_path)
    period = {"mode": reference_mode, "window_days": reference_window_days}
    tasks = plan_images(events, days_before, reference_years, size, events_path, **period)
    tasks += plan_images(controls, days_before, reference_years, size, controls_path, **period)
    _check_distinct_sites(tasks, controls_path)
    if not dry_run:   # held until the command ends: one writer per workdir
        click.get_current_context().with_resource(lock_directory(workdir, "workdir"))
    check_workdir(workdir, parameters)
    index = scan_hdf_dir(hdf_dir, product)
    for note in index.notes:
        click.echo(f"note: {note}", err=True)
    workdir = workdir.resolve()
    stale = find_stale_images(tasks, index, workdir, write_cache=not dry_run)
    done = sum((workdir / t.relpath).exists() for t in tasks) - len(stale)
    summary = {"stale": len(stale), "events": len(events), "controls": len(controls), "images": len(tasks),
               "targets": sum(t.role == TARGET for t in tasks),
               "references": sum(t.role != TARGET for t in tasks), "already_done": done}
    if dry_run:
        summary["dates"] = len({t.date for t in tasks})
        _report(summary, as_json, "would make")
        return
    prepare_workdir(workdir, parameters)
    remove_images(workdir, stale)
    write_samples(workdir, samples)
    jobs, failures = make_jobs(tasks, index, workdir, layer, qc_policy)
    show = sys.stderr.isatty() if progress is None else progress
    records, bad = {}, 0
    with tqdm(total=len(tasks), initial=done + len(failures), unit="image", disable=not show) as bar:
        def on_done(result):
            bar.update(result.images)
        results = execute(jobs, workers=workers, scheduler=scheduler, on_done=on_done)
    for result in results:
        records.update(result.records)
        failures.update(result.failures)
        bad += len(result.bad_files)
    written, failed = write_tables(workdir, tasks, records, failures)
    summary |= {"written_now": len(records), "manifest_rows": written, "failure_rows": failed,
                "workdir": str(workdir)}
    _report(summary, as_json, "planned")


def _check_distinct_sites(tasks, source) -> None:
    from thermoquake.errors import ThermoquakeError

    owner: dict[str, str] = {}
    for t in tasks:
        if owner.setdefault(t.site, t.event_id) != t.event_id:
            raise ThermoquakeError(f"ids {owner[t.site]!r} and {t.event_id!r} give the same directory name "
                                   f"{t.site!r}", source)


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
