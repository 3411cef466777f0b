"""``thermoquake synth`` as a user sees it: argument parsing, one-line errors, --json and
--dry-run output, --help. What the tiles hold is tested on the library in tests/test_synth.py
and tests/test_synth_world.py."""

from __future__ import annotations

import filecmp
import json
import shutil

import numpy as np
import pytest
from click.testing import CliRunner
from pyhdf.SD import SD, SDC

from tests.conftest import REAL_LST_TILES
from thermoquake.cli.main import cli
from thermoquake.synth import read_parameters, truth_path

REAL_C61 = REAL_LST_TILES["terra_c61_north"]  # MOD11A1 h11v05 2021-08-15


def _sds(path, name: str) -> np.ndarray:
    sd = SD(str(path), SDC.READ)
    try:
        return sd.select(name)[:]
    finally:
        sd.end()


def _run(*args: str):
    return CliRunner().invoke(cli, ["synth", "tiles", *args])


def test_cli_writes_tiles_truth_and_a_run_manifest_and_resumes(tmp_path):
    args = [
        "--out",
        str(tmp_path),
        "--tile",
        "h26v05",
        "--start",
        "2008-05-06",
        "--end",
        "2008-05-07",
        "--anomaly",
        "35.0,100.0,5,30,5,2008-05-08",
        "--json",
    ]
    result = _run(*args)
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["synthetic"] is True and report["counts"] == {"write": 2, "replace": 0, "skip": 0}
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == [
        "MYD11A1.A2008127.h26v05.061.2008128000000.hdf",
        "MYD11A1.A2008127.h26v05.061.2008128000000.truth.json",
        "MYD11A1.A2008128.h26v05.061.2008129000000.hdf",
        "MYD11A1.A2008128.h26v05.061.2008129000000.truth.json",
        "synth_run.json",
    ]
    manifest_text = (tmp_path / "synth_run.json").read_text()
    manifest = json.loads(manifest_text)
    assert manifest["synthetic"] is True and manifest["tiles"] == ["h26v05"]
    assert manifest["dates"] == ["2008-05-06", "2008-05-07"] and len(manifest["files"]) == 2
    assert manifest["anomalies"][0]["amplitude_k"] == 5.0

    mtimes = {p.name: p.stat().st_mtime_ns for p in tmp_path.glob("*.hdf")}
    again = _run(*args)
    assert json.loads(again.output)["counts"] == {"write": 0, "replace": 0, "skip": 2}
    assert {p.name: p.stat().st_mtime_ns for p in tmp_path.glob("*.hdf")} == mtimes
    assert (tmp_path / "synth_run.json").read_text() == manifest_text

    # a file lost (or its truth) is made again; a new seed replaces the other world's files
    truth_path(tmp_path / names[0]).unlink()
    assert json.loads(_run(*args).output)["counts"] == {"write": 0, "replace": 1, "skip": 1}
    reseeded = _run(
        *args[:-1],
        "--date",
        "2008-05-06",
        "--start",
        "2008-05-06",
        "--end",
        "2008-05-06",
        "--seed",
        "3",
        "--json",
    )
    assert json.loads(reseeded.output)["counts"] == {"write": 0, "replace": 1, "skip": 0}
    assert read_parameters(tmp_path / names[0])["config"]["seed"] == 3


def test_cli_around_writes_the_tiles_of_the_epicentre_box(tmp_path):
    result = _run(
        "--out",
        str(tmp_path),
        "--around",
        "31.0,103.4",
        "--date",
        "2008-05-08",
        "--dry-run",
        "--json",
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert sorted(f["tile"] for f in report["files"]) == ["h26v05", "h26v06", "h27v05", "h27v06"]
    assert report["dry_run"] is True and list(tmp_path.iterdir()) == []


def test_cli_refuses_to_overwrite_a_file_that_is_not_synthetic(tmp_path):
    target = tmp_path / "MOD11A1.A2021227.h11v05.061.2021228000000.hdf"
    shutil.copy(REAL_C61, target)
    result = _run(
        "--out", str(tmp_path), "--tile", "h11v05", "--date", "2021-08-15", "--product", "MOD11A1"
    )
    assert result.exit_code == 1
    assert "not a thermoquake synthetic tile" in result.output
    assert filecmp.cmp(target, REAL_C61, shallow=False)


@pytest.mark.parametrize(
    "args, message",
    [
        (["--tile", "h26x05", "--date", "2008-05-08"], "hHHvVV"),
        (["--tile", "h40v05", "--date", "2008-05-08"], "outside"),
        (["--date", "2008-05-08"], "no tiles"),
        (["--tile", "h26v05"], "no dates"),
        (["--tile", "h26v05", "--start", "2008-05-08"], "go together"),
        (["--tile", "h26v05", "--start", "2008-05-08", "--end", "2008-05-01"], "before"),
        (["--tile", "h26v05", "--date", "8 May 2008"], "YYYY-MM-DD"),
        (["--tile", "h26v05", "--date", "2008-05-08", "--product", "MOD13A2"], "product"),
        (["--tile", "h26v05", "--date", "2008-05-08", "--collection", "6"], "collection"),
        (["--tile", "h26v05", "--date", "2008-05-08", "--cloud-fraction", "2"], "cloud-fraction"),
        (["--tile", "h26v05", "--date", "2008-05-08", "--anomaly", "1,2,3"], "6 comma-separated"),
        (["--around", "91,0", "--date", "2008-05-08"], "latitude"),
        (["--around", "north", "--date", "2008-05-08"], "LAT,LON"),
    ],
)
def test_cli_bad_arguments_give_one_line_and_exit_1(tmp_path, args, message):
    result = _run("--out", str(tmp_path / "out"), *args)
    assert result.exit_code == 1, result.output
    assert message in result.output
    assert result.output.count("\n") == 1 and result.output.startswith("Error: ")
    assert not (tmp_path / "out").exists()


def test_cli_help_says_the_output_is_synthetic():
    for args in (["synth", "--help"], ["synth", "tiles", "--help"]):
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 0 and "SYNTHETIC" in result.output


def test_cli_options_reach_the_files(tmp_path):
    result = _run("--out", str(tmp_path), "--tile", "h26v05", "--date", "2008-05-08",
                  "--product", "MOD11A1", "--collection", "006", "--seed", "4",
                  "--cloud-fraction", "0.5", "--no-swath-gaps", "--no-qc-mix")
    assert result.exit_code == 0, result.output
    assert "SYNTHETIC" in result.output
    (path,) = tmp_path.glob("*.hdf")
    assert path.name == "MOD11A1.A2008129.h26v05.006.2008130000000.hdf"
    config = read_parameters(path)["config"]
    assert config["seed"] == 4 and config["cloud_fraction"] == 0.5
    assert config["swath_gaps"] is False and config["qc_mix"] is False
    assert set(np.unique(_sds(path, "QC_Night")).tolist()) <= {0, 2, 3}


def test_synth_nasa_server_help_names_the_throw_away_credentials():
    from thermoquake.testing.nasa import USERNAME

    result = CliRunner().invoke(cli, ["synth", "nasa-server", "--help"])
    assert result.exit_code == 0 and USERNAME in result.output and "--bad-checksum" in result.output
