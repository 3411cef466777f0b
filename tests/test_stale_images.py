"""A resumed preprocess remakes the images whose inputs changed -- an event moved under the
same id, a source tile replaced -- says how many, and keeps the others; an unchanged resume
re-hashes no tile."""

from __future__ import annotations

import csv
import datetime as dt
import shutil
from pathlib import Path

import pytest
import rasterio

import thermoquake
import thermoquake.preprocessing.recipes as recipes
from tests.conftest import CONTROLS, EVENTS

STUDY = {"days_before": 2, "reference_years": range(2008, 2011), "size": 16, "progress": False, "workers": 0}


@pytest.fixture
def study(tiny_study, tmp_path) -> Path:
    """A private copy of the tiny SYNTHETIC study's inputs (they are modified here)."""
    (tmp_path / "events.csv").write_text(EVENTS)
    (tmp_path / "controls.csv").write_text(CONTROLS)
    shutil.copytree(tiny_study / "hdf", tmp_path / "hdf")
    return tmp_path


def _preprocess(root: Path, work: Path, **extra):
    return thermoquake.preprocess(root / "events.csv", root / "hdf", work, controls=root / "controls.csv",
                                  **(STUDY | extra))


def _images(work: Path) -> dict[str, bytes]:
    return {str(p.relative_to(work)): p.read_bytes() for p in sorted((work / "images").rglob("*.tif"))}


def _rows(work: Path) -> list[dict]:
    with open(work / "manifest.csv", newline="") as fh:
        return list(csv.DictReader(fh))


def test_an_event_moved_under_the_same_id_has_its_images_remade(study, tmp_path):
    work = tmp_path / "work"
    _preprocess(study, work)
    before = _images(work)
    e1 = [k for k in before if k.startswith("images/E1/")]
    assert e1
    (study / "events.csv").write_text(EVENTS.replace("E1,2009-05-10T01:00:00Z,35.0,103.0",
                                                     "E1,2009-05-10T01:00:00Z,35.2,103.1"))
    dry = _preprocess(study, work, dry_run=True)
    assert dry.stale == len(e1)
    assert _images(work) == before                       # a dry run changes nothing
    result = _preprocess(study, work)
    assert (result.already_done, result.stale) == (len(before) - len(e1), len(e1))
    after = _images(work)
    assert {k for k in after if after[k] != before[k]} == set(e1)
    for key in e1:
        with rasterio.open(work / key) as src:
            assert float(src.tags()["epicentre_lat"]) == 35.2
    fresh = tmp_path / "fresh"
    _preprocess(study, fresh)
    assert (fresh / "manifest.csv").read_bytes() == (work / "manifest.csv").read_bytes()
    assert _images(fresh) == after
    again = _preprocess(study, work)                       # nothing changed since
    assert again.stale == 0 and _images(work) == after


def test_an_event_whose_time_changed_gets_images_of_its_new_dates(study, tmp_path):
    work = tmp_path / "work"
    _preprocess(study, work)
    (study / "events.csv").write_text(EVENTS.replace("E2,2010-06-20T01:00:00Z", "E2,2010-06-21T01:00:00Z"))
    _preprocess(study, work)
    made = {r["date"] for r in _rows(work) if r["event_id"] == "E2" and r["role"] == "target"}
    with open(work / "failures.csv", newline="") as fh:
        missing = {r["date"] for r in csv.DictReader(fh) if r["event_id"] == "E2" and r["role"] == "target"}
    assert made == {"2010-06-19"} and missing == {"2010-06-20"}   # the study has no tile of 06-20


def test_a_replaced_source_tile_makes_its_images_stale(study, tmp_path):
    from thermoquake.synth import SynthConfig, write_synthetic_tile

    work = tmp_path / "work"
    _preprocess(study, work)
    before = _images(work)
    date = dt.date(2009, 5, 9)
    users = [r["path"] for r in _rows(work) if r["date"] == date.isoformat()]
    assert users
    tiles = sorted((study / "hdf").rglob("MYD11A1.A2009129.*.hdf"))
    assert len(tiles) == 1
    replacement = write_synthetic_tile(tmp_path / "new", "MYD11A1", 26, 5, date,
                                       config=SynthConfig(seed=99, cloud_fraction=0.1))
    assert replacement.name == tiles[0].name and replacement.read_bytes() != tiles[0].read_bytes()
    shutil.copy(replacement, tiles[0])
    result = _preprocess(study, work)
    assert result.stale == len(users)
    after = _images(work)
    assert {k for k in after if after[k] != before[k]} == set(users)


def test_an_unchanged_resume_hashes_no_tile(study, tmp_path, monkeypatch):
    work = tmp_path / "work"
    _preprocess(study, work)
    calls = []
    real = recipes.file_sha256
    monkeypatch.setattr(recipes, "file_sha256", lambda p: calls.append(p) or real(p))
    result = _preprocess(study, work)
    assert result.written_now == 0 and result.stale == 0
    assert calls == []
    tile = sorted((study / "hdf").rglob("MYD11A1.A2009129.*.hdf"))[0]
    tile.touch()                                          # a new modification time: hashed again
    result = _preprocess(study, work)
    assert calls == [tile] and result.stale == 0   # same bytes: nothing to redo


def test_an_unreadable_image_under_a_final_name_is_remade(study, tmp_path):
    work = tmp_path / "work"
    _preprocess(study, work)
    victim = sorted((work / "images").rglob("*.tif"))[0]
    good = victim.read_bytes()
    victim.write_bytes(good[: len(good) // 3])            # what a full disk once left behind
    result = _preprocess(study, work)
    assert result.stale == 1
    assert victim.read_bytes() == good
