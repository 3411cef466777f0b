"""Non-deep baselines on hand-made inputs: features, RST rule, logistic regression,
climatology and the clustering rule."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from thermoquake.catalog.schema import Event
from thermoquake.evaluation.baselines import (
    FEATURE_NAMES,
    NO_ANOMALY_DISTANCE_KM,
    NO_DATA_MAX_R,
    climatology,
    clustering_rule,
    feature_matrix,
    logistic_rst,
    read_anomaly_rows,
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


def test_rst_rule_needs_a_large_near_anomaly():
    rows = [_row("150.0", "2.5", "149.9"),   # exactly the area, inside the radius -> alarm
            _row("149.0", "4.0", "10.0"),    # too small
            _row("900.0", "4.0", "151.0"),   # too far
            _row("0.0", "1.0", ""),          # no anomaly
            _row("", "", "")]                # no data
    np.testing.assert_array_equal(rst_threshold_rule(rows), [1, 0, 0, 0, 0])
    np.testing.assert_array_equal(rst_threshold_rule(rows, min_area_km2=100, max_distance_km=200),
                                  [1, 1, 1, 0, 0])
    # min area 0 still never alarms without anomalous pixels
    np.testing.assert_array_equal(rst_threshold_rule(rows, 0.0, 1e9), [1, 1, 1, 0, 0])


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
