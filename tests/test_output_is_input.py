"""An output path that is one of the inputs is refused before anything is written: one line
naming the output, the input byte-identical. (The commands' exit status and messages:
tests/cli/test_output_is_input_cmd.py.)"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import thermoquake
from tests.conftest import CONTROLS, EVENTS, REAL_LST_TILES
from thermoquake.errors import ThermoquakeError
from thermoquake.outputs import OutputIsInputError, refuse_inputs_inside, refuse_outputs_over_inputs, same_path

TILE = REAL_LST_TILES["terra_c61_north"]
CATALOG = ("time,latitude,longitude,depth,mag,magType,id\n"
           "2009-05-10T01:00:00.000Z,35.0,103.0,10,5.5,mw,us1\n"
           "2010-06-20T01:00:00.000Z,35.3,103.4,10,5.6,mw,us2\n")


def _snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _refused(call, root: Path, output: Path, words: str) -> None:
    before = _snapshot(root)
    with pytest.raises(OutputIsInputError) as err:
        call()
    lines = str(err.value).splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"{output}: "), lines
    assert words in lines[0], lines[0]
    assert _snapshot(root) == before                       # inputs byte-identical, nothing new


@pytest.fixture
def files(tmp_path) -> Path:
    (tmp_path / "events.csv").write_text(EVENTS)
    (tmp_path / "controls.csv").write_text(CONTROLS)
    (tmp_path / "catalog.csv").write_text(CATALOG)
    (tmp_path / "flags.csv").write_text("event_id,in_china_coarse\nus1,1\nus2,1\n")
    (tmp_path / "hdf").mkdir()
    shutil.copy(TILE, tmp_path / "hdf" / TILE.name)
    return tmp_path


@pytest.mark.parametrize("argument", ["catalog", "flag_file"])
def test_selected_events_onto_an_input_are_refused(files, argument):
    target = files / ("catalog.csv" if argument == "catalog" else "flags.csv")
    _refused(lambda: thermoquake.select_catalog(files / "catalog.csv", target, flag_file=files / "flags.csv"),
             files, target, f"same file as the input {argument}")


@pytest.mark.parametrize("argument, name", [("--events", "events.csv"), ("--catalog", "catalog.csv")])
def test_controls_onto_an_input_are_refused(files, argument, name):
    _refused(lambda: thermoquake.make_controls(files / "events.csv", files / "catalog.csv", files / name),
             files, files / name, f"input {argument}")


@pytest.mark.parametrize("argument, name", [("events", "events.csv"), ("controls", "controls.csv")])
def test_manifest_onto_an_input_is_refused(files, argument, name):
    _refused(lambda: thermoquake.build_manifest(files / "events.csv", files / name, controls=files / "controls.csv"),
             files, files / name, f"input {argument}")


def test_preprocess_into_the_hdf_dir_or_over_its_events_file_is_refused(files):
    common = {"days_before": 1, "reference_years": range(2020, 2022), "size": 16, "workers": 0, "progress": False}
    hdf = files / "hdf"
    _refused(lambda: thermoquake.preprocess(files / "events.csv", hdf, hdf, **common), files, hdf,
             "same directory as the input hdf_dir")
    work = files / "work"
    work.mkdir()
    samples = work / "samples.csv"                 # preprocess with controls writes WORKDIR/samples.csv
    samples.write_text(EVENTS)
    _refused(lambda: thermoquake.preprocess(samples, hdf, work, **common), files, samples, "input events")


def test_synthetic_study_record_over_its_events_file_is_refused(files):
    (files / "synth").mkdir()
    events = files / "synth" / "synth_study.json"          # the name of the record synthetic_study writes
    events.write_text(EVENTS)
    _refused(lambda: thermoquake.synthetic_study(events, files / "synth", days_before=1,
                                                 reference_years=range(2008, 2010), size=16, progress=False),
             files, events, "events")


def test_rst_tables_over_its_catalog_are_refused(files):
    work = files / "work"
    work.mkdir()
    catalog = work / "anomalies.csv"
    catalog.write_text(CATALOG)
    _refused(lambda: thermoquake.run_rst(work, catalog=catalog), files, catalog, "input catalog")


def test_controls_side_file_over_its_events_file_is_refused(files):
    events = files / "study.events.csv"            # what the controls command writes beside its output
    events.write_text(EVENTS)
    _refused(lambda: thermoquake.make_controls(events, files / "catalog.csv", files / "study.csv", events_out=events,
                                               years=range(2005, 2013), reference_years=range(2005, 2013)),
             files, events, "input --events")


def test_distinct_paths_pass_and_missing_options_are_skipped(tmp_path):
    (tmp_path / "a.csv").write_text("x")
    refuse_outputs_over_inputs({"--out": tmp_path / "b.csv", "--json": None},
                               {"--catalog": tmp_path / "a.csv", "--flag-file": None, "TILES": []})
    refuse_inputs_inside({"--out": tmp_path / "out"}, {"--like": tmp_path / "a.csv"})
    assert not same_path(tmp_path / "a.csv", tmp_path / "b.csv")
    assert same_path(tmp_path / "new.csv", tmp_path / "." / "new.csv")       # neither exists yet


def test_refusal_is_a_thermoquake_error_naming_the_output(tmp_path):
    (tmp_path / "a.csv").write_text("x")
    with pytest.raises(ThermoquakeError) as info:
        refuse_outputs_over_inputs({"--out": tmp_path / "a.csv"}, {"--catalog": str(tmp_path / "a.csv")})
    assert info.value.source == str(tmp_path / "a.csv")
    assert str(info.value) == (f"{tmp_path / 'a.csv'}: --out is the same file as the input --catalog "
                               f"{tmp_path / 'a.csv'}; nothing was written (choose another --out)")
