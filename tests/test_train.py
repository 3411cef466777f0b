"""thermoquake train / evaluate / predict on a tiny SYNTHETIC study (issue 9)."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from thermoquake.cli.main import cli

pytestmark = [pytest.mark.ml, pytest.mark.slow]

CATALOG = Path(__file__).parents[1] / "data_manifests" / "catalog" / "china_m5_2003_2020.csv"
FAST = ["--window", "3", "--folds", "2", "--epochs", "2", "--width", "0.125", "--batch-size", "8",
        "--no-progress"]


def _run(*args: str):
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 0, result.output
    return result


@pytest.fixture(scope="module")
def workdir(tiny_study, tmp_path_factory) -> Path:
    work = tmp_path_factory.mktemp("train") / "work"
    shutil.copytree(tiny_study / "work", work)
    _run("rst", "--workdir", str(work), "--min-count", "1")
    return work


@pytest.fixture(scope="module")
def run_dir(workdir, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("runs") / "w3"
    _run("train", "--workdir", str(workdir), *FAST, "--catalog", str(CATALOG), "--out", str(out))
    return out


@pytest.fixture(scope="module")
def work64(tiny_study, tmp_path_factory) -> Path:
    """The GAN takes 64 px and larger: the same tiles, 64 km boxes, with R maps."""
    work = tmp_path_factory.mktemp("train64") / "work64"
    _run("preprocess", "--events", str(tiny_study / "events.csv"), "--controls", str(tiny_study / "controls.csv"),
         "--hdf-dir", str(tiny_study / "hdf"), "--out", str(work), "--days-before", "2",
         "--reference-years", "2008-2010", "--size", "64", "--workers", "0", "--no-progress")
    _run("rst", "--workdir", str(work), "--min-count", "1")
    return work


def test_train_writes_config_predictions_metrics_and_model(run_dir):
    for name in ("config.json", "predictions.csv", "metrics.json", "model.keras", "normalisation.json"):
        assert (run_dir / name).is_file(), name
    doc = json.loads((run_dir / "metrics.json").read_text())
    assert doc["schema"] == "thermoquake-metrics/1" and doc["synthetic"] is True
    daily = doc["daily"]
    assert daily["counts"] == {"days": 10, "positive_days": 4, "negative_days": 6, "events": 2, "controls": 3}
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


def test_evaluate_rescoring_reproduces_the_training_metrics(run_dir):
    out = json.loads(_run("evaluate", "--run", str(run_dir), "--json").output)["metrics"]
    saved = json.loads((run_dir / "metrics.json").read_text())
    for key in ("daily", "window_any", "window_mean", "molchan", "baselines_models"):
        assert out[key] == saved[key], key


def test_evaluate_exports_daily_alarms_for_csep(run_dir, tmp_path):
    path = tmp_path / "alarms.csv"
    _run("evaluate", "--run", str(run_dir), "--alarms-csv", str(path), "--threshold", "0.0")
    with open(path, newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 10 and {r["alarm"] for r in rows} == {"1"}
    assert float(rows[0]["lon_max"]) - float(rows[0]["lon_min"]) == pytest.approx(1.0)


def test_predict_gives_a_probability_per_day_and_the_window_alarm(run_dir, workdir):
    images = sorted((workdir / "images" / "E1" / "target").glob("????-??-??.tif"))
    out = json.loads(_run("predict", "--model", str(run_dir), *map(str, images), "--json").output)
    assert len(out["days"]) == 2 and out["synthetic"] is True
    assert out["window_alarm"] == any(d["prob"] >= 0.5 for d in out["days"])


def test_a_rerun_reuses_finished_folds_and_other_options_are_refused(run_dir, workdir):
    before = (run_dir / "metrics.json").read_text()
    _run("train", "--workdir", str(workdir), *FAST, "--catalog", str(CATALOG), "--out", str(run_dir),
         "--no-final-model")
    assert (run_dir / "metrics.json").read_text() == before
    result = CliRunner().invoke(cli, ["train", "--workdir", str(workdir), *FAST, "--seed", "3",
                                      "--out", str(run_dir)])
    assert result.exit_code == 1 and "another configuration" in result.output


def test_augmentation_never_sees_a_test_image(workdir, tmp_path, monkeypatch):
    import thermoquake.training.run as run

    seen: list[np.ndarray] = []
    real = run.classic_copies

    def spy(x, y, *a, **kw):
        seen.append(x.copy())
        return real(x, y, *a, **kw)

    monkeypatch.setattr(run, "classic_copies", spy)
    out = tmp_path / "aug"
    _run("train", "--workdir", str(workdir), *FAST, "--augment", "classic", "--out", str(out), "--no-final-model")
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
    r = CliRunner().invoke(cli, ["train", "--workdir", str(tiny_study / "work"), "--window", "5",
                                 "--channels", "lst,mask", "--no-progress"])
    assert r.exit_code == 1 and "needs 4 days" in r.output


def test_the_retira_channel_needs_rst_first(tiny_study, tmp_path):
    r = CliRunner().invoke(cli, ["train", "--workdir", str(tiny_study / "work"), "--window", "3", "--no-progress"])
    assert r.exit_code == 1 and "run thermoquake rst" in r.output


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
    _run("train", "--workdir", str(work), *FAST, "--augment", "gan", "--channels", "lst,mask", "--gan-steps", "2",
         "--epochs", "1", "--out", str(out), "--no-final-model")
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


def test_a_chronological_split_refuses_references_from_test_years_and_tests_later_events(workdir, tmp_path):
    r = CliRunner().invoke(cli, ["train", "--workdir", str(workdir), *FAST, "--split", "chronological",
                                 "--test-from", "2010", "--out", str(tmp_path / "chrono")])
    assert r.exit_code == 1 and "uses test years [2010]" in r.output      # E1's R used 2010 (E2's year)
    out = tmp_path / "chrono-lst"
    _run("train", "--workdir", str(workdir), *FAST, "--split", "chronological", "--test-from", "2010",
         "--channels", "lst,mask", "--epochs", "1", "--out", str(out), "--no-final-model")
    with open(out / "predictions.csv", newline="") as fh:
        tested = {r["group"] for r in csv.DictReader(fh)}
    assert tested == {"E2"}                          # E2 (2010) and its matched control C2 (2009)


def test_the_cli_model_names_are_the_ones_drsn_builds():
    from thermoquake.drsn import MODEL_KINDS as built
    from thermoquake.training.config import MODEL_KINDS as listed

    assert listed == built


def test_gan_cache_lets_another_classifier_reuse_the_fold_gans(work64, tmp_path):
    work = work64
    cache = tmp_path / "gan-cache"
    common = [*FAST, "--augment", "gan", "--channels", "lst,mask", "--gan-steps", "2", "--epochs", "1",
              "--no-final-model", "--gan-cache", str(cache)]
    _run("train", "--workdir", str(work), *common, "--model", "cnn", "--out", str(tmp_path / "cnn"))
    gans = sorted(cache.iterdir())
    assert len(gans) == 4                                         # 2 folds x 2 classes
    stamps = {g.name: (g / "generator.keras").stat().st_mtime_ns for g in gans}
    _run("train", "--workdir", str(work), *common, "--model", "drsn", "--out", str(tmp_path / "drsn"))
    assert sorted(g.name for g in cache.iterdir()) == sorted(stamps)
    assert {g.name: (g / "generator.keras").stat().st_mtime_ns for g in cache.iterdir()} == stamps
    notes = [json.loads((tmp_path / m / "metrics.json").read_text())["augmentation"] for m in ("cnn", "drsn")]
    assert notes[0] == notes[1] and all(n["per_class"] for n in notes[0])


def test_a_new_gan_option_at_its_old_value_keeps_earlier_run_names_and_directories():
    import hashlib

    from thermoquake.training.config import TrainConfig, comparable

    config = TrainConfig(window=3)
    before = {k: v for k, v in config.to_dict().items() if k not in ("final_model", "gan_base")}
    assert config.digest == hashlib.sha256(json.dumps(before, sort_keys=True).encode()).hexdigest()[:8]
    assert comparable(config.to_dict()) == before
    assert TrainConfig(window=3, augment="gan", channels=("lst", "mask"), gan_base="site").digest != \
        TrainConfig(window=3, augment="gan", channels=("lst", "mask")).digest


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
    _run("train", "--workdir", str(work), *FAST, "--augment", "gan", "--gan-base", "site", "--channels", "lst,mask",
         "--gan-steps", "2", "--epochs", "1", "--out", str(out), "--no-final-model")
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
