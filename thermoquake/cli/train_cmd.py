"""``thermoquake train``, ``evaluate`` and ``predict``: the classifier per forecast window."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import click

from thermoquake.cli.options import (csep_grid, csep_grid_options, dry_run_option, json_option, progress_option,
                                     renamed_option, training_options)
from thermoquake.training.config import TrainConfig

if TYPE_CHECKING:
    from thermoquake.evaluation.document import MetricsDocument

train_options = training_options()
"""The options of a training run, shared by ``train`` and ``experiment synthetic``."""


def make_config(window, model_kind, augment, folds, split, test_from, seed, channels, width, epochs,
                batch_size, learning_rate, gan_steps, final_model: bool = True,
                gan_width: float = TrainConfig.gan_width, gan_base: str = TrainConfig.gan_base,
                threshold: float = TrainConfig.threshold,
                overlap_max: float = TrainConfig.overlap_max) -> TrainConfig:
    return TrainConfig(window=int(window), model=model_kind, augment=augment, folds=folds, split=split,
                       test_from=test_from, seed=seed, channels=channels, width=width, epochs=epochs,
                       batch_size=batch_size, learning_rate=learning_rate, gan_steps=gan_steps, gan_width=gan_width,
                       gan_base=gan_base, threshold=threshold, final_model=final_model, overlap_max=overlap_max)


def load_quakes(catalog_path: Path | None):
    if catalog_path is None:
        return None
    from thermoquake.catalog import read_catalog

    return read_catalog(catalog_path).events


@click.command()
@click.option("--workdir", required=True, type=click.Path(file_okay=False, exists=True, path_type=Path),
              help="A preprocess workdir with events and controls (preprocess --controls), after rst.")
@train_options
@click.option("--out", "out_dir", default=None, type=click.Path(file_okay=False, path_type=Path),
              help="Run directory [default: models/w<N>-<model>-<augment>-s<seed>].")
@click.option("--threshold", type=click.FloatRange(0, 1), default=TrainConfig.threshold, show_default=True,
              help="Probability at or above which a day is an alarm, fixed before evaluation: metrics.json, "
                   "evaluate and predict use it.")
@click.option("--no-final-model", is_flag=True,
              help="Skip the final model (model.keras: fitted on all days like each fold, for predict).")
@click.option("--gan-cache", default=None, type=click.Path(file_okay=False, path_type=Path),
              help="Keep --augment gan's per-fold GANs here, named by their training data, so runs of "
                   "other models on the same folds reuse them [default: inside the run directory].")
@progress_option
@click.option("--allow-imbalance", is_flag=True,
              help="Train even if events and controls differ clearly (thermoquake balance) in something "
                   "other than the label.")
@dry_run_option
@json_option
def train(workdir: Path, window, model_kind, augment, folds, split, test_from, seed, channels, width, epochs,
          batch_size, learning_rate, gan_steps, gan_width, gan_base, catalog_path, out_dir, threshold, no_final_model,
          gan_cache, progress, allow_imbalance, dry_run, as_json, overlap_max) -> None:
    """Train and cross-validate one classifier for one forecast window.

    The images of the N-1 days before each event are positives, the same days of each
    control negatives. Folds are grouped by event and overlapping boxes; normalisation, augmentation and the
    network are fitted on each training fold only, and the out-of-fold predictions are
    scored with intervals over event groups, beside the majority/chance baselines and the
    non-deep baselines (logistic regression on RETIRA features, RST rule, climatology,
    clustering with --catalog). Writes config.json, predictions.csv, metrics.json and the
    final model.keras, fitted on all days by the same procedure (augmentation included).
    Re-running resumes finished folds. First compares the classes (thermoquake balance) and
    refuses a clearly imbalanced study unless --allow-imbalance; metrics.json carries that
    report under "balance".
    """
    from thermoquake.progress import progress_bar, rough_duration

    config = make_config(window, model_kind, augment, folds, split, test_from, seed, channels, width, epochs,
                         batch_size, learning_rate, gan_steps, not no_final_model, gan_width, gan_base, threshold,
                         overlap_max=overlap_max)
    out_dir = out_dir or Path("models") / config.run_name
    if dry_run:
        from thermoquake.training.run import plan_training

        plan = plan_training(workdir, config, out_dir, gan_cache=gan_cache, catalog=catalog_path)
        if as_json:
            click.echo(json.dumps({"dry_run": True, **plan}, sort_keys=True))
            return
        click.echo(f"dry run: {config.run_name} on {plan['days']} days ({plan['events']} events, "
                   f"{plan['controls']} controls): {len(plan['fits'])} fits ({', '.join(plan['fits'])}) of "
                   f"{plan['epochs']} epochs, {len(plan['reused'])} already done; "
                   f"{rough_duration(plan['seconds'])} on CPU")
        from thermoquake.dataset.splits import split_text

        if split_text(plan["split_summary"]):
            click.echo(split_text(plan["split_summary"]))
        for path in plan["writes"]:
            click.echo(f"would write: {path}")
        return
    from thermoquake.training.run import train_window

    n = (1 if split == "chronological" else folds) + (0 if no_final_model else 1)
    with progress_bar(total=n * epochs, unit="epoch", desc=config.run_name, enabled=progress) as bar:
        def on_epoch(fit: str, epoch: int, logs: dict) -> None:
            bar.set_postfix_str(f"{fit} loss {logs.get('loss', float('nan')):.3f}")
            bar.update(1)

        result = train_window(workdir, config, out_dir, load_quakes(catalog_path), gan_cache=gan_cache,
                              allow_imbalance=allow_imbalance, on_epoch=on_epoch, catalog=catalog_path)
    print_metrics(result.metrics, out_dir, as_json)


def print_metrics(doc: MetricsDocument, out_dir: Path, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps({"run": str(out_dir), "metrics": doc.to_dict()}, sort_keys=True))
        return
    from thermoquake.dataset.splits import split_text
    from thermoquake.evaluation.table import format_metrics

    click.echo(format_metrics(doc))
    if split_text(doc.split_summary or {}):
        click.echo(split_text(doc.split_summary))
    click.echo(f"run: {out_dir}")


@click.command()
@click.option("--run", "run_dir", required=True, type=click.Path(file_okay=False, exists=True, path_type=Path),
              help="A run directory written by thermoquake train.")
@click.option("--threshold", type=click.FloatRange(0, 1), default=None,
              help="Probability at or above which a day is an alarm [default: the run's, fixed before "
                   "evaluation]. Another value is marked as chosen after evaluation.")
@click.option("--bootstrap", "n_boot", type=click.IntRange(min=10), default=1000, show_default=True,
              help="Bootstrap resamples of events for the intervals.")
@click.option("--pycsep-dir", default=None, type=click.Path(file_okay=False, path_type=Path),
              help="Also write the predictions as forecasts pycsep reads: DIR/gridded/*.dat (CSEP gridded, "
                   "one per forecast period), DIR/temporal/<site>.csv, DIR/forecasts.json (see README).")
@csep_grid_options
@click.option("--alarms-csv", default=None, type=click.Path(dir_okay=False, path_type=Path),
              help="Also write the alarms as one flat CSV table with each prediction's forecast period "
                   "(for people; pycsep reads --pycsep-dir).")
@json_option
def evaluate(run_dir: Path, threshold: float | None, n_boot: int, pycsep_dir: Path | None, cell_deg: float,
             min_mag: float, max_mag: float, mag_bin: float, alarms_csv: Path | None, as_json: bool) -> None:
    """Score a run's out-of-fold predictions again (another threshold or bootstrap size) and
    print the metrics with their intervals and baselines. No TensorFlow needed."""
    from thermoquake.evaluation.rescore import refuse_exports_over_run, rescore_run, write_alarm_forecast_csv

    grid, mags = csep_grid(cell_deg, min_mag, max_mag, mag_bin)
    refuse_exports_over_run(run_dir, alarms_csv, pycsep_dir)          # before rescoring
    doc = rescore_run(run_dir, threshold, n_boot)
    if alarms_csv is not None:
        write_alarm_forecast_csv(run_dir, alarms_csv, doc.threshold, min_mag=min_mag)
    if pycsep_dir is not None:
        from thermoquake.evaluation.pycsep_export import export_pycsep

        index = export_pycsep(run_dir, pycsep_dir, doc.threshold, grid, mags)
        click.echo(f"pycsep forecasts: {len(index['gridded'])} gridded, {len(index['temporal'])} temporal "
                   f"in {pycsep_dir}", err=True)
    print_metrics(doc, run_dir, as_json)
    _note_threshold(doc.threshold_source, doc.threshold, doc.threshold_fixed)


def _note_threshold(source: str | None, threshold: float | None, fixed: float | None) -> None:
    from thermoquake.evaluation.threshold import THRESHOLD_AFTER, after_evaluation_note

    if source == THRESHOLD_AFTER:
        click.echo(after_evaluation_note(threshold, fixed), err=True)


@click.command()
@click.option("--run", "model_dir", type=click.Path(file_okay=False, exists=True, path_type=Path),
              help="A run directory with model.keras (thermoquake train).  [required]")
@renamed_option("--model", "--run", "model_dir", required=True,
                type=click.Path(file_okay=False, exists=True, path_type=Path))
@click.argument("images", nargs=-1, required=True, type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--threshold", type=click.FloatRange(0, 1), default=None,
              help="Alarm threshold [default: the run's, fixed before evaluation].")
@json_option
def predict(model_dir: Path, images: tuple[Path, ...], threshold: float | None, as_json: bool) -> None:
    """Per-day probabilities that an earthquake follows, for epicentre IMAGES (GeoTIFF, deg C)
    of one site, and the window alarm (any day >= --threshold). A model with a RETIRA
    channel reads <date>.retira.tif beside each image."""
    from thermoquake.training.predict import predict_images

    result = predict_images(model_dir, list(images), threshold)
    if as_json:
        click.echo(json.dumps(result, sort_keys=True))
        _note_threshold(result.get("threshold_source"), result.get("threshold"), result.get("threshold_fixed"))
        return
    for row in result["days"]:
        click.echo(f"{row['image']}\t{row['prob']:.4f}\t{'ALARM' if row['alarm'] else '-'}")
    tag = " (SYNTHETIC images)" if result["synthetic"] else ""
    click.echo(f"window alarm: {'yes' if result['window_alarm'] else 'no'} "
               f"(max {result['max_prob']:.4f}, threshold {result['threshold']:g}){tag}")
    _note_threshold(result.get("threshold_source"), result.get("threshold"), result.get("threshold_fixed"))
