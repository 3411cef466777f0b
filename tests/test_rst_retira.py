"""RETIRA: R against an explicit per-pixel computation written independently here,
NaN patterns, the min-count and sigma = 0 rules, streaming == batch, block-wise == whole."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

from thermoquake.rst import (DEFAULT_SIGMA_FLOOR_K, ReferenceStats, reference_stats, retira, retira_result,
                             spatial_mean_anomaly)
from thermoquake.rst.retira import null_exceedance, spatial_mean


def explicit_retira(target: np.ndarray, reference: np.ndarray, min_count: int,
                    sigma_floor: float = 0.0) -> np.ndarray:
    """Independent, loop-based RETIRA: plain Python floats, no numpy reductions; sigma is
    raised to ``sigma_floor`` (K)."""
    def anomaly(img):
        vals = [float(v) for v in img.ravel() if not math.isnan(v)]
        m = sum(vals) / len(vals) if vals else math.nan
        return [[float(v) - m for v in row] for row in img]

    t = anomaly(target)
    refs = [anomaly(img) for img in reference]
    h, w = target.shape
    out = np.full((h, w), np.nan)
    for i in range(h):
        for j in range(w):
            samples = [r[i][j] for r in refs if not math.isnan(r[i][j])]
            if math.isnan(t[i][j]) or len(samples) < min_count:
                continue
            mu = sum(samples) / len(samples)
            sd = max(math.sqrt(sum((s - mu) ** 2 for s in samples) / len(samples)), sigma_floor)
            if sd == 0:
                continue
            out[i, j] = (t[i][j] - mu) / sd
    return out


def _random_stack(rng, n, h, w, nan_fraction):
    stack = 15 + 3 * rng.standard_normal((n, h, w))
    stack[rng.random((n, h, w)) < nan_fraction] = np.nan
    return stack


def test_hand_built_stack_matches_explicit_values():
    nan = np.nan
    reference = np.array([
        [[10.0, 12.0], [14.0, nan]],
        [[11.0, 12.0], [16.0, 20.0]],
        [[nan, 12.0], [13.0, 21.0]],
        [[12.0, 12.0], [18.0, nan]],
    ])
    target = np.array([[13.0, 12.0], [nan, 22.0]])
    r = retira(target, reference, min_count=2, sigma_floor_k=0.0)
    # target mean = (13 + 12 + 22)/3 = 47/3
    expected = explicit_retira(target, reference, 2)
    np.testing.assert_allclose(r, expected, rtol=1e-12, equal_nan=True)
    assert np.isnan(r[1, 0])           # target has no data there
    assert np.isfinite(r[0, 0]) and np.isfinite(r[1, 1])
    # pixel (0,0) by hand: reference dT = 10-12=-2 (ref0 mean 12), 11-14.75=-3.75, 12-14=-2
    ref_means = [12.0, 14.75, 46 / 3, 14.0]
    samples = [10 - ref_means[0], 11 - ref_means[1], 12 - ref_means[3]]
    mu = sum(samples) / 3
    sd = math.sqrt(sum((s - mu) ** 2 for s in samples) / 3)
    assert r[0, 0] == pytest.approx((13 - 47 / 3 - mu) / sd, rel=1e-12)


def test_min_count_rule_blanks_pixels_with_too_few_clear_years():
    rng = np.random.default_rng(1)
    reference = _random_stack(rng, 6, 3, 4, 0.0)
    reference[:4, 0, 0] = np.nan        # 2 valid samples
    reference[:3, 0, 1] = np.nan        # 3 valid samples
    target = 15 + rng.standard_normal((3, 4))
    r3 = retira(target, reference, min_count=3)
    assert np.isnan(r3[0, 0]) and np.isfinite(r3[0, 1])
    r4 = retira(target, reference, min_count=4)
    assert np.isnan(r4[0, 0]) and np.isnan(r4[0, 1]) and np.isfinite(r4[1, 1])
    np.testing.assert_allclose(r3, explicit_retira(target, reference, 3, DEFAULT_SIGMA_FLOOR_K), rtol=1e-10,
                               equal_nan=True)


def test_zero_sigma_without_floor_gives_nan_not_inf():
    # image mean is 0 in every year: the diagonal pixels have a constant dT (sigma = 0)
    reference = np.stack([np.array([[0.0, k], [-k, 0.0]]) for k in range(4)])
    base = np.array([[1.0, 2.0], [3.0, 4.0]])
    constant = np.stack([base for _ in range(5)])            # identical images: sigma = 0 everywhere
    r = retira(base + 1, constant, min_count=1, sigma_floor_k=0.0)
    assert np.isnan(r).all()
    r2 = retira(base, reference, min_count=1, sigma_floor_k=0.0)
    np.testing.assert_allclose(r2, explicit_retira(base, reference, 1), equal_nan=True)
    assert not np.isinf(r2).any()
    assert np.isnan(r2[0, 0]) and np.isnan(r2[1, 1]) and np.isfinite(r2[0, 1]) and np.isfinite(r2[1, 0])


def test_random_stacks_with_nans_match_explicit_computation():
    rng = np.random.default_rng(2)
    for trial in range(5):
        n, h, w = rng.integers(3, 10), rng.integers(2, 7), rng.integers(2, 7)
        reference = _random_stack(rng, n, h, w, 0.3)
        target = _random_stack(rng, 1, h, w, 0.2)[0]
        for min_count in (1, 3, 5):
            for floor in (0.0, DEFAULT_SIGMA_FLOOR_K, 2.0):
                np.testing.assert_allclose(retira(target, reference, min_count=min_count, sigma_floor_k=floor),
                                           explicit_retira(target, reference, min_count, floor),
                                           rtol=1e-9, atol=1e-12, equal_nan=True)


def test_streaming_equals_batch_statistics():
    rng = np.random.default_rng(3)
    stack = _random_stack(rng, 12, 20, 30, 0.25)
    stats = ReferenceStats((20, 30))
    for image in stack:
        stats.add(image)
    deltas = np.stack([spatial_mean_anomaly(im)[0] for im in stack])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)   # all-NaN pixels in the numpy reference
        mean, std = np.nanmean(deltas, axis=0), np.nanstd(deltas, axis=0)
    np.testing.assert_array_equal(stats.count, np.isfinite(deltas).sum(axis=0))
    np.testing.assert_allclose(stats.mean, mean, rtol=1e-12, atol=1e-12, equal_nan=True)
    np.testing.assert_allclose(stats.std, std, rtol=1e-10, atol=1e-12, equal_nan=True)
    target = _random_stack(rng, 1, 20, 30, 0.1)[0]
    np.testing.assert_array_equal(retira(target, stats, min_count=3), retira(target, stack, min_count=3))
    np.testing.assert_array_equal(retira(target, iter(list(stack)), min_count=3),
                                  retira(target, stack, min_count=3))


def test_merged_accumulators_equal_one_pass():
    rng = np.random.default_rng(4)
    stack = _random_stack(rng, 10, 8, 9, 0.3)
    whole = reference_stats(stack)
    a, b = reference_stats(stack[:4]), reference_stats(stack[4:])
    a.merge(b)
    np.testing.assert_array_equal(a.count, whole.count)
    np.testing.assert_allclose(a.mean, whole.mean, rtol=1e-12, atol=1e-13, equal_nan=True)
    np.testing.assert_allclose(a.std, whole.std, rtol=1e-10, atol=1e-13, equal_nan=True)


def test_blockwise_processing_equals_whole_image():
    rng = np.random.default_rng(5)
    stack = _random_stack(rng, 7, 40, 50, 0.2)
    target = _random_stack(rng, 1, 40, 50, 0.2)[0]
    whole = retira(target, stack, min_count=3)
    means = [spatial_mean(im) for im in stack]          # first pass: whole-image means
    target_mean = spatial_mean(target)
    out = np.full_like(whole, np.nan)
    for r0 in range(0, 40, 16):
        for c0 in range(0, 50, 16):
            sl = np.s_[r0:r0 + 16, c0:c0 + 16]
            block_shape = target[sl].shape
            stats = ReferenceStats(block_shape)
            for image, m in zip(stack, means):
                stats.add(image[sl], spatial_mean=m)
            out[sl] = retira(target[sl], stats, min_count=3, spatial_mean=target_mean)
    np.testing.assert_allclose(out, whole, rtol=1e-12, atol=1e-12, equal_nan=True)


def test_result_reports_clear_sky_fraction_and_counts():
    target = np.array([[1.0, np.nan], [np.nan, np.nan]])
    res = retira_result(target, np.ones((3, 2, 2)) + np.arange(3)[:, None, None], min_count=1)
    assert res.clear_sky_fraction == 0.25
    assert res.n_reference == 3
    assert res.count.tolist() == [[3, 3], [3, 3]]


def test_all_cloud_images_are_handled_without_warnings(recwarn):
    reference = np.full((4, 3, 3), np.nan)
    reference[0] = 1.0
    delta, clear = spatial_mean_anomaly(np.full((3, 3), np.nan))
    assert clear == 0.0 and np.isnan(delta).all()
    r = retira(np.full((3, 3), np.nan), reference, min_count=1)
    assert np.isnan(r).all()
    assert not [w for w in recwarn if issubclass(w.category, RuntimeWarning)]


def test_bad_shapes_and_min_count_are_refused():
    with pytest.raises(ValueError):
        retira(np.zeros((2, 2)), np.zeros((3, 2, 3)))
    with pytest.raises(ValueError):
        retira(np.zeros((2, 2)), np.zeros((3, 2, 2)), min_count=0)
    with pytest.raises(ValueError):
        retira(np.zeros((2, 2, 2)), np.zeros((3, 2, 2)))


def test_null_exceedance_matches_simulation_and_gaussian_limit():
    assert null_exceedance(2.0, 10**7) == pytest.approx(0.02275, abs=1e-4)
    rng = np.random.default_rng(6)
    n, trials = 5, 400_000
    ref = rng.standard_normal((trials, n))
    x = rng.standard_normal(trials)
    r = (x - ref.mean(axis=1)) / ref.std(axis=1)
    p = null_exceedance(2.0, n)
    sd = math.sqrt(p * (1 - p) / trials)
    assert abs((r >= 2).mean() - p) < 5 * sd


def _write_tif(path, array):
    import rasterio
    from affine import Affine

    profile = {"driver": "GTiff", "width": array.shape[1], "height": array.shape[0], "count": 1,
               "dtype": "float32", "crs": "EPSG:4326", "transform": Affine(0.01, 0, 100, 0, -0.01, 30),
               "nodata": np.nan}
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(array.astype(np.float32), 1)
    return path


def test_geotiff_row_blocks_equal_in_memory_retira(tmp_path):
    import rasterio

    from thermoquake.rst.blocks import retira_geotiff

    rng = np.random.default_rng(7)
    stack = _random_stack(rng, 6, 37, 23, 0.3).astype(np.float32)
    stack[2] = np.nan                                    # an all-cloud year
    target = _random_stack(rng, 1, 37, 23, 0.2)[0].astype(np.float32)
    refs = [_write_tif(tmp_path / f"r{i}.tif", im) for i, im in enumerate(stack)]
    tpath = _write_tif(tmp_path / "t.tif", target)
    summary = retira_geotiff(tpath, refs, tmp_path / "R.tif", min_count=3, block_rows=5)
    with rasterio.open(tmp_path / "R.tif") as src:
        got = src.read(1)
    expected = retira(target.astype(np.float64), stack.astype(np.float64), min_count=3)
    np.testing.assert_allclose(got, expected.astype(np.float32), rtol=1e-6, equal_nan=True)
    assert summary.n_reference == 6
    assert summary.clear_sky_fraction == pytest.approx(np.isfinite(target).mean())
