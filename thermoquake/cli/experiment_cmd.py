"""``thermoquake experiment``: the synthetic benchmark end to end, and the paper's tables."""

from __future__ import annotations

import json
from pathlib import Path

import click

from thermoquake.cli.options import (control_years_option, dry_run_option, make_json_option, make_size_option,
                                     parse_year_range, progress_option, renamed_option, synthetic_world_options,
                                     training_options)
from thermoquake.cli.train_cmd import make_config, print_metrics, train_options
from thermoquake.experiment.synthetic import DATA_MANIFESTS, DEFAULT_CATALOG, DEFAULT_EVENTS
from thermoquake.training.config import TrainConfig


@click.group()
def experiment() -> None:
    """Experiments: a SYNTHETIC benchmark end to end; the paper's Tables 2 and 3."""


@experiment.command("synthetic")
@click.option("--anomaly-k", type=float, required=True,
              help="Warming injected before each event, K (0: the null test).")
@train_options
@click.option("--n-events", "n_events", type=click.IntRange(min=4), default=16, show_default=True,
              help="How many real catalogue events are drawn (each with one matched control).")
@renamed_option("--events", "--n-events", "n_events", type=click.IntRange(min=4))
@make_size_option(default=64, minimum=16)
@click.option("--reference-years", default="2007-2012", show_default=True, metavar="YYYY-YYYY",
              help="Years of tiles: events inside them, controls and the RST reference.")
@click.option("--radius-km", type=float, default=25.0, show_default=True, help="Anomaly e-folding radius, km.")
@click.option("--controls", "controls_mode", type=click.Choice(["matched", "random"]), default="matched",
              show_default=True,
              help="matched: each event's site on the same calendar days of another year; random: random "
                   "places in the events' bounding box (padded by 1 degree) at random times, one per event.")
@control_years_option
@click.option("--paired/--unpaired", default=True, show_default=True,
              help="rst: an event and its controls share one reference (--unpaired: each sample alone).")
@synthetic_world_options
@click.option("--allow-imbalance", is_flag=True,
              help="Train even if events and controls differ clearly (thermoquake balance) in something "
                   "other than the label.")
@click.option("--out", "out_dir", default=None, type=click.Path(file_okay=False, path_type=Path),
              help="Experiment directory: the study, and each model configuration's run under runs/ "
                   "[default: experiments/synthetic-k<K>-w<N>-e<events>-<size>km-<years>-s<seed>].")
@click.option("--metrics-out", "metrics_out", default=None, type=click.Path(dir_okay=False, path_type=Path),
              help="Also write the metrics document (metrics.json schema) to this file.")
@click.option("--json", "json_arg", is_flag=False, flag_value="-", default=None, metavar="",
              help="Print the run and its metrics document as JSON.")
@progress_option
@dry_run_option
def synthetic(anomaly_k, window, model_kind, augment, folds, split, test_from, seed, channels, width, epochs,
              batch_size, learning_rate, gan_steps, gan_width, gan_base, catalog_path, n_events, size, reference_years, radius_km,
              controls_mode, control_years, paired, anomaly_offset_km, anomaly_day_prob, trend_k_per_year,
              interannual_k, allow_imbalance, out_dir, metrics_out, json_arg, progress, overlap_max, dry_run) -> None:
    """Build a SYNTHETIC benchmark and score a model on it, end to end.

    Draws --n-events real catalogue events (data_manifests/events_study.csv) inside
    --reference-years, picks one matched control each (same site and calendar days, another
    year, no M>=5 within 200 km / 30 days in the whole real catalogue), writes synthetic
    MYD11A1 tiles with an --anomaly-k kelvin anomaly on the N-1 days before each event, then
    runs preprocess -> rst -> train -> evaluate. With --anomaly-k 0 nothing distinguishes
    events from controls, so balanced accuracy must be compatible with 0.5.

    A harder world shows what each guard is for: --controls random, --control-years any
    and --unpaired undo guards of the study design; --trend-k-per-year, --interannual-k,
    --anomaly-offset-km and --anomaly-day-prob make the synthetic world less easy.
    """
    from thermoquake.cli.options import parse_year_range
    from thermoquake.experiment.synthetic import (HARDER_DEFAULTS, SyntheticStudy, experiment_run_dir,
                                                  plan_experiment, run_experiment)
    from thermoquake.progress import rough_duration

    as_json = json_arg is not None
    if json_arg not in (None, "-"):     # the earlier --json FILE
        if metrics_out is not None:
            raise click.UsageError("--json FILE is the old form of --metrics-out FILE: give --metrics-out only")
        click.echo("thermoquake: --json FILE is deprecated, use --metrics-out FILE (--json now prints to stdout)",
                   err=True)
        metrics_out, as_json = Path(json_arg), False
    years = parse_year_range(None, None, reference_years)
    config = make_config(window, model_kind, augment, folds, split, test_from, seed, channels, width, epochs,
                         batch_size, learning_rate, gan_steps, final_model=False, gan_width=gan_width,
                         gan_base=gan_base, overlap_max=overlap_max)
    study = SyntheticStudy(anomaly_k=anomaly_k, n_events=n_events, size=size, first_year=years.start,
                           last_year=years.stop - 1, radius_km=radius_km, seed=seed, controls=controls_mode,
                           control_years=control_years, paired=paired, anomaly_offset_km=anomaly_offset_km,
                           anomaly_day_prob=anomaly_day_prob, trend_k_per_year=trend_k_per_year,
                           interannual_k=interannual_k)
    harder = "".join(f"-{k}{v:g}" if isinstance(v, float) else f"-{k}{v}"
                     for k, v in study.record().items() if k in HARDER_DEFAULTS)
    out_dir = out_dir or Path("experiments") / (f"synthetic-k{anomaly_k:g}-w{window}-e{n_events}-{size}km-"
                                                f"{reference_years}-s{seed}{harder}")
    if dry_run:
        plan = plan_experiment(out_dir, study, config, DEFAULT_EVENTS, catalog_path or DEFAULT_CATALOG)
        if as_json:
            click.echo(json.dumps({"dry_run": True, **plan}, sort_keys=True))
            return
        run = plan["training"]
        click.echo(f"dry run (SYNTHETIC): {plan['events']} events and {plan['controls']} controls into {out_dir}, "
                   f"{rough_duration(plan['seconds'])} on CPU for RST and training")
        click.echo(f"  tiles: {len(plan['tiles'])} MODIS tiles ({', '.join(plan['tiles'])}), "
                   f"{plan['tile_files']} tile-day files")
        click.echo(f"  images: {plan['images']} of {plan['size_px']} km ({plan['targets']} targets, "
                   f"{plan['references']} references)")
        click.echo(f"  training: 1 run, {len(run['fits'])} fits x {run['epochs']} epochs on {run['days']} days "
                   f"-> {run['run']}")
        return
    doc = run_experiment(out_dir, study, config, events_csv=DEFAULT_EVENTS, catalog=catalog_path or DEFAULT_CATALOG,
                         allow_imbalance=allow_imbalance, progress=progress, metrics_out=metrics_out)
    print_metrics(doc, experiment_run_dir(out_dir, config), as_json)


@experiment.command("null")
@click.option("--seeds", "n_seeds", type=click.IntRange(min=2), required=True,
              help="Independent 0 K replicates (events, controls, world and network drawn anew).")
@click.option("--first-seed", type=click.IntRange(min=0), default=0, show_default=True,
              help="Seeds are FIRST-SEED .. FIRST-SEED + SEEDS - 1.")
@training_options("window", "model_kind", "channels", "augment", "folds", "overlap_max", "epochs", "width",
                  window=3, channels=("lst", "mask", "retira"), augment="classic", folds=4, epochs=40, width=0.25)
@click.option("--n-events", "n_events", type=click.IntRange(min=4), default=10, show_default=True,
              help="Real catalogue events drawn per seed.")
@make_size_option(default=64, minimum=16)
@click.option("--reference-years", default="2007-2011", show_default=True, metavar="YYYY-YYYY",
              help="Years of tiles: events inside them, controls and the RST reference.")
@click.option("--controls", "controls_mode", type=click.Choice(["matched", "random"]), default="matched",
              show_default=True, help="As for experiment synthetic.")
@control_years_option
@click.option("--paired/--unpaired", default=True, show_default=True,
              help="rst: an event and its controls share one reference (--unpaired: each sample alone).")
@synthetic_world_options
@click.option("--allow-imbalance", is_flag=True,
              help="Train even if events and controls differ clearly (thermoquake balance).")
@click.option("--out", "out_dir", default=None, type=click.Path(file_okay=False, path_type=Path),
              help="Directory for each seed's study and run, and null.json "
                   "[default: experiments/null-w<N>-e<events>-<size>km-<years>].")
@make_json_option("Print the summary as JSON.")
@progress_option
def null(n_seeds, first_seed, window, n_events, size, reference_years, model_kind, channels, augment, folds,
         overlap_max, epochs, width, controls_mode, control_years, paired, anomaly_offset_km, anomaly_day_prob,
         trend_k_per_year, interannual_k, allow_imbalance, out_dir, as_json, progress) -> None:
    """The SYNTHETIC null test with power: the 0 K experiment over --seeds seeds.

    Each seed draws other events and controls, another synthetic world and another network
    start. Prints each seed's balanced accuracy, their mean, spread and 95 % interval, and a
    one-sample t-test of the mean against 0.5 (a benchmark whose mean differs at the 5 %
    level is not at chance). The world and design options are those of experiment
    synthetic, so a confound can be measured with the same power. Writes OUT/null.json.
    """
    from thermoquake.cli.options import parse_year_range
    from thermoquake.experiment.null import run_null
    from thermoquake.experiment.synthetic import HARDER_DEFAULTS, SyntheticStudy

    years = parse_year_range(None, None, reference_years)
    study = SyntheticStudy(anomaly_k=0.0, n_events=n_events, size=size, first_year=years.start,
                           last_year=years.stop - 1, controls=controls_mode, control_years=control_years,
                           paired=paired, anomaly_offset_km=anomaly_offset_km, anomaly_day_prob=anomaly_day_prob,
                           trend_k_per_year=trend_k_per_year, interannual_k=interannual_k)
    config = make_config(window, model_kind, augment, folds, "grouped", None, 0, channels, width,
                         epochs, 8, 1e-3, TrainConfig.gan_steps, final_model=False, overlap_max=overlap_max)
    harder = "".join(f"-{k}{v:g}" if isinstance(v, float) else f"-{k}{v}"
                     for k, v in study.record().items() if k in HARDER_DEFAULTS)
    out_dir = out_dir or Path("experiments") / f"null-w{window}-e{n_events}-{size}km-{reference_years}{harder}"
    show = progress
    seeds = list(range(first_seed, first_seed + n_seeds))

    def report(seed: int, ba: float) -> None:
        if show:
            click.echo(f"seed {seed}: balanced accuracy {ba:.3f} (SYNTHETIC, 0 K)", err=True)

    summary = run_null(out_dir, seeds, study, config, int(window), DEFAULT_EVENTS, DEFAULT_CATALOG, allow_imbalance,
                       progress=report)
    if as_json:
        click.echo(json.dumps(summary.to_dict() | {"out": str(out_dir)}, sort_keys=True))
        return
    click.echo(summary.text())
    click.echo(f"each seed: {out_dir}/seed-<s>; summary: {out_dir / 'null.json'}")


def _reference_counts(ctx: click.Context, param: click.Parameter, value: str) -> tuple[int, ...]:
    try:
        counts = tuple(int(v) for v in value.split(",") if v.strip())
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a comma-separated list of whole numbers") from None
    if not counts or min(counts) < 2:
        raise click.BadParameter(f"{value!r}: each count must be >= 2 (R needs a spread)")
    return counts


@experiment.command("rule-noise")
@click.option("--images", type=click.IntRange(min=1), default=500, show_default=True,
              help="Pure-noise R maps per reference count.")
@click.option("--reference-counts", default="3,5,10", show_default=True, callback=_reference_counts,
              help="Comma-separated reference years per map.")
@make_size_option(default=64, minimum=8)
@click.option("--noise-k", type=click.FloatRange(min=0, min_open=True), default=1.0, show_default=True,
              help="LST noise per pixel, K.")
@click.option("--correlation-km", type=click.FloatRange(min=0), default=0.0, show_default=True,
              help="Spatial correlation length of the noise, km (0: independent pixels).")
@click.option("--seed", type=int, default=0, show_default=True, help="Random seed (same seed, same output).")
@make_json_option("Print the table as JSON.")
def rule_noise(images: int, reference_counts: tuple[int, ...], size: int, noise_k: float, correlation_km: float,
               seed: int, as_json: bool) -> None:
    """The RETIRA baselines on SYNTHETIC pure noise: false alarms and max R.

    Each map is a target day and N reference years of Gaussian LST noise (no cloud, no
    anomaly) made into R by rst's RETIRA, with its sigma floor and without. Prints, per
    reference count, how often the RST rule alarms (one connected region sized against noise
    for the box and reference count; target <= 5 %) and how often the unguarded rule would
    (all R >= 2 pixels against a fixed 150 km2), with 95 % intervals, and the logistic
    baseline's max-R feature (5 %, median, 95 %) without the floor, with it, and clipped.
    """
    from thermoquake.experiment.rule_noise import run_rule_noise

    summary = run_rule_noise(images, reference_counts, size, noise_k, correlation_km, seed)
    click.echo(summary.to_json() if as_json else summary.text())


@experiment.command("time-split")
@click.option("--events", "events_path", type=click.Path(dir_okay=False, exists=True, path_type=Path),
              default=DATA_MANIFESTS / "controls_study_matched.events.csv", show_default="the committed matched study",
              help="Events CSV of the study.")
@click.option("--controls", "controls_path", type=click.Path(dir_okay=False, exists=True, path_type=Path),
              default=DATA_MANIFESTS / "controls_study_matched.csv", show_default="the committed matched controls",
              help="Controls CSV of the study.")
@click.option("--test-from", type=int, required=True, metavar="YEAR", help="The cut: Jan 1 of YEAR.")
@click.option("--window", type=click.Choice(["3", "5", "7", "9"]), default="9", show_default=True,
              help="Forecast window N, days (the N-1 days before each event or control).")
@click.option("--reference-years", default="2003-2016", show_default=True, metavar="YYYY-YYYY",
              callback=parse_year_range, help="The RST reference period (as for preprocess).")
@click.option("--catalog", "catalog_path", type=click.Path(dir_okay=False, exists=True, path_type=Path),
              default=DEFAULT_CATALOG, show_default="the committed catalogue",
              help="Catalogue for rst's reference exclusion.")
@click.option("--exclusion-km", type=click.FloatRange(min=0), default=200.0, show_default=True,
              help="rst: reference days within this distance of an M>=5 quake are left out, km.")
@click.option("--exclusion-days", type=click.IntRange(min=0), default=30, show_default=True,
              help="rst: ... and within this many days of it.")
@click.option("--paired/--unpaired", default=True, show_default=True,
              help="rst: an event and its controls share one reference (--unpaired: each sample alone).")
@make_json_option("Print both splits as JSON.")
def time_split(events_path: Path, controls_path: Path, test_from: int, window: str, reference_years: range,
               catalog_path: Path, exclusion_km: float, exclusion_days: int, paired: bool, as_json: bool) -> None:
    """What a time cut lets through, from the study lists alone (no image).

    Counts, for the split train --split chronological --test-from YEAR makes (after rst
    --exclude-years from YEAR on) and for a naive split by each event's year, the groups on
    each side and left out, the training images (target days and the RST reference days
    behind them) on or after the cut, the test images before it, and the kept groups that
    straddle the cut.
    """
    from thermoquake.dataset.time_audit import audits_json, time_split_audit
    from thermoquake.preprocessing.events import read_events
    from thermoquake.preprocessing.samples import build_samples
    from thermoquake.rst.sequences import catalog_quakes

    samples = build_samples(read_events(events_path), events_path, read_events(controls_path), controls_path)
    audits = time_split_audit(samples, int(window), test_from, reference_years, catalog_quakes(catalog_path),
                              exclusion_km, exclusion_days, paired)
    if as_json:
        click.echo(audits_json(audits))
        return
    click.echo(f"{len(samples)} samples of {events_path.name} and {controls_path.name}")
    click.echo("\n".join(a.text() for a in audits))


@experiment.command("paper-tables")
@click.option("--workdir", required=True, type=click.Path(file_okay=False, exists=True, path_type=Path),
              help="A preprocess workdir with events and controls (after rst), real or synthetic.")
@click.option("--windows", default="3,5,7,9", show_default=True, help="Comma-separated windows.")
@click.option("--augment-with", type=click.Choice(["gan", "classic"]), default="gan", show_default=True,
              help="The augmentation of the 'after' columns.")
@click.option("--runs", "runs_dir", default=None, type=click.Path(file_okay=False, path_type=Path),
              help="Where the runs go (finished runs are reused) [default: WORKDIR/../paper-runs].")
@training_options("seed", "width", "epochs", "gan_steps", "gan_width", "gan_base", "folds", "channels",
                  channels=("lst", "mask"))
@progress_option
@click.option("--dry-run", is_flag=True,
              help="List the runs (finished ones reused), a rough time and where they go; train nothing.")
@make_json_option("Print the tables as JSON.")
def paper_tables(workdir: Path, windows: str, augment_with: str, runs_dir: Path | None, seed: int, width: float,
                 epochs: int, gan_steps: int, gan_width: float, gan_base: str, folds: int, channels: tuple[str, ...],
                 progress: bool | None, dry_run: bool, as_json: bool) -> None:
    """Tables 2 and 3 of the paper in its layout, from our runs, with intervals.

    Table 2: DRSN per window, without -> with augmentation. Table 3: CNN / ResNet / DRSN
    with augmentation. Each cell is a value with its 95 % interval over event groups; balanced
    accuracy and MCC are shown beside the paper's A, A1, A2, and the majority-class
    accuracy, which A must beat to mean anything.
    """
    from thermoquake.experiment.paper_tables import (format_tables, paper_table_configs, plan_paper_tables,
                                                     run_paper_tables)
    from thermoquake.progress import progress_bar, rough_duration

    runs_dir = runs_dir or workdir.parent / "paper-runs"
    wins = [int(w) for w in windows.split(",")]
    base = make_config(str(wins[0]), "drsn", "none", folds, "grouped", None, seed, channels, width, epochs, 8, 1e-3,
                       gan_steps, final_model=False, gan_width=gan_width, gan_base=gan_base)
    configs = paper_table_configs(wins, augment_with, base)
    if dry_run:
        plans = plan_paper_tables(workdir, configs, runs_dir)
        seconds = sum(p["seconds"] for p in plans.values())
        if as_json:
            click.echo(json.dumps({"dry_run": True, "runs": {f"w{w}-{m}-{a}": p for (w, m, a), p in plans.items()},
                                   "seconds": seconds}, sort_keys=True))
            return
        click.echo(f"dry run: {len(plans)} runs into {runs_dir}, {rough_duration(seconds)} on CPU")
        for (w, m, a), p in plans.items():
            todo = len(p["fits"]) - len(p["reused"])
            click.echo(f"  w{w} {m:6s} {a:7s} {todo} of {len(p['fits'])} folds to fit, {p['days']} days -> {p['run']}")
        return
    total = len(configs) * folds * epochs
    with progress_bar(total=total, desc="paper tables", unit="epoch", enabled=False if as_json else progress) as bar:
        docs = run_paper_tables(workdir, configs, runs_dir, on_run=lambda c: bar.set_postfix_str(c.run_name),
                                on_epoch=lambda fit, epoch, logs: bar.update(1))
    if as_json:
        click.echo(json.dumps({f"w{w}-{m}-{a}": d.to_dict() for (w, m, a), d in docs.items()}, sort_keys=True))
        return
    click.echo(format_tables(docs, wins, augment_with))
