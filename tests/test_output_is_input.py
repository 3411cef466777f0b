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


@pytest.mark.parametrize("argument, name", [("events", "events.csv"), ("catalog", "catalog.csv")])
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
             files, events, "events_out is the same file as the input events")


def test_crop_onto_its_tile_or_a_link_to_it_is_refused(files):
    tile = files / "hdf" / TILE.name
    link = files / "link.hdf"
    link.symlink_to(tile)
    for out in (tile, link, files / "hdf" / ".." / "hdf" / TILE.name):
        _refused(lambda: thermoquake.crop_to_geotiff([tile], out, lat=35.0, lon=-79.35, size=64), files, out,
                 "out is the same file as the input tiles")


def test_training_run_onto_the_workdir_or_its_catalog_is_refused(files):
    work = files / "work"
    work.mkdir()
    (work / "samples.csv").write_text(EVENTS)
    _refused(lambda: thermoquake.train_window(work, work, window=3), files, work,
             "out is the same directory as the input workdir")
    _refused(lambda: thermoquake.train_window(work, files / "catalog.csv", window=3, catalog=files / "catalog.csv"),
             files, files / "catalog.csv", "out is the same file as the input catalog")
    _refused(lambda: thermoquake.train_window(work, files / "run", window=3, gan_cache=work), files, work,
             "gan_cache is the same directory as the input workdir")


def test_training_run_directory_of_the_training_module_is_checked_too(files):
    from thermoquake.training.run import plan_training, train_window

    work = files / "work"
    work.mkdir()
    config = thermoquake.TrainConfig(window=3)
    _refused(lambda: train_window(work, config, work), files, work, "out_dir is the same directory as the input workdir")
    _refused(lambda: train_window(work, config, files / "catalog.csv", catalog=files / "catalog.csv"), files,
             files / "catalog.csv", "input catalog")
    _refused(lambda: plan_training(work, config, work), files, work, "input workdir")


@pytest.fixture
def run_dir(files) -> Path:
    run = files / "run"
    run.mkdir()
    (run / "predictions.csv").write_text("sample_id,date,prob,label,fold\n")
    (run / "config.json").write_text("{}\n")
    return run


def test_alarm_table_or_pycsep_directory_over_the_run_is_refused(files, run_dir):
    from thermoquake.evaluation.pycsep_export import export_pycsep
    from thermoquake.evaluation.rescore import write_alarm_forecast_csv

    for name in ("predictions.csv", "config.json"):
        _refused(lambda: write_alarm_forecast_csv(run_dir, run_dir / name), files, run_dir / name,
                 "alarms_csv is the same file as the input run_dir")
    _refused(lambda: export_pycsep(run_dir, run_dir), files, run_dir,
             "pycsep_dir is the same directory as the input run_dir")
    _refused(lambda: export_pycsep(run_dir, run_dir / "predictions.csv"), files, run_dir / "predictions.csv",
             "input run_dir")


@pytest.mark.parametrize("argument, name", [("events", "events.csv"), ("controls", "controls.csv")])
def test_manifest_file_or_missing_table_onto_an_input_is_refused(files, argument, name):
    from thermoquake.study.granules import refuse_manifest_over_inputs, write_manifest

    rows = thermoquake.build_manifest(files / "events.csv", controls=files / "controls.csv", days_before=1,
                                      reference_years=range(2008, 2010))
    _refused(lambda: write_manifest(files / name, rows, events=files / "events.csv", controls=files / "controls.csv"),
             files, files / name, f"out is the same file as the input {argument}")
    _refused(lambda: refuse_manifest_over_inputs(files / "m.csv", files / "events.csv", files / "controls.csv",
                                                 missing_out=files / name),
             files, files / name, f"missing_out is the same file as the input {argument}")


def test_fetch_into_its_manifest_file_is_refused(files):
    manifest = files / "manifest.csv"
    manifest.write_text("product,collection,date,tile,directory,role\n")
    _refused(lambda: thermoquake.fetch_granules(manifest, manifest), files, manifest,
             "dest is the same file as the input manifest")


def test_report_onto_an_input_directory_is_refused(files):
    from thermoquake.report.build import plan_report

    work, run, gan = files / "work", files / "run", files / "gan"
    for d in (work, run, gan):
        d.mkdir()
    _refused(lambda: thermoquake.build_report(work, work), files, work, "out is the same directory as the input workdir")
    _refused(lambda: thermoquake.build_report(work, run, runs=[run]), files, run, "input runs")
    _refused(lambda: thermoquake.build_report(work, gan, augmentations=[gan]), files, gan, "input augmentations")
    _refused(lambda: plan_report(work, work), files, work, "input workdir")


def test_monitor_report_onto_its_inputs_is_refused(files):
    from thermoquake.report.monitor_report import plan_monitor_report

    monitor = files / "monitor"
    monitor.mkdir()
    (monitor / "evaluation.json").write_text("{}\n")
    _refused(lambda: thermoquake.build_monitor_report(monitor, monitor), files, monitor,
             "out is the same directory as the input monitor_dir")
    _refused(lambda: thermoquake.build_monitor_report(monitor, files / "catalog.csv", catalogs=[files / "catalog.csv"]),
             files, files / "catalog.csv", "input catalogs")
    _refused(lambda: thermoquake.build_monitor_report(monitor, monitor / "evaluation.json",
                                                      evaluation=monitor / "evaluation.json"),
             files, monitor / "evaluation.json", "input evaluation")
    _refused(lambda: plan_monitor_report(monitor, monitor), files, monitor, "input monitor_dir")


@pytest.mark.parametrize("output, target, words", [
    ("out", "catalog.csv", "out is the same file as the input catalog"),
    ("out", "events.csv", "out is the same file as the input events_csv"),
    ("metrics_out", "catalog.csv", "metrics_out is the same file as the input catalog"),
    ("metrics_out", "events.csv", "metrics_out is the same file as the input events_csv"),
])
def test_synthetic_experiment_onto_its_events_or_catalog_is_refused(files, output, target, words):
    study = thermoquake.SyntheticStudy(anomaly_k=2.0, n_events=4, size=16)
    config = thermoquake.TrainConfig(window=3)
    paths = {"out": files / "exp", "metrics_out": None, output: files / target}
    _refused(lambda: thermoquake.run_synthetic_experiment(paths["out"], study, config, events_csv=files / "events.csv",
                                                          catalog=files / "catalog.csv",
                                                          metrics_out=paths["metrics_out"]),
             files, files / target, words)


def test_synthetic_experiment_plan_onto_its_catalog_is_refused(files):
    from thermoquake.experiment.synthetic import plan_experiment

    _refused(lambda: plan_experiment(files / "catalog.csv", thermoquake.SyntheticStudy(anomaly_k=2.0),
                                     thermoquake.TrainConfig(window=3), files / "events.csv", files / "catalog.csv"),
             files, files / "catalog.csv", "input catalog")


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


def test_a_refusal_renamed_for_the_command_line_keeps_paths_with_braces_intact(tmp_path):
    from thermoquake.outputs import OutputIsInputError, refuse_outputs_over_inputs

    odd = tmp_path / "events {2010}.csv"
    odd.write_text("x\n")
    with pytest.raises(OutputIsInputError) as err:
        refuse_outputs_over_inputs({"out": odd}, {"events": odd})
    assert str(err.value) == f"{odd}: out is the same file as the input events {odd}; nothing was written " \
                             "(choose another out)"
    renamed = err.value.renamed({"out": "--out", "events": "--events"})
    assert str(renamed) == f"{odd}: --out is the same file as the input --events {odd}; nothing was written " \
                           "(choose another --out)"
