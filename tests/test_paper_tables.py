"""The paper's Tables 2 and 3 as a library: which runs they need, and the tables' text."""

from __future__ import annotations

from pathlib import Path

from thermoquake.evaluation.document import MetricsDocument
from thermoquake.experiment.paper_tables import TABLE_METRICS, format_tables, paper_table_configs, run_directories
from thermoquake.training.config import MODEL_KINDS, TrainConfig

TINY_RUN = Path(__file__).parent / "data" / "metrics" / "tiny_synthetic_run.json"


def _base() -> TrainConfig:
    return TrainConfig(window=3, model="drsn", augment="none", folds=4, split="grouped", test_from=None, seed=0,
                       channels=("lst", "mask"), width=0.25, epochs=30, batch_size=8, learning_rate=1e-3,
                       gan_steps=200, final_model=False)


def test_the_tables_need_the_plain_drsn_and_every_classifier_with_augmentation():
    configs = paper_table_configs([3, 9], "gan", _base())
    assert set(configs) == {(3, "drsn", "none"), (9, "drsn", "none")} | {
        (w, m, "gan") for w in (3, 9) for m in MODEL_KINDS}
    for (window, model, augment), config in configs.items():
        assert (config.window, config.model, config.augment) == (window, model, augment)
        assert (config.folds, config.epochs, config.final_model) == (4, 30, False)


def test_run_directories_are_named_by_configuration_so_finished_runs_are_found_again(tmp_path):
    configs = paper_table_configs([5], "classic", _base())
    dirs = run_directories(configs, tmp_path)
    assert len(set(dirs.values())) == len(configs)
    again = run_directories(paper_table_configs([5], "classic", _base()), tmp_path)
    assert again == dirs
    other_seed = run_directories(paper_table_configs([5], "classic", TrainConfig(**{**_base().__dict__, "seed": 1})),
                                 tmp_path)
    assert set(other_seed.values()).isdisjoint(dirs.values())


def test_tables_show_every_metric_with_its_interval_and_say_synthetic():
    doc = MetricsDocument.read(TINY_RUN)
    docs = {(3, "drsn", "none"): doc} | {(3, m, "gan"): doc for m in MODEL_KINDS}
    text = format_tables(docs, [3], "gan")
    assert "SYNTHETIC" in text.splitlines()[0]
    ba = doc.metric("balanced_accuracy")
    assert f"{100 * ba.value:5.1f} [{100 * ba.low:4.1f},{100 * ba.high:5.1f}]" in text
    assert all(f"3 d {short:4s}" in text for _, short in TABLE_METRICS)
