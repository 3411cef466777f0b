"""The harder SYNTHETIC world: a warming trend, year-to-year departures, anomalies off the
epicentre and on some precursor days only. Defaults keep the easy world's pixels."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from thermoquake.preprocessing.events import Event
from thermoquake.catalog.geodesy import haversine_km
from thermoquake.errors import BadRequestError
from thermoquake.synth import SynthConfig, fields
from thermoquake.synth.anomaly import SyntheticAnomaly
from thermoquake.synth.model import synthetic_lst_kelvin
from thermoquake.synth.study import event_anomalies

DATE = dt.date(2008, 5, 5)
CLEAR = dict(cloud_fraction=0.0, swath_gaps=False, qc_mix=False, noise_std_k=0.0)


def _events(n: int = 20) -> list[Event]:
    start = dt.datetime(2009, 3, 1, 6)
    return [Event(f"ev{i}", start + dt.timedelta(days=i), 31.0 + 0.01 * i, 103.0, i) for i in range(n)]


def test_default_world_records_no_trend_or_interannual_parameters():
    assert "trend_k_per_year" not in SynthConfig().to_dict()
    assert "interannual_k" not in SynthConfig().to_dict()
    assert SynthConfig(trend_k_per_year=0.1).to_dict()["trend_k_per_year"] == 0.1


def test_trend_warms_later_years_by_a_spatially_varying_amount():
    world = SynthConfig(trend_k_per_year=0.5, **CLEAR)
    flat = SynthConfig(**CLEAR)
    later = DATE.replace(year=2012)
    warming = [synthetic_lst_kelvin("MYD11A1", 26, 5, d, world)[0] - synthetic_lst_kelvin("MYD11A1", 26, 5, d, flat)[0]
               for d in (DATE, later)]
    gained = (warming[1] - warming[0])[::10, ::10]
    assert np.nanmean(gained) > 0.5  # 4 years x 0.5 K/yr x a local factor 0..2
    assert np.nanstd(gained) > 0.2  # not the same everywhere
    assert np.nanmin(gained) >= -0.05


def test_interannual_departures_differ_between_years_and_their_spread_between_places():
    years = [fields.interannual_k(0, 26, 5, y, 1.0)[::10, ::10] for y in range(2003, 2015)]
    stack = np.stack(years)
    assert abs(np.corrcoef(stack[0].ravel(), stack[1].ravel())[0, 1]) < 0.5
    spread = stack.std(axis=0)
    assert 0.3 < spread.mean() < 2.0
    assert np.percentile(spread, 90) > 2 * np.percentile(spread, 10)  # quiet and lively patches
    same = fields.interannual_k(0, 26, 5, 2003, 1.0)
    assert np.array_equal(same, fields.interannual_k(0, 26, 5, 2003, 1.0))


def test_default_anomalies_sit_on_the_epicentre_every_precursor_day():
    events = _events(3)
    made = event_anomalies(events, 3.0, 25.0, 4)
    assert [(a.lat, a.lon, a.absent_dates) for a in made] == [(e.latitude, e.longitude, ()) for e in events]
    assert made[0].to_dict() == SyntheticAnomaly(31.0, 103.0, 3.0, 25.0, 4, events[0].date).to_dict()


def test_anomaly_offset_is_uniform_within_the_given_distance():
    events = _events(200)
    made = event_anomalies(events, 3.0, 25.0, 4, offset_km=30.0, seed=1)
    d = haversine_km(np.array([a.lat for a in made]), np.array([a.lon for a in made]),
                     np.array([e.latitude for e in events]), np.array([e.longitude for e in events]))
    assert d.max() <= 30.0 + 1e-6
    assert 0.6 < np.mean(d < 30.0 / np.sqrt(2)) * 2 < 1.4  # half the area inside r / sqrt(2)
    assert event_anomalies(events, 3.0, 25.0, 4, offset_km=30.0, seed=1) == made
    assert event_anomalies(events, 3.0, 25.0, 4, offset_km=30.0, seed=2) != made


def test_each_precursor_day_shows_the_anomaly_with_the_given_probability():
    made = event_anomalies(_events(200), 3.0, 25.0, 5, day_prob=0.3, seed=0)
    shown = [sum(a.is_active(a.event_date - dt.timedelta(days=k)) for k in range(1, 6)) for a in made]
    assert 0.2 < np.mean(shown) / 5 < 0.4
    a = next(a for a in made if a.absent_dates)
    assert not a.is_active(a.absent_dates[0])
    assert a.to_dict()["absent_dates"] == [d.isoformat() for d in a.absent_dates]


def test_bad_anomaly_settings_are_refused():
    with pytest.raises(BadRequestError):
        event_anomalies(_events(1), 3.0, 25.0, 4, day_prob=1.5)
    with pytest.raises(BadRequestError):
        SyntheticAnomaly(31.0, 103.0, 3.0, 25.0, 4, DATE, ("not a date",))
    with pytest.raises(BadRequestError):
        SynthConfig(interannual_k=-1.0)
