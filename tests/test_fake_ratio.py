"""GAN augmentation at one real:fake ratio for both classes of a fold (no Keras: the GAN and
the screen are stand-ins; what is tested is how many screened-in images each class gets)."""

from __future__ import annotations

import numpy as np
import pytest

import thermoquake.gan
import thermoquake.training.run as run
from thermoquake.dataset.arrays import Normaliser
from thermoquake.training.config import TrainConfig
from thermoquake.training.fake_ratio import common_fake_share, keep_indices


def test_both_classes_get_generated_images_at_the_smaller_acceptance_ratio():
    share = common_fake_share({0: 96, 1: 96}, {0: 178, 1: 14})
    assert share.ratio == pytest.approx(14 / 96) and share.counts == {0: 14, 1: 14}
    share = common_fake_share({0: 30, 1: 10}, {0: 60, 1: 5})          # 2 and 0.5 per real image
    assert share.ratio == pytest.approx(0.5) and share.counts == {0: 15, 1: 5}


def test_a_class_whose_gan_yields_nothing_leaves_both_classes_without_generated_images():
    assert common_fake_share({0: 96, 1: 96}, {0: 178, 1: 0}).counts == {0: 0, 1: 0}
    share = common_fake_share({0: 96, 1: 1}, {0: 178})                  # class 1: too few images for a GAN
    assert share.ratio == 0.0 and share.counts == {0: 0, 1: 0}


def test_the_kept_generated_images_are_a_fixed_subset_for_a_seed():
    a, b = keep_indices(178, 14, seed=5), keep_indices(178, 14, seed=5)
    assert np.array_equal(a, b) and len(set(a.tolist())) == 14 and np.all(np.diff(a) > 0)
    assert a.max() < 178 and not np.array_equal(a, keep_indices(178, 14, seed=6))
    assert np.array_equal(keep_indices(7, 7, seed=0), np.arange(7))
    with pytest.raises(ValueError):
        keep_indices(3, 4, seed=0)


def _fold_with_stand_in_gans(monkeypatch, tmp_path, n_real: dict[int, int], n_accepted: dict[int, int]):
    """``_augment`` on a fold of n_real[c] 16x16 images per class, with GANs that make
    images marked by their class and a screen that accepts the first n_accepted[c] of them."""
    rng = np.random.default_rng(0)
    y = np.concatenate([np.full(n_real[c], c) for c in (0, 1)])
    images = (15 + rng.normal(0, 1, (len(y), 16, 16))).astype(np.float32)

    def train_gan(real, model_dir, **kw):
        return model_dir

    def generate(model_dir, n, seed=0, site=None):
        label = int(str(model_dir)[-1])                                    # <fold dir>/gan_class<label>
        fake = (15 + rng.normal(0, 1, (n, 16, 16))).astype(np.float32)
        fake[:, 0, 0] = 100 * label + np.arange(n)                         # class and index, readable back
        return fake

    def plausible(fake, real, fake_sites=None, real_sites=None):
        label = int(fake[0, 0, 0] // 100)
        return np.arange(len(fake)) < n_accepted[label]

    monkeypatch.setattr(thermoquake.gan, "train_gan", train_gan, raising=False)
    monkeypatch.setattr(thermoquake.gan, "generate", generate, raising=False)
    monkeypatch.setattr(run, "_plausible", plausible)
    config = TrainConfig(window=3, augment="gan", channels=("lst", "mask"), gan_copies=2)
    normaliser = Normaliser.fit(images, config.channels)
    x = np.stack([normaliser.encode(i) for i in images])
    x_fit, y_fit, note = run._augment(config, x, y, images, ["S"] * len(y), normaliser, tmp_path, seed=0)
    return y, y_fit, note


def test_gan_augmentation_gives_both_classes_of_a_fold_the_same_real_to_fake_ratio(monkeypatch, tmp_path):
    y, y_fit, note = _fold_with_stand_in_gans(monkeypatch, tmp_path, {0: 6, 1: 3}, {0: 12, 1: 3})
    added = np.bincount(y_fit[len(y):], minlength=2)
    assert added.tolist() == [6, 3]                          # 1 per real image, set by class 1's 3 of 6
    assert note["ratio"] == pytest.approx(1.0) and note["added"] == 9
    assert note["per_class"]["0"] | {"gan": None, "memorisation": None} == {
        "real": 6, "generated": 12, "accepted": 12, "added": 6, "gan": None, "memorisation": None}
    assert note["per_class"]["1"]["accepted"] == 3 and note["per_class"]["1"]["added"] == 3


def test_a_fold_where_one_class_gan_yields_nothing_gets_no_generated_images(monkeypatch, tmp_path):
    y, y_fit, note = _fold_with_stand_in_gans(monkeypatch, tmp_path, {0: 4, 1: 4}, {0: 8, 1: 0})
    assert len(y_fit) == len(y) and note["added"] == 0 and note["ratio"] == 0.0
    assert note["per_class"]["0"]["accepted"] == 8 and note["per_class"]["0"]["added"] == 0
