"""``thermoquake preprocess`` as a user sees it: exit status, one-line errors, --json and
--dry-run output. What the batch computes is tested on the library in tests/test_preprocess.py."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from click.testing import CliRunner

from thermoquake.cli.main import cli

HEADER = "event_id,time,latitude,longitude,depth_km,magnitude,magnitude_type\n"
STUDY = ["--days-before", "2", "--reference-years", "2008-2010", "--size", "16", "--no-progress"]


def _preprocess(study: Path, out: Path, *extra: str):
    return CliRunner().invoke(cli, ["preprocess", "--events", str(study / "events.csv"), "--controls",
                                    str(study / "controls.csv"), "--hdf-dir", str(study / "hdf"),
                                    "--out", str(out), "--workers", "0", *STUDY, *extra])


def _all_bytes(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_preprocess_json_of_a_rerun_reports_nothing_written_now(tiny_study, tmp_path):
    work = tmp_path / "work"
    shutil.copytree(tiny_study / "work", work)
    before = _all_bytes(work)
    result = _preprocess(tiny_study, work, "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["written_now"] == 0 and summary["already_done"] == summary["images"] == 30
    assert summary["events"] == 2 and summary["controls"] == 3
    assert _all_bytes(work) == before


def test_preprocess_prints_one_summary_line(tiny_study, tmp_path):
    work = tmp_path / "work"
    shutil.copytree(tiny_study / "work", work)
    result = _preprocess(tiny_study, work)
    assert result.exit_code == 0, result.output
    assert result.stdout.strip().splitlines() == [
        "planned 30 images (10 target, 20 reference) for 2 events and 3 controls; 30 already done; "
        f"0 written now; manifest 30 images, 0 failures in {work.resolve()}"]


def test_preprocess_dry_run_prints_the_plan_and_writes_nothing(tiny_study, tmp_path):
    out = tmp_path / "work"
    result = _preprocess(tiny_study, out, "--dry-run", "--json")
    assert result.exit_code == 0, result.output
    plan = json.loads(result.stdout)
    assert plan["images"] == 30 and plan["targets"] == 10 and "written_now" not in plan
    result = _preprocess(tiny_study, out, "--dry-run")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("would make 30 images (10 target, 20 reference) for 2 events and 3 controls")
    assert not out.exists()


def test_malformed_events_row_is_a_one_line_error_and_writes_nothing(tmp_path):
    events = tmp_path / "events.csv"
    events.write_text(HEADER + "E1,2008-05-12T06:28:00Z,35.0,103.0,10,6,mw\n"
                      "E9,2008-05-12T06:28:00Z,91.0,103.0,10,6,mw\n")
    (tmp_path / "hdf").mkdir()
    out = tmp_path / "work"
    result = CliRunner().invoke(cli, ["preprocess", "--events", str(events), "--hdf-dir", str(tmp_path / "hdf"),
                                      "--out", str(out), "--workers", "0", *STUDY])
    assert result.exit_code == 1
    assert "row 3: latitude" in result.output and str(events) in result.output
    assert len(result.output.strip().splitlines()) == 1 and "Traceback" not in result.output
    assert not out.exists()


def test_workdir_with_other_parameters_exits_1_in_one_line(tiny_study, tmp_path):
    work = tmp_path / "work"
    shutil.copytree(tiny_study / "work", work)
    result = _preprocess(tiny_study, work, "--size", "32")
    assert result.exit_code == 1
    assert "other parameters" in result.output and "size was 16" in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_size_no_grid_has_is_a_usage_error_naming_the_option(tiny_study, tmp_path):
    result = _preprocess(tiny_study, tmp_path / "work", "--size", "15")
    assert result.exit_code == 2 and "--size" in result.output and "Traceback" not in result.output


def test_a_workdir_in_use_exits_1_naming_the_holder_without_traceback(tiny_study, tmp_path):
    from tests.test_dirlock import _Holder

    work = tmp_path / "work"
    holder = _Holder(work)
    try:
        result = _preprocess(tiny_study, work)
    finally:
        holder.release()
    assert result.exit_code == 1 and "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"Error: {work}: the ") and f"is in use by process {holder.proc.pid} on " in lines[0]
    assert "since 20" in lines[0]


def test_a_huge_box_exits_1_with_the_estimate_and_writes_nothing(tmp_path):
    from tests.conftest import EVENTS

    (tmp_path / "events.csv").write_text(EVENTS.replace("35.0,103.0", "0.5,103.0").replace("35.3,103.4", "0.3,103.4"))
    (tmp_path / "hdf").mkdir()
    work = tmp_path / "work"
    result = CliRunner().invoke(cli, ["preprocess", "--events", str(tmp_path / "events.csv"), "--hdf-dir",
                                      str(tmp_path / "hdf"), "--out", str(work), "--size", "16000", "--workers", "0"])
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "a 16000 km box needs about 11.4 GiB of memory" in lines[0], lines
    assert not work.exists()


def test_stale_images_are_counted_in_the_summary_line_and_the_dry_run_json(tiny_study, tmp_path):
    work = tmp_path / "work"
    shutil.copytree(tiny_study / "work", work)
    victim = sorted((work / "images").rglob("*.tif"))[0]
    good = victim.read_bytes()
    victim.write_bytes(good[: len(good) // 3])            # an unreadable image under a final name
    dry = _preprocess(tiny_study, work, "--dry-run", "--json")
    assert dry.exit_code == 0 and json.loads(dry.stdout)["stale"] == 1
    result = _preprocess(tiny_study, work)
    assert result.exit_code == 0, result.output
    assert "29 already done; 1 stale (inputs changed) redone; 1 written now" in result.stdout
    assert victim.read_bytes() == good
