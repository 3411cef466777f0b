"""``thermoquake train`` messages: what a user sees."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

import thermoquake as tq
from thermoquake.cli.main import cli

EVENTS = ("event_id,time,latitude,longitude,depth_km,magnitude,magnitude_type\n"
          "E1,2008-05-10T01:00:00Z,35.0,103.0,10,5.5,Mw\nE2,2010-06-20T01:00:00Z,35.3,103.4,10,5.5,Mw\n"
          "E3,2010-01-02T01:00:00Z,35.6,103.8,10,5.5,Mw\n")
CONTROLS = ("control_id,time,latitude,longitude,mode,matched_event_id\n"
            "C1,2008-08-10T01:00:00Z,35.0,103.0,matched,E1\nC2,2010-09-20T01:00:00Z,35.3,103.4,matched,E2\n"
            "C3,2009-01-02T01:00:00Z,35.6,103.8,matched,E3\n")


@pytest.mark.slow
def test_dry_run_of_a_chronological_split_names_the_groups_it_leaves_out(tmp_path: Path):
    events, controls = tmp_path / "events.csv", tmp_path / "controls.csv"
    events.write_text(EVENTS)
    controls.write_text(CONTROLS)
    study = {"controls": controls, "days_before": 2, "reference_years": range(2008, 2011), "size": 16}
    tq.synthetic_study(events, tmp_path / "hdf", **study, cloud_fraction=0.1, progress=False)
    tq.preprocess(events, tmp_path / "hdf", tmp_path / "work", **study, workers=0, progress=False)
    tq.run_rst(tmp_path / "work", tq.RstConfig(min_count=1, exclude_years=(2010,)))
    result = CliRunner().invoke(cli, ["train", "--workdir", str(tmp_path / "work"), "--window", "3", "--split",
                                      "chronological", "--test-from", "2010", "--epochs", "1",
                                      "--out", str(tmp_path / "run"), "--dry-run"])
    assert result.exit_code == 0, result.output
    # E3's window crosses New Year and its control is from 2009
    assert "left out 1 groups (2 samples, 4 days) that straddle the cut: 1 by target dates" in result.output
    assert not (tmp_path / "run").exists()
