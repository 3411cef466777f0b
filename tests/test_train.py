"""Training, rescoring and prediction (``thermoquake.train_window``, ``evaluate_run``, ``predict``)
on a tiny SYNTHETIC study."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import numpy as np
import pytest

import thermoquake as tq
from thermoquake.evaluation.document import MetricsDocument
from tests.conftest import CATALOG, TINY_TRAINING
from thermoquake.errors import ThermoquakeError

pytestmark = [pytest.mark.ml, pytest.mark.slow]

FAST = TINY_TRAINING         # window 3, 2 folds of 2 epochs, narrow networks
BY_EVENT = {"overlap_max": 1.0}        # the 64 km boxes of the tiny study all overlap: folds by event
GAN = {"augment": "gan", "channels": ("lst", "mask"), "gan_steps": 2, "epochs": 1, "final_model": False}


def _as_written(doc: MetricsDocument) -> dict:
    """``doc`` as metrics.json holds it (JSON: tuples become lists)."""
    return json.loads(json.dumps(doc.to_dict()))


@pytest.fixture(scope="module")
def workdir(tiny_rst_workdir) -> Path:
    return tiny_rst_workdir


@pytest.fixture(scope="module")
def run_dir(tiny_run) -> Path:
    return tiny_run


@pytest.fixture(scope="module")
def work64(tiny_study, tmp_path_factory) -> Path:
    """The GAN takes 64 px and larger: the same tiles, 64 km boxes, with R maps."""
    work = tmp_path_factory.mktemp("train64") / "work64"
    tq.preprocess(tiny_study / "events.csv", tiny_study / "hdf", work, controls=tiny_study / "controls.csv",
                  days_before=2, reference_years=range(2008, 2011), size=64, workers=0, progress=False)
    tq.run_rst(work, min_count=1)
    return work


def test_train_writes_config_predictions_metrics_and_model(run_dir):
    for name in ("config.json", "predictions.csv", "metrics.json", "model.keras", "normalisation.json"):
        assert (run_dir / name).is_file(), name
    doc = json.loads((run_dir / "metrics.json").read_text())
    assert doc["schema"] == "thermoquake-metrics/2" and doc["synthetic"] is True
    daily = doc["daily"]
    assert daily["counts"] == {"days": 10, "positive_days": 4, "negative_days": 6, "events": 2, "controls": 3,
                               "groups": 3}                     # E1+C1, E2+C2, R1
    c = daily["confusion"]
    assert c["tp"] + c["fn"] == 4 and c["tn"] + c["fp"] == 6
    m = daily["metrics"]["accuracy"]
    assert m["ci_low"] <= m["value"] <= m["ci_high"]
    assert doc["window_any"]["counts"]["days"] == 5                 # one score per sample
    assert doc["molchan"][0] == [0.0, 1.0] and doc["molchan"][-1] == [1.0, 0.0]
    assert set(doc["baselines_models"]) == {"logistic_rst", "rst_rule", "climatology", "clustering"}
    with open(run_dir / "predictions.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 10 and all(0 <= float(r["prob"]) <= 1 for r in rows)
    folds = {r["group"]: {x["fold"] for x in rows if x["group"] == r["group"]} for r in rows}
    assert all(len(f) == 1 for f in folds.values())             # a group is tested in one fold


def test_the_training_history_has_each_epoch_of_each_fit_in_csv_and_tensorboard(run_dir):
    with open(run_dir / "history.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [(r["fit"], r["epoch"]) for r in rows] == [("fold0", "1"), ("fold0", "2"), ("fold1", "1"),
                                                     ("fold1", "2"), ("final", "1"), ("final", "2")]
    assert all(float(r["loss"]) > 0 and 0 <= float(r["binary_accuracy"]) <= 1 for r in rows)
    import tensorflow as tf

    for fit in ("fold0", "fold1", "final"):
        (events,) = list((run_dir / "tensorboard" / fit).glob("events.out.tfevents.*"))
        losses = [float(tf.make_ndarray(v.tensor)) for e in tf.compat.v1.train.summary_iterator(str(events))
                  for v in e.summary.value if v.tag == "epoch/loss"]
        assert losses == pytest.approx([float(r["loss"]) for r in rows if r["fit"] == fit], rel=1e-5)


def test_the_training_plan_says_what_would_run_and_writes_nothing(workdir, tmp_path):
    from thermoquake.training.run import plan_training

    out = tmp_path / "run"
    plan = plan_training(workdir, tq.TrainConfig(**FAST), out)
    assert plan["fits"] == ["fold0", "fold1", "final"] and plan["epochs"] == 2
    assert plan["days"] == 10 and plan["seconds"] > 0 and str(out / "metrics.json") in map(str, plan["writes"])
    assert not out.exists()


def test_evaluate_rescoring_reproduces_the_training_metrics(run_dir):
    out = _as_written(tq.evaluate_run(run_dir))
    saved = json.loads((run_dir / "metrics.json").read_text())
    for key in ("daily", "window_any", "window_mean", "molchan", "baselines_models"):
        assert out[key] == saved[key], key


def test_evaluate_exports_daily_alarms_for_csep(run_dir, tmp_path):
    path = tmp_path / "alarms.csv"
    from thermoquake.evaluation.rescore import alarm_forecast_csv

    path.write_text(alarm_forecast_csv(run_dir, 0.0))
    with open(path, newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 10 and {r["alarm"] for r in rows} == {"1"}
    assert float(rows[0]["lon_max"]) - float(rows[0]["lon_min"]) == pytest.approx(1.0)


def test_predict_gives_a_probability_per_day_and_the_window_alarm(run_dir, workdir):
    images = sorted((workdir / "images" / "E1" / "target").glob("????-??-??.tif"))
    out = tq.predict(run_dir, images)
    assert len(out["days"]) == 2 and out["synthetic"] is True
    assert out["window_alarm"] == any(d["prob"] >= 0.5 for d in out["days"])


def test_a_rerun_reuses_finished_folds_and_other_options_are_refused(run_dir, workdir):
    before = (run_dir / "metrics.json").read_text()
    tq.train_window(workdir, run_dir, catalog=CATALOG, **FAST, final_model=False)
    assert (run_dir / "metrics.json").read_text() == before
    with pytest.raises(ThermoquakeError, match="another configuration"):
        tq.train_window(workdir, run_dir, **FAST, seed=3)


def test_augmentation_never_sees_a_test_image(workdir, tmp_path, monkeypatch):
    import thermoquake.training.run as run

    seen: list[np.ndarray] = []
    real = run.classic_copies

    def spy(x, y, *a, **kw):
        seen.append(x.copy())
        return real(x, y, *a, **kw)

    monkeypatch.setattr(run, "classic_copies", spy)
    out = tmp_path / "aug"
    tq.train_window(workdir, out, **FAST, augment="classic", final_model=False)
    assert len(seen) == 2
    with open(out / "predictions.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    from thermoquake.dataset.arrays import anomaly_field, read_band

    def same_image(delta: np.ndarray, lst: np.ndarray) -> bool:
        return bool(np.corrcoef(np.nan_to_num(delta).ravel(), lst.ravel())[0, 1] > 0.9999)

    for fold, x in enumerate(seen):
        assert len(x) == sum(int(r["fold"]) != fold for r in rows)
        for r in rows:
            delta = anomaly_field(read_band(workdir / "images" / r["site"] / "target" / f"{r['date']}.tif"))
            found = any(same_image(delta, t[..., 0]) for t in x)
            assert found == (int(r["fold"]) != fold), (fold, r["site"], r["date"])


def test_a_window_longer_than_the_preprocessed_days_is_refused(tiny_study, tmp_path):
    with pytest.raises(ThermoquakeError, match="needs 4 days"):
        tq.train_window(tiny_study / "work", tmp_path / "run", window=5, channels=("lst", "mask"))


def test_the_retira_channel_needs_rst_first(tiny_study, tmp_path):
    with pytest.raises(ThermoquakeError, match="run thermoquake rst"):
        tq.train_window(tiny_study / "work", tmp_path / "run", window=3)


def test_an_event_and_its_matched_control_get_the_same_reference(workdir):
    import rasterio

    def years(site: str) -> set[str]:
        out = set()
        for p in (workdir / "images" / site / "target").glob("*.retira.tif"):
            with rasterio.open(p) as src:
                out.add(src.tags()["rst_reference_years"])
        return out

    assert years("E1") == years("C1") == {"2010"}       # 2009 (E1) and 2008 (C1) both left out
    assert years("E2") == years("C2") == {"2008"}
    assert years("R1") == {"2008"}      # the random control (2009-08) joins E2 (2010-06): E2's years


def test_gan_augmentation_trains_on_training_images_only(work64, tmp_path, monkeypatch):
    import thermoquake.gan.train as gan_train

    work = work64
    seen: list[np.ndarray] = []
    real = gan_train.train_gan

    def spy(images_c, model_dir, **kw):
        seen.append(np.array(images_c))
        return real(images_c, model_dir, **kw)

    monkeypatch.setattr(gan_train, "train_gan", spy)
    out = tmp_path / "gan-run"
    tq.train_window(work, out, **(FAST | BY_EVENT | GAN))
    doc = json.loads((out / "metrics.json").read_text())
    assert doc["augment"] == "gan" and len(seen) == 4          # 2 folds x 2 classes
    with open(out / "predictions.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    from thermoquake.dataset.arrays import read_band
    image = {(r["site"], r["date"]): read_band(work / "images" / r["site"] / "target" / f"{r['date']}.tif")
             for r in rows}
    for k, batch in enumerate(seen):
        fold = k // 2
        for r in rows:
            inside = any(np.array_equal(b, image[(r["site"], r["date"])], equal_nan=True) for b in batch)
            assert not (inside and int(r["fold"]) == fold), (fold, r["site"], r["date"])
    assert all(a["added"] >= 0 for a in doc["augmentation"])


def test_a_chronological_split_checks_rst_references_even_when_only_the_baselines_read_them(workdir, tmp_path):
    for channels in ("lst,mask,retira", "lst,mask"):            # the RST baselines read anomalies.csv
        with pytest.raises(ThermoquakeError) as err:
            tq.train_window(workdir, tmp_path / channels, **FAST, split="chronological", test_from=2010,
                            channels=tuple(channels.split(",")))
        # E1/C1 (2008-2009) have R maps made with 2010 images; E2 (2010) has its control in 2009;
        # R1 (2009) trains, and nothing is left to test
        message = str(err.value)
        assert "empty test set" in message and "2 groups straddle Jan 1 2010" in message, (channels, message)
        assert "1 of them through RST references" in message and "--exclude-years 2010" in message


CHRONO_EVENTS = ("event_id,time,latitude,longitude,depth_km,magnitude,magnitude_type\n"
                 "E1,2008-05-10T01:00:00Z,35.0,103.0,10,5.5,Mw\nE2,2010-06-20T01:00:00Z,35.3,103.4,10,5.5,Mw\n"
                 "E3,2010-01-02T01:00:00Z,35.6,103.8,10,5.5,Mw\n")
CHRONO_CONTROLS = ("control_id,time,latitude,longitude,mode,matched_event_id\n"
                   "C1,2008-08-10T01:00:00Z,35.0,103.0,matched,E1\nC2,2010-09-20T01:00:00Z,35.3,103.4,matched,E2\n"
                   "C3,2009-01-02T01:00:00Z,35.6,103.8,matched,E3\n")


def test_a_chronological_split_leaves_out_and_reports_groups_across_the_cut(tmp_path):
    (tmp_path / "events.csv").write_text(CHRONO_EVENTS)
    (tmp_path / "controls.csv").write_text(CHRONO_CONTROLS)
    from thermoquake.dataset.splits import split_text

    study = {"controls": tmp_path / "controls.csv", "days_before": 2, "reference_years": range(2008, 2011),
             "size": 16, "progress": False}
    work, out = tmp_path / "work", tmp_path / "chrono"
    tq.synthetic_study(tmp_path / "events.csv", tmp_path / "hdf", anomaly_k=3.0, cloud_fraction=0.1, **study)
    tq.preprocess(tmp_path / "events.csv", tmp_path / "hdf", work, workers=0, **study)
    tq.run_rst(work, min_count=1, exclude_years=[2010])
    result = tq.train_window(work, out, **(FAST | {"epochs": 1}), split="chronological", test_from=2010,
                             final_model=False)
    with open(out / "predictions.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert {r["group"] for r in rows} == {"E2"} and min(r["date"] for r in rows) >= "2010-01-01"
    # E3's window crosses New Year and its control is from 2009: the whole group is left out
    left_out = {"groups": 1, "samples": 2, "days": 4, "groups_by_dates": 1, "groups_by_references": 0}
    config = json.loads((out / "config.json").read_text())
    assert config["split_summary"]["left_out"] == left_out and config["folds"][0]["left_out"] == left_out
    assert json.loads((out / "metrics.json").read_text())["split_summary"] == config["split_summary"]
    assert "left out 1 groups" in split_text(result.metrics.split_summary)


def test_folds_keep_overlapping_boxes_together_and_say_so(run_dir, work64, tmp_path):
    split = json.loads((run_dir / "config.json").read_text())["split_summary"]["spatial"]
    assert split["box_km"] == 16 and split["overlap_max"] == 0 and split["straddling_pairs"] == 0
    assert json.loads((run_dir / "metrics.json").read_text())["split_summary"]["spatial"] == split
    # 64 km boxes around E1, E2 and R1 (20-40 km apart) all overlap: one cluster, not 2 folds
    with pytest.raises(ThermoquakeError, match="form only 1 spatial clusters"):
        tq.train_window(work64, tmp_path / "w64", **FAST, channels=("lst", "mask"))


def test_the_cli_model_names_are_the_ones_drsn_builds():
    from thermoquake.classifiers import MODEL_KINDS as built
    from thermoquake.training.config import MODEL_KINDS as listed

    assert listed == built


def test_gan_cache_lets_another_classifier_reuse_the_fold_gans(work64, tmp_path):
    work = work64
    cache = tmp_path / "gan-cache"
    common = FAST | BY_EVENT | GAN
    tq.train_window(work, tmp_path / "cnn", **common, model="cnn", gan_cache=cache)
    gans = sorted(cache.iterdir())
    assert len(gans) == 4                                         # 2 folds x 2 classes
    stamps = {g.name: (g / "generator.keras").stat().st_mtime_ns for g in gans}
    tq.train_window(work, tmp_path / "drsn", **common, model="drsn", gan_cache=cache)
    assert sorted(g.name for g in cache.iterdir()) == sorted(stamps)
    assert {g.name: (g / "generator.keras").stat().st_mtime_ns for g in cache.iterdir()} == stamps
    notes = [json.loads((tmp_path / m / "metrics.json").read_text())["augmentation"] for m in ("cnn", "drsn")]
    assert notes[0] == notes[1] and all(n["per_class"] for n in notes[0])


def test_a_new_gan_option_at_its_old_value_keeps_earlier_run_names_and_directories():
    import hashlib

    from thermoquake.training.config import TrainConfig, comparable

    config = TrainConfig(window=3)
    before = {k: v for k, v in config.to_dict().items() if k not in ("final_model", "gan_base", "threshold")}
    assert config.digest == hashlib.sha256(json.dumps(before, sort_keys=True).encode()).hexdigest()[:8]
    assert comparable(config.to_dict()) == before
    assert TrainConfig(window=3, augment="gan", channels=("lst", "mask"), gan_base="site").digest != \
        TrainConfig(window=3, augment="gan", channels=("lst", "mask")).digest
    assert TrainConfig(window=3, threshold=0.3).digest != config.digest


def test_site_based_gan_augmentation_learns_each_sites_mean_field_and_adds_images_of_the_sites(
        work64, tmp_path, monkeypatch):
    import thermoquake.gan.generation as gan_generation
    import thermoquake.gan.train as gan_train
    from thermoquake.gan.normalise import load_normalisation

    work = work64
    seen: list[tuple[np.ndarray, dict, Path]] = []
    asked: list[list[str]] = []
    real_train, real_generate = gan_train.train_gan, gan_generation.generate

    def spy_train(images_c, model_dir, **kw):
        seen.append((np.array(images_c), kw, Path(model_dir)))
        return real_train(images_c, model_dir, **kw)

    def spy_generate(model_dir, n, seed=0, site=None):
        asked.append(site)
        return real_generate(model_dir, n, seed, site)

    monkeypatch.setattr(gan_train, "train_gan", spy_train)
    monkeypatch.setattr(gan_generation, "generate", spy_generate)
    out = tmp_path / "site-run"
    tq.train_window(work, out, **(FAST | BY_EVENT | GAN), gan_base="site")
    assert len(seen) == 4 and all(kw["base"] == "mean" for _, kw, _ in seen)
    assert any(len(set(kw["sites"])) > 1 for _, kw, _ in seen)
    for (images, kw, model_dir), fake_sites in zip(seen, asked):
        sites = kw["sites"]
        assert len(sites) == len(images)
        norm = load_normalisation(model_dir)
        assert norm.sites == tuple(dict.fromkeys(sites))          # one mean field per training site
        departures = images - norm.fields(sites, len(images))    # each site's own field is off: a few K
        valid = departures[np.isfinite(departures)]
        assert abs(valid.mean()) < 0.5 and np.percentile(np.abs(valid), 99) < 10
        assert list(fake_sites) == [sites[i % len(sites)] for i in range(len(fake_sites))]   # in proportion
    doc = json.loads((out / "metrics.json").read_text())
    assert json.loads((out / "config.json").read_text())["train"]["gan_base"] == "site"
    assert all(n["per_class"] for n in doc["augmentation"])


def test_the_in_fold_screen_judges_a_site_based_image_against_its_own_site():
    from scipy.ndimage import gaussian_filter

    from thermoquake.training.run import _plausible

    rng = np.random.default_rng(1)
    rough = gaussian_filter(rng.standard_normal((64, 64)), 3)
    rough = 10.0 + rough * (4.0 / rough.std())                     # site A: 4 K of terrain
    flat = np.full((64, 64), 10.5)                                # site B: flat, 0.5 K warmer
    real = np.stack([rough + rng.normal(0, 0.3, (64, 64)) for _ in range(2)]
                    + [flat + rng.normal(0, 0.3, (64, 64)) for _ in range(2)]).astype(np.float32)
    sites = np.array(["A", "A", "B", "B"])
    fake = (rough + 0.4 + rng.normal(0, 0.3, (64, 64)))[None].astype(np.float32)   # A's, mean nearer B's
    assert not _plausible(fake, real)[0]                          # judged against flat B: std off by ~4 K
    assert _plausible(fake, real, np.array(["A"]), sites)[0]      # judged against its own site


@pytest.fixture(scope="module")
def classic_run(workdir, tmp_path_factory) -> tuple[Path, list[int]]:
    """A run with classic augmentation, the final model and a threshold fixed at 0.25; with
    the number of images each network was fitted on (the folds', then the final model's)."""
    import thermoquake.training.run as run

    fitted: list[int] = []
    real = run.fit_classifier

    def spy(kind, x, y, **kw):
        fitted.append(len(x))
        return real(kind, x, y, **kw)

    out = tmp_path_factory.mktemp("runs") / "w3-classic"
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(run, "fit_classifier", spy)
        tq.train_window(workdir, out, **FAST, augment="classic", threshold=0.25)
    return out, fitted


def test_the_final_model_is_fitted_with_the_augmentation_the_folds_were_evaluated_with(classic_run):
    from thermoquake.training.config import TrainConfig

    out, fitted = classic_run
    folds = [json.loads(p.read_text()) for p in sorted((out / "folds").glob("fold*.json"))]
    assert len(fitted) == len(folds) + 1 == 3
    for fold, n in zip(folds, fitted):
        assert fold["augmentation"]["added"] > 0 and n == fold["fold"]["train_days"] + fold["augmentation"]["added"]
    final = json.loads((out / "final_model.json").read_text())
    copies = TrainConfig(window=3).classic_copies
    assert final["days"] == 10 and final["augmentation"]["added"] == 10 * copies
    assert fitted[-1] == 10 * (1 + copies)                       # all days and their augmented copies


def test_the_threshold_fixed_before_evaluation_is_recorded_and_used(classic_run, workdir):
    out, _ = classic_run
    config = json.loads((out / "config.json").read_text())
    saved = json.loads((out / "metrics.json").read_text())
    final = json.loads((out / "final_model.json").read_text())
    for doc in (config, saved, final):
        assert doc["threshold"] == 0.25 and doc["threshold_source"] == "fixed before evaluation"
    assert saved["daily"]["threshold"] == saved["window_any"]["threshold"] == 0.25
    rescored = _as_written(tq.evaluate_run(out))
    assert rescored["threshold_source"] == "fixed before evaluation" and "threshold_fixed" not in rescored
    assert rescored["daily"] == saved["daily"]
    images = sorted((workdir / "images" / "E1" / "target").glob("????-??-??.tif"))
    predicted = tq.predict(out, images)
    assert predicted["threshold"] == 0.25 and predicted["threshold_source"] == "fixed before evaluation"
    assert [d["alarm"] for d in predicted["days"]] == [d["prob"] >= 0.25 for d in predicted["days"]]


def test_a_threshold_chosen_after_evaluation_is_marked_so(run_dir, workdir):
    doc = tq.evaluate_run(run_dir, 0.3)
    assert doc.threshold == doc.daily.threshold == 0.3
    assert doc.threshold_source == "chosen after evaluation" and doc.threshold_fixed == 0.5
    same = tq.evaluate_run(run_dir, 0.5)
    assert same.threshold_source == "fixed before evaluation" and "threshold_fixed" not in same.to_dict()
    images = sorted((workdir / "images" / "E1" / "target").glob("????-??-??.tif"))
    predicted = tq.predict(run_dir, images, 0.9)
    assert predicted["threshold"] == 0.9 and predicted["threshold_source"] == "chosen after evaluation"
    assert [d["alarm"] for d in predicted["days"]] == [d["prob"] >= 0.9 for d in predicted["days"]]


def test_the_final_model_trains_its_gans_on_every_day_and_adds_one_ratio_to_both_classes(work64, tmp_path,
                                                                                         monkeypatch):
    import thermoquake.gan.train as gan_train
    import thermoquake.training.run as run

    seen: list[tuple[int, Path]] = []
    real = gan_train.train_gan

    def spy(images_c, model_dir, **kw):
        seen.append((len(images_c), Path(model_dir)))
        return real(images_c, model_dir, **kw)

    monkeypatch.setattr(gan_train, "train_gan", spy)
    # a screen that accepts one generated image per real one (2 are made per real image): ratio 1
    monkeypatch.setattr(run, "_plausible", lambda fake, real_c, *a: np.arange(len(fake)) < len(real_c))
    out = tmp_path / "gan-final"
    tq.train_window(work64, out, **(FAST | BY_EVENT | GAN | {"final_model": True}))
    with open(out / "predictions.csv", newline="") as fh:
        labels = [int(r["label"]) for r in csv.DictReader(fh)]
    days = {c: labels.count(c) for c in (0, 1)}
    assert len(seen) == 6                                          # 2 folds x 2 classes, then the final 2
    assert [n for n, _ in seen[-2:]] == [days[0], days[1]] and all(p.parent == out / "final" for _, p in seen[-2:])
    final = json.loads((out / "final_model.json").read_text())["augmentation"]
    for note in json.loads((out / "metrics.json").read_text())["augmentation"] + [final]:
        assert note["ratio"] == 1.0
        assert all(c["added"] == c["real"] for c in note["per_class"].values())
    assert {int(c): v["added"] for c, v in final["per_class"].items()} == days
