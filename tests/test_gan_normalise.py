"""The GAN's temperature encodings: whole-field scaling and departures from the mean field."""

from __future__ import annotations

import numpy as np
import pytest

from thermoquake.errors import ThermoquakeError
from thermoquake.gan.normalise import (BASE_FILE, NORMALISATION_FILE, RESIDUAL_TARGET, fit_normalisation,
                                       load_normalisation, save_normalisation, site_key)


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
    assert norm.base == "mean" and norm.base_c.shape == (1, 16, 16) and norm.sites is None
    expected = np.nanmean(images[:, 3:, :], axis=0)
    np.testing.assert_allclose(norm.base_c[0, 3:], expected, atol=1e-4)
    np.testing.assert_allclose(norm.base_c[0, :3, :5], np.nanmean(images), atol=1e-4)   # never valid: the mean
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
    hottest = norm.decode(np.ones((1, 16, 16, 2), np.float32))[0] - norm.base_c[0]
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


def _two_sites() -> tuple[np.ndarray, list[str]]:
    """SYNTHETIC: site A's terrain rises west to east, site B's is 30 K colder and flat."""
    a = _site(6, seed=1)
    b = (np.random.default_rng(2).normal(-30.0, 1.0, (4, 16, 16))).astype(np.float32)
    names = [site_key(31.0, 103.4)] * 6 + [site_key(-33.5, -70.2)] * 4
    order = [0, 6, 1, 7, 2, 8, 3, 9, 4, 5]                       # interleaved, as a workdir lists them
    return np.concatenate([a, b])[order], [names[i] for i in order]


def test_each_site_gets_its_own_mean_field_and_its_terrain_back():
    images, sites = _two_sites()
    norm = fit_normalisation(images, base="mean", sites=sites)
    assert norm.sites == (site_key(31.0, 103.4), site_key(-33.5, -70.2)) and norm.base_c.shape == (2, 16, 16)
    mask = np.asarray(sites) == norm.sites[1]
    np.testing.assert_allclose(norm.base_c[1], images[mask].mean(axis=0), atol=1e-4)
    enc = norm.encode(images, sites)
    valid = enc[..., 1] > 0
    # the pooled field would leave the 30 K site difference in the departures; per site it is gone
    assert np.mean(np.abs(enc[..., 0][valid]) <= RESIDUAL_TARGET) == pytest.approx(0.98, abs=0.01)
    np.testing.assert_allclose(norm.decode(enc, sites)[valid], images[valid], atol=1e-4)
    # one generated departure field, decoded for each site, carries that site's terrain
    zero = np.zeros((2, 16, 16, 2), np.float32) + np.array([0.0, 1.0], np.float32)
    a, b = norm.decode(zero, list(norm.sites))
    assert a[8, 15] - a[8, 0] > 30 and abs(b.mean() + 30) < 1 and np.ptp(b) < 3


def test_a_site_the_model_did_not_learn_is_refused_not_given_another_terrain():
    images, sites = _two_sites()
    norm = fit_normalisation(images, base="mean", sites=sites)
    out = np.zeros((1, 16, 16, 2), np.float32)
    with pytest.raises(ValueError, match="not one the model learnt"):
        norm.decode(out, [site_key(0.0, 0.0)])
    with pytest.raises(ValueError, match="say which site"):
        norm.decode(out)
    assert norm.sites_in_turn(3) == [norm.sites[0], norm.sites[1], norm.sites[0]]
    with pytest.raises(ValueError, match="site name"):
        fit_normalisation(images, base="mean", sites=sites[:3])


def test_site_fields_round_trip_and_a_model_saved_before_sites_still_loads(tmp_path):
    images, sites = _two_sites()
    norm = fit_normalisation(images, base="mean", sites=sites)
    save_normalisation(tmp_path, norm)
    loaded = load_normalisation(tmp_path)
    assert loaded.sites == norm.sites
    np.testing.assert_array_equal(loaded.encode(images, sites), norm.encode(images, sites))
    # an older model: one (H, W) field and no site names -> one field for any site
    import json

    np.save(tmp_path / BASE_FILE, norm.base_c[0])
    record = json.loads((tmp_path / NORMALISATION_FILE).read_text())
    del record["sites"]
    (tmp_path / NORMALISATION_FILE).write_text(json.dumps(record))
    old = load_normalisation(tmp_path)
    assert old.sites is None and old.base_c.shape == (1, 16, 16)
    centre = np.zeros((1, 16, 16, 2), np.float32) + np.array([0.0, 1.0], np.float32)
    np.testing.assert_allclose(old.decode(centre, [site_key(0.0, 0.0)])[0], norm.base_c[0] + old.centre_c,
                               atol=1e-4)
