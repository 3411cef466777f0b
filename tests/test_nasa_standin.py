"""The local stand-in for NASA (thermoquake.testing.nasa) and the CMR client (thermoquake.fetch.cmr):
the catalogue look-up (``manifest --cmr``) finds granules, ``thermoquake.fetch_granules`` downloads
what it lists. The commands and the pipeline runner's service stages: tests/cli/test_manifest_cmd.py,
test_fetch_cmd.py, test_run_cmd.py."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest
import requests

import thermoquake
from tests.test_fetch import environment
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


def catalogue_manifest(events: Path, out: Path, standin: NasaStandIn) -> tuple[list, list]:
    """The granules of ``events`` (2 days before, reference year 2008) looked up in the stand-in's
    catalogue, written to ``out``: ``(found, missing)``."""
    found, missing = look_up(thermoquake.build_manifest(events, days_before=2, reference_years=[2008]),
                             standin.url)
    out.write_text(manifest_to_csv(found))
    return found, missing


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
        found, missing = catalogue_manifest(events, out, standin)
    assert (len(found) + len(missing), len(found), len(missing)) == (8, 7, 1)
    sizes = sum((hdf_dir / granule_name(d, t)).stat().st_size for d in DAYS for t in TILES) \
        - (hdf_dir / granule_name(DAYS[1], "h27v06")).stat().st_size
    assert sum(r.size for r in found) == sizes
    rows = read_manifest(out)
    assert rows == found and all(r.url and r.size and r.checksum_type == "MD5" for r in rows)
    assert [(m.date.isoformat(), m.tile, m.url) for m in missing] == [("2008-05-11", "h27v06", None)]


def test_fetch_downloads_the_catalogues_urls_checks_its_checksum_and_retries_a_damaged_copy(
        tmp_path, hdf_dir, events):
    out, dest = tmp_path / "granules.csv", tmp_path / "modis"
    damaged = granule_name(DAYS[0], "h27v05")
    with NasaStandIn(hdf_dir, bad_checksum={damaged: 1}) as standin:
        catalogue_manifest(events, out, standin)
        with environment(env(standin, tmp_path)):
            outcomes = thermoquake.fetch_granules(out, dest, backoff_s=0.01)
        assert [o.status for o in outcomes] == ["downloaded"] * 8
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
        thermoquake.build_manifest(events, out, days_before=2, reference_years=[2008], base_url=standin.url)
        assert read_manifest(out)[0].url is None and standin.requests("cmr") == []
        with environment(env(standin, tmp_path)):
            outcomes = thermoquake.fetch_granules(out, dest)
        assert [o.status for o in outcomes] == ["downloaded"] * 8
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
