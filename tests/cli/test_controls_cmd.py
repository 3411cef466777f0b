"""``thermoquake controls`` as a user sees it: option names reaching the library, --json, the
summary lines, usage errors (exit 2) and one-line errors (exit 1). Which controls are chosen is
tested on the library in tests/test_controls.py."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from thermoquake.catalog import Region
from thermoquake.cli.main import cli
from thermoquake.study.control_study import make_controls

REPO = Path(__file__).resolve().parents[2]
CATALOG = REPO / "data_manifests" / "catalog" / "china_m5_2003_2020.csv"
EVENTS = REPO / "data_manifests" / "events_study.csv"
BOX = "73,25,112,45"


def run(*args: str):
    return CliRunner().invoke(cli, ["controls", "--events", str(EVENTS), "--catalog", str(CATALOG), *args],
                              catch_exceptions=False)


def test_matched_options_reach_the_library_and_json_is_its_summary(tmp_path):
    by_command, by_library = tmp_path / "command.csv", tmp_path / "library.csv"
    result = run("--mode", "matched", "--n", "2", "--exclusion-km", "150", "--exclusion-days", "20",
                 "--catalog-region", BOX, "--reference-years", "2003-2014", "--seed", "7",
                 "--out", str(by_command), "--json")
    assert result.exit_code == 0, result.output
    library = make_controls(EVENTS, CATALOG, by_library, mode="matched", n=2, exclusion_km=150, exclusion_days=20,
                            catalog_region=Region.parse(BOX), reference_years=range(2003, 2015), seed=7)
    assert by_command.read_bytes() == by_library.read_bytes()
    summary = json.loads(result.stdout)
    expected = json.loads(json.dumps(library.summary))
    for key in ("events_out", "unmatched_out", "out"):      # the files are named after each output
        summary.pop(key, None), expected.pop(key, None)
    assert summary == expected
    assert by_command.with_suffix(".events.csv").read_bytes() == by_library.with_suffix(".events.csv").read_bytes()


def test_random_options_reach_the_library(tmp_path):
    by_command, by_library = tmp_path / "command.csv", tmp_path / "library.csv"
    result = run("--mode", "random", "--region", "90,28,105,38", "--start", "2006-01-01", "--end", "2016-12-31",
                 "--n", "30", "--seed", "11", "--min-mag", "5.5", "--out", str(by_command))
    assert result.exit_code == 0, result.output
    make_controls(EVENTS, CATALOG, by_library, mode="random", region=Region.parse("90,28,105,38"),
                  start=dt.datetime(2006, 1, 1), end=dt.datetime(2016, 12, 31), n=30, seed=11, min_mag=5.5)
    assert by_command.read_bytes() == by_library.read_bytes()
    assert result.stdout.startswith("30 random controls (seed 11, ")


def test_matched_summary_lines_name_the_side_files(tmp_path):
    out = tmp_path / "c.csv"
    result = run("--n", "2", "--catalog-region", BOX, "--seed", "1", "--out", str(out))
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith("2") and "matched controls (seed 1, " in lines[0] and lines[0].endswith(f"-> {out}")
    assert "events get exactly 2 each (their list: " in lines[1] and str(out.with_suffix(".events.csv")) in lines[1]
    assert str(out.with_suffix(".unmatched.csv")) in lines[1]


@pytest.mark.parametrize(
    "args, fragment",
    [
        (["--mode", "random"], "--mode random needs --region"),
        (["--region", BOX], "apply to --mode random only"),
        (
            ["--mode", "random", "--region", BOX, "--years", "2003-2010"],
            "--years applies to --mode matched",
        ),
        (["--years", "2010-2003"], "increasing pair of years"),
        (["--control-years", "any", "--events-out", "e.csv"], "apply to --control-years matched"),
        (["--mode", "random", "--region", BOX, "--unmatched-out", "u.csv"], "--mode matched only"),
    ],
)
def test_inconsistent_options_are_usage_errors(tmp_path, args, fragment):
    out = tmp_path / "controls.csv"
    result = run(*args, "--out", str(out))
    assert result.exit_code == 2 and fragment in result.stderr
    assert not out.exists()


@pytest.mark.parametrize("args, fragment", [
    (["--n", "12"], "none of the 167 events has 12 usable years"),
    (["--exclusion-km", "0"], "exclusion radius must be > 0 km"),
])
def test_impossible_settings_exit_1_in_one_line_and_write_nothing(tmp_path, args, fragment):
    out = tmp_path / "controls.csv"
    result = run(*args, "--out", str(out))
    assert result.exit_code == 1, result.output
    message = result.stderr.strip()
    assert "\n" not in message and message.startswith("Error: ") and fragment in message, message
    assert list(tmp_path.iterdir()) == []
