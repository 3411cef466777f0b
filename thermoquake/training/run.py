"""One training run: cross-validated fits of one model on one window, the baselines on the
same folds, and the run directory.

Protocol (each fold): the normaliser, the augmentation (classic copies, or one GAN per class
trained on the fold's training images of that class, both classes getting generated images
at the same real:fake ratio, :mod:`thermoquake.training.fake_ratio`) and the network are
fitted on the training days only; the test days are only predicted. The decision threshold
is fixed in the configuration before any fold is fitted. The final model (for ``predict``)
is fitted on every day by the same procedure (:func:`fit_on`). Baselines (logistic regression on
RETIRA summary features, the RST threshold rule, climatology, and with a catalogue the
clustering rule) are fitted and scored on the same folds. All out-of-fold predictions are
evaluated together (:func:`thermoquake.evaluation.metrics.evaluate`): daily, and per window
with the any-day and mean-probability rules.

Run directory (all files atomic)::

    config.json        TrainConfig + workdir, versions, synthetic flag, fold composition,
                       threshold and threshold_source ("fixed before evaluation"),
                       split_summary (left-out groups, overlapping boxes across folds)
    predictions.csv    sample_id, group, label, site, date, days_before, fold, prob, and
                       one column per baseline
    metrics.json       schema thermoquake-metrics/2 (:class:`MetricsDocument`), with the
                       folds, split_summary and the study's class balance under ``balance``
                       (:mod:`thermoquake.evaluation.balance`)
    folds/fold<k>.json a finished fold (a killed run re-run skips it)
    history.csv        loss and binary_accuracy per epoch of each fit (fold<k>, final);
    tensorboard/<fit>/ the same as TensorBoard scalars (:mod:`thermoquake.training.history`)
    model.keras, normalisation.json, final_model.json   the final model (for ``predict``)
                       and its record: days, augmentation note, threshold
"""

from __future__ import annotations

import csv
import io
import json
import platform
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from thermoquake import __version__
from thermoquake.atomic import save_keras_atomic, write_text_atomic
from thermoquake.dirlock import lock_directory
from thermoquake.dataset.arrays import Normaliser, check_channels, encode_all, load_days
from thermoquake.dataset.augment import classic_copies
from thermoquake.dataset.splits import (Fold, chronological_fold, grouped_folds, reference_years,
                                        split_summary)
from thermoquake.dataset.windows import WindowDay, check_both_classes, window_days
from thermoquake.image.grid import PIXEL_KM
from thermoquake.errors import ThermoquakeError
from thermoquake.evaluation.balance import balance_report, check_balance
from thermoquake.evaluation.document import MetricsDocument
from thermoquake.evaluation.threshold import THRESHOLD_FIXED
from thermoquake.training.config import TrainConfig, comparable
from thermoquake.training.fake_ratio import common_fake_share, keep_indices
from thermoquake.training.fit import fit_classifier, predict_probability
from thermoquake.training.history import HistoryLog
from thermoquake.training.run_files import (CONFIG_FILE, FINAL_MODEL_FILE, FOLDS_DIR, HISTORY_FILE, METRICS_FILE,
                                            MODEL_FILE, NORMALISATION_FILE, PREDICTIONS_FILE, TENSORBOARD_DIR)

PREDICTION_COLUMNS = ("sample_id", "group", "label", "site", "date", "days_before", "fold", "prob")
BASELINES = ("logistic_rst", "rst_rule", "climatology", "clustering")


@dataclass(frozen=True)
class RunResult:
    """A finished run: its directory, its metrics document (what metrics.json holds) and the
    number of folds a restart found finished."""

    out_dir: Path
    metrics: MetricsDocument
    folds_reused: int


def _is_synthetic(days: Sequence[WindowDay]) -> bool:
    from thermoquake.image.geotiff import is_synthetic

    return is_synthetic(days[0].path)


def make_folds(days: Sequence[WindowDay], config: TrainConfig, box_km: float | None = None) -> list[Fold]:
    """The run's folds; ``box_km``: the epicentre boxes' size (km), for spatial fold groups. A
    chronological split checks the RST reference years of every day with an R map (the
    RETIRA channel and the baselines read them)."""
    if config.split == "chronological":
        return chronological_fold(days, int(config.test_from), [reference_years(d) for d in days], box_km)
    return grouped_folds(days, config.folds, config.seed, box_km, config.overlap_max)


def gan_model_dir(root: Path, label: int, real_c: np.ndarray, config: TrainConfig, seed: int,
                  sites: Sequence[str] | None = None) -> Path:
    """Where the fold's GAN of class ``label`` lives under ``root``: the name holds everything the
    GAN depends on (its training images' SHA-256 — with their sites for ``gan_base="site"`` —,
    width, steps, seed), so runs that differ only in the classifier (CNN / ResNet / DRSN on the
    same folds) find and reuse one trained GAN."""
    from thermoquake.gan.train import fingerprint

    base = "" if config.gan_base == "none" else f"-b{config.gan_base}"      # earlier names unchanged
    return root / (f"class{label}-{fingerprint(real_c, sites)[:16]}-w{config.gan_width:g}"
                   f"-st{config.gan_steps}-s{seed + label}{base}")


def _augment(config: TrainConfig, x: np.ndarray, y: np.ndarray, images_c: np.ndarray, sites: Sequence[str],
             normaliser: Normaliser, fold_dir: Path, seed: int,
             gan_cache: Path | None = None) -> tuple[np.ndarray, np.ndarray, dict]:
    """Training arrays with the fold's augmentation appended, and a note of what was added.
    With ``gan_cache`` the per-class GANs are kept there (:func:`gan_model_dir`), else in
    ``fold_dir``. ``sites``: the site of each training image (``gan_base="site"``: the GAN
    learns departures from each site's mean field; its images go to the sites in turn, in
    proportion to their training images). Both classes get screened-in generated images at
    one real:fake ratio (:func:`~thermoquake.training.fake_ratio.common_fake_share`), recorded
    in the note as ``ratio`` with each class's ``real``/``generated``/``accepted``/``added``."""
    if config.augment == "none":
        return x, y, {"added": 0}
    if config.augment == "classic":
        ax, ay = classic_copies(x, y, config.classic_copies, seed=seed,
                                mask_channel=list(normaliser.channels).index("mask")
                                if "mask" in normaliser.channels else None)
        return np.concatenate([x, ax]), np.concatenate([y, ay]), {"added": int(len(ay))}
    from thermoquake.gan import generate, train_gan
    from thermoquake.gan.memorisation import memorisation

    screened, note = {}, {"added": 0, "per_class": {}}
    for label in (0, 1):
        real = images_c[y == label]
        note["per_class"][str(label)] = {"real": int(len(real)), "generated": 0, "accepted": 0}
        if len(real) < 2:
            continue
        n_fake = config.gan_copies * len(real)
        real_sites = fake_sites = None
        if config.gan_base == "site":       # per-site mean fields; images to the sites in proportion
            real_sites = [str(s) for s in np.asarray(sites)[y == label]]
            fake_sites = np.resize(np.asarray(real_sites), n_fake)
        model_dir = (gan_model_dir(gan_cache, label, real, config, seed, real_sites) if gan_cache is not None
                     else fold_dir / f"gan_class{label}")
        train_gan(real, model_dir, width=config.gan_width, fusion=True, steps=config.gan_steps,
                  batch_size=min(16, len(real)), seed=seed + label, checkpoint_every=max(config.gan_steps, 1),
                  base="none" if real_sites is None else "mean", sites=real_sites)
        fake = generate(model_dir, n_fake, seed=seed + 100 + label,
                        site=None if fake_sites is None else fake_sites.tolist())
        keep = _plausible(fake, real, fake_sites, real_sites)
        screened[label] = fake[keep]
        note["per_class"][str(label)].update(generated=int(len(keep)), accepted=int(keep.sum()), gan=str(model_dir))
    # the same real:fake ratio for both classes, else "generated" would mark a class
    share = common_fake_share({c: int((y == c).sum()) for c in (0, 1)},
                              {c: len(f) for c, f in screened.items()})
    note["ratio"] = share.ratio
    xs, ys = [x], [y]
    for label, fake in screened.items():
        fake = fake[keep_indices(len(fake), share.counts[label], seed + 200 + label)]
        note["per_class"][str(label)]["added"] = int(len(fake))
        if len(fake):        # do the added images copy training images? (leave-one-out reference)
            note["per_class"][str(label)]["memorisation"] = memorisation(fake, images_c[y == label]).as_dict()
            xs.append(encode_all(normaliser, fake, None))
            ys.append(np.full(len(fake), label, y.dtype))
            note["added"] += int(len(fake))
    return np.concatenate(xs), np.concatenate(ys), note


def _plausible(fake_c: np.ndarray, real_c: np.ndarray, fake_sites: np.ndarray | None = None,
               real_sites: np.ndarray | None = None) -> np.ndarray:
    """The RST gate's model-free checks (mean, std, Wasserstein-1, power spectrum; its limits)
    of each generated (H, W) °C image against the real training image of the class closest in
    mean — of the image's own site when ``fake_sites``/``real_sites`` say which (gan_base
    "site"); True = accepted. (The site-specific checks of the gate — Eq. 6, R >= 2 masks —
    need one site's reference and run in ``thermoquake augment generate``.)"""
    from thermoquake.rst.gate import distribution_checks, distribution_reasons

    real_means = np.array([np.nanmean(r) if np.isfinite(r).any() else np.inf for r in real_c])
    keep = np.zeros(len(fake_c), bool)
    for i, f in enumerate(fake_c):
        if not np.isfinite(f).any():
            continue
        distance = np.abs(real_means - np.nanmean(f))
        if fake_sites is not None:
            distance = np.where(np.asarray(real_sites) == fake_sites[i], distance, np.inf)
        keep[i] = not distribution_reasons(distribution_checks(f, real_c[int(np.argmin(distance))]))
    return keep


def _baselines(days: Sequence[WindowDay], train: np.ndarray, test: np.ndarray, quakes) -> dict[str, np.ndarray]:
    from thermoquake.evaluation import baselines as B

    y = np.array([d.label for d in days])
    out: dict[str, np.ndarray] = {"climatology": B.climatology(y[train], len(test))}
    rows = [d.anomaly for d in days]
    if all(rows[i] for i in np.concatenate([train, test])):
        features = B.feature_matrix(rows)
        out["logistic_rst"] = B.logistic_rst(features[train], y[train], features[test])
        out["rst_rule"] = B.rst_rule_from_files([days[i].retira_path for i in test], [rows[i] for i in test])
    if quakes is not None:
        out["clustering"] = B.clustering_rule([(days[i].date, days[i].latitude, days[i].longitude) for i in test],
                                              quakes)
    return {k: np.asarray(v, float) for k, v in out.items()}


def _fold_file(out_dir: Path, k: int) -> Path:
    return out_dir / FOLDS_DIR / f"fold{k}.json"


def fit_on(config: TrainConfig, days: Sequence[WindowDay], images_c: np.ndarray, retira: np.ndarray | None,
           train: np.ndarray, work_dir: Path, seed: int, gan_cache: Path | None = None,
           history: HistoryLog | None = None) -> tuple:
    """The evaluated fitting procedure on the days ``train`` (indices into ``days``): the
    normaliser fitted on them, ``config``'s augmentation (GANs trained on them, kept in
    ``work_dir`` or ``gan_cache``), then the network. Every fold and the final model are fitted
    by it. ``history`` receives the network's per-epoch logs. Returns (model, normaliser,
    augmentation note)."""
    y = np.array([d.label for d in days])
    normaliser = Normaliser.fit(images_c[train], config.channels)
    x_train = encode_all(normaliser, images_c[train], None if retira is None else retira[train])
    x_fit, y_fit, aug = _augment(config, x_train, y[train], images_c[train], [days[i].site for i in train],
                                 normaliser, work_dir, seed, gan_cache)
    model = fit_classifier(config.model, x_fit, y_fit, width=config.width, epochs=config.epochs,
                           batch_size=config.batch_size, learning_rate=config.learning_rate, seed=seed,
                           on_epoch=None if history is None else history.add)
    if history is not None:
        history.close()
    return model, normaliser, aug


def run_fold(config: TrainConfig, days: Sequence[WindowDay], images_c: np.ndarray, retira: np.ndarray | None,
             fold: Fold, out_dir: Path, quakes, gan_cache: Path | None = None,
             on_epoch: Callable[[str, int, dict], None] | None = None) -> dict:
    """Fit and predict one fold; return (and save atomically) its record. The fit's history
    goes to ``out_dir/history.csv`` and ``out_dir/tensorboard/fold<k>`` (:mod:`history`);
    ``on_epoch(fit, epoch, logs)`` is called after each epoch."""
    seed = config.seed * 1000 + fold.index
    model, normaliser, aug = fit_on(config, days, images_c, retira, fold.train,
                                    out_dir / FOLDS_DIR / f"fold{fold.index}", seed, gan_cache,
                                    HistoryLog(out_dir, f"fold{fold.index}", on_epoch))
    x_test = encode_all(normaliser, images_c[fold.test], None if retira is None else retira[fold.test])
    prob = predict_probability(model, x_test)
    record = {"fold": fold.describe(days), "test": fold.test.tolist(), "prob": prob.tolist(),
              "augmentation": aug, "scale_k": normaliser.scale_k,
              "baselines": {k: v.tolist() for k, v in _baselines(days, fold.train, fold.test, quakes).items()}}
    write_text_atomic(_fold_file(out_dir, fold.index), json.dumps(record) + "\n")
    return record


def _fold_record(out_dir: Path, fold: Fold) -> dict | None:
    path = _fold_file(out_dir, fold.index)
    if not path.is_file():
        return None
    record = json.loads(path.read_text(encoding="utf-8"))
    return record if record.get("test") == fold.test.tolist() else None


def check_run_dir(out_dir: Path, config_text: str) -> None:
    """Refuse a run directory made with another configuration (its folds would not match)."""
    path = out_dir / CONFIG_FILE
    if path.is_file():
        old = json.loads(path.read_text(encoding="utf-8")).get("train") or {}
        new = json.loads(config_text)
        if comparable(old) != comparable(new):
            raise ThermoquakeError("was made with another configuration: use a new --out or the same options",
                                   path)


def refuse_run_over_inputs(workdir: Path, out_dir: Path, gan_cache: Path | None = None,
                           catalog: Path | None = None, out_name: str = "out_dir") -> None:
    """Raise :class:`thermoquake.outputs.OutputIsInputError` if the run directory ``out_dir``
    (called ``out_name`` in the message) or ``gan_cache`` is the ``workdir`` or the
    ``catalog`` file the quakes were read from."""
    from thermoquake.outputs import refuse_outputs_over_inputs

    refuse_outputs_over_inputs({out_name: out_dir, "gan_cache": gan_cache}, {"workdir": workdir, "catalog": catalog})


def train_window(workdir: Path, config: TrainConfig, out_dir: Path, quakes=None,
                 on_fold: Callable[[int, bool], None] | None = None,
                 gan_cache: Path | None = None, allow_imbalance: bool = False,
                 on_epoch: Callable[[str, int, dict], None] | None = None,
                 catalog: Path | None = None) -> RunResult:
    """Run the protocol (module doc) for ``config`` on ``workdir``; write ``out_dir``.

    ``gan_cache``: a directory where ``--augment gan`` keeps its per-fold, per-class GANs so
    that runs of other classifiers on the same folds reuse them (default: inside ``out_dir``).
    A clearly imbalanced study (:mod:`thermoquake.evaluation.balance`) is refused unless
    ``allow_imbalance``; the balance report goes into metrics.json as ``balance``. ``out_dir``
    is locked (:func:`thermoquake.dirlock.lock_directory`) while it is written.
    ``on_epoch(fit, epoch, logs)`` follows every network fit (folds, then ``final``).
    ``catalog``: the file ``quakes`` were read from, if any. An ``out_dir`` or ``gan_cache`` that
    is ``workdir`` or ``catalog`` is refused (:class:`thermoquake.outputs.OutputIsInputError`)
    before anything is read or written."""
    from thermoquake.ml_extra import require_ml

    refuse_run_over_inputs(workdir, out_dir, gan_cache, catalog)

    require_ml("training a classifier")
    workdir, out_dir = Path(workdir), Path(out_dir)
    with lock_directory(out_dir, "run directory"):
        return _train_window(workdir, config, out_dir, quakes, on_fold, gan_cache, allow_imbalance, on_epoch)


def _train_window(workdir: Path, config: TrainConfig, out_dir: Path, quakes,
                  on_fold: Callable[[int, bool], None] | None, gan_cache: Path | None,
                  allow_imbalance: bool, on_epoch: Callable[[str, int, dict], None] | None = None) -> RunResult:
    check_channels(config.channels)
    days = window_days(workdir, config.window, require_retira="retira" in config.channels)
    check_both_classes(days, workdir)
    balance = balance_report(workdir, config.window, days)
    check_balance(balance, allow_imbalance, workdir)
    images_c, retira = load_days(days, "retira" in config.channels)
    folds = make_folds(days, config, images_c.shape[1] * PIXEL_KM)
    check_run_dir(out_dir, config.to_json())
    synthetic = _is_synthetic(days)
    header = {"train": config.to_dict(), "workdir": str(workdir.resolve()), "synthetic": synthetic,
              "versions": versions(), "folds": [f.describe(days) for f in folds],
              "split_summary": split_summary(folds), **threshold_record(config)}
    write_text_atomic(out_dir / CONFIG_FILE, json.dumps(header, indent=2, sort_keys=True) + "\n")
    records, reused = [], 0
    for fold in folds:
        record = _fold_record(out_dir, fold)
        reused += record is not None
        if record is None:
            record = run_fold(config, days, images_c, retira, fold, out_dir, quakes, gan_cache, on_epoch)
        records.append(record)
        if on_fold is not None:
            on_fold(fold.index, record is not None)
    prob = np.full(len(days), np.nan)
    fold_of = np.full(len(days), -1)
    base = {k: np.full(len(days), np.nan) for k in BASELINES}
    for r in records:
        idx = np.asarray(r["test"], int)
        prob[idx] = r["prob"]
        fold_of[idx] = r["fold"]["fold"]
        for k, v in r["baselines"].items():
            base[k][idx] = v
    t = fold_of >= 0
    tested = [d for d, keep in zip(days, t) if keep]
    meta = {"synthetic": synthetic, "window": config.window, "model": config.model, "augment": config.augment,
            "split": config.split, "seed": config.seed, **threshold_record(config)}
    doc = MetricsDocument.compute([d.sample_id for d in tested], np.array([d.label for d in tested]),
                                  [d.group for d in tested], prob[t],
                                  {k: v[t] for k, v in base.items() if np.isfinite(v[t]).all()}, meta,
                                  threshold=config.threshold, seed=config.seed)
    doc = doc.with_records(folds=[r["fold"] for r in records], split_summary=split_summary(folds),
                           augmentation=[r["augmentation"] for r in records], balance=balance.to_dict())
    write_text_atomic(out_dir / PREDICTIONS_FILE, predictions_text(days, prob, fold_of, base))
    doc.write(out_dir / METRICS_FILE)
    if config.final_model:
        fit_final_model(config, days, images_c, retira, out_dir, gan_cache, on_epoch)
    return RunResult(out_dir, doc, reused)


def fit_final_model(config: TrainConfig, days: Sequence[WindowDay], images_c: np.ndarray,
                    retira: np.ndarray | None, out_dir: Path, gan_cache: Path | None = None,
                    on_epoch: Callable[[str, int, dict], None] | None = None) -> dict:
    """The model for ``predict``, fitted on every day of the window by the procedure the folds
    were evaluated with (:func:`fit_on`: the same normaliser fitting, augmentation — GANs
    trained on all days — and epochs). Writes model.keras, normalisation.json and
    final_model.json (what it was fitted on, its augmentation note and the run's threshold);
    returns that record."""
    every = np.arange(len(days))
    model, normaliser, aug = fit_on(config, days, images_c, retira, every, out_dir / "final", config.seed, gan_cache,
                                    HistoryLog(out_dir, "final", on_epoch))
    record = {"days": int(len(days)), "events": len({d.sample_id for d in days if d.label == 1}),
              "controls": len({d.sample_id for d in days if d.label == 0}), "seed": config.seed,
              "augmentation": aug, "scale_k": normaliser.scale_k, **threshold_record(config)}
    save_keras_atomic(model, out_dir / MODEL_FILE)
    write_text_atomic(out_dir / NORMALISATION_FILE, normaliser.to_json())
    write_text_atomic(out_dir / FINAL_MODEL_FILE, json.dumps(record, indent=2, sort_keys=True) + "\n")
    return record


def threshold_record(config: TrainConfig) -> dict:
    """The decision threshold as every document of a run records it: set in the configuration
    before any fold is fitted."""
    return {"threshold": config.threshold, "threshold_source": THRESHOLD_FIXED}


def predictions_text(days: Sequence[WindowDay], prob: np.ndarray, fold_of: np.ndarray,
                     base: dict[str, np.ndarray]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    names = [k for k in BASELINES if np.isfinite(base[k]).any()]
    writer.writerow(list(PREDICTION_COLUMNS) + [f"baseline_{k}" for k in names])
    for i, d in enumerate(days):
        if fold_of[i] < 0:
            continue
        writer.writerow([d.sample_id, d.group, d.label, d.site, d.date.isoformat(), d.days_before, int(fold_of[i]),
                         repr(float(prob[i]))] + [repr(float(base[k][i])) for k in names])
    return buf.getvalue()


def versions() -> dict[str, str]:
    from thermoquake.ml_extra import require_ml

    require_ml("training a classifier")
    import keras
    import sklearn

    return {"thermoquake": __version__, "python": platform.python_version(), "numpy": np.__version__,
            "keras": keras.__version__, "keras_backend": keras.backend.backend(), "scikit-learn": sklearn.__version__}


SECONDS_PER_IMAGE_EPOCH = 0.012
"""Rough network time per training image per epoch (s) at width 0.25 on 64 km images (the demo's
train stage: 5 fits of 30 epochs on 48 days x 3 classic copies took 259 s on a shared 2-core
machine); scaled by image area and width, for --dry-run estimates only."""


def planned_fits(config: TrainConfig) -> list[str]:
    """The fits of a run: ``fold0``.. (one for a chronological split), then ``final`` if asked."""
    fits = [f"fold{k}" for k in range(1 if config.split == "chronological" else config.folds)]
    if config.final_model:
        fits.append("final")
    return fits


def training_seconds(config: TrainConfig, n_days: int, side_px: int, n_fits: int) -> float:
    """A rough CPU time (s) for ``n_fits`` fits on ``n_days`` images of ``side_px`` pixels a side
    (the augmentation's copies included; a GAN triples it)."""
    copies = {"classic": 1 + config.classic_copies, "gan": 1 + config.gan_copies}.get(config.augment, 1)
    per_fit = (n_days * copies * config.epochs * SECONDS_PER_IMAGE_EPOCH * (side_px / 64) ** 2
               * (config.width / 0.25) ** 2)
    return per_fit * n_fits * (1.0 if config.augment != "gan" else 3.0)


def plan_training(workdir: Path, config: TrainConfig, out_dir: Path, gan_cache: Path | None = None,
                  catalog: Path | None = None) -> dict:
    """What :func:`train_window` would do, writing nothing: the days of the window (events,
    controls), the fits (folds and the final model), epochs, a rough time (s, CPU), the split's
    ``split_summary`` (groups left out across a chronological cut, overlapping boxes across
    folds; :func:`thermoquake.dataset.splits.split_summary`) and the files it would write.
    Raises like ``train`` on a workdir that lacks the window's images, or whose ``out_dir`` or
    ``gan_cache`` is an input (:func:`refuse_run_over_inputs`)."""
    refuse_run_over_inputs(workdir, out_dir, gan_cache, catalog)
    workdir, out_dir = Path(workdir), Path(out_dir)
    check_channels(config.channels)
    days = window_days(workdir, config.window, require_retira="retira" in config.channels)
    check_both_classes(days, workdir)
    fits = planned_fits(config)
    done = [f for f in fits[:-1 if config.final_model else None] if (out_dir / FOLDS_DIR / f"{f}.json").is_file()]
    from thermoquake.image.geotiff import read_header

    width = read_header(days[0].path).width
    seconds = training_seconds(config, len(days), width, len(fits) - len(done))
    split = split_summary(make_folds(days, config, width * PIXEL_KM))
    writes = [CONFIG_FILE, f"{FOLDS_DIR}/fold<k>.json", PREDICTIONS_FILE, METRICS_FILE, HISTORY_FILE,
              f"{TENSORBOARD_DIR}/<fit>/"]
    if config.final_model:
        writes += [MODEL_FILE, NORMALISATION_FILE, FINAL_MODEL_FILE]
    return {"run": str(out_dir), "days": len(days), "events": len({d.sample_id for d in days if d.label == 1}),
            "controls": len({d.sample_id for d in days if d.label == 0}), "fits": fits, "reused": done,
            "epochs": config.epochs, "seconds": seconds, "split_summary": split,
            "writes": [str(out_dir / w) for w in writes]}
