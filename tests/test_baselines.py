"""Non-deep baselines on hand-made inputs: features, RST rule, logistic regression,
climatology and the clustering rule; the RST rule and the features on pure noise."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from thermoquake.catalog.schema import Event
from thermoquake.dataset.arrays import RETIRA_CLIP
from thermoquake.evaluation.baselines import (
    FEATURE_NAMES,
    NO_ANOMALY_DISTANCE_KM,
    NO_DATA_MAX_R,
    climatology,
    clustering_rule,
    feature_matrix,
    logistic_rst,
    null_region_pixels,
    read_anomaly_rows,
    rst_rule_from_files,
    rst_threshold_rule,
)
from thermoquake.errors import ThermoquakeError
from thermoquake.rst.run import ANOMALY_COLUMNS


def _row(area="", max_r="", dist=""):
    row = {c: "" for c in ANOMALY_COLUMNS}
    row.update(anomalous_area_km2=area, max_r=max_r, centroid_distance_km=dist)
    return row


def test_features_fill_missing_values_explicitly():
    rows = [_row("312.0", "3.2500", "12.500"),     # anomaly near the epicentre
            _row("0.0", "1.7000", ""),             # clear, no anomalous pixel
            _row("", "", "")]                      # all cloud: no valid pixel
    x = feature_matrix(rows)
    assert x.shape == (3, len(FEATURE_NAMES)) and x.dtype == np.float64
    np.testing.assert_array_equal(x[0], [312.0, 3.25, 12.5])
    np.testing.assert_array_equal(x[1], [0.0, 1.7, NO_ANOMALY_DISTANCE_KM])
    np.testing.assert_array_equal(x[2], [0.0, NO_DATA_MAX_R, NO_ANOMALY_DISTANCE_KM])
    assert feature_matrix(rows[1:2], no_anomaly_distance_km=999.0)[0, 2] == 999.0


def test_bad_feature_rows_name_the_row_and_file():
    with pytest.raises(ThermoquakeError, match=r"^a\.csv: row 2: max_r 'hot' is not a number$"):
        feature_matrix([_row("0", "1", ""), _row("0", "hot", "")], source="a.csv")
    with pytest.raises(ThermoquakeError, match="row 1: an anomalous area of 5 km² without a centroid"):
        feature_matrix([_row("5", "2.5", "")])
    with pytest.raises(ThermoquakeError, match="negative"):
        feature_matrix([_row("-1", "2.5", "3")])


def test_read_anomaly_rows_round_trips_a_csv_and_names_missing_columns(tmp_path):
    good = tmp_path / "anomalies.csv"
    good.write_text(",".join(ANOMALY_COLUMNS) + "\n" + ",".join(_row("200.0", "2.9", "40.0").values()) + "\n")
    rows = read_anomaly_rows(good)
    np.testing.assert_array_equal(feature_matrix(rows), [[200.0, 2.9, 40.0]])
    bad = tmp_path / "bad.csv"
    bad.write_text("site,date\nx,2008-05-11\n")
    with pytest.raises(ThermoquakeError, match=r"bad\.csv: columns .*anomalous_area_km2"):
        read_anomaly_rows(bad)
    with pytest.raises(ThermoquakeError, match="cannot read"):
        read_anomaly_rows(tmp_path / "absent.csv")


def _noise_r(rng, size: int, n: int) -> np.ndarray:
    """R of a target and ``n`` reference images of one Gaussian, pixel by pixel (ddof=0)."""
    ref = rng.normal(size=(n, size, size))
    return (rng.normal(size=(size, size)) - ref.mean(axis=0)) / ref.std(axis=0)


def _noise_rows(maps, size: int) -> list[dict[str, str]]:
    """anomalies.csv rows of R maps, summarised by the rst module."""
    from affine import Affine

    from thermoquake.rst.anomalies import summarize_anomalies

    deg = 1 / 111.2
    transform = Affine(deg, 0, 103.0 - size / 2 * deg, 0, -deg, 35.0 + size / 2 * deg)
    rows = []
    for r in maps:
        s = summarize_anomalies(r, transform, (35.0, 103.0), 2.0)
        rows.append(_row(repr(s.anomalous_area_km2), repr(s.max_r),
                         "" if np.isnan(s.centroid_distance_km) else repr(s.centroid_distance_km)))
    return rows


def test_rst_rule_fires_on_at_most_five_percent_of_pure_noise():
    # a 64 km box holds ~600 R >= 2 noise pixels at n = 3 (~210 at n = 10): adding up all of
    # them, 150 km² alarmed on every image; one connected region must be rarer than 5 %
    rng = np.random.default_rng(7)
    m = 150
    rates = {}
    for n in range(3, 11):
        maps = [_noise_r(rng, 64, n) for _ in range(m)]
        rates[n] = rst_threshold_rule(maps, [n] * m).mean()
        assert rates[n] <= 0.05 + 3 * np.sqrt(0.05 * 0.95 / m), (n, rates[n])
    assert np.mean(list(rates.values())) <= 0.05 + 3 * np.sqrt(0.05 * 0.95 / (m * len(rates)))


def test_null_region_size_grows_with_the_box_and_shrinks_with_the_reference_count():
    assert null_region_pixels((64, 64), 3) > null_region_pixels((64, 64), 10) >= 2
    assert null_region_pixels((128, 128), 3) > null_region_pixels((64, 64), 3)
    assert null_region_pixels((64, 64), 1) > 64 * 64                      # no null: never alarms
    with pytest.raises(ThermoquakeError, match="false-alarm rate"):
        null_region_pixels((64, 64), 3, false_alarm_rate=1e-5)


def test_rst_rule_needs_one_connected_region_near_the_epicentre():
    n = 10
    need = null_region_pixels((64, 64), n)
    block = np.zeros((64, 64))
    side = int(np.ceil(np.sqrt(need)))
    block[30:30 + side, 30:30 + side] = 3.0                                # one region, centre
    scattered = np.zeros((64, 64))
    scattered[::3, ::3] = 3.0                                              # 484 isolated pixels
    np.testing.assert_array_equal(rst_threshold_rule([block, scattered], [n, n]), [1, 0])
    small = np.zeros((64, 64))
    small.flat[np.flatnonzero(block)[:need - 1]] = 3.0                     # one pixel short
    assert rst_threshold_rule([small], [n])[0] == 0
    cloud = np.where(block > 0, np.nan, 0.0)                               # no data never alarms
    assert rst_threshold_rule([cloud, np.full((64, 64), np.nan)], [n, n]).tolist() == [0, 0]
    # in a 256 km box, a region centred 170 km from the epicentre is too far at 150 km
    far = np.zeros((256, 256))
    far[2:14, 2:14] = 3.0
    assert rst_threshold_rule([far], [n])[0] == 0
    assert rst_threshold_rule([far], [n], max_distance_km=200.0)[0] == 1
    assert rst_threshold_rule([block], [n], threshold=3.5)[0] == 0
    with pytest.raises(ThermoquakeError, match="2 R maps but 1 reference"):
        rst_threshold_rule([block, block], [n])


def test_rst_rule_reads_r_maps_with_their_anomaly_rows(tmp_path):
    import rasterio
    from affine import Affine

    r = np.zeros((32, 32), np.float32)
    r[12:20, 12:20] = 2.5
    path = tmp_path / "r.tif"
    with rasterio.open(path, "w", driver="GTiff", width=32, height=32, count=1, dtype="float32",
                       crs="EPSG:4326", transform=Affine(0.009, 0, 103.0, 0, -0.009, 35.0)) as dst:
        dst.write(r, 1)
    rows = [dict(_row("64.0", "2.5", "1.0"), n_reference="10", threshold="2.0"),
            dict(_row("64.0", "2.5", "1.0"), n_reference="10", threshold="3.0"),
            dict(_row("64.0", "2.5", "1.0"), n_reference="1", threshold="2.0")]
    np.testing.assert_array_equal(rst_rule_from_files([path] * 3, rows), [1, 0, 0])
    with pytest.raises(ThermoquakeError, match="row 1: n_reference 'ten' is not a number"):
        rst_rule_from_files([path], [dict(rows[0], n_reference="ten")])


def test_logistic_features_are_bounded_like_the_networks_r_channel():
    # with 3 reference years a noise image's max R is unbounded (median ~80 on 64 km boxes)
    rng = np.random.default_rng(8)
    rows = _noise_rows([_noise_r(rng, 64, 3) for _ in range(40)], 64)
    raw = np.array([float(r["max_r"]) for r in rows])
    assert np.median(raw) > 4 * RETIRA_CLIP
    x = feature_matrix(rows)
    assert np.abs(x[:, 1]).max() <= RETIRA_CLIP and (x[:, 1] == RETIRA_CLIP).all()
    assert (x[:, 0] <= 64 * 64).all() and (x[:, 2] <= NO_ANOMALY_DISTANCE_KM).all()
    assert feature_matrix([_row("0.0", "-80.0", "")])[0, 1] == -RETIRA_CLIP


def test_climatology_is_the_training_base_rate():
    p = climatology([1, 1, 1, 0], 5)
    np.testing.assert_array_equal(p, np.full(5, 0.75))
    assert climatology([0, 1], 0).shape == (0,)
    with pytest.raises(ThermoquakeError, match="only 0"):
        climatology([0, 2], 3)
    with pytest.raises(ThermoquakeError, match="empty"):
        climatology([], 3)


def test_logistic_regression_learns_the_informative_feature_and_balances_classes():
    rng = np.random.default_rng(0)
    n = 200
    y = (rng.random(n) < 0.25).astype(float)                     # imbalanced 1:3
    X = np.column_stack([np.where(y == 1, rng.normal(400, 100, n), rng.normal(100, 100, n)),
                         rng.normal(2.0, 0.5, n),                  # uninformative
                         np.full(n, 256.0)])                        # constant
    test = np.array([[500.0, 2.0, 256.0], [0.0, 2.0, 256.0], [250.0, 2.0, 256.0]])
    p = logistic_rst(X, y, test)
    assert p.shape == (3,) and ((p > 0) & (p < 1)).all()
    assert p[0] > 0.9 and p[1] < 0.1
    # balanced weights put the midpoint between the class means near 0.5, not at the base rate
    assert 0.3 < p[2] < 0.7
    with pytest.raises(ThermoquakeError, match="all 1"):
        logistic_rst(X, np.ones(n), test)
    with pytest.raises(ThermoquakeError, match="NaN"):
        logistic_rst(np.where(X == X[0, 0], np.nan, X), y, test)
    with pytest.raises(ThermoquakeError, match="do not match"):
        logistic_rst(X, y, test[:, :2])


def _quake(when: str, lat: float, lon: float, mag: float, eid: str = "q") -> Event:
    return Event(dt.datetime.fromisoformat(when).replace(tzinfo=dt.timezone.utc), eid, lat, lon,
                 10.0, mag, "Mw")


def test_clustering_rule_alarms_after_a_recent_nearby_quake_only():
    quakes = [_quake("2008-05-01T12:00:00", 31.0, 103.4, 5.5, "a"),   # near Wenchuan
              _quake("2008-05-09T03:00:00", 40.0, 80.0, 6.0, "far"),  # far away
              _quake("2008-05-09T05:00:00", 31.1, 103.5, 4.0, "small")]
    site = (31.0, 103.4)
    days = [(dt.date(2008, 5, 1), *site),     # same UTC day: excluded (the day itself)
            (dt.date(2008, 5, 2), *site),     # the next day: alarm
            (dt.date(2008, 5, 31), *site),    # 30 days after the quake's day: still inside
            (dt.date(2008, 6, 1), *site),     # 31 days: outside the lookback
            ("2008-05-10", 40.5, 80.0),       # 56 km from 'far', 1 day after: alarm
            (dt.date(2008, 5, 10), 35.0, 103.4)]  # 445 km from 'a': no alarm
    np.testing.assert_array_equal(clustering_rule(days, quakes), [0, 1, 1, 0, 1, 0])
    # the M4 near the site counts once min_mag allows it; the radius decides the far site
    np.testing.assert_array_equal(
        clustering_rule([(dt.date(2008, 6, 1), *site)], quakes, min_mag=4.0), [1])
    np.testing.assert_array_equal(
        clustering_rule([(dt.date(2008, 5, 10), 35.0, 103.4)], quakes, radius_km=500.0), [1])
    assert clustering_rule([], quakes).shape == (0,)


def test_clustering_rule_reads_a_catalogue_file(tmp_path):
    path = tmp_path / "cat.csv"
    path.write_text("event_id,time,latitude,longitude,depth_km,magnitude,magnitude_type\n"
                    "x1,2010-04-10T00:00:00.000Z,33.2,96.6,10.0,5.2,Mw\n")
    days = [(dt.date(2010, 4, 13), 33.2, 96.6), (dt.date(2010, 4, 10), 33.2, 96.6)]
    np.testing.assert_array_equal(clustering_rule(days, path), [1, 0])


def test_baselines_never_import_a_deep_learning_framework():
    import subprocess
    import sys
    code = ("import sys, thermoquake.evaluation.baselines as b, numpy as np\n"
            "b.logistic_rst(np.array([[0.0], [1.0]]), [0, 1], np.array([[0.5]]))\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('tensorflow', 'keras', 'jax', 'torch')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
