"""Selecting study events (``thermoquake.select_catalog``, the ``catalog select`` command):
formats, one schema, the paper's events, bad input. The command's own contract:
tests/cli/test_catalog_cmd.py."""

from __future__ import annotations

import csv
import datetime as dt
import sys
from pathlib import Path

import pytest
from thermoquake.catalog import CatalogError, Region, read_catalog
from thermoquake.catalog.select import select_catalog
from thermoquake.errors import BadRequestError, ConfigurationError, ThermoquakeError

REPO = Path(__file__).resolve().parents[1]
STUDY_CATALOG = REPO / "data_manifests" / "catalog" / "china_m5_2003_2020.csv"
STUDY_FLAGS = REPO / "data_manifests" / "catalog" / "china_m5_2003_2020_flagged.csv"
TEST_DATA = REPO / "tests" / "data" / "catalog"
COMCAT = TEST_DATA / "comcat_china_2013_2016.csv"
COMCAT_DUP = TEST_DATA / "comcat_duplicate_origin.csv"
ISCGEM = TEST_DATA / "iscgem_v5_china_2003_2014.csv"

HEADER = "event_id,time,latitude,longitude,depth_km,magnitude,magnitude_type\n"

# The spot-check table of data_manifests/catalog/PROVENANCE.md (ISC-GEM v8 rows), typed in by hand.
PAPER_EVENTS = {
    "Yutian 2008": (
        "iscgem:13493073",
        "2008-03-20T22:32:59.760Z",
        35.425,
        81.431,
        15.0,
        7.10,
        "Mw",
    ),
    "Wenchuan 2008": (
        "iscgem:13228121",
        "2008-05-12T06:28:00.470Z",
        30.980,
        103.396,
        10.0,
        7.91,
        "Mw",
    ),
    "Yushu 2010": ("iscgem:14573075", "2010-04-13T23:49:37.980Z", 33.172, 96.656, 15.0, 6.88, "Mw"),
    "Lushan 2013": (
        "iscgem:607304721",
        "2013-04-20T00:02:48.170Z",
        30.237,
        102.981,
        20.0,
        6.60,
        "Mw",
    ),
    "Yutian 2014": (
        "iscgem:604043291",
        "2014-02-12T09:19:50.120Z",
        35.845,
        82.627,
        15.0,
        6.91,
        "Mw",
    ),
}

STUDY = {"min_mag": 5, "start": dt.date(2006, 1, 1), "end": dt.date(2016, 12, 31), "region": "73,25,112,45"}


def select(catalog: Path, out: Path | None = None, **settings):
    return select_catalog(catalog, out, **settings)


def read_rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))


def assert_one_line_error(catalog: Path, out: Path | None, *fragments: str, **settings) -> str:
    with pytest.raises(ThermoquakeError) as err:
        select(catalog, out, **settings)
    message = str(err.value)
    assert "\n" not in message, message
    for fragment in fragments:
        assert fragment in message, message
    return message


@pytest.mark.parametrize(
    "extra",
    [
        {},
        {"decluster": "gardner-knopoff"},
        {"decluster": "gardner-knopoff", "linked": True, "flag_file": STUDY_FLAGS},
    ],
)
def test_paper_events_come_out_with_the_catalogues_own_values(tmp_path, extra):
    out = tmp_path / "events.csv"
    picked = select(STUDY_CATALOG, out, **STUDY, **extra)
    rows = {r["event_id"]: r for r in read_rows(out)}
    assert len(rows) == len(picked.events) and picked.out == out
    for name, (eid, time, lat, lon, depth, mag, mtype) in PAPER_EVENTS.items():
        row = rows.get(eid)
        assert row is not None, f"{name} ({eid}) missing"
        assert row["time"] == time, name
        assert (float(row["latitude"]), float(row["longitude"])) == (lat, lon), name
        assert float(row["depth_km"]) == depth and float(row["magnitude"]) == mag, name
        assert row["magnitude_type"] == mtype, name


def test_china_local_dates_of_yutian_2008_and_yushu_2010_are_the_previous_utc_day(tmp_path):
    out = tmp_path / "events.csv"
    select(STUDY_CATALOG, out, **STUDY)
    days = {r["event_id"]: r["time"][:10] for r in read_rows(out)}
    assert days["iscgem:13493073"] == "2008-03-20"  # paper: 2008-03-21 (UTC+8)
    assert days["iscgem:14573075"] == "2010-04-13"  # paper: 2010-04-14 (UTC+8)


def test_output_has_the_one_schema_sorted_by_time(tmp_path):
    out = tmp_path / "events.csv"
    picked = select(STUDY_CATALOG, out, **STUDY)
    text = out.read_text()
    assert text.startswith(HEADER)
    rows = read_rows(out)
    assert (
        len(rows) == 439
    )  # PROVENANCE counts by year, 2006..2016: 23+18+55+48+38+22+40+52+25+90+28
    times = [r["time"] for r in rows]
    assert [e.event_id for e in picked.events] == [r["event_id"] for r in rows]
    assert times == sorted(times) and all(t.endswith("Z") for t in times)


def test_region_and_flag_file_narrow_the_selection(tmp_path):
    out = tmp_path / "events.csv"
    picked = select(STUDY_CATALOG, out, flag_file=STUDY_FLAGS, **STUDY)
    assert picked.unflagged == 439 - 295
    # PROVENANCE "inside China polygon" counts, 2006..2016: 12+11+53+39+34+15+27+39+21+25+19
    assert len(read_rows(out)) == 295


def test_comcat_csv_is_read_and_non_earthquakes_are_left_out(tmp_path):
    cat = read_catalog(COMCAT)
    assert cat.format == "comcat"
    assert len(cat.events) == 170
    assert cat.skipped == {"type 'nuclear explosion'": 4}
    lushan = next(e for e in cat.events if e.event_id == "usb000gcdd")
    # PROVENANCE spot check, ComCat column: 00:02:47.54, 30.308 102.888, 14 km, 6.6 mww
    assert lushan.time.isoformat().startswith("2013-04-20T00:02:47.5")
    assert (lushan.latitude, lushan.longitude, lushan.depth_km) == (30.308, 102.888, 14.0)
    assert (lushan.magnitude, lushan.magnitude_type) == (6.6, "mww")


def test_comcat_select_writes_the_same_schema(tmp_path):
    out = tmp_path / "events.csv"
    select(COMCAT, out, min_mag=6.5)
    rows = read_rows(out)
    assert out.read_text().startswith(HEADER)
    assert {r["event_id"] for r in rows} >= {"usb000gcdd", "usc000mnvj"}  # Lushan, Yutian 2014
    assert all(float(r["magnitude"]) >= 6.5 for r in rows)


def test_iscgem_csv_with_comment_header_agrees_with_the_study_catalogue():
    """PROVENANCE: all 108 ISC-GEM v5 events of the box (2003-2014) are identical in v8."""
    v5 = read_catalog(ISCGEM)
    assert v5.format == "iscgem" and len(v5.events) == 108
    study = {e.event_id: e for e in read_catalog(STUDY_CATALOG).events}
    for event in v5.events:
        other = study[event.event_id]
        assert (event.time, event.latitude, event.longitude, event.depth_km, event.magnitude) == (
            other.time,
            other.latitude,
            other.longitude,
            other.depth_km,
            other.magnitude,
        )
        assert event.magnitude_type in ("Mw", "Mw_proxy")


def test_one_event_under_two_comcat_ids_is_merged_with_a_note(tmp_path):
    """The real ComCat export lists the 2021-02-27 Alaska M5.3 under two network ids."""
    out = tmp_path / "events.csv"
    notes: list[str] = []
    picked = select(COMCAT_DUP, out, on_note=notes.append)
    (note,) = notes
    assert note.startswith("note:") and "1 exact duplicate row(s) merged" in note
    assert "line 3 (" not in note and "line 3: merged into line 2" in note
    assert "ak0212o88mqd" in note
    assert [r["event_id"] for r in read_rows(out)] == ["ak0212o88mof"]
    merged = [str(m) for m in picked.catalog.merged]
    assert len(merged) == 1 and merged[0].startswith("line 3: merged into line 2")


def _conflicting(tmp_path: Path) -> Path:
    """Two origins listed twice with another magnitude: one in 2010 near 30N 100E, one in 2015."""
    src = tmp_path / "cat.csv"
    src.write_text(
        HEADER + "a,2010-01-01T00:00:00Z,30,100,10,5.5,Mw\n"
        "a2,2010-01-01T00:00:00Z,30,100,10,5.9,Mw\n"
        "b,2015-06-01T00:00:00Z,10,10,10,5.1,Mw\n"
        "b2,2015-06-01T00:00:00Z,10,10,12,5.1,Mw\n"
        "c,2015-07-01T00:00:00Z,30,100,10,5.2,Mw\n"
    )
    return src


def test_a_conflicting_duplicate_inside_the_selection_stops_the_selection(tmp_path):
    out = tmp_path / "events.csv"
    assert_one_line_error(_conflicting(tmp_path), out, "line 3: duplicate of the event at line 2",
                          "another depth or magnitude",
                          "line 5:", "--skip-bad-rows")
    assert not out.exists()


def test_a_conflicting_duplicate_outside_the_selection_does_not_stop_it(tmp_path):
    out = tmp_path / "events.csv"
    picked = select(_conflicting(tmp_path), out, start=dt.date(2015, 1, 1), region=Region.parse("90,20,110,40"))
    assert [r["event_id"] for r in read_rows(out)] == ["c"]
    assert picked.catalog.skipped == {"conflicting duplicate outside the selection": 2}


def test_duplicate_event_ids_are_reported_with_both_lines(tmp_path):
    src = tmp_path / "cat.csv"
    src.write_text(
        HEADER + "a,2010-01-01T00:00:00Z,30,100,10,5.5,Mw\n"
        "b,2010-02-01T00:00:00Z,31,101,10,5.1,Mw\n"
        "a,2010-03-01T00:00:00Z,32,102,10,5.2,Mw\n"
    )
    out = tmp_path / "events.csv"
    assert_one_line_error(src, out, "line 4: duplicate event_id 'a' (first at line 2)")
    assert not out.exists()


def test_malformed_missing_and_out_of_range_values_are_reported_by_line(tmp_path):
    src = tmp_path / "cat.csv"
    src.write_text(
        HEADER
        + "ok,2010-01-01T00:00:00Z,30,100,10,5.5,Mw\n"
        + "m,2010-01-02T00:00:00Z,30,100,10,big,Mw\n"
        + "l,2010-01-03T00:00:00Z,,100,10,5.5,Mw\n"
        + "r,2010-01-04T00:00:00Z,95.5,100,10,5.5,Mw\n"
        + "t,yesterday,30,100,10,5.5,Mw\n"
        + "f,2010-01-05T00:00:00Z,30,100\n"
    )
    out = tmp_path / "events.csv"
    assert_one_line_error(
        src,
        out,
        "5 unusable rows",
        "line 3: magnitude 'big' is not a number",
        "line 4: latitude is missing",
        "line 5: latitude 95.5 is outside -90..90",
        "line 6: time 'yesterday'",
        "line 7: has 4 fields",
    )
    assert not out.exists()


def test_skip_bad_rows_drops_them_and_lists_them_on_stderr(tmp_path):
    out = tmp_path / "events.csv"
    notes: list[str] = []
    picked = select(_conflicting(tmp_path), out, skip_bad_rows=True, on_note=notes.append)
    assert any("skipped line 3: duplicate of the event at line 2" in note for note in notes)
    assert [str(p) for p in picked.catalog.problems] and len(notes) == len(picked.catalog.problems)
    assert [r["event_id"] for r in read_rows(out)] == ["a", "b", "c"]


def test_iscgem_rows_with_bad_values_are_reported_with_their_file_line(tmp_path):
    lines = ISCGEM.read_text().splitlines(keepends=True)
    first_data = next(i for i, ln in enumerate(lines) if not ln.startswith("#"))
    fields = lines[first_data].split(",")
    fields[10] = "  x.xx "  # mw
    lines[first_data] = ",".join(fields)
    src = tmp_path / "isc.csv"
    src.write_text("".join(lines))
    with pytest.raises(CatalogError, match=rf"line {first_data + 1}: mw 'x.xx' is not a number"):
        read_catalog(src)


def test_unknown_format_is_refused_with_one_line(tmp_path):
    src = tmp_path / "cat.csv"
    src.write_text("when,where,how big\n2010,China,large\n")
    out = tmp_path / "events.csv"
    assert_one_line_error(src, out, "unknown catalogue format", "when,where,how big")
    assert not out.exists()


def test_flag_file_is_not_a_catalogue(tmp_path):
    # it has no depth or magnitude type: auto-detection must refuse it, not guess
    assert_one_line_error(STUDY_FLAGS, tmp_path / "e.csv", "unknown catalogue format")
    assert not (tmp_path / "e.csv").exists()


def test_explicit_format_that_does_not_fit_names_the_missing_columns(tmp_path):
    assert_one_line_error(COMCAT, tmp_path / "e.csv", "not an ISC-GEM catalogue", fmt="iscgem")


@pytest.mark.parametrize(
    "args, fragment",
    [
        ({"region": "120,-10,130,0"}, "no event matches"),
        ({"start": dt.date(2030, 1, 1)}, "no event matches"),
        ({"min_mag": 9.5}, "no event matches M >= 9.5"),
        ({"start": dt.date(2010, 1, 1), "end": dt.date(2009, 1, 1)}, "the period is empty"),
    ],
)
def test_selections_that_select_nothing_fail_and_write_nothing(tmp_path, args, fragment):
    out = tmp_path / "events.csv"
    out.write_text("previous content\n")
    assert_one_line_error(STUDY_CATALOG, out, fragment, **args)
    assert out.read_text() == "previous content\n"
    assert [p.name for p in tmp_path.iterdir()] == ["events.csv"]


@pytest.mark.parametrize("region", ["1,2,3", "a,b,c,d", "0,50,10,40", "0,-95,10,0", "200,0,210,10"])
def test_bad_region_text_is_refused(tmp_path, region):
    with pytest.raises(BadRequestError, match="region|latitude|longitude"):
        select(STUDY_CATALOG, tmp_path / "e.csv", region=region)
    assert not (tmp_path / "e.csv").exists()


def test_region_across_the_antimeridian_contains_both_sides():
    fiji = Region.parse("170,-30,-170,-10")
    assert fiji.crosses_antimeridian and fiji.lon_width == 20.0
    assert fiji.contains(-20.0, 178.0) and fiji.contains(-20.0, -179.0)
    assert not fiji.contains(-20.0, 0.0) and not fiji.contains(-5.0, 178.0)
    with pytest.raises(BadRequestError):
        Region.parse("10,10,10,20")


def test_quakeml_without_obspy_says_how_to_install_it(tmp_path, monkeypatch):
    src = tmp_path / "events.xml"
    src.write_text(
        '<?xml version="1.0"?>\n<q:quakeml xmlns:q="http://quakeml.org/xmlns/quakeml/1.2"/>\n'
    )
    monkeypatch.setitem(sys.modules, "obspy", None)  # import obspy -> ImportError
    assert_one_line_error(src, tmp_path / "e.csv", "needs ObsPy", "thermoquake[quakeml]")


def test_linked_without_decluster_is_refused(tmp_path):
    with pytest.raises(ConfigurationError, match="linked declustering needs a decluster window"):
        select(STUDY_CATALOG, tmp_path / "e.csv", linked=True, **STUDY)
    assert not (tmp_path / "e.csv").exists()


def test_the_selection_counts_what_happened(tmp_path):
    out = tmp_path / "events.csv"
    picked = select(COMCAT, out)
    assert picked.catalog.format == "comcat" and len(picked.catalog.events) == 170
    assert picked.catalog.skipped == {"type 'nuclear explosion'": 4}
    assert len(picked.events) == len(read_rows(out)) == 170
    assert (picked.dependents_removed, picked.unflagged) == (0, 0)
    assert select(COMCAT).out is None


def test_quakeml_is_read_through_obspy_with_the_same_values_as_the_csv(tmp_path):
    pytest.importorskip("obspy")
    quakeml = TEST_DATA / "comcat_three_events.quakeml"
    out = tmp_path / "events.csv"
    picked = select(quakeml, out)
    assert picked.catalog.format == "quakeml" and picked.catalog.skipped == {
        "type 'nuclear explosion'": 1
    }
    from_csv = {e.event_id: e for e in read_catalog(COMCAT).events}
    got = read_catalog(quakeml).events
    assert [e.event_id for e in got] == [
        "quakeml:us.anss.org/event/usb000gcdd",
        "quakeml:us.anss.org/event/usc000mnvj",
    ]
    for event in got:
        twin = from_csv[event.event_id.rsplit("/", 1)[-1]]
        assert (
            event.time,
            event.latitude,
            event.longitude,
            event.depth_km,
            event.magnitude,
            event.magnitude_type,
        ) == (
            twin.time,
            twin.latitude,
            twin.longitude,
            twin.depth_km,
            twin.magnitude,
            twin.magnitude_type,
        )


@pytest.mark.parametrize("kind", ["kmz", "kml", "zip", "gzip"])
def test_maps_and_archives_are_refused_naming_the_formats_that_are_read(tmp_path, kind):
    import gzip
    import zipfile

    kml = ('<?xml version="1.0" encoding="UTF-8"?>\n<kml xmlns="http://www.opengis.net/kml/2.2">'
           "<Document><Placemark><name>M 7.9</name></Placemark></Document></kml>\n")
    path = tmp_path / {"kmz": "isc-gem-cat.kmz", "kml": "quakes.kml", "zip": "isc-gem-cat-v5.zip",
                       "gzip": "cat.csv.gz"}[kind]
    if kind == "kml":
        path.write_text(kml)
    elif kind == "gzip":
        path.write_bytes(gzip.compress(COMCAT_DUP.read_bytes()))
    else:
        with zipfile.ZipFile(path, "w") as archive:
            if kind == "kmz":
                archive.writestr("doc.kml", kml)
            else:
                archive.writestr("isc-gem-cat.csv", ISCGEM.read_text())
    out = tmp_path / "events.csv"
    words = {"kmz": "KMZ map", "kml": "KML map", "zip": "extract isc-gem-cat.csv", "gzip": "gzip"}[kind]
    message = assert_one_line_error(path, out, words, "ComCat CSV, ISC-GEM CSV, thermoquake CSV and QuakeML")
    assert "ObsPy" not in message and not out.exists()
