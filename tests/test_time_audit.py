"""What a time cut lets through, counted from study lists: the chronological split keeps
every training image before the cut and every test image after it; a split by the event's
year alone does not."""

from __future__ import annotations

from pathlib import Path

import pytest

from thermoquake.dataset.time_audit import event_year_sides, time_split_audit
from thermoquake.errors import BadRequestError
from thermoquake.preprocessing.events import read_events
from thermoquake.preprocessing.samples import build_samples

EVENTS = ("event_id,time,latitude,longitude,depth_km,magnitude,magnitude_type\n"
          "E1,2008-05-10T01:00:00Z,35.0,103.0,10,5.5,Mw\n"
          "E2,2010-06-20T01:00:00Z,30.0,95.0,10,5.5,Mw\n"
          "E3,2010-01-02T01:00:00Z,25.0,90.0,10,5.5,Mw\n")
CONTROLS = ("control_id,time,latitude,longitude,mode,matched_event_id\n"
            "C1,2008-08-10T01:00:00Z,35.0,103.0,matched,E1\n"
            "C2,2010-09-20T01:00:00Z,30.0,95.0,matched,E2\n"
            "C3,2009-01-02T01:00:00Z,25.0,90.0,matched,E3\n")


@pytest.fixture()
def samples(tmp_path: Path):
    (tmp_path / "events.csv").write_text(EVENTS)
    (tmp_path / "controls.csv").write_text(CONTROLS)
    ev, co = tmp_path / "events.csv", tmp_path / "controls.csv"
    return build_samples(read_events(ev), ev, read_events(co), co)


def test_event_year_split_puts_a_group_on_its_events_side(samples):
    assert event_year_sides(samples, 2010) == {"E1": "train", "E2": "test", "E3": "test"}


def test_chronological_split_lets_nothing_across_the_cut(samples):
    current, naive = time_split_audit(samples, 3, 2010, range(2007, 2012))
    # E1/C1 train (2008, references 2007 and 2009 once 2010-2011 are excluded); E2/C2 test;
    # E3's window crosses New Year and its control is from 2009: left out by dates
    assert (current.groups_train, current.groups_test, current.groups_left_out_dates) == (1, 1, 1)
    assert current.exclude_years == (2010, 2011)
    assert current.targets_train_from_cut == current.references_train_from_cut == 0
    assert current.targets_test_before_cut == 0 and current.groups_straddling == 0
    assert current.targets_train == 4 and current.references_train > 0


def test_event_year_split_trains_on_later_references_and_tests_earlier_days(samples):
    _, naive = time_split_audit(samples, 3, 2010, range(2007, 2012))
    assert naive.groups_train == 1 and naive.groups_test == 2 and naive.groups_left_out_dates == 0
    # E1 and C1 use 2010 and 2011 as reference years
    assert naive.references_train_from_cut == 2 * 2 * 2
    # E3: day 2 before 2010-01-02 is 2009-12-31; C3's days are all in 2008-2009
    assert naive.targets_test_before_cut == 1 + 2
    assert naive.controls_test_before_cut == 1
    assert naive.groups_straddling == 2


def test_a_cut_outside_the_reference_years_is_refused(samples):
    with pytest.raises(BadRequestError, match="outside the reference years"):
        time_split_audit(samples, 3, 2030, range(2007, 2012))
