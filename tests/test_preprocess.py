"""thermoquake.preprocess: batch target + reference images on dask (the library call; the
command line's own contract is in tests/cli/test_preprocess_cmd.py)."""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import rasterio
import thermoquake
from thermoquake.errors import ThermoquakeError
from thermoquake.image.crop import crop_epicentre
from thermoquake.image.geotiff import write_epicentre_geotiff

SIZE = 64
EVENT_DATE = dt.date(2008, 5, 12)
DAYS_BEFORE = 2
REFERENCE_YEARS = range(2006, 2009)    # 2008 is the event year: references 2006, 2007
# E1 needs h26v05; E2 needs h26v05 + h26v06 (a mosaic); E3 needs h26v05 + h27v05, and
# h27v05 is never given (partial image); E4 lies where no tile is given (failures).
EVENTS = [
    ("E1", 35.0, 103.0),
    ("E2", 30.1, 103.0),
    ("E3", 35.0, 109.8),
    ("E4", -20.0, -60.0),
]
GIVEN_TILES = [(26, 5), (26, 6)]
HEADER = "event_id,time,latitude,longitude,depth_km,magnitude,magnitude_type\n"


def _dates() -> list[dt.date]:
    targets = [EVENT_DATE - dt.timedelta(days=k) for k in range(1, DAYS_BEFORE + 1)]
    return targets + [d.replace(year=y) for y in (2006, 2007) for d in targets]


@pytest.fixture(scope="session")
def hdf_dir(tmp_path_factory) -> Path:
    from thermoquake.synth import SynthConfig, write_synthetic_tile

    root = tmp_path_factory.mktemp("hdf")
    for date in _dates():
        sub = root / str(date.year) / "nested"        # searched recursively
        sub.mkdir(parents=True, exist_ok=True)
        for h, v in GIVEN_TILES:
            write_synthetic_tile(sub, "MYD11A1", h, v, date, config=SynthConfig(seed=7, cloud_fraction=0.2, swath_gaps=False))
    (root / "README.txt").write_text("not a tile\n")
    return root


@pytest.fixture(scope="session")
def events_csv(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("events") / "events.csv"
    rows = "".join(f"{eid},{EVENT_DATE.isoformat()}T06:28:00.47Z,{lat},{lon},10.0,6.5,mw\n"
                   for eid, lat, lon in EVENTS)
    path.write_text(HEADER + rows)
    return path


SETTINGS = {"days_before": DAYS_BEFORE, "reference_years": REFERENCE_YEARS, "size": SIZE, "progress": False}


def _preprocess(events: Path, hdf: Path, out: Path, **extra):
    return thermoquake.preprocess(events, hdf, out, **(SETTINGS | extra))


def _read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))


def _all_bytes(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="session")
def inprocess_run(tmp_path_factory, hdf_dir, events_csv) -> Path:
    out = tmp_path_factory.mktemp("run") / "work"
    _preprocess(events_csv, hdf_dir, out, workers=0)
    return out


def test_manifest_lists_every_target_and_reference_image(inprocess_run):
    rows = _read_csv(inprocess_run / "manifest.csv")
    expected = []
    for eid, _, _ in EVENTS[:3]:
        for k in (1, 2):
            expected.append((eid, "target", (EVENT_DATE - dt.timedelta(days=k)).isoformat(), str(k)))
        for year in (2006, 2007):
            for k in (1, 2):
                day = (EVENT_DATE - dt.timedelta(days=k)).replace(year=year)
                expected.append((eid, "reference", day.isoformat(), str(k)))
    assert [(r["event_id"], r["role"], r["date"], r["days_before"]) for r in rows] == expected
    for r in rows:
        assert (inprocess_run / r["path"]).is_file()
        assert r["path"] == f"images/{r['site']}/{r['role']}/{r['date']}.tif"
        assert 0.0 <= float(r["valid_fraction"]) <= 1.0
    assert sum(float(r["valid_fraction"]) > 0.3 for r in rows) > len(rows) // 2
    e2 = [r for r in rows if r["event_id"] == "E2"]
    assert all(len(r["source_files"].split(";")) == 2 and r["missing_tiles"] == "" for r in e2)
    e3 = [r for r in rows if r["event_id"] == "E3"]
    assert all(r["missing_tiles"] == "h27v05" for r in e3)
    failures = _read_csv(inprocess_run / "failures.csv")
    assert [(f["kind"], f["event_id"]) for f in failures] == [("image", "E4")] * 6
    assert all("no tile in --hdf-dir covers" in f["reason"] for f in failures)
    assert not list(inprocess_run.rglob(".*.tmp-*"))


def test_batch_images_equal_single_crops(inprocess_run, hdf_dir, tmp_path):
    rows = _read_csv(inprocess_run / "manifest.csv")
    by_name = {p.name: p for p in hdf_dir.rglob("*.hdf")}
    coords = {eid: (lat, lon) for eid, lat, lon in EVENTS}
    for r in rows[::3] + [r for r in rows if r["event_id"] == "E2"]:
        lat, lon = coords[r["event_id"]]
        paths = [by_name[name] for name in r["source_files"].split(";")]
        image = crop_epicentre(paths, lat, lon, size=SIZE)
        assert image.date.isoformat() == r["date"]
        with rasterio.open(inprocess_run / r["path"]) as src:
            np.testing.assert_array_equal(src.read(1), image.celsius)
            recipe = src.tags()["recipe"]                  # the batch also records what it read
        single = write_epicentre_geotiff(tmp_path / "single.tif", image, extra_tags={"recipe": recipe})
        assert single.read_bytes() == (inprocess_run / r["path"]).read_bytes()


def test_rerun_skips_finished_images_and_changes_nothing(inprocess_run, hdf_dir, events_csv):
    before = _all_bytes(inprocess_run)
    summary = _preprocess(events_csv, hdf_dir, inprocess_run, workers=0)
    assert summary.written_now == 0 and summary.already_done == summary.manifest_rows == 18   # E4: failures
    assert _all_bytes(inprocess_run) == before


def test_dry_run_writes_nothing(tmp_path, hdf_dir, events_csv):
    out = tmp_path / "work"
    summary = _preprocess(events_csv, hdf_dir, out, dry_run=True)
    assert summary.images == 24 and summary.targets == 8 and summary.written_now is None
    assert not out.exists()


def test_bad_file_among_tiles_is_recorded_and_the_batch_goes_on(tmp_path, hdf_dir, events_csv):
    hdf = tmp_path / "hdf"
    shutil.copytree(hdf_dir, hdf)
    bad = next(hdf.rglob("MYD11A1.A2008132.h26v06.*.hdf"))       # 2008-05-11, E2's day 1
    bad.write_bytes(bad.read_bytes()[:5000])                          # truncated
    foreign = hdf / "2007" / "MYD11A1.A2007131.h26v05.061.2099001000000.hdf"   # newer production
    foreign.write_text("<html>not found</html>")
    out = tmp_path / "work"
    notes: list[str] = []
    _preprocess(events_csv, hdf, out, workers=0, on_note=notes.append)
    assert any("several productions" in note for note in notes)
    failures = _read_csv(out / "failures.csv")
    files = {Path(f["file"]).name: f["reason"] for f in failures if f["kind"] == "file"}
    assert set(files) == {bad.name, foreign.name}
    rows = {(r["event_id"], r["date"]): r for r in _read_csv(out / "manifest.csv")}
    # E1 and E3 of 2007-05-11 have no readable tile left; every other image is made
    assert len(rows) == 18 - 2
    assert rows[("E2", "2008-05-11")]["missing_tiles"] == "h26v06"
    assert rows[("E2", "2007-05-11")]["missing_tiles"] == "h26v05"
    unreadable = [(f["event_id"], f["date"]) for f in failures if "unreadable" in f["reason"]]
    assert unreadable == [("E1", "2007-05-11"), ("E3", "2007-05-11")]


@pytest.mark.parametrize("row, message", [
    ("E9,2008-05-12T06:28:00Z,91.0,103.0,10,6,mw\n", "row 3: latitude"),
    ("E9,yesterday,30.0,103.0,10,6,mw\n", "row 3: time"),
    ("E1,2008-05-12T06:28:00Z,30.0,103.0,10,6,mw\n", "row 3: duplicate event_id"),
    ("E9,2008-05-12T06:28:00Z,abc,103.0,10,6,mw\n", "row 3: latitude"),
])
def test_malformed_events_row_stops_before_writing_anything(tmp_path, hdf_dir, row, message):
    events = tmp_path / "events.csv"
    events.write_text(HEADER + "E1,2008-05-12T06:28:00Z,35.0,103.0,10,6,mw\n" + row)
    out = tmp_path / "work"
    with pytest.raises(ThermoquakeError) as err:
        _preprocess(events, hdf_dir, out, workers=0)
    assert message in str(err.value) and str(events) in str(err.value)
    assert len(str(err.value).splitlines()) == 1
    assert not out.exists()


def test_events_file_missing_a_column_is_refused(tmp_path, hdf_dir):
    events = tmp_path / "events.csv"
    events.write_text("event_id,time,latitude\nE1,2008-05-12T06:28:00Z,35.0\n")
    with pytest.raises(ThermoquakeError, match=re.escape("row 1: missing column(s) longitude")):
        _preprocess(events, hdf_dir, tmp_path / "work", workers=0)


def test_workdir_with_other_parameters_is_refused(inprocess_run, hdf_dir, events_csv):
    before = _all_bytes(inprocess_run)
    with pytest.raises(ThermoquakeError) as err:
        _preprocess(events_csv, hdf_dir, inprocess_run, workers=0, size=32)
    assert "other parameters" in str(err.value) and "size was 64" in str(err.value)
    assert _all_bytes(inprocess_run) == before


def test_workdir_of_another_version_or_foreign_is_refused(tmp_path, hdf_dir, events_csv):
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "something.txt").write_text("x")
    with pytest.raises(ThermoquakeError, match="not a thermoquake preprocess workdir"):
        _preprocess(events_csv, hdf_dir, foreign, workers=0)
    old = tmp_path / "old"
    old.mkdir()
    (old / "workdir.json").write_text('{"format": "thermoquake-preprocess", "format_version": 0}')
    with pytest.raises(ThermoquakeError, match="format version 0"):
        _preprocess(events_csv, hdf_dir, old, workers=0)
    assert sorted(p.name for p in old.iterdir()) == ["workdir.json"]


def test_geotiffs_are_deterministic(tmp_path, hdf_dir, events_csv, inprocess_run):
    out = tmp_path / "again"
    _preprocess(events_csv, hdf_dir, out, workers=0)
    assert _all_bytes(out) == _all_bytes(inprocess_run)


def _python_command(events: Path, hdf: Path, out: Path, **extra) -> list[str]:
    """A separate Python process that runs :func:`thermoquake.preprocess` (to be killed)."""
    settings = SETTINGS | {"reference_years": [REFERENCE_YEARS.start, REFERENCE_YEARS.stop - 1]} | extra
    code = ("import sys, json, thermoquake; s = json.loads(sys.argv[4]); "
            "s['reference_years'] = range(s['reference_years'][0], s['reference_years'][1] + 1); "
            "thermoquake.preprocess(sys.argv[1], sys.argv[2], sys.argv[3], **s)")
    return [sys.executable, "-c", code, str(events), str(hdf), str(out), json.dumps(settings)]


@pytest.mark.slow
def test_default_local_cluster_gives_the_same_outputs(tmp_path, hdf_dir, events_csv, inprocess_run):
    out = tmp_path / "work"
    subprocess.run(_python_command(events_csv, hdf_dir, out, workers=2), check=True,
                   capture_output=True, timeout=300)
    assert _all_bytes(out) == _all_bytes(inprocess_run)


@pytest.mark.slow
def test_scheduler_option_uses_an_existing_cluster(tmp_path, hdf_dir, events_csv, inprocess_run):
    from distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        out = tmp_path / "work"
        proc = subprocess.run(_python_command(events_csv, hdf_dir, out, scheduler=cluster.scheduler_address),
                              capture_output=True, text=True, timeout=300)
        assert proc.returncode == 0, proc.stderr
    assert _all_bytes(out) == _all_bytes(inprocess_run)


def _count_images(out: Path) -> int:
    return sum(1 for p in (out / "images").rglob("*.tif")) if (out / "images").is_dir() else 0


@pytest.mark.slow
def test_killed_batch_resumes_to_identical_outputs(tmp_path, hdf_dir, events_csv, inprocess_run):
    reference = _all_bytes(inprocess_run)
    for k in (0, 1, 5, 11):
        out = tmp_path / f"work{k}"
        proc = subprocess.Popen(_python_command(events_csv, hdf_dir, out, workers=1),
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                start_new_session=True)
        deadline = time.monotonic() + 120
        while proc.poll() is None and time.monotonic() < deadline:
            if (k == 0 and (out / "workdir.json").exists()) or (k and _count_images(out) >= k):
                break
            time.sleep(0.002)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        time.sleep(0.5)          # let orphaned dask worker processes notice and exit
        subprocess.run(_python_command(events_csv, hdf_dir, out, workers=1), check=True,
                       capture_output=True, timeout=300)
        assert _all_bytes(out) == reference, f"killed after {k} images"
        assert not list(out.rglob(".*.tmp-*"))


def test_controls_file_is_accepted_as_events(tmp_path):
    from thermoquake.preprocessing.events import read_events

    controls = tmp_path / "controls.csv"
    controls.write_text("control_id,time,latitude,longitude,mode,matched_event_id\n"
                        "matched:iscgem:1:2005,2005-05-12T06:28:00Z,30.98,103.40,matched,iscgem:1\n")
    (event,) = read_events(controls)
    assert event.event_id == "matched:iscgem:1:2005" and event.date.isoformat() == "2005-05-12"
