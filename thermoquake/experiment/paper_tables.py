"""Tables 2 and 3 of the source paper, from our runs, with intervals.

Table 2: the DRSN per forecast window, without -> with augmentation. Table 3: CNN / ResNet /
DRSN with augmentation. Each cell is a daily metric with its 95 % interval over event
groups; balanced accuracy and MCC sit beside the paper's A, A1, A2, and the majority-class
accuracy, which A must beat to mean anything. Runs are named by their configuration's
digest, so finished runs are reused; the GANs of ``--augment gan`` are shared through one
cache so the three classifiers see the same generated images.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from thermoquake.training.config import MODEL_KINDS, TrainConfig

if TYPE_CHECKING:
    from thermoquake.evaluation.document import MetricsDocument

#: (metrics.json key, the paper's name) of each row.
TABLE_METRICS = (("accuracy", "A"), ("recall", "A1"), ("specificity", "A2"), ("balanced_accuracy", "BA"),
                 ("mcc", "MCC"))
#: Where the GANs of ``--augment gan`` are kept inside the runs directory.
GAN_CACHE = "gan-cache"

RunKey = tuple[int, str, str]   # (window in days, classifier kind, augmentation)


def paper_table_configs(windows: list[int], augment_with: str, base: TrainConfig) -> dict[RunKey, TrainConfig]:
    """The runs both tables need: the DRSN without augmentation per window, and every
    classifier of :data:`MODEL_KINDS` with ``augment_with`` per window; ``base`` gives
    every other setting (folds, seed, channels, widths, epochs, GAN steps)."""
    needed = [(w, "drsn", "none") for w in windows] + [(w, m, augment_with) for w in windows for m in MODEL_KINDS]
    return {(w, m, a): replace(base, window=w, model=m, augment=a) for w, m, a in needed}


def run_directories(configs: dict[RunKey, TrainConfig], runs_dir: Path) -> dict[RunKey, Path]:
    """Each run's directory: ``runs_dir/<run name>-<configuration digest>``."""
    return {k: Path(runs_dir) / f"{c.run_name}-{c.digest}" for k, c in configs.items()}


def plan_paper_tables(workdir: Path, configs: dict[RunKey, TrainConfig], runs_dir: Path) -> dict[RunKey, dict]:
    """What :func:`run_paper_tables` would do, per run (:func:`~thermoquake.training.run.plan_training`)."""
    from thermoquake.training.run import plan_training

    dirs = run_directories(configs, runs_dir)
    return {k: plan_training(workdir, c, dirs[k]) for k, c in configs.items()}


def run_paper_tables(workdir: Path, configs: dict[RunKey, TrainConfig], runs_dir: Path,
                     on_run: Callable[[TrainConfig], None] | None = None,
                     on_epoch: Callable[[str, int, dict], None] | None = None) -> dict[RunKey, MetricsDocument]:
    """Train (or reuse) every run of ``configs`` into ``runs_dir``; their metrics documents."""
    from thermoquake.outputs import refuse_outputs_over_inputs
    from thermoquake.training.run import train_window

    refuse_outputs_over_inputs({"runs_dir": Path(runs_dir)}, {"workdir": Path(workdir)})
    dirs = run_directories(configs, runs_dir)
    docs = {}
    for k, config in configs.items():
        if on_run is not None:
            on_run(config)
        docs[k] = train_window(workdir, config, dirs[k], gan_cache=Path(runs_dir) / GAN_CACHE,
                               on_epoch=on_epoch).metrics
    return docs


def _cell(doc: MetricsDocument, key: str) -> str:
    m = doc.metric(key)
    return f"{100 * m.value:5.1f} [{100 * m.low:4.1f},{100 * m.high:5.1f}]"


def format_tables(docs: dict[RunKey, MetricsDocument], windows: list[int], augment: str) -> str:
    """Both tables as text (percent, value [95 % interval]); SYNTHETIC in the titles when any
    run's data were synthetic."""
    tag = " — SYNTHETIC data" if any(d.is_synthetic for d in docs.values()) else ""
    out = [f"Table 2 (DRSN, daily, %, before -> after {augment} augmentation){tag}"]
    out.append("window | " + " | ".join(f"{s:^41s}" for _, s in TABLE_METRICS) + " | majority A")
    for w in windows:
        before, after = docs[(w, "drsn", "none")], docs[(w, "drsn", augment)]
        cells = [f"{_cell(before, k)} -> {_cell(after, k)}" for k, _ in TABLE_METRICS]
        maj = 100 * (before.daily.baselines or {})["majority"]["accuracy"]
        out.append(f"{w} d    | " + " | ".join(f"{c:41s}" for c in cells) + f" | {maj:5.1f}")
    out.append("")
    out.append(f"Table 3 (after {augment} augmentation, daily, %, CNN / ResNet / DRSN){tag}")
    for w in windows:
        for k, short in TABLE_METRICS:
            cells = " / ".join(_cell(docs[(w, m, augment)], k) for m in ("cnn", "resnet", "drsn"))
            out.append(f"{w} d {short:4s} {cells}")
    if augment == "gan":
        from thermoquake.evaluation.table import format_augmentation

        out += ["", "Generated images per fold (DRSN run; events / controls): the real:fake ratio recorded"]
        for w in windows:
            text = format_augmentation(docs[(w, "drsn", augment)])
            out += [f"{w} d {line}" for line in text.splitlines()] or [f"{w} d none recorded"]
    return "\n".join(out)
