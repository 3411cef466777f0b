"""``thermoquake manifest`` as a user sees it: --json and --dry-run summaries, the Data Pool
root from the environment, usage errors and one-line errors. Which granules are listed is tested
on the library in tests/test_manifest.py and tests/test_manifest_region.py."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

import thermoquake as tq
from thermoquake.cli.main import cli
from tests.test_nasa_standin import hdf_dir  # noqa: F401 - fixture: the stand-in's granules
from tests.test_manifest import WENCHUAN_TILES, wenchuan_events  # noqa: F401 - fixture: the Wenchuan main shock

NEPAL = "84,27,87,29"                      # inside tile h25v06


def run(*args: str, **kw):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False, **kw)


def rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))


def test_the_library_call_writes_the_manifest_the_command_writes(tmp_path, wenchuan_events):
    by_command = tmp_path / "command.csv"
    result = run("manifest", "--events", str(wenchuan_events), "--days-before", "3", "--reference-years",
                 "2005-2010", "--reference", "month", "--out", str(by_command))
    assert result.exit_code == 0, result.output
    granules = tq.build_manifest(wenchuan_events, tmp_path / "library.csv", days_before=3,
                                 reference_years=range(2005, 2011), reference_mode="month")
    assert (tmp_path / "library.csv").read_text() == by_command.read_text()
    assert len(granules) == len(rows(by_command)) > 0
    assert tq.build_manifest(wenchuan_events, days_before=3, reference_years=range(2005, 2011),
                             reference_mode="month") == granules


def test_the_summary_line_counts_granules_dates_and_tiles(tmp_path, wenchuan_events):
    out = tmp_path / "granules.csv"
    result = run("manifest", "--events", str(wenchuan_events), "--out", str(out))
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == (f"504 granules of MYD11A1.061 (36 target, 504 reference; 126 dates, 4 tiles), "
                                     f"about 1.512 GB (3 MB each) -> {out}")


def test_dry_run_reports_the_estimate_and_writes_nothing(tmp_path, wenchuan_events):
    out = tmp_path / "granules.csv"
    result = run(
        "manifest", "--events", str(wenchuan_events), "--out", str(out), "--dry-run", "--json"
    )
    assert result.exit_code == 0
    summary = json.loads(result.stdout)
    # default: days 1..9 before (05-03 .. 05-11), as `thermoquake preprocess` plans them
    assert summary["granules"] == 9 * 14 * 4 and summary["tiles"] == WENCHUAN_TILES
    assert summary["by_role"] == {"target": 0, "reference": 9 * 13 * 4, "target+reference": 9 * 4}
    assert summary["estimated_gb"] == pytest.approx(504 * 3.0 / 1000, abs=0.005)
    assert summary["out"] is None and summary["events"] == 1
    assert not out.exists()


def test_the_data_pool_root_comes_from_the_environment(tmp_path, wenchuan_events):
    out = tmp_path / "granules.csv"
    result = run("manifest", "--events", str(wenchuan_events), "--product", "MOD11A1", "--out", str(out),
                 env={"THERMOQUAKE_DATAPOOL_URL": "http://127.0.0.1:8123/pool"})
    assert result.exit_code == 0
    assert rows(out)[0]["directory"] == "http://127.0.0.1:8123/pool/MOLT/MOD11A1.061/2003.05.03/"


def test_dates_before_the_product_exists_exit_1_in_one_line(tmp_path, wenchuan_events):
    out = tmp_path / "granules.csv"
    result = run("manifest", "--events", str(wenchuan_events), "--reference-years", "2000-2016", "--out", str(out))
    assert result.exit_code == 1
    assert result.stderr.strip().count("\n") == 0 and "MYD11A1 starts on 2002-07-04" in result.stderr
    assert not out.exists()


def test_events_file_without_events_exits_1(tmp_path):
    events = tmp_path / "events.csv"
    events.write_text("event_id,time,latitude,longitude,depth_km,magnitude,magnitude_type\n")
    out = tmp_path / "granules.csv"
    result = run("manifest", "--events", str(events), "--out", str(out))
    assert result.exit_code == 1 and "no usable events" in result.stderr and "Traceback" not in result.output
    assert not out.exists()


# --- --region ---------------------------------------------------------------------------------------

def test_region_json_summarises_the_library_rows(tmp_path):
    out = tmp_path / "region.csv"
    result = run("manifest", "--region", NEPAL, "--start", "2015-01-01", "--end", "2015-01-01",
                 "--reference-years", "2014-2016", "--reference-window-days", "1", "--no-cmr",
                 "--out", str(out), "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["tiles"] == ["h25v06"] and summary["region"] == NEPAL and summary["granules"] == 6
    assert summary["by_role"] == {"target": 1, "reference": 5, "target+reference": 0}
    granules = tq.build_region_manifest(NEPAL, "2015-01-01", "2015-01-01", reference_years=range(2014, 2017),
                                        reference_window_days=1)
    assert [g.date.isoformat() for g in granules] == [r["date"] for r in rows(out)]


def test_region_reference_window_defaults_to_monitors(tmp_path):
    out = tmp_path / "region.csv"
    result = run("manifest", "--region", NEPAL, "--start", "2015-04-25", "--end", "2015-04-25",
                 "--reference-years", "2014", "--no-cmr", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert len([r for r in rows(out) if r["role"] == "reference"]) == 9          # +- 4 days


@pytest.mark.parametrize("args,message", [
    (["--region", NEPAL, "--start", "2015-01-01"], "--region needs --start and --end"),
    (["--region", NEPAL, "--start", "2015-01-01", "--end", "2015-01-02", "--days-before", "3"],
     "--days-before does not go with --region"),
    (["--start", "2015-01-01", "--end", "2015-01-02"], "give either --events or --region"),
])
def test_options_that_do_not_go_together_are_usage_errors(tmp_path, args, message):
    result = CliRunner().invoke(cli, ["manifest", *args, "--no-cmr", "--out", str(tmp_path / "m.csv")])
    assert result.exit_code == 2 and message in result.output
    assert not (tmp_path / "m.csv").exists()


@pytest.mark.parametrize("args,message", [
    (["--start", "2015-01-02", "--end", "2015-01-01"], "--end 2015-01-01 is before --start 2015-01-02"),
    (["--start", "2015-01-01", "--end", "2015-01-01", "--reference-years", "1999-2000"], "MYD11A1 starts on"),
    (["--start", "1 May", "--end", "2015-01-01"], "must be dates YYYY-MM-DD"),
])
def test_bad_dates_are_one_line_errors(tmp_path, args, message):
    result = CliRunner().invoke(cli, ["manifest", "--region", NEPAL, *args, "--no-cmr",
                                      "--out", str(tmp_path / "m.csv")])
    assert result.exit_code == 1 and len(result.output.splitlines()) == 1 and message in result.output
    assert not (tmp_path / "m.csv").exists()


def test_manifest_cmr_json_and_the_missing_list(tmp_path, hdf_dir):
    from tests.test_nasa_standin import DAYS, TILES, WENCHUAN, granule_name
    from thermoquake.testing.nasa import NasaStandIn

    folder = hdf_dir
    events = tmp_path / "events.csv"
    events.write_text("event_id,time,latitude,longitude,depth_km,magnitude,magnitude_type\n" + WENCHUAN)
    out = tmp_path / "granules.csv"
    with NasaStandIn(folder, missing=[granule_name(DAYS[1], "h27v06")[:30]]) as standin:
        result = run("manifest", "--events", str(events), "--days-before", "2", "--reference-years", "2008-2008",
                     "--cmr", "--cmr-url", standin.url, "--out", str(out), "--json", env={"THERMOQUAKE_CMR": None})
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert (summary["needed"], summary["granules"], summary["missing"]) == (8, 7, 1)
    sizes = sum((folder / granule_name(d, t)).stat().st_size for d in DAYS for t in TILES) \
        - (folder / granule_name(DAYS[1], "h27v06")).stat().st_size
    assert summary["estimated_gb"] == round(sizes / 1e9, 3) and summary["granule_mb_assumed"] is None
    assert summary["catalogue"] == standin.url and summary["missing_out"] == str(tmp_path / "granules.missing.csv")
    with open(tmp_path / "granules.missing.csv", newline="") as fh:
        lacking = list(csv.DictReader(fh))
    assert [(m["date"], m["tile"], m["url"]) for m in lacking] == [("2008-05-11", "h27v06", "")]
