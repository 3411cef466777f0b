"""The RETIRA baselines on SYNTHETIC pure noise: the connected-region rule alarms rarely,
the fixed-area rule it replaced almost always, and the sigma floor and clip tame max R."""

from __future__ import annotations

import numpy as np
import pytest

from thermoquake.dataset.arrays import RETIRA_CLIP
from thermoquake.errors import BadRequestError
from thermoquake.experiment.rule_noise import naive_area_rule, run_rule_noise


@pytest.fixture(scope="module")
def summary():
    return run_rule_noise(images=60, reference_counts=(3, 10), size=64, seed=1)


def test_connected_region_rule_rarely_alarms_on_noise(summary):
    for row in summary.rows:
        # target 5 %; 60 images: the upper end of the 95 % interval of a 5 % rate is ~14 %
        assert row.guarded_alarms / row.images <= 0.15, row
        assert row.guarded_alarms_no_floor / row.images <= 0.15, row


def test_fixed_area_rule_alarms_on_nearly_every_noise_box(summary):
    for row in summary.rows:
        assert row.naive_alarms / row.images >= 0.9, row


def test_sigma_floor_and_clip_bound_max_r_on_noise(summary):
    three = next(r for r in summary.rows if r.n_reference == 3)
    assert three.max_r_raw[1] > 20            # without the floor: tens
    assert three.max_r_floor[1] < 15          # with it: single digits
    for row in summary.rows:
        assert row.max_r_feature[2] <= RETIRA_CLIP


def test_larger_regions_are_needed_with_fewer_reference_years(summary):
    regions = {r.n_reference: r.region_pixels for r in summary.rows}
    assert regions[3] > regions[10]


def test_fixed_area_rule_counts_scattered_pixels():
    r = np.zeros((64, 64))
    r[::4, ::4] = 3.0                 # 256 isolated pixels, no connected region
    assert naive_area_rule(r)
    r[::8, ::8] = 0.0
    assert not naive_area_rule(r[:32, :32])


def test_same_seed_same_table():
    a = run_rule_noise(images=5, reference_counts=(4,), size=32, seed=3)
    b = run_rule_noise(images=5, reference_counts=(4,), size=32, seed=3)
    assert a.to_dict() == b.to_dict()


@pytest.mark.parametrize("kwargs", [{"images": 0}, {"reference_counts": (1,)}, {"noise_k": 0.0},
                                    {"correlation_km": -1.0}])
def test_bad_arguments_are_refused(kwargs):
    with pytest.raises(BadRequestError):
        run_rule_noise(**kwargs)
