"""``thermoquake catalog select`` as a user sees it: the one-line summary, --json, notes on
stderr, exit status and usage errors, and the documented commands that wrote the committed study
lists in data_manifests/. What is selected is tested on the library in
tests/test_catalog_select.py and tests/test_catalog_decluster.py."""

from __future__ import annotations

import csv
import datetime as dt
import json
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.test_catalog_select import _conflicting
from thermoquake.catalog.select import select_catalog
from thermoquake.cli.main import cli

REPO = Path(__file__).resolve().parents[2]
README = REPO / "data_manifests" / "README.md"
STUDY_CATALOG = REPO / "data_manifests" / "catalog" / "china_m5_2003_2020.csv"
STUDY_FLAGS = REPO / "data_manifests" / "catalog" / "china_m5_2003_2020_flagged.csv"
TEST_DATA = REPO / "tests" / "data" / "catalog"
COMCAT = TEST_DATA / "comcat_china_2013_2016.csv"
COMCAT_DUP = TEST_DATA / "comcat_duplicate_origin.csv"


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def read_ids(path: Path) -> list[str]:
    with open(path, newline="") as fh:
        return [r["event_id"] for r in csv.DictReader(fh)]


def assert_one_line_error(result, *fragments: str) -> None:
    assert result.exit_code == 1, result.output
    message = result.stderr.strip()
    assert "\n" not in message and message.startswith("Error: "), message
    assert "Traceback" not in result.output
    for fragment in fragments:
        assert fragment in message, message


def test_select_options_reach_the_library_and_the_summary_line_says_what_happened(tmp_path):
    out = tmp_path / "events.csv"
    result = run("catalog", "select", "--catalog", str(STUDY_CATALOG), "--min-mag", "5", "--start", "2006-01-01",
                 "--end", "2016-12-31", "--region", "73,25,112,45", "--decluster", "gardner-knopoff", "--linked",
                 "--foreshock-fraction", "0.5", "--flag-file", str(STUDY_FLAGS), "--flag-column",
                 "in_china_coarse", "--out", str(out))
    assert result.exit_code == 0, result.output
    picked = select_catalog(STUDY_CATALOG, min_mag=5, start=dt.date(2006, 1, 1), end=dt.date(2016, 12, 31),
                            region="73,25,112,45", decluster="gardner-knopoff", linked=True,
                            foreshock_fraction=0.5, flag_file=STUDY_FLAGS)
    assert read_ids(out) == [e.event_id for e in picked.events]
    assert result.stdout.strip() == (
        f"{len(picked.events)} events (M >= 5, 2006-01-01 to 2016-12-31 UTC, region 73,25,112,45, "
        f"{picked.dependents_removed} dependent events removed (gardner-knopoff linked), "
        f"{picked.unflagged} left out by in_china_coarse) from {STUDY_CATALOG} [thermoquake] -> {out}")


def test_json_summary_counts_what_happened(tmp_path):
    out = tmp_path / "events.csv"
    result = run("catalog", "select", "--catalog", str(COMCAT), "--out", str(out), "--json")
    summary = json.loads(result.stdout)
    assert summary["format"] == "comcat" and summary["read"] == 170
    assert summary["left_out_by_type"] == {"type 'nuclear explosion'": 4}
    assert summary["selected"] == len(read_ids(out)) == 170
    assert summary["declustering"] is None and summary["flag"] is None and summary["out"] == str(out)


def test_merged_duplicates_are_a_note_on_stderr_and_in_the_json(tmp_path):
    out = tmp_path / "events.csv"
    result = run("catalog", "select", "--catalog", str(COMCAT_DUP), "--out", str(out), "--json")
    assert result.exit_code == 0, result.output
    assert "note:" in result.stderr and "1 exact duplicate row(s) merged" in result.stderr
    assert "line 3: merged into line 2" in result.stderr and "ak0212o88mqd" in result.stderr
    merged = json.loads(result.stdout)["duplicates_merged"]
    assert len(merged) == 1 and merged[0].startswith("line 3: merged into line 2")


def test_a_conflicting_duplicate_outside_the_selection_is_counted_in_the_json(tmp_path):
    out = tmp_path / "events.csv"
    result = run("catalog", "select", "--catalog", str(_conflicting(tmp_path)), "--start", "2015-01-01",
                 "--region", "90,20,110,40", "--out", str(out), "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["left_out_by_type"] == {"conflicting duplicate outside the selection": 2}


def test_unusable_rows_exit_1_in_one_line_naming_the_skip_option(tmp_path):
    out = tmp_path / "events.csv"
    result = run("catalog", "select", "--catalog", str(_conflicting(tmp_path)), "--out", str(out))
    assert_one_line_error(result, "line 3: duplicate of the event at line 2", "--skip-bad-rows")
    assert not out.exists()


def test_skip_bad_rows_lists_them_on_stderr(tmp_path):
    out = tmp_path / "events.csv"
    result = run("catalog", "select", "--catalog", str(_conflicting(tmp_path)), "--skip-bad-rows",
                 "--out", str(out))
    assert result.exit_code == 0
    assert "skipped line 3: duplicate of the event at line 2" in result.stderr
    assert read_ids(out) == ["a", "b", "c"]


def test_a_selection_of_nothing_exits_1_and_keeps_the_old_output(tmp_path):
    out = tmp_path / "events.csv"
    out.write_text("previous content\n")
    result = run("catalog", "select", "--catalog", str(STUDY_CATALOG), "--min-mag", "9.5", "--out", str(out))
    assert_one_line_error(result, "no event matches M >= 9.5")
    assert out.read_text() == "previous content\n"


@pytest.mark.parametrize("region", ["1,2,3", "a,b,c,d", "0,50,10,40", "0,-95,10,0", "200,0,210,10"])
def test_bad_region_text_is_a_usage_error(tmp_path, region):
    result = run("catalog", "select", "--catalog", str(STUDY_CATALOG), "--region", region,
                 "--out", str(tmp_path / "e.csv"))
    assert result.exit_code == 2
    assert "--region" in result.stderr


def test_linked_without_decluster_is_a_usage_error(tmp_path):
    result = run("catalog", "select", "--catalog", str(STUDY_CATALOG), "--linked", "--out", str(tmp_path / "e.csv"))
    assert result.exit_code == 2 and "--linked needs --decluster" in result.stderr


# --- the documented commands that wrote the committed study lists -----------------------------------

def documented_commands() -> list[list[str]]:
    """The `thermoquake ...` commands of data_manifests/README.md writing into data_manifests/."""
    text = README.read_text()
    commands, current = [], ""
    for line in text.splitlines():
        if line.startswith("thermoquake ") or current:
            current += line.rstrip("\\").strip() + " "
            if not line.endswith("\\"):
                args = shlex.split(current, comments=True)
                current = ""
                out = args[args.index("--out") + 1] if "--out" in args else ""
                if out.startswith("data_manifests/"):
                    commands.append(args[1:])
    return commands


def test_readme_documents_every_committed_list():
    outs = {args[args.index("--out") + 1] for args in documented_commands()}
    assert outs == {
        "data_manifests/events_study.csv",
        "data_manifests/events_study_raw.csv",
        "data_manifests/controls_study_matched.csv",
        "data_manifests/controls_study_random.csv",
    }


@pytest.mark.parametrize("args", documented_commands(), ids=lambda a: a[a.index("--out") + 1])
def test_committed_file_is_what_the_documented_command_writes(tmp_path, monkeypatch, args):
    out_index = args.index("--out") + 1
    committed = REPO / args[out_index]
    produced = tmp_path / committed.name
    # files the command reads are relative to the repository root; its own earlier outputs are read
    # from the committed copies, so each file is checked on its own
    monkeypatch.chdir(REPO)
    args = args[:out_index] + [str(produced)] + args[out_index + 1 :]
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert produced.read_bytes() == committed.read_bytes()
    # files a command writes beside its output (the kept and unmatched events of matched
    # controls) are committed beside it too, and equal
    for side in tmp_path.iterdir():
        if side != produced:
            assert side.read_bytes() == (committed.parent / side.name).read_bytes(), side.name


def test_every_committed_side_file_belongs_to_a_documented_command():
    outs = {Path(args[args.index("--out") + 1]).with_suffix("").name for args in documented_commands()}
    for path in (REPO / "data_manifests").glob("*.*.csv"):
        assert path.name.split(".")[0] in outs, path.name
