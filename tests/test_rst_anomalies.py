"""Three-state anomaly maps, per-image summaries, noise-only exceedance, injected discs,
significant sequences, association radius/window and reference-date selection."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest

from thermoquake.image.grid import EpicentreGrid
from thermoquake.rst import ReferenceStats, null_exceedance, retira
from thermoquake.rst.anomalies import ANOMALY, NO_ANOMALY, NO_DATA, anomaly_states, summarize_anomalies
from thermoquake.study.calendar import reference_offset
from thermoquake.rst.reference import select_reference_dates
from thermoquake.rst.sequences import (
    DailyAnomaly,
    Quake,
    SequenceRules,
    association_radius_km,
    associated_quakes,
    daily_anomalies,
    is_associated,
    significant_sequences,
)

D = dt.date


def test_three_states_keep_clouds_apart_from_no_anomaly():
    r = np.array([[2.0, 1.99, np.nan], [-5.0, 3.5, np.nan]])
    states = anomaly_states(r)
    assert states.dtype == np.int8
    assert states.tolist() == [[ANOMALY, NO_ANOMALY, NO_DATA], [NO_ANOMALY, ANOMALY, NO_DATA]]
    assert anomaly_states(r, threshold=3.0).tolist() == [[0, 0, -1], [0, 1, -1]]


def test_noise_only_fraction_matches_finite_reference_expectation():
    """Target and N reference images iid N(0, 1) per pixel: P(R >= 2) is the Student-t value
    of ``null_exceedance`` (6.1 % for N = 8), not the Gaussian 2.3 %; pixels are independent,
    so the tolerance is 4 binomial standard deviations. (The formula is that of R without a
    sigma floor; a floor only lowers the fraction.)"""
    rng = np.random.default_rng(10)
    n, size = 8, 200
    r = retira(rng.standard_normal((size, size)), rng.standard_normal((n, size, size)), min_count=n,
               sigma_floor_k=0.0)
    p = null_exceedance(2.0, n)
    sd = math.sqrt(p * (1 - p) / size**2)
    assert abs(np.mean(r >= 2) - p) < 4 * sd
    assert p == pytest.approx(0.0606, abs=5e-4)


def test_noise_only_fraction_approaches_gaussian_with_many_years():
    rng = np.random.default_rng(11)
    n, size = 200, 100
    stats = ReferenceStats((size, size))
    for _ in range(n):
        stats.add(rng.standard_normal((size, size)))
    frac = float(np.mean(retira(rng.standard_normal((size, size)), stats, sigma_floor_k=0.0) >= 2))
    p = null_exceedance(2.0, n)                      # 2.35 %
    assert abs(frac - p) < 4 * math.sqrt(p * (1 - p) / size**2)
    assert abs(frac - 0.02275) < 0.004


def test_noise_with_clouds_matches_per_pixel_count_expectation():
    rng = np.random.default_rng(12)
    n, size = 10, 200
    reference = rng.standard_normal((n, size, size))
    reference[rng.random(reference.shape) < 0.4] = np.nan
    stats = ReferenceStats((size, size))
    for image in reference:
        stats.add(image)
    r = retira(rng.standard_normal((size, size)), stats, min_count=3, sigma_floor_k=0.0)
    valid = np.isfinite(r)
    p = null_exceedance(2.0, stats.count[valid]).mean()
    assert abs(np.mean(r[valid] >= 2) - p) < 4 * math.sqrt(p * (1 - p) / valid.sum())


def _disc_case(amplitude: float = 8.0, radius_px: float = 10.0, offset=(20, -30)):
    rng = np.random.default_rng(13)
    grid = EpicentreGrid(35.0, 100.0, 128)
    reference = rng.standard_normal((15, 128, 128))
    target = rng.standard_normal((128, 128))
    rows, cols = np.mgrid[0:128, 0:128] + 0.5
    centre = (64 + offset[0], 64 + offset[1])         # (row, col) of the disc centre
    disc = (rows - centre[0]) ** 2 + (cols - centre[1]) ** 2 <= radius_px**2
    target[disc] += amplitude
    lon, lat = grid.transform @ (centre[1], centre[0])
    return grid, retira(target, reference), disc, (lat, lon)


def test_injected_disc_is_found_at_its_place_with_its_area():
    grid, r, disc, (lat, lon) = _disc_case()
    regions = daily_anomalies(r, grid.transform, D(2010, 1, 1), SequenceRules(min_area_km2=50))
    assert len(regions) == 1
    region = regions[0]
    from thermoquake.catalog.geodesy import haversine_km
    assert float(haversine_km(region.lat, region.lon, lat, lon)) < 1.0
    assert region.area_km2 == pytest.approx(disc.sum(), rel=0.1)   # noise pixels touching the rim
    # the whole-image summary at threshold 4 (few noise pixels) sees the same disc
    s = summarize_anomalies(r, grid.transform, (grid.lat, grid.lon), threshold=4.0)
    assert s.anomalous_area_km2 == pytest.approx(disc.sum(), rel=0.15)
    expected_km = math.hypot(20, 30)                 # 1 km pixels
    assert s.centroid_distance_km == pytest.approx(expected_km, abs=2.0)
    assert s.max_r > 4 and s.valid_fraction == 1.0


def test_summary_of_an_image_without_anomaly_or_data():
    grid = EpicentreGrid(30.0, 100.0, 4)
    s = summarize_anomalies(np.full((4, 4), np.nan), grid.transform, (30.0, 100.0))
    assert s.anomalous_area_km2 == 0 and s.valid_fraction == 0
    assert math.isnan(s.max_r) and math.isnan(s.centroid_lat) and math.isnan(s.anomalous_fraction)
    s = summarize_anomalies(np.zeros((4, 4)), grid.transform, (30.0, 100.0))
    assert s.anomalous_area_km2 == 0 and s.valid_fraction == 1 and s.max_r == 0


def test_small_regions_are_rejected_as_isolated():
    grid = EpicentreGrid(30.0, 100.0, 64)
    r = np.zeros((64, 64))
    r[5:20, 5:20] = 3.0      # 225 km^2
    r[40:45, 40:45] = 3.0    # 25 km^2
    regions = daily_anomalies(r, grid.transform, D(2010, 1, 1))
    assert [x.area_km2 for x in regions] == [225.0]


def _a(day: int, lat: float = 30.0, lon: float = 100.0, area: float = 200.0) -> DailyAnomaly:
    return DailyAnomaly(D(2010, 5, day), lat, lon, area, 3.0)


def test_two_consecutive_nearby_days_make_a_sequence():
    seqs = significant_sequences([_a(1), _a(2, lat=30.2)])
    assert len(seqs) == 1 and seqs[0].days == 2 and seqs[0].start == D(2010, 5, 1)


def test_isolated_far_or_gapped_anomalies_make_no_sequence():
    assert significant_sequences([_a(1)]) == []
    assert significant_sequences([_a(1), _a(3)]) == []                     # a day without anomaly between
    assert significant_sequences([_a(1), _a(2, lat=31.0)]) == []           # 111 km apart > 50 km
    assert len(significant_sequences([_a(1), _a(2, lat=31.0)], SequenceRules(max_distance_km=150))) == 1
    assert significant_sequences([_a(1), _a(2), _a(3)], SequenceRules(min_days=4)) == []
    assert len(significant_sequences([_a(1), _a(2), _a(3)], SequenceRules(min_days=3))) == 1


def test_association_radius_is_floored_dobrovolsky():
    assert association_radius_km(5.0) == 150.0
    assert association_radius_km(7.0) == pytest.approx(10 ** 3.01)
    assert association_radius_km(8.0) == pytest.approx(2754.2, rel=1e-4)


def test_association_window_runs_from_30_days_before_to_15_after():
    quake = Quake(D(2010, 6, 1), 30.0, 100.0, 6.0)            # radius 380 km
    near = lambda date: DailyAnomaly(date, 31.0, 101.0, 200.0, 3.0)  # noqa: E731  ~150 km away
    assert is_associated(near(D(2010, 5, 2)), quake)             # 30 days before
    assert not is_associated(near(D(2010, 5, 1)), quake)         # 31 days before
    assert is_associated(near(D(2010, 6, 16)), quake)            # 15 days after
    assert not is_associated(near(D(2010, 6, 17)), quake)
    assert not is_associated(DailyAnomaly(D(2010, 5, 30), 35.0, 100.0, 200.0, 3.0), quake)  # 556 km
    seq = significant_sequences([near(D(2010, 5, 30)), near(D(2010, 5, 31))])[0]
    assert associated_quakes(seq, [quake, Quake(D(2011, 6, 1), 30.0, 100.0, 6.0)]) == [quake]


def test_reference_dates_same_day_window_other_years_only():
    candidates = [D(y, 1, d) for y in (2006, 2007, 2008) for d in range(1, 6)] + [D(2006, 12, 31)]
    assert select_reference_dates(D(2008, 1, 2), candidates) == [D(2006, 1, 2), D(2007, 1, 2)]
    got = select_reference_dates(D(2008, 1, 1), candidates, window_days=1)
    assert got == [D(2006, 1, 1), D(2006, 1, 2), D(2006, 12, 31), D(2007, 1, 1), D(2007, 1, 2)]
    assert select_reference_dates(D(2008, 1, 2), candidates, exclude_years=[2007]) == [D(2006, 1, 2)]
    assert select_reference_dates(D(2008, 1, 2), candidates,
                                  excluded_periods=[(D(2005, 12, 1), D(2006, 2, 1))]) == [D(2007, 1, 2)]
    assert len(select_reference_dates(D(2008, 1, 20), candidates, mode="month")) == 10


def test_reference_offset_handles_new_year_and_leap_day():
    assert reference_offset(D(2008, 1, 1), D(2006, 12, 31), window_days=1) == -1
    assert reference_offset(D(2008, 1, 1), D(2006, 12, 31)) is None
    assert reference_offset(D(2008, 2, 29), D(2007, 2, 28)) is None          # no 29 February in 2007
    assert reference_offset(D(2008, 2, 29), D(2007, 2, 28), window_days=1) == -1
    assert reference_offset(D(2008, 7, 1), D(2007, 7, 1)) == -1
    assert reference_offset(D(2008, 7, 1), D(2011, 7, 31), mode="month") == 3
    with pytest.raises(ValueError):
        select_reference_dates(D(2008, 1, 1), [], mode="season")
