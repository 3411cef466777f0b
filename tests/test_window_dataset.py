"""Window datasets: labels from samples.csv, grouped splits that never share an event or a
site, normalisation fitted on training images only, masked pixels never cold."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest

from conftest import CONTROLS, EVENTS

import thermoquake

from thermoquake.preprocessing.samples import read_samples
from thermoquake.dataset.arrays import Normaliser, anomaly_field
from thermoquake.dataset.augment import classic_copies
from thermoquake.dataset.splits import chronological_fold, grouped_folds
from thermoquake.dataset.windows import WindowDay, window_days
from thermoquake.errors import ThermoquakeError

def test_synth_study_writes_only_the_tile_dates_the_boxes_need(tiny_study):
    tiles = sorted(p.name for p in (tiny_study / "hdf").glob("*.hdf"))
    # 5 sites x 2 days x 3 years, but events and matched controls share sites and days:
    # E1/C1 and E2/C2 (other calendar days) and R1: 3 calendar windows x 2 days x 3 years, one tile
    assert len(tiles) == 18
    assert all(".h26v05." in t for t in tiles)


def test_preprocess_with_controls_labels_and_groups_every_site(tiny_study):
    samples = {s.sample_id: s for s in read_samples(tiny_study / "work")}
    assert {k: s.label for k, s in samples.items()} == {"E1": 1, "E2": 1, "C1": 0, "C2": 0, "R1": 0}
    assert samples["C1"].group == "E1" and samples["C2"].group == "E2"   # matched: with its event
    assert samples["R1"].group == "R1"                                   # random: its own group


def test_window_days_take_n_minus_one_days_with_labels(tiny_study):
    days = window_days(tiny_study / "work", 3)
    assert len(days) == 5 * 2
    assert {d.days_before for d in days} == {1, 2}
    assert sum(d.label for d in days) == 4
    with pytest.raises(ThermoquakeError, match="needs 4 days"):
        window_days(tiny_study / "work", 5)
    with pytest.raises(ThermoquakeError, match="run thermoquake rst"):
        window_days(tiny_study / "work", 3, require_retira=True)


def test_an_id_in_both_events_and_controls_is_refused(tmp_path):
    (tmp_path / "e.csv").write_text(EVENTS)
    (tmp_path / "c.csv").write_text(CONTROLS.replace("C1,", "E1,"))
    with pytest.raises(ThermoquakeError, match="both an event and a control") as err:
        thermoquake.preprocess(tmp_path / "e.csv", tmp_path, tmp_path / "w", controls=tmp_path / "c.csv", dry_run=True)
    assert len(str(err.value).splitlines()) == 1 and not (tmp_path / "w").exists()


def _days(n_groups: int, days_per: int = 3) -> list[WindowDay]:
    out = []
    for g in range(n_groups):
        for label, year in ((1, 2005 + g % 10), (0, 2004 + g % 10)):
            sid = f"{'E' if label else 'C'}{g}"
            for k in range(1, days_per + 1):
                out.append(WindowDay(sid, f"G{g}", label, sid, dt.date(year, 5, 1), k, year, Path("x.tif"), None))
    return out


@pytest.mark.parametrize("k,seed", [(2, 0), (4, 1), (5, 7)])
def test_grouped_folds_never_share_an_event_or_a_site(k, seed):
    days = _days(20)
    folds = grouped_folds(days, k, seed)
    assert sorted(np.concatenate([f.test for f in folds]).tolist()) == list(range(len(days)))
    for f in folds:
        train = {(days[i].group, days[i].site) for i in f.train}
        test = {(days[i].group, days[i].site) for i in f.test}
        assert not {g for g, _ in train} & {g for g, _ in test}
        assert not {s for _, s in train} & {s for _, s in test}
        assert {days[i].label for i in f.test} == {0, 1}


def test_chronological_split_puts_later_events_in_test():
    days = _days(10)
    (fold,) = chronological_fold(days, 2010)
    assert max(days[i].year for i in fold.train if days[i].label) < 2010
    assert min(days[i].year for i in fold.test if days[i].label) >= 2010
    assert not {days[i].group for i in fold.train} & {days[i].group for i in fold.test}


def test_masked_pixels_are_the_image_mean_not_cold_and_flagged():
    image = np.full((8, 8), 10.0, np.float32)
    image[2:4, 2:4] = 14.0
    image[0, :] = np.nan
    n = Normaliser(scale_k=2.0, channels=("lst", "mask"))
    x = n.encode(image)
    assert x.shape == (8, 8, 2)
    assert (x[0, :, 0] == 0).all() and (x[0, :, 1] == 0).all()
    assert (x[1:, :, 1] == 1).all()
    delta = anomaly_field(image)
    assert np.allclose(x[1:, :, 0], delta[1:] / 2.0)
    assert x[2, 2, 0] > 0 > x[5, 5, 0]


def test_normaliser_scale_comes_from_the_images_it_is_fitted_on():
    rng = np.random.default_rng(0)
    narrow = [rng.normal(0, 1, (16, 16)).astype(np.float32) for _ in range(5)]
    wide = [rng.normal(0, 5, (16, 16)).astype(np.float32) for _ in range(5)]
    assert Normaliser.fit(narrow, ("lst",)).scale_k == pytest.approx(1.0, rel=0.15)
    assert Normaliser.fit(wide, ("lst",)).scale_k == pytest.approx(5.0, rel=0.15)
    text = Normaliser.fit(wide, ("lst", "mask")).to_json()
    assert Normaliser.from_json(text).channels == ("lst", "mask")


def test_classic_copies_flip_and_add_noise_only_on_valid_pixels():
    rng = np.random.default_rng(1)
    x = np.zeros((6, 8, 8, 2), np.float32)
    x[..., 0] = rng.normal(size=(6, 8, 8))
    x[..., 1] = 1
    x[:, :, :2, 1] = 0
    x[:, :, :2, 0] = 0
    y = np.array([1, 1, 1, 0, 0, 0])
    ax, ay = classic_copies(x, y, copies=3, noise=0.1, seed=0)
    assert ax.shape == (18, 8, 8, 2) and ay.tolist() == y.tolist() * 3
    invalid = ax[..., 1] == 0
    assert (ax[..., 0][invalid] == 0).all()
    assert not np.allclose(ax[:6], x)
