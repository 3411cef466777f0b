"""Every command refuses an output path that is one of its inputs before anything is written:
exit 1, one line naming the output and the options, the input byte-identical. The library's
refusals: tests/test_output_is_input.py."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.conftest import EVENTS
from tests.test_output_is_input import CATALOG, TILE, _snapshot, files  # noqa: F401 - files: the inputs fixture
from thermoquake.cli.main import cli

CENTRE = ["--lat", "35.0", "--lon", "-79.35", "--size", "64"]


def _refused(args: list[str], root: Path, output: Path, words: str) -> None:
    before = _snapshot(root)
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 1, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"Error: {output}: "), lines
    assert words in lines[0], lines[0]
    assert "Traceback" not in result.output
    assert _snapshot(root) == before                       # inputs byte-identical, nothing new


def test_crop_out_onto_its_tile_is_refused(files):
    tile = files / "hdf" / TILE.name
    _refused(["crop", str(tile), *CENTRE, "--out", str(tile)], files, tile,
             f"--out is the same file as the input TILES {tile}")


def test_crop_out_onto_a_hard_link_or_another_spelling_of_the_tile_is_refused(files):
    tile = files / "hdf" / TILE.name
    link = files / "link.hdf"
    os.link(tile, link)
    _refused(["crop", str(tile), *CENTRE, "--out", str(link)], files, link, "same file as the input TILES")
    other_spelling = files / "hdf" / ".." / "hdf" / TILE.name
    _refused(["crop", str(tile), *CENTRE, "--out", str(other_spelling)], files, other_spelling, "TILES")
    symlink = files / "sym.hdf"
    symlink.symlink_to(tile)
    _refused(["crop", str(symlink), *CENTRE, "--out", str(tile)], files, tile, "TILES")


@pytest.mark.parametrize("input_option", ["--catalog", "--flag-file"])
def test_catalog_select_out_onto_an_input_is_refused(files, input_option):
    target = files / ("catalog.csv" if input_option == "--catalog" else "flags.csv")
    _refused(["catalog", "select", "--catalog", str(files / "catalog.csv"), "--flag-file", str(files / "flags.csv"),
              "--out", str(target)], files, target, f"same file as the input {input_option}")


@pytest.mark.parametrize("input_option, name", [("--events", "events.csv"), ("--catalog", "catalog.csv")])
def test_controls_out_onto_an_input_is_refused(files, input_option, name):
    _refused(["controls", "--events", str(files / "events.csv"), "--catalog", str(files / "catalog.csv"),
              "--out", str(files / name)], files, files / name, f"input {input_option}")


@pytest.mark.parametrize("input_option, name", [("--events", "events.csv"), ("--controls", "controls.csv")])
def test_manifest_out_onto_an_input_is_refused(files, input_option, name):
    _refused(["manifest", "--events", str(files / "events.csv"), "--controls", str(files / "controls.csv"),
              "--out", str(files / name)], files, files / name, f"input {input_option}")


def test_preprocess_out_onto_the_hdf_dir_or_over_its_events_file_is_refused(files):
    common = ["--days-before", "1", "--reference-years", "2020-2021", "--size", "16", "--workers", "0",
              "--no-progress"]
    hdf = files / "hdf"
    _refused(["preprocess", "--events", str(files / "events.csv"), "--hdf-dir", str(hdf), "--out", str(hdf),
              *common], files, hdf, "same directory as the input --hdf-dir")
    work = files / "work"
    work.mkdir()
    samples = work / "samples.csv"                 # preprocess --controls writes WORKDIR/samples.csv
    samples.write_text(EVENTS)
    _refused(["preprocess", "--events", str(samples), "--hdf-dir", str(hdf), "--out", str(work), *common],
             files, samples, "input --events")


def test_synth_study_record_over_its_events_file_is_refused(files):
    (files / "synth").mkdir()
    events = files / "synth" / "synth_study.json"          # the name of the record synth study writes
    events.write_text(EVENTS)
    _refused(["synth", "study", "--events", str(events), "--out", str(files / "synth"), "--days-before", "1",
              "--reference-years", "2008-2009", "--size", "16", "--no-progress"], files, events, "--events")


def test_rst_tables_over_its_catalog_are_refused(files):
    work = files / "work"
    work.mkdir()
    catalog = work / "anomalies.csv"
    catalog.write_text(CATALOG)
    _refused(["rst", "--workdir", str(work), "--catalog", str(catalog)], files, catalog, "input --catalog")


def test_evaluate_alarms_csv_over_the_runs_predictions_is_refused(files):
    run = files / "run"
    run.mkdir()
    (run / "predictions.csv").write_text("sample_id,prob\n")
    _refused(["evaluate", "--run", str(run), "--alarms-csv", str(run / "predictions.csv")], files,
             run / "predictions.csv", "input --run")


def test_report_out_onto_the_workdir_is_refused(files):
    work = files / "work"
    work.mkdir()
    _refused(["report", "--workdir", str(work), "--out", str(work)], files, work, "input --workdir")


def test_augment_generate_out_holding_the_like_image_is_refused(files):
    like = files / "gen" / "gan_00000.tif"                 # a re-run deletes OUT/gan_*.tif
    result = CliRunner().invoke(cli, ["crop", str(files / "hdf" / TILE.name), *CENTRE, "--out", str(like)])
    assert result.exit_code == 0, result.output
    _refused(["augment", "generate", "--model-dir", str(files / "model"), "--n", "1", "--out", str(files / "gen"),
              "--like", str(like), "--reference", str(like)], files, files / "gen", "lies inside --out")


def test_controls_side_file_over_its_events_file_is_refused(files):
    events = files / "study.events.csv"            # what `controls --out study.csv` writes beside OUT
    events.write_text(EVENTS)
    _refused(["controls", "--events", str(events), "--catalog", str(files / "catalog.csv"), "--years", "2005-2012",
              "--reference-years", "2005-2012", "--out", str(files / "study.csv")], files, events, "input --events")


def test_train_run_directory_onto_the_workdir_is_refused(files):
    work = files / "work"
    work.mkdir()
    _refused(["train", "--workdir", str(work), "--window", "3", "--out", str(work)], files, work,
             "same directory as the input --workdir")
