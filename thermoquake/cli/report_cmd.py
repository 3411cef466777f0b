"""``thermoquake report``: an HTML page (and a PDF) of anomaly maps, run metrics and generated images."""

from __future__ import annotations

import json
from pathlib import Path

import click

from thermoquake.cli.options import dry_run_option, json_option, progress_option, renamed_option


@click.command()
@click.option("--workdir", type=click.Path(file_okay=False, path_type=Path),
              help="Workdir written by thermoquake preprocess (and rst).")
@click.option("--monitor", "monitor_dir", type=click.Path(file_okay=False, path_type=Path),
              help="MONITORDIR written by thermoquake monitor: report it instead of a workdir.")
@click.option("--evaluation", type=click.Path(dir_okay=False, path_type=Path),
              help="With --monitor: the monitor evaluate output (default MONITORDIR/evaluation.json if present).")
@click.option("--event", "events", multiple=True, metavar="ID",
              help="Report only this event or control (event id or site; repeatable). Default: all.")
@click.option("--run", "runs", multiple=True, type=click.Path(file_okay=False, path_type=Path),
              help="A thermoquake train run directory (config.json, metrics.json, predictions.csv); repeatable.")
@click.option("--gan-dir", "augments", multiple=True, type=click.Path(file_okay=False, path_type=Path),
              help="A thermoquake augment generate directory (gate.csv, *.tif, rejected/); repeatable.")
@renamed_option("--augment", "--gan-dir", "augments", multiple=True, type=click.Path(file_okay=False, path_type=Path))
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Directory for index.html, report.pdf and figures/*.png.")
@click.option("--r-threshold", "threshold", type=float, default=None,
              help="R contour level (default: the --r-threshold rst used, else 2).")
@renamed_option("--threshold", "--r-threshold", "threshold", type=float)
@click.option("--pdf/--no-pdf", default=True, show_default=True, help="Also write report.pdf.")
@click.option("--embed/--link", "embed", default=True, show_default=True,
              help="Embed the figures in index.html (one file is the report), or link OUT/figures/*.png "
              "(smaller page for many events; keep the folder whole).")
@click.option("--catalog", "catalogs", multiple=True, type=click.Path(dir_okay=False, exists=True, path_type=Path),
              help="Events or catalogue CSV (event_id; optional place, magnitude, magnitude_type, depth_km) "
              "that titles each event with its place, date, magnitude and depth; repeatable, later files win.")
@progress_option
@dry_run_option
@json_option
def report(workdir: Path | None, monitor_dir: Path | None, evaluation: Path | None, events: tuple[str, ...], runs: tuple[Path, ...], augments: tuple[Path, ...], out: Path,
           threshold: float | None, pdf: bool, embed: bool, catalogs: tuple[Path, ...], progress: bool | None,
           dry_run: bool, as_json: bool) -> None:
    """Write OUT/index.html (self-contained: figures embedded, no network; --link to link them
    instead), OUT/report.pdf and OUT/figures/*.png.

    Per event: the night LST (deg C) and RETIRA map of each day before it, with R >= 2 contours,
    lat/lon axes, the epicentre star and cloud / no data in grey (never as cold); the anomalous
    area per day against what noise alone gives; each run's per-day probabilities and window
    alarm. Per run: the metrics table with 95 % intervals and baselines, confusion matrices,
    ROC curve, Molchan diagram. Per --gan-dir directory: a grid of generated images with the
    RST gate's verdict. Anything made from synthetic data is labelled SYNTHETIC.

    With --monitor MONITORDIR instead of --workdir: per day the LST, RETIRA R and alarm maps
    (small multiples) with the catalogue's earthquakes (--catalog, default the one monitor
    evaluate scored) drawn on their day, the Molchan diagram with its random-guess band, and
    the tables of scores, daily alarms, earthquakes hit or missed and significant sequences.
    """
    from thermoquake.progress import progress_bar, rough_duration
    from thermoquake.report.build import build_report, plan_report

    if (workdir is None) == (monitor_dir is None):
        raise click.UsageError("give either --workdir or --monitor")
    if monitor_dir is not None:
        if events or runs or augments or threshold is not None:
            raise click.UsageError("--event, --run, --augment and --threshold report a workdir, not --monitor "
                                   "(its maps use the monitor's own threshold)")
        _monitor_report(monitor_dir, evaluation, catalogs, out, pdf, embed, progress, dry_run, as_json)
        return
    if evaluation is not None:
        raise click.UsageError("--evaluation goes with --monitor")
    if dry_run:
        plan = plan_report(workdir, out, events, runs, augments, pdf=pdf)
        if as_json:
            click.echo(json.dumps(plan, sort_keys=True))
            return
        click.echo(f"dry run: would report {len(plan['events'])} event(s), {len(plan['runs'])} run(s), "
                   f"{len(plan['augmentations'])} augmentation set(s): {plan['figures']} figures, "
                   f"{rough_duration(plan['seconds'])}")
        for path in plan["writes"]:
            click.echo(f"would write: {path}")
        return
    with progress_bar(desc="report", unit="figure", enabled=progress) as bar:
        summary = build_report(workdir, out, events, runs, augments, pdf=pdf, threshold=threshold,
                               progress=lambda label: (bar.set_postfix_str(label), bar.update(1)), embed=embed,
                               event_files=catalogs)
    if as_json:
        click.echo(json.dumps(summary.as_dict(), sort_keys=True))
        return
    click.echo(f"{'SYNTHETIC ' if summary.synthetic else ''}report of {len(summary.events)} event(s), "
               f"{len(summary.runs)} run(s), {len(summary.augmentations)} augmentation set(s): "
               f"{len(summary.figures)} figures")
    if summary.pdf is not None:
        click.echo(f"pdf: {summary.pdf}")
    click.echo(f"report: {summary.index}")


def _monitor_report(monitor_dir: Path, evaluation: Path | None, catalogs: tuple[Path, ...], out: Path, pdf: bool,
                    embed: bool, progress: bool | None, dry_run: bool, as_json: bool) -> None:
    from thermoquake.progress import progress_bar, rough_duration
    from thermoquake.report.monitor_report import build_monitor_report, plan_monitor_report

    if dry_run:
        plan = plan_monitor_report(monitor_dir, out, evaluation, catalogs, pdf=pdf)
        if as_json:
            click.echo(json.dumps(plan, sort_keys=True))
            return
        click.echo(f"dry run: would report {plan['days']} monitored days: {plan['figures']} figures, "
                   f"{rough_duration(plan['seconds'])}")
        for path in plan["writes"]:
            click.echo(f"would write: {path}")
        return
    with progress_bar(desc="report", unit="figure", enabled=progress) as bar:
        summary = build_monitor_report(monitor_dir, out, evaluation, catalogs, pdf=pdf, embed=embed,
                                       progress=lambda label: (bar.set_postfix_str(label), bar.update(1)))
    if as_json:
        click.echo(json.dumps(summary.as_dict() | {"monitor": str(monitor_dir)}, sort_keys=True))
        return
    click.echo(f"{'SYNTHETIC ' if summary.synthetic else ''}monitor report of {monitor_dir}: "
               f"{len(summary.figures)} figures")
    if summary.pdf is not None:
        click.echo(f"pdf: {summary.pdf}")
    click.echo(f"report: {summary.index}")
