"""How `experiment synthetic` asks `thermoquake controls` for the controls of a harder world,
and what it records. SYNTHETIC studies only."""

from __future__ import annotations

from pathlib import Path

from thermoquake.experiment.synthetic import SyntheticStudy, control_args

EVENTS = "event_id,time,latitude,longitude,depth_km,magnitude,magnitude_type\n" \
         "a,2009-05-01T00:00:00Z,30.5,103.0,10,5.5,mw\nb,2010-07-01T00:00:00Z,35.0,99.5,10,5.1,mw\n"


def test_matched_controls_stay_in_the_reference_years_unless_any_year_is_asked(tmp_path: Path):
    events = tmp_path / "events.csv"
    events.write_text(EVENTS)
    matched = control_args(SyntheticStudy(anomaly_k=0), events, "2007-2012")
    anywhere = control_args(SyntheticStudy(anomaly_k=0, control_years="any"), events, "2007-2012")
    assert matched[matched.index("--years") + 1] == "2007-2012"
    assert "--years" not in anywhere and "matched" in anywhere


def test_random_controls_come_from_the_events_box_padded_by_one_degree(tmp_path: Path):
    events = tmp_path / "events.csv"
    events.write_text(EVENTS)
    args = control_args(SyntheticStudy(anomaly_k=0, controls="random"), events, "2007-2012")
    assert args[args.index("--mode") + 1] == "random" and args[args.index("--n") + 1] == "2"
    assert args[args.index("--region") + 1] == "98.500,29.500,104.000,36.000"


def test_a_default_study_records_what_it_always_did():
    assert set(SyntheticStudy(anomaly_k=0).record()) == {
        "anomaly_k", "n_events", "size", "first_year", "last_year", "radius_km", "cloud_fraction",
        "min_count", "seed"}
    harder = SyntheticStudy(anomaly_k=0, trend_k_per_year=0.3, paired=False).record()
    assert harder["trend_k_per_year"] == 0.3 and harder["paired"] is False
