"""The memorisation check tells copies of the training images from new images."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.ndimage import gaussian_filter

from thermoquake.gan.memorisation import median_pairwise_distance, memorisation, nearest_distances


def _days(n: int, seed: int, size: int = 32) -> np.ndarray:
    rng = np.random.default_rng(seed)
    terrain = gaussian_filter(np.random.default_rng(0).standard_normal((size, size)), 3) * 20
    return np.stack([terrain + gaussian_filter(rng.standard_normal((size, size)), 2) * 3 + rng.normal(0, 2)
                     for _ in range(n)])


def test_copies_of_training_images_are_flagged_and_new_days_are_not():
    train, heldout, new = _days(12, 1), _days(6, 2), _days(6, 3)
    copies = train[:6] + np.random.default_rng(4).normal(0, 0.01, train[:6].shape) + 1.5    # warmer copies
    m_copy = memorisation(copies, train, heldout)
    m_new = memorisation(new, train, heldout)
    assert m_copy.ratio < 0.1 and m_copy.copies == 1.0
    assert 0.7 < m_new.ratio < 1.4 and m_new.copies < 0.5
    loo = memorisation(new, train)                      # no held-out set: leave-one-out reference
    assert 0.7 < loo.ratio < 1.4


def test_distance_is_rms_kelvin_over_common_pixels_after_removing_means():
    a = np.zeros((1, 4, 4))
    b = np.zeros((1, 4, 4))
    b[0, 0, 0] = 4.0
    b[0, 3, :] = np.nan                                  # not compared
    d = (b[0][np.isfinite(b[0])] - b[0][np.isfinite(b[0])].mean())
    assert nearest_distances(a, b)[0] == pytest.approx(np.sqrt(np.mean(d ** 2)))
    assert nearest_distances(a + 7.0, a)[0] == 0.0
    assert nearest_distances(a, np.full((1, 4, 4), np.nan))[0] == np.inf


def test_leave_one_out_never_compares_an_image_with_itself():
    train = _days(3, 5)
    assert (nearest_distances(train, train, leave_one_out=True) > 0.1).all()
    assert (nearest_distances(train, train) == 0).all()


def test_mode_collapse_to_the_mean_field_is_low_diversity_but_new_days_are_not():
    train, heldout, new = _days(12, 1), _days(6, 2), _days(6, 3)
    collapsed = np.repeat(train.mean(axis=0)[None], 6, axis=0) + np.random.default_rng(5).normal(0, 0.01, (6, 32, 32))
    m_collapsed = memorisation(collapsed, train, heldout)
    m_new = memorisation(new, train, heldout)
    assert m_collapsed.ratio > 0.5          # not a copy of any one training image ...
    assert m_collapsed.diversity < 0.1      # ... but every image alike
    assert 0.7 < m_new.diversity < 1.4
    assert m_new.real_spread_k == pytest.approx(median_pairwise_distance(heldout))


def test_median_pairwise_distance_needs_two_comparable_images():
    assert np.isnan(median_pairwise_distance(_days(1, 1)))
    two = np.zeros((2, 4, 4))
    two[1, 0, 0] = 4.0
    assert median_pairwise_distance(two) == pytest.approx(nearest_distances(two[:1], two[1:])[0])
