"""pycsep's consistency tests of a monitor's daily CSEP forecasts, on forecasts written here."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest

from thermoquake.catalog.schema import Event
from thermoquake.evaluation.csep_files import CellGrid, MagnitudeBins, gridded_forecast_text

pytest.importorskip("csep")

GRID = CellGrid(0.5)
MAGS = MagnitudeBins(5.0, 6.0, 0.5)
CELLS = [GRID.cell_of(28.25 + 0.5 * a, 84.25 + 0.5 * b) for a in range(3) for b in range(3)]
START = dt.date(2015, 4, 20)


def _forecasts(tmp_path: Path, rate: float, days: int = 10) -> list[tuple[Path, dt.datetime, dt.datetime]]:
    files = []
    for k in range(days):
        day = START + dt.timedelta(days=k)
        path = tmp_path / f"{day.isoformat()}.dat"
        path.write_text(gridded_forecast_text({c: rate for c in CELLS}, GRID, MAGS))
        start = dt.datetime.combine(day, dt.time())
        files.append((path, start, start + dt.timedelta(days=1)))
    return files


def _events(n: int) -> list[Event]:
    rng = np.random.default_rng(3)
    return [Event(dt.datetime(2015, 4, 21 + k % 8, 6, tzinfo=dt.timezone.utc), f"e{k}",
                  float(28.05 + rng.random() * 1.4), float(84.05 + rng.random() * 1.4), 10.0, 5.2, "mw")
            for k in range(n)]


def test_a_forecast_with_the_observed_number_passes_the_n_test_and_one_far_too_high_fails(tmp_path):
    from thermoquake.monitor.score import csep_period_tests

    events = _events(9)
    fair = csep_period_tests(_forecasts(tmp_path, 0.1), events, seed=1, num_simulations=200)
    assert fair["observed_events"] == 9 and fair["days"] == 10
    assert np.isclose(fair["forecast_events"], 0.1 * len(CELLS) * 10)
    assert fair["n_test"]["passed"] and min(fair["n_test"]["delta1"], fair["n_test"]["delta2"]) > 0.1
    (tmp_path / "high").mkdir()
    high = csep_period_tests(_forecasts(tmp_path / "high", 5.0), events, seed=1, num_simulations=200)
    assert np.isclose(high["forecast_events"], 5.0 * len(CELLS) * 10)
    assert not high["n_test"]["passed"] and high["n_test"]["delta2"] < 1e-6
    for s in (fair, high):               # uniform rates: the spatial tests see nothing to reject
        assert 0.0 <= s["s_test"]["quantile"] <= 1.0 and 0.0 <= s["cl_test"]["quantile"] <= 1.0


def test_events_outside_the_cells_or_below_the_smallest_magnitude_are_not_counted(tmp_path):
    from thermoquake.monitor.score import csep_period_tests

    far = Event(dt.datetime(2015, 4, 22, tzinfo=dt.timezone.utc), "far", 10.0, 10.0, 10.0, 6.0, "mw")
    small = Event(dt.datetime(2015, 4, 22, tzinfo=dt.timezone.utc), "small", 28.3, 84.3, 10.0, 4.0, "mw")
    out = csep_period_tests(_forecasts(tmp_path, 0.1, days=2), [far, small], num_simulations=50)
    assert out["observed_events"] == 0 and out["s_test"] is None and out["cl_test"] is None
    assert out["n_test"]["delta2"] < 1.0          # P(N <= 0) = exp(-1.8)
    assert np.isclose(out["n_test"]["delta2"], np.exp(-0.1 * len(CELLS) * 2))
