"""The local stand-in for NASA (thermoquake.testing.nasa) and the CMR client (thermoquake.fetch.cmr):
`manifest --cmr` finds granules in the catalogue, `fetch` downloads what it lists."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import numpy as np
import pytest
import requests
from click.testing import CliRunner

from thermoquake.cli.main import cli
from thermoquake.fetch.checksum import file_checksum, read_sidecar, sidecar_path
from thermoquake.fetch.cmr import CmrError, look_up, search_granules
from thermoquake.study.granules import GranuleRow, manifest_to_csv, read_manifest
from thermoquake.testing.nasa import PASSWORD, USERNAME, NasaStandIn

WENCHUAN = "iscgem:13228121,2008-05-12T06:28:00.470Z,30.98,103.396,10.0,7.91,Mw\n"
TILES = ["h26v05", "h26v06", "h27v05", "h27v06"]
DAYS = [dt.date(2008, 5, 10), dt.date(2008, 5, 11)]


def granule_name(day: dt.date, tile: str, production: str = "2021195104823") -> str:
    return f"MYD11A1.A{day.year}{day.timetuple().tm_yday:03d}.{tile}.061.{production}.hdf"


@pytest.fixture(scope="module")
def hdf_dir(tmp_path_factory) -> Path:
    """Tiny valid HDF4 files (one 4 x 4 uint16 SDS each) named as the Wenchuan box's granules
    of 10 and 11 May 2008; bytes differ per file."""
    from pyhdf.SD import SD, SDC

    folder = tmp_path_factory.mktemp("granules")
    for k, (day, tile) in enumerate((d, t) for d in DAYS for t in TILES):
        path = folder / granule_name(day, tile)
        sd = SD(str(path), SDC.WRITE | SDC.CREATE)
        sds = sd.create("LST_Night_1km", SDC.UINT16, (4, 4))
        sds[:] = np.arange(16, dtype=np.uint16).reshape(4, 4) + 14000 + k
        sds.endaccess()
        sd.end()
    # an older production of one granule: the catalogue's latest must win
    older = folder / granule_name(DAYS[0], "h26v05", "2015146150958")
    older.write_bytes((folder / granule_name(DAYS[0], "h26v05")).read_bytes())
    return folder


@pytest.fixture
def events(tmp_path) -> Path:
    path = tmp_path / "events.csv"
    path.write_text("event_id,time,latitude,longitude,depth_km,magnitude,magnitude_type\n" + WENCHUAN)
    return path


def env(standin: NasaStandIn, tmp_path: Path, **extra: str | None) -> dict[str, str | None]:
    out = {"EARTHDATA_HOST": standin.auth_url, "EARTHDATA_USERNAME": USERNAME,
           "EARTHDATA_PASSWORD": PASSWORD, "EARTHDATA_TOKEN": None, "NETRC": str(tmp_path / "none"),
           "THERMOQUAKE_DATAPOOL_URL": None, "THERMOQUAKE_CMR": None}
    out.update(extra)
    return out


def run(*args: str, env: dict | None = None):
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


def manifest_args(events: Path, out: Path, standin: NasaStandIn) -> list[str]:
    return ["manifest", "--events", str(events), "--days-before", "2", "--reference-years", "2008-2008",
            "--cmr", "--cmr-url", standin.url, "--out", str(out)]


def test_catalogue_search_pages_with_search_after_and_picks_the_latest_production(hdf_dir):
    with NasaStandIn(hdf_dir) as standin:
        found = search_granules(standin.url, "MYD11A1", "061", DAYS[0], DAYS[1], "h26v05", page_size=1)
        assert sorted(g.name.filename for g in found) == sorted(
            [granule_name(DAYS[0], "h26v05"), granule_name(DAYS[0], "h26v05", "2015146150958"),
             granule_name(DAYS[1], "h26v05")])
        assert len(standin.requests("cmr")) == 3                       # one page each, then no token
        assert "CMR-Search-After" in standin.requests("cmr")[1].headers
        one = next(g for g in found if g.name.filename == granule_name(DAYS[1], "h26v05"))
        assert one.url == standin.url + "/MOLA/MYD11A1.061/2008.05.11/" + one.name.filename
        assert one.size == (hdf_dir / one.name.filename).stat().st_size
        assert (one.checksum_type, one.checksum) == ("MD5", file_checksum(hdf_dir / one.name.filename, "MD5"))
        # another year, another collection: nothing
        assert search_granules(standin.url, "MYD11A1", "061", dt.date(2009, 5, 10), dt.date(2009, 5, 11)) == []
        assert search_granules(standin.url, "MYD11A1", "006", DAYS[0], DAYS[1]) == []
        rows = [GranuleRow(d, t, "MYD11A1", "061", "https://e4ftl01.cr.usgs.gov/x/", "target")
                for d in DAYS for t in TILES] + [
            GranuleRow(dt.date(2008, 5, 12), "h26v05", "MYD11A1", "061", "https://e4ftl01.cr.usgs.gov/x/", "target")]
        found_rows, missing = look_up(rows, standin.url)
        assert [(r.date, r.tile) for r in missing] == [(dt.date(2008, 5, 12), "h26v05")]
        first = next(r for r in found_rows if (r.date, r.tile) == (DAYS[0], "h26v05"))
        assert first.url.endswith(granule_name(DAYS[0], "h26v05")) and first.directory == first.url.rsplit("/", 1)[0] + "/"


def test_a_checksum_type_that_cannot_be_computed_is_dropped_not_trusted():
    from thermoquake.fetch.cmr import _granule

    item = {"umm": {"GranuleUR": "G", "RelatedUrls": [{"Type": "GET DATA", "URL": "https://x/" + granule_name(DAYS[0], "h26v05")}],
                    "DataGranule": {"ArchiveAndDistributionInformation": [
                        {"Name": granule_name(DAYS[0], "h26v05"), "SizeInBytes": 5,
                         "Checksum": {"Algorithm": "Adler-32", "Value": "1"}}]}}}
    granule = _granule(item, "test")
    assert (granule.size, granule.checksum_type, granule.checksum) == (5, None, None)
    item["umm"]["DataGranule"]["ArchiveAndDistributionInformation"][0]["Checksum"]["Algorithm"] = "SHA-256"
    assert _granule(item, "test").checksum_type == "SHA-256"


def test_a_search_the_stand_in_does_not_know_is_refused_not_ignored(hdf_dir):
    with NasaStandIn(hdf_dir) as standin:
        answer = requests.get(standin.url + "/search/granules.umm_json", params={"bounding_box": "1,2,3,4"})
        assert answer.status_code == 400 and "bounding_box" in answer.json()["errors"][0]
        with pytest.raises(CmrError, match="search refused"):
            search_granules(standin.url + "/nope", "MYD11A1", "061", DAYS[0], DAYS[1])


def test_an_unreachable_catalogue_is_retried_then_one_line_naming_it(tmp_path):
    slept = []
    with pytest.raises(CmrError, match=r"gave up after 3 attempts.*--no-cmr") as err:
        search_granules("http://127.0.0.1:9", "MYD11A1", "061", DAYS[0], DAYS[1], retries=2,
                        backoff_s=0.5, sleep=slept.append)
    assert slept == [0.5, 1.0] and "127.0.0.1:9" in str(err.value)


def test_manifest_takes_urls_sizes_and_checksums_from_the_catalogue_and_lists_what_it_lacks(
        tmp_path, hdf_dir, events):
    out = tmp_path / "granules.csv"
    with NasaStandIn(hdf_dir, missing=[granule_name(DAYS[1], "h27v06")[:30]]) as standin:
        result = run(*manifest_args(events, out, standin), "--json", env={"THERMOQUAKE_CMR": None})
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert (summary["needed"], summary["granules"], summary["missing"]) == (8, 7, 1)
    sizes = sum((hdf_dir / granule_name(d, t)).stat().st_size for d in DAYS for t in TILES) \
        - (hdf_dir / granule_name(DAYS[1], "h27v06")).stat().st_size
    assert summary["estimated_gb"] == round(sizes / 1e9, 3) and summary["granule_mb_assumed"] is None
    rows = read_manifest(out)
    assert all(r.url and r.size and r.checksum_type == "MD5" for r in rows)
    with open(tmp_path / "granules.missing.csv", newline="") as fh:
        lacking = list(csv.DictReader(fh))
    assert [(m["date"], m["tile"], m["url"]) for m in lacking] == [("2008-05-11", "h27v06", "")]


def test_fetch_downloads_the_catalogues_urls_checks_its_checksum_and_retries_a_damaged_copy(
        tmp_path, hdf_dir, events):
    out, dest = tmp_path / "granules.csv", tmp_path / "modis"
    damaged = granule_name(DAYS[0], "h27v05")
    with NasaStandIn(hdf_dir, bad_checksum={damaged: 1}) as standin:
        assert run(*manifest_args(events, out, standin), env={"THERMOQUAKE_CMR": None}).exit_code == 0
        result = run("fetch", "--manifest", str(out), "--dest", str(dest), "--backoff", "0.01", "--json",
                     env=env(standin, tmp_path))
        assert result.exit_code == 0, result.output
        assert json.loads(result.stdout)["downloaded"] == 8
        assert standin.requests("data", ".hdf.xml") == []           # the catalogue gave the checksums
        assert not any("/2008.05.1" in r.path and r.path.endswith("/") for r in standin.requests("data"))
        served = [r for r in standin.requests("data", damaged) if "DATAPOOL=" in r.headers.get("Cookie", "")]
        assert len(served) == 2                                     # served damaged, then whole
        # the password went to the login origin only
        assert all("Authorization" not in r.headers for r in standin.requests("data"))
    for day in DAYS:
        for tile in TILES:
            name = granule_name(day, tile)
            assert (dest / name).read_bytes() == (hdf_dir / name).read_bytes()
            record = read_sidecar(sidecar_path(dest / name))
            assert record.checksum_type == "MD5" and "catalogue" in record.source
    from thermoquake.fetch.checksum import check_file

    assert all(check_file(p, read_sidecar(sidecar_path(p))) is None for p in dest.glob("*.hdf"))


def test_without_the_catalogue_fetch_falls_back_to_data_pool_listings(tmp_path, hdf_dir, events):
    out, dest = tmp_path / "granules.csv", tmp_path / "modis"
    with NasaStandIn(hdf_dir) as standin:
        args = [a for a in manifest_args(events, out, standin) if a not in ("--cmr", "--cmr-url", standin.url)]
        assert run(*args, "--no-cmr", "--base-url", standin.url).exit_code == 0
        assert read_manifest(out)[0].url is None and standin.requests("cmr") == []
        result = run("fetch", "--manifest", str(out), "--dest", str(dest), "--json", env=env(standin, tmp_path))
        assert result.exit_code == 0, result.output
        assert json.loads(result.stdout)["downloaded"] == 8
        assert standin.requests("data", ".hdf.xml")                  # checksums from the Data Pool .xml
    assert read_sidecar(sidecar_path(dest / granule_name(DAYS[0], "h26v05"))).checksum_type == "CKSUM"


def test_the_stand_in_withholds_missing_granules_everywhere_and_needs_credentials(tmp_path, hdf_dir):
    gone = granule_name(DAYS[0], "h26v06")
    with NasaStandIn(hdf_dir, missing=[gone]) as standin:
        listing = requests.get(standin.url + "/MOLA/MYD11A1.061/2008.05.10/").text
        assert gone not in listing and granule_name(DAYS[0], "h26v05") in listing
        assert requests.get(standin.url + "/MOLA/MYD11A1.061/2008.05.10/" + gone).status_code == 404
        hit = requests.get(standin.url + "/MOLA/MYD11A1.061/2008.05.10/" + granule_name(DAYS[0], "h26v05"))
        assert hit.status_code == 401 and hit.history[0].status_code == 302     # Earthdata Login wants a password
        assert manifest_to_csv([]).startswith("product,collection,date,tile,directory,role,url,size")


def test_synth_nasa_server_help_names_the_throw_away_credentials():
    result = run("synth", "nasa-server", "--help")
    assert result.exit_code == 0 and USERNAME in result.output and "--bad-checksum" in result.output


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


REAL_PATH = """
[pipeline]
name = "real-path"
out = "out"

[environment]
EARTHDATA_HOST = "http://localhost:{port}"
EARTHDATA_USERNAME = "demo-user"
EARTHDATA_PASSWORD = "throw-away-password"
EARTHDATA_TOKEN = ""

[paths]
events = "events.csv"
granules = "{{out}}/granules.csv"
modis = "{{out}}/modis"

[[stage]]
name = "nasa"
command = "synth nasa-server"
service = true
[stage.options]
hdf-dir = "{hdf_dir}"
port = {port}

[[stage]]
name = "manifest"
command = "manifest"
inputs = ["{{events}}"]
outputs = ["{{granules}}"]
[stage.options]
events = "{{events}}"
days-before = 2
reference-years = "2008-2008"
cmr = true
cmr-url = "http://127.0.0.1:{port}"
out = "{{granules}}"

[[stage]]
name = "fetch"
command = "fetch"
inputs = ["{{granules}}"]
outputs = ["{{modis}}"]
[stage.options]
manifest = "{{granules}}"
dest = "{{modis}}"
"""


def test_a_service_stage_runs_beside_the_later_stages_with_the_runs_environment(tmp_path, hdf_dir, events,
                                                                                monkeypatch):
    import os

    monkeypatch.setenv("EARTHDATA_TOKEN", "a-real-token-that-must-not-leak")
    monkeypatch.setenv("NETRC", str(tmp_path / "none"))
    port = free_port()
    (tmp_path / "events.csv").write_text(events.read_text())
    path = tmp_path / "real.toml"
    path.write_text(REAL_PATH.format(port=port, hdf_dir=hdf_dir))
    result = run("run", str(path), "--json")
    assert result.exit_code == 0, result.output
    record = json.loads(result.stdout)
    statuses = {s["name"]: s["status"] for s in record["stages"]}
    assert statuses == {"nasa": "started", "manifest": "ran", "fetch": "ran"}
    assert sorted(p.name for p in (tmp_path / "out" / "modis").glob("*.hdf")) == sorted(
        granule_name(d, t) for d in DAYS for t in TILES)
    assert os.environ["EARTHDATA_TOKEN"] == "a-real-token-that-must-not-leak"      # put back after the run
    assert "EARTHDATA_USERNAME" not in os.environ
    saved = (tmp_path / "out" / "run_record.json").read_text()
    assert "throw-away-password" not in saved and "(hidden)" in saved
    with pytest.raises(requests.ConnectionError):                                    # the service is stopped
        requests.get(f"http://127.0.0.1:{port}/search/granules.json", timeout=5)
    again = json.loads(run("run", str(path), "--json").stdout)
    assert {s["name"]: s["status"] for s in again["stages"]} == {"nasa": "not-needed", "manifest": "skipped",
                                                                 "fetch": "skipped"}


def test_a_service_that_cannot_start_stops_the_run_with_one_line(tmp_path, events):
    (tmp_path / "events.csv").write_text(events.read_text())
    path = tmp_path / "real.toml"
    path.write_text(REAL_PATH.format(port=free_port(), hdf_dir=tmp_path / "no-such-dir"))
    result = run("run", str(path))
    assert result.exit_code != 0
    last = result.output.strip().splitlines()[-1]
    assert "stage 'nasa' failed: service 'nasa' stopped before it was ready" in last and "no-such-dir" in last


@pytest.mark.parametrize("table, problem", [
    ('[environment]\n"BAD NAME" = "x"\n', "[environment] BAD NAME: needs a variable name"),
    ('[environment]\nEARTHDATA_HOST = "{nope}"\n', "unknown placeholder {nope}"),
    ('[environment]\nX = "1"\n[[stage]]\nname = "s"\ncommand = "synth nasa-server"\nservice = true\n'
     'outputs = ["x"]\n', "a service has no outputs"),
])
def test_bad_environment_or_service_tables_are_one_line_naming_the_file(tmp_path, table, problem):
    path = tmp_path / "p.toml"
    path.write_text('[pipeline]\nname = "p"\nout = "out"\n' + table
                    + '[[stage]]\nname = "m"\ncommand = "manifest"\n[stage.options]\nevents = "e.csv"\n')
    result = run("run", str(path), "--dry-run")
    assert result.exit_code != 0 and problem in result.output and str(path) in result.output
    assert "Traceback" not in result.output
