"""Gate for generated images: Eq. 6, anomaly-map agreement, distribution checks,
the accept/reject gate and ``thermoquake rst validate``."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import rasterio
from scipy.ndimage import gaussian_filter

from thermoquake.errors import ThermoquakeError
from thermoquake.image.crop import GEOGRAPHIC_CRS
from thermoquake.image.grid import EpicentreGrid
from thermoquake.rst.validate import parse_set, rows_as_json, set_means, validate_sets
from thermoquake.rst.gate import (
    GateThresholds,
    anomaly_agreement,
    distribution_checks,
    eq6_sigma_map,
    eq6_statistic,
    gate,
    grey_scale_limits,
    spectrum_distance,
    to_grey_levels,
)

SIZE = 64
GRID = EpicentreGrid(35.0, 100.0, SIZE)


def _smooth(rng: np.random.Generator, sigma: float, std: float) -> np.ndarray:
    field = gaussian_filter(rng.standard_normal((SIZE, SIZE)), sigma, mode="wrap")
    return field * (std / field.std())


def _disc(row: int, col: int, radius: float, amplitude: float) -> np.ndarray:
    yy, xx = np.mgrid[:SIZE, :SIZE]
    return np.where((yy - row) ** 2 + (xx - col) ** 2 <= radius**2, amplitude, 0.0)


@pytest.fixture(scope="module")
def scene():
    """A site: fixed terrain structure (5 K), per-day smooth weather (1 K) and sensor noise
    (0.3 K); 12 reference days, and the real day with a +4 K disc of radius 8 px."""
    rng = np.random.default_rng(7)
    structure = 10.0 + _smooth(rng, 6.0, 5.0)

    def day() -> np.ndarray:
        return structure + rng.normal(0, 0.5) + _smooth(rng, 4.0, 1.0) + rng.normal(0, 0.3, (SIZE, SIZE))

    reference = np.stack([day() for _ in range(12)])
    reference[0, :5, :9] = np.nan                       # some cloud
    real = day() + _disc(20, 40, 8, 4.0)
    return real, reference


def _thresholds() -> GateThresholds:
    return GateThresholds(min_count=5)


# --- grey levels and Eq. 6 -------------------------------------------------------------------


def test_grey_levels_reserve_zero_for_no_data():
    grey = to_grey_levels(np.array([[np.nan, -5.0, 0.0], [10.0, 20.0, 99.0]]), 0.0, 10.0)
    assert grey.dtype == np.uint8
    assert grey.tolist() == [[0, 1, 1], [255, 255, 255]]
    assert to_grey_levels(np.array([[5.0]]), 0.0, 10.0)[0, 0] == 128


def test_eq6_matches_an_explicit_loop_on_a_tiny_stack():
    rng = np.random.default_rng(1)
    real = rng.normal(20, 3, (3, 4, 5))
    real[0, 1, 2] = np.nan
    real[1, 0, 0] = np.nan
    gen = rng.normal(20, 3, (2, 4, 5))
    gen[1, 3, 4] = np.nan
    gen[:, 2, 2] = np.nan                                # a pixel no generated image has
    lo, hi = 14.0, 26.0

    def grey_delta(img):
        g = to_grey_levels(img, lo, hi).astype(float)
        nz = [(y, x) for y in range(4) for x in range(5) if g[y, x] != 0]
        gbar = sum(g[p] for p in nz) / len(nz)
        return [[(g[y, x] - gbar) if g[y, x] != 0 else 0.0 for x in range(5)] for y in range(4)], \
               [[1.0 if g[y, x] != 0 else 0.0 for x in range(5)] for y in range(4)]

    real_d = [grey_delta(r) for r in real]
    gen_d = [grey_delta(g) for g in gen]
    expected = np.full((4, 5), np.nan)
    for y in range(4):
        for x in range(5):
            n_real = sum(a[y][x] for _, a in real_d)
            mu = sum(d[y][x] for d, _ in real_d) / n_real
            den = sum(a[y][x] for _, a in gen_d)
            num = sum((d[y][x] * a[y][x] - mu) ** 2 for d, a in gen_d)
            if den > 0:
                expected[y, x] = math.sqrt(num / den)
    got = eq6_sigma_map(gen, real, lo, hi)
    np.testing.assert_allclose(got, expected, rtol=1e-12, equal_nan=True)
    assert math.isnan(got[2, 2])
    assert eq6_statistic(gen, real, lo, hi) == pytest.approx(np.nanmean(expected), rel=1e-12)


def test_eq6_of_one_image_is_its_mean_absolute_departure_from_the_real_mean():
    rng = np.random.default_rng(2)
    real = rng.normal(0, 1, (6, 8, 8))
    gen = rng.normal(0, 1, (8, 8))
    lo, hi = grey_scale_limits(real)
    g = to_grey_levels(gen, lo, hi).astype(float)
    r = to_grey_levels(real, lo, hi).astype(float)
    mu = (r - r.mean(axis=(1, 2), keepdims=True)).mean(axis=0)
    assert eq6_statistic(gen, real) == pytest.approx(np.mean(np.abs(g - g.mean() - mu)))


# --- anomaly agreement -----------------------------------------------------------------------


def test_identical_anomaly_maps_agree_fully_and_shifted_ones_do_not():
    r = np.zeros((SIZE, SIZE)) + _disc(30, 30, 6, 3.0)
    same = anomaly_agreement(r, r.copy(), GRID)
    assert (same.iou, same.centroid_distance_km) == (1.0, 0.0)
    moved = anomaly_agreement(np.roll(r, 10, axis=1), r, GRID)
    assert moved.iou < 0.3
    assert moved.centroid_distance_km == pytest.approx(10.0, rel=0.02)   # 1 km pixels


def test_anomaly_agreement_without_any_anomaly_is_full_and_one_sided_is_undefined():
    quiet = np.zeros((8, 8))
    assert anomaly_agreement(quiet, quiet, GRID.transform).iou == 1.0
    hot = quiet.copy()
    hot[2, 2] = 5.0
    one_sided = anomaly_agreement(hot, quiet, GRID.transform)
    assert one_sided.iou == 0.0 and math.isnan(one_sided.centroid_distance_km)


# --- distribution checks ---------------------------------------------------------------------


def test_distribution_checks_are_zero_for_identical_images_and_grow_with_a_warm_offset(scene):
    real, _ = scene
    same = distribution_checks(real, real.copy())
    assert (same.mean_diff_k, same.std_diff_k, same.histogram_distance_k, same.spectrum_distance) == (0, 0, 0, 0)
    small, large = distribution_checks(real + 1.0, real), distribution_checks(real + 3.0, real)
    assert small.mean_diff_k == pytest.approx(1.0) and large.mean_diff_k == pytest.approx(3.0)
    assert small.histogram_distance_k == pytest.approx(1.0) and large.histogram_distance_k == pytest.approx(3.0)
    assert abs(large.std_diff_k) < 1e-9 and large.spectrum_distance < 1e-9


def test_spectrum_distance_separates_a_smooth_field_from_white_noise():
    rng = np.random.default_rng(3)
    smooth_a, smooth_b = _smooth(rng, 5.0, 2.0), _smooth(rng, 5.0, 2.0)
    noise = rng.normal(0, 2.0, (SIZE, SIZE))
    assert spectrum_distance(smooth_a, smooth_b) < 0.5
    assert spectrum_distance(noise, smooth_a) > 2.0


# --- the gate --------------------------------------------------------------------------------


def test_the_real_image_of_the_day_is_accepted_with_full_agreement(scene):
    real, reference = scene
    verdict = gate(real.copy(), real, reference, GRID, _thresholds())
    assert verdict.accepted, verdict.reasons
    assert verdict.figures["iou"] == 1.0 and verdict.figures["centroid_km"] == 0.0
    assert verdict.figures["eq6_ratio"] < GateThresholds().max_eq6_ratio


def _reasons(verdict) -> set[str]:
    return {reason.split()[0] for reason in verdict.reasons}


def test_white_noise_is_rejected_for_eq6_spectrum_and_anomaly_overlap(scene):
    real, reference = scene
    rng = np.random.default_rng(4)
    noise = rng.normal(np.nanmean(real), np.nanstd(real), real.shape)
    verdict = gate(noise, real, reference, GRID, _thresholds())
    assert not verdict.accepted
    assert {"eq6_ratio", "spectrum_distance", "iou"} <= _reasons(verdict)
    assert any("> max 0.5" in r and "by" in r for r in verdict.reasons if r.startswith("spectrum"))


def test_a_constant_image_is_rejected_for_its_spread_and_spectrum(scene):
    real, reference = scene
    verdict = gate(np.full(real.shape, np.nanmean(real)), real, reference, GRID, _thresholds())
    assert not verdict.accepted
    assert {"|std_diff_k|", "spectrum_distance", "eq6_ratio"} <= _reasons(verdict)


def test_a_shifted_image_is_rejected_for_misplaced_structure_and_anomaly(scene):
    real, reference = scene
    verdict = gate(np.roll(real, 20, axis=1), real, reference, GRID, _thresholds())
    assert not verdict.accepted
    assert {"eq6_ratio", "iou"} <= _reasons(verdict)


def test_a_blurred_image_is_rejected_for_its_missing_fine_scales(scene):
    real, reference = scene
    verdict = gate(gaussian_filter(real, 3.0), real, reference, GRID, _thresholds())
    assert not verdict.accepted
    assert "spectrum_distance" in _reasons(verdict)


def test_a_warm_offset_is_rejected_for_mean_and_histogram(scene):
    real, reference = scene
    verdict = gate(real + 3.0, real, reference, GRID, _thresholds())
    assert {"|mean_diff_k|", "histogram_distance_k"} <= _reasons(verdict)
    assert any(r.startswith("|mean_diff_k| 3") and "by 1" in r for r in verdict.reasons)


def test_the_model_free_checks_alone_give_the_gates_own_reasons(scene):
    from thermoquake.rst.gate import distribution_reasons

    real, reference = scene
    for generated in (real + 3.0, gaussian_filter(real, 3.0), real + 0.01):
        verdict = gate(generated, real, reference, GRID, _thresholds())
        alone = distribution_reasons(distribution_checks(generated, real), _thresholds())
        assert alone == [r for r in verdict.reasons if r.split()[0] in
                         ("|mean_diff_k|", "|std_diff_k|", "histogram_distance_k", "spectrum_distance")]
    assert distribution_reasons(distribution_checks(real + 3.0, real))
    assert distribution_reasons(distribution_checks(real + 0.01, real)) == []


def test_images_of_a_strongly_anomalous_day_may_be_as_far_from_the_reference_as_it_is(scene):
    """A real day warmed by +4 K over a wide patch scores Eq. 6 well above 1.25 itself: its
    near-copies pass (the limit follows the real day's ratio), noise still fails."""
    real, reference = scene
    hot = real + _disc(32, 32, 24, 4.0)
    rng = np.random.default_rng(9)
    near = hot + rng.normal(0, 0.1, hot.shape)
    verdict = gate(near, hot, reference, GRID, _thresholds())
    assert verdict.figures["real_eq6_ratio"] > 1.5 and verdict.figures["eq6_ratio"] > 1.25
    assert verdict.accepted, verdict.reasons
    fixed = gate(near, hot, reference, GRID, GateThresholds(min_count=5, max_eq6_over_real=None))
    assert "eq6_ratio" in _reasons(fixed)
    noise = gate(rng.normal(np.nanmean(hot), np.nanstd(hot), hot.shape), hot, reference, GRID, _thresholds())
    eq6 = [r for r in noise.reasons if r.startswith("eq6_ratio")]
    assert eq6 and "x the real day's" in eq6[0]


def test_an_empty_generated_image_is_rejected(scene):
    real, reference = scene
    verdict = gate(np.full(real.shape, np.nan), real, reference, GRID)
    assert not verdict.accepted and "no valid pixel" in verdict.reasons[0]


# --- validating sets of GeoTIFFs (`thermoquake rst validate`) ---------------------------------


def _write(path, values):
    profile = {"driver": "GTiff", "width": SIZE, "height": SIZE, "count": 1, "dtype": "float32",
               "crs": GEOGRAPHIC_CRS, "transform": GRID.transform, "nodata": np.nan}
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(values.astype(np.float32), 1)


@pytest.fixture(scope="module")
def tiffs(scene, tmp_path_factory):
    real, reference = scene
    root = tmp_path_factory.mktemp("validate")
    (root / "ref").mkdir()
    for i, img in enumerate(reference):
        _write(root / "ref" / f"ref_{i:02d}.tif", img)
    _write(root / "real.tif", real)
    for name in ("dcgan", "improved"):
        (root / name).mkdir()
    rng = np.random.default_rng(5)
    _write(root / "dcgan" / "g1.tif", rng.normal(np.nanmean(real), np.nanstd(real), real.shape))
    _write(root / "dcgan" / "g2.tif", gaussian_filter(real, 3.0))
    _write(root / "improved" / "g1.tif", real)
    _write(root / "improved" / "g2.tif", real + 0.2)
    return root


def test_validate_sets_gives_one_verdict_per_image_in_set_order(tiffs):
    rows = validate_sets(tiffs / "real.tif", [str(tiffs / "ref")],
                         [parse_set(f"dcgan={tiffs / 'dcgan'}"), parse_set(f"improved={tiffs / 'improved' / '*.tif'}")])
    assert [(r.label, r.path.name, r.verdict.accepted) for r in rows] == [
        ("dcgan", "g1.tif", False), ("dcgan", "g2.tif", False),
        ("improved", "g1.tif", True), ("improved", "g2.tif", True)]
    assert all(r.verdict.reasons for r in rows[:2]) and not any(r.verdict.reasons for r in rows[2:])
    assert {label: m["accepted"] for label, m in set_means(rows).items()} == {"dcgan": 0.0, "improved": 1.0}
    assert 0.5 < rows[0].verdict.figures["real_eq6_ratio"] < 1.25     # this scene's real day is moderate


def test_validate_sets_as_json_lists_verdicts_and_set_means(tiffs):
    rows = validate_sets(tiffs / "real.tif", [str(tiffs / "ref" / "*.tif")], [("improved", str(tiffs / "improved"))])
    data = json.loads(json.dumps(rows_as_json(rows)))
    assert [i["accepted"] for i in data["images"]] == [True, True]
    assert data["images"][0]["figures"]["iou"] == 1.0
    assert data["sets"]["improved"]["accepted"] == 1.0


def test_a_set_without_label_is_refused_in_one_line():
    with pytest.raises(ThermoquakeError, match="LABEL=DIR_OR_GLOB") as err:
        parse_set("nolabel")
    assert len(str(err.value).splitlines()) == 1


def test_a_set_with_no_geotiff_is_refused_in_one_line(tiffs):
    with pytest.raises(ThermoquakeError, match="no GeoTIFF found") as err:
        validate_sets(tiffs / "real.tif", [str(tiffs / "ref")], [parse_set("x=/nonexistent/dir")])
    assert len(str(err.value).splitlines()) == 1


def test_another_plausible_day_with_the_anomaly_in_place_is_accepted(scene):
    """What a good generator should give: new weather and noise, the same site structure and
    the anomaly where the real one is."""
    real, reference = scene
    rng = np.random.default_rng(11)
    structure = np.nanmean(reference, axis=0)
    other = structure + _smooth(rng, 4.0, 1.0) + rng.normal(0, 0.3, real.shape) + _disc(20, 40, 8, 4.0)
    verdict = gate(other, real, reference, GRID, _thresholds())
    assert verdict.accepted, verdict.reasons


def test_validate_with_a_missing_real_image_names_it(tiffs):
    with pytest.raises(ThermoquakeError) as err:
        validate_sets(tiffs / "missing.tif", [str(tiffs / "ref")], [("a", str(tiffs / "improved"))])
    assert str(err.value) == f"{tiffs / 'missing.tif'}: no such file"
