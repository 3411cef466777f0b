"""The balance report (``thermoquake.balance_report``) and the balance check of training, on small SYNTHETIC studies:
10 events with 10 matched controls at the same places, either on the same calendar days of
other years (balanced) or in another season, or with fewer reference years."""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import thermoquake as tq
from thermoquake.errors import ThermoquakeError
from thermoquake.evaluation.balance import (BalanceReport, _day_of_year_test, balance_report, delta_t_spread,
                                            format_balance, overlap_matrix)

PLACES = [(34.4 + 0.3 * (i // 2), 102.8 + 0.6 * (i % 2)) for i in range(10)]     # 16 km boxes, none overlap
COMMON = {"days_before": 2, "reference_years": range(2007, 2012), "size": 16, "progress": False}
CONTROL_HEADER = "control_id,time,latitude,longitude,mode,matched_event_id\n"
FAST = {"window": 3, "folds": 2, "epochs": 1, "width": 0.125, "batch_size": 8, "channels": ("lst", "mask"),
        "final_model": False}


def _controls(prefix: str, month_day: str) -> str:
    """A control at each event's place, in the other of 2008/2010 (events: 2008, 2010, 2008, ...)."""
    return "".join(f"{prefix}{i},{2010 - 2 * (i % 2)}-{month_day}T01:00:00Z,{lat},{lon},matched,E{i}\n"
                   for i, (lat, lon) in enumerate(PLACES))


@pytest.fixture(scope="module")
def studies(tmp_path_factory) -> Path:
    """``same/``: controls on the events' calendar days (balanced); ``season/``: in November
    (events in May); ``fewer/``: ``same`` with the controls' 2007 and 2011 references gone."""
    root = tmp_path_factory.mktemp("balance")
    (root / "events.csv").write_text("event_id,time,latitude,longitude,depth_km,magnitude,magnitude_type\n" + "".join(
        f"E{i},{2008 + 2 * (i % 2)}-05-10T01:00:00Z,{lat},{lon},10,5.5,Mw\n" for i, (lat, lon) in enumerate(PLACES)))
    same, season = _controls("C", "05-10"), _controls("S", "11-10")
    (root / "same.csv").write_text(CONTROL_HEADER + same)
    (root / "season.csv").write_text(CONTROL_HEADER + season)
    (root / "all.csv").write_text(CONTROL_HEADER + same + season)
    tq.synthetic_study(root / "events.csv", root / "hdf", controls=root / "all.csv", anomaly_k=0.0,
                       cloud_fraction=0.1, **COMMON)
    for name in ("same", "season"):
        tq.preprocess(root / "events.csv", root / "hdf", root / name, controls=root / f"{name}.csv", workers=0,
                      **COMMON)
        tq.run_rst(root / name, min_count=1)
    shutil.copytree(root / "same", root / "fewer")
    manifest = root / "fewer" / "manifest.csv"
    with open(manifest, newline="") as fh:
        rows = list(csv.DictReader(fh))
    keep = [r for r in rows if not (r["site"].startswith("C") and r["role"] == "reference"
                                    and r["date"][:4] in ("2007", "2011"))]
    assert len(keep) < len(rows)
    with open(manifest, "w", newline="") as fh:
        writer = csv.DictWriter(fh, list(rows[0]))
        writer.writeheader()
        writer.writerows(keep)
    tq.run_rst(root / "fewer", min_count=1)
    return root


def _balance(workdir: Path) -> dict:
    """The window-3 report as its JSON document."""
    return json.loads(json.dumps(tq.balance_report(workdir, 3).to_dict()))


def _quantity(doc: dict, name: str) -> dict:
    return next(q for q in doc["quantities"] if q["name"] == name)


@pytest.mark.slow
def test_controls_on_the_events_calendar_days_are_balanced(studies):
    doc = _balance(studies / "same")
    assert doc["imbalanced"] == [] and doc["events"] == doc["controls"] == 10
    assert doc["reference_source"] == "rst"
    refs = _quantity(doc, "reference_years")
    assert refs["events"]["median"] == refs["controls"]["median"] == 3        # 2007, 2009, 2011 (paired)
    spread = _quantity(doc, "delta_t_spread")
    assert spread["events"]["n"] == 10 and spread["events"]["median"] > 0 and spread["unit"] == "K"
    assert doc["overlap_pairs"]["event_control"] == 10 and doc["overlap_pairs"]["event_event"] == 0
    assert BalanceReport.from_dict(doc).to_dict() == doc
    text = format_balance(balance_report(studies / "same", 3))
    assert "day of year" in text and "clearly imbalanced" in text and text.rstrip().endswith("none")


@pytest.mark.slow
def test_controls_in_another_season_are_clearly_imbalanced(studies):
    doc = _balance(studies / "season")
    assert "day_of_year" in doc["imbalanced"]
    q = _quantity(doc, "day_of_year")
    assert q["p_value"] < 1e-3 and abs(q["auc"] - 0.5) == pytest.approx(0.5)
    assert 120 < q["events"]["median"] < 140 and 300 < q["controls"]["median"] < 325


@pytest.mark.slow
def test_controls_with_fewer_reference_years_are_clearly_imbalanced(studies):
    doc = _balance(studies / "fewer")
    assert doc["imbalanced"] == ["reference_years"]
    refs = _quantity(doc, "reference_years")
    assert refs["events"]["median"] == 3 and refs["controls"]["median"] == 1


@pytest.mark.slow
def test_a_study_too_small_for_any_test_is_never_imbalanced(tiny_study):
    report = balance_report(tiny_study / "work", 3)
    assert report.imbalanced == () and report.reference_source == "manifest"     # before rst
    assert all(q.p_value > 1e-3 or np.isnan(q.p_value) for q in report.quantities)


@pytest.mark.ml
@pytest.mark.slow
def test_train_refuses_an_imbalanced_study_unless_allowed_and_records_the_report(studies, tmp_path):
    with pytest.raises(ThermoquakeError) as refused:
        tq.train_window(studies / "season", tmp_path / "refused", **FAST)
    line = str(refused.value)
    assert "\n" not in line and "day of year" in line and "--allow-imbalance" in line
    assert not (tmp_path / "refused").exists()
    tq.train_window(studies / "season", tmp_path / "allowed", **FAST, allow_imbalance=True)
    doc = json.loads((tmp_path / "allowed" / "metrics.json").read_text())
    assert "day_of_year" in doc["balance"]["imbalanced"]
    tq.train_window(studies / "same", tmp_path / "balanced", **FAST)
    doc = json.loads((tmp_path / "balanced" / "metrics.json").read_text())
    assert doc["balance"]["imbalanced"] == [] and doc["balance"]["window"] == 3


def test_delta_t_spread_is_the_median_reference_sigma_of_the_anomaly():
    flat = np.zeros((4, 4))
    stripes = np.where(np.arange(16).reshape(4, 4) % 2 == 0, 2.0, 0.0)   # dT = +-1 K
    assert delta_t_spread([flat, stripes]) == pytest.approx(0.5)
    assert delta_t_spread([flat + 30.0, stripes - 7.0]) == pytest.approx(0.5)       # levels do not count
    a, b = np.full((4, 4), np.nan), np.full((4, 4), np.nan)
    a[0, 0], b[0, 1] = 1.0, 2.0
    assert np.isnan(delta_t_spread([a, b]))                           # no pixel with two values
    assert np.isnan(delta_t_spread([]))


def test_boxes_overlap_only_when_closer_than_their_size():
    km = 1 / 111.19                                                   # degrees of latitude per km
    over = overlap_matrix([10.0, 10.0 + 15 * km, 10.0 + 30 * km], [20.0, 20.0, 20.0], 16)
    assert over.tolist() == [[False, True, False], [True, False, True], [False, True, False]]
    assert overlap_matrix([0.0, 0.0], [179.95, -179.95], 16)[0, 1]   # across the antimeridian
    assert not overlap_matrix([float("nan"), 0.0], [0.0, 0.0], 16).any()


def test_a_season_across_new_year_keeps_its_days_of_year_together():
    events = np.array([360.0, 362.0, 364.0, 1.0, 3.0, 5.0])          # 26 Dec .. 5 Jan
    q = _day_of_year_test(events, events.copy(), 1e-3, 0.1)
    assert q.events.median >= 360 or q.events.median <= 6             # not mid-year
    assert q.p_value == pytest.approx(1.0) and not q.imbalanced
    later = _day_of_year_test(events, events + 20, 1e-3, 0.1)          # controls 20 days later
    assert later.auc == 0.0 and 10 <= later.controls.median <= 30


@pytest.mark.slow
def test_balance_needs_no_tensorflow(tiny_study):
    code = ("import sys\nimport thermoquake as tq\n"
            f"report = tq.balance_report({str(tiny_study / 'work')!r}, 3)\n"
            "assert report.window == 3 and report.events and report.controls\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('tensorflow', 'keras', 'jax', 'torch')))\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"


def test_six_samples_per_class_are_never_refused_seven_perfectly_separated_are():
    from thermoquake.evaluation.balance import _test

    for n, refused in ((6, False), (7, True)):
        q = _test("reference_years", np.arange(n) + 10.0, np.arange(n, dtype=float), 1e-3, 0.1)
        assert q.auc == 1.0 and q.imbalanced is refused, (n, q.p_value)
    small_effect = _test("clear_sky_fraction", np.linspace(0.5, 1.0, 4000) + 0.03, np.linspace(0.5, 1.0, 4000),
                         1e-3, 0.1)
    assert small_effect.p_value < 1e-3 and not small_effect.imbalanced          # significant, negligible
