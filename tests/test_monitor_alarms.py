"""The alarm scores of ``thermoquake monitor`` against a cell-day by cell-day reading of the rule."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from thermoquake.catalog.region import Region
from thermoquake.monitor.daily import MonitorSettings
from thermoquake.monitor.run import AlarmRules, sequence_onset, sequences_and_alarms
from thermoquake.rst.sequences import DailyAnomaly, SequenceRules, significant_sequences

SETTINGS = MonitorSettings(Region.parse("95,25,100,30"), (2012, 2013), 2)


def _regions(seed: int, n_days: int) -> tuple[list[dt.date], list[dict], list[tuple[int, int]]]:
    """Random daily regions of a few slowly drifting hot spots over 0.5-degree cells."""
    rng = np.random.default_rng(seed)
    days = [dt.date(2018, 12, 20) + dt.timedelta(days=i) for i in range(n_days)]    # across New Year
    cells = [(i, j) for i in range(550, 560) for j in range(230, 240)]
    spots = rng.uniform([25.5, 95.5], [29.5, 99.5], size=(5, 2))
    metas = []
    for k, d in enumerate(days):
        regions = []
        for lat, lon in spots:
            if rng.random() < 0.35:
                continue
            lat, lon = lat + 0.02 * k + rng.normal(0, 0.05), lon + rng.normal(0, 0.05)
            c = (int((lon + 180) // 0.5), int((lat + 90) // 0.5))
            touched = [[c[0] + a, c[1] + b] for a in range(int(rng.integers(1, 3))) for b in range(2)]
            regions.append({"lat": float(lat), "lon": float(lon), "area_km2": float(rng.uniform(200, 900)),
                            "max_r": float(rng.uniform(2, 9)), "cells": touched})
        metas.append({"date": d.isoformat(), "regions": regions})
    return days, metas, cells


def _expected(days, metas, cells, rules: AlarmRules) -> np.ndarray:
    """Each cell-day: the largest peak R of the regions of a significant sequence alarming it."""
    anomalies, cells_of = [], {}
    for meta in metas:
        for reg in meta["regions"]:
            a = DailyAnomaly(dt.date.fromisoformat(meta["date"]), reg["lat"], reg["lon"], reg["area_km2"],
                             reg["max_r"])
            anomalies.append(a)
            cells_of[a] = {tuple(c) for c in reg["cells"]}
    seqs = significant_sequences(anomalies, SequenceRules(rules.min_days, rules.max_distance_km,
                                                           SETTINGS.min_area_km2, SETTINGS.threshold))
    out = np.zeros((len(days), len(cells)), dtype=np.float32)
    for seq in seqs:
        known = sequence_onset([m.date for m in seq.members], rules.min_days)
        for m in seq.members:
            for k, day in enumerate(days):
                if max(m.date, known) < day <= m.date + dt.timedelta(days=rules.alarm_days):
                    for j, c in enumerate(cells):
                        if c in cells_of[m]:
                            out[k, j] = max(out[k, j], np.float32(m.max_r))
    return out


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_alarm_scores_follow_the_rule_cell_day_by_cell_day(seed):
    days, metas, cells = _regions(seed, 40)
    rules = AlarmRules(alarm_days=7)
    rows, scores = sequences_and_alarms(days, metas, cells, SETTINGS, rules)
    assert rows and (scores > 0).any() and (scores == 0).any()
    np.testing.assert_array_equal(scores, _expected(days, metas, cells, rules))


def test_alarms_of_a_period_with_missing_days_land_on_the_days_that_are_there():
    days, metas, cells = _regions(3, 40)
    keep = [k for k in range(len(days)) if k % 5 != 4]              # every fifth day not monitored
    rules = AlarmRules(min_days=1, alarm_days=6)
    kept_days, kept_metas = [days[k] for k in keep], [metas[k] for k in keep]
    _, scores = sequences_and_alarms(kept_days, kept_metas, cells, SETTINGS, rules)
    np.testing.assert_array_equal(scores, _expected(kept_days, kept_metas, cells, rules))
    assert (scores > 0).any()
