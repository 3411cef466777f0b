"""The GAN's temperature encodings: whole-field scaling and departures from the mean field."""

from __future__ import annotations

import numpy as np
import pytest

from thermoquake.errors import ThermoquakeError
from thermoquake.gan.normalise import (BASE_FILE, RESIDUAL_TARGET, fit_normalisation, load_normalisation,
                                       save_normalisation)


def _site(n: int = 10, size: int = 16, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    terrain = np.linspace(-20.0, 20.0, size)[None, :] + np.zeros((size, 1))      # 40 K across the site
    images = terrain + rng.normal(0.0, 1.0, (n, size, size))
    images[:, :3, :5] = np.nan                                                   # a cloud on every day
    images[0, 8:, 8:] = np.nan
    return images.astype(np.float32)


def test_mean_base_encodes_departures_from_the_per_pixel_mean_field():
    images = _site()
    norm = fit_normalisation(images, base="mean")
    assert norm.base == "mean" and norm.base_c.shape == (16, 16)
    expected = np.nanmean(images[:, 3:, :], axis=0)
    np.testing.assert_allclose(norm.base_c[3:], expected, atol=1e-4)
    np.testing.assert_allclose(norm.base_c[:3, :5], np.nanmean(images), atol=1e-4)   # never valid: the mean
    enc = norm.encode(images)
    valid = enc[..., 1] > 0
    # the 40 K terrain is gone: departures of 1 K noise fill about +-0.5 at their 1st/99th percentiles
    assert np.mean(np.abs(enc[..., 0][valid]) <= RESIDUAL_TARGET) == pytest.approx(0.98, abs=0.01)
    assert np.all(enc[..., 0][~valid] == 0.0) and np.all(enc[..., 1][~valid] == -1.0)
    back = norm.decode(enc)
    np.testing.assert_allclose(back[valid], images[valid], atol=1e-4)
    assert np.isnan(back[~valid]).all()


def test_mean_base_leaves_room_for_departures_twice_the_percentiles():
    norm = fit_normalisation(_site(), base="mean")
    hottest = norm.decode(np.ones((1, 16, 16, 2), np.float32))[0] - norm.base_c
    assert hottest.min() == pytest.approx(norm.centre_c + 2 * (norm.departure_hi_k - norm.centre_c), abs=1e-4)


def test_whole_field_scaling_is_unchanged_by_the_base_option():
    images = _site()
    norm = fit_normalisation(images)
    assert norm.base == "none" and norm.base_c is None
    enc = norm.encode(images)
    assert np.mean(np.abs(enc[..., 0][enc[..., 1] > 0]) <= 0.9) == pytest.approx(0.98, abs=0.01)


def test_mean_field_is_saved_with_the_model_and_loaded_back(tmp_path):
    images = _site()
    norm = fit_normalisation(images, base="mean")
    save_normalisation(tmp_path, norm)
    loaded = load_normalisation(tmp_path)
    assert loaded.base == "mean"
    np.testing.assert_array_equal(loaded.base_c, norm.base_c)
    np.testing.assert_array_equal(loaded.encode(images), norm.encode(images))
    (tmp_path / BASE_FILE).unlink()
    with pytest.raises(ThermoquakeError, match=BASE_FILE):
        load_normalisation(tmp_path)


def test_a_model_of_another_image_size_is_refused():
    norm = fit_normalisation(_site(), base="mean")
    with pytest.raises(ValueError, match="mean field"):
        norm.encode(np.zeros((1, 8, 8), np.float32))
    with pytest.raises(ValueError, match="base"):
        fit_normalisation(_site(), base="median")
