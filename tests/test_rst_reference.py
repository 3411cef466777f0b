"""RST references built from sample-relative reference years, identical within a reference
group (an event, its matched controls, the random controls that join it); month references
that preprocess and manifest provide; the RETIRA sigma floor in ``thermoquake rst``.

Workdirs are written here in the preprocess layout from the preprocess plan itself, with
small random images (16 km boxes), so every date is exactly what preprocess would make.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import numpy as np
import pytest
import rasterio

import thermoquake
from thermoquake.errors import ThermoquakeError
from thermoquake.preprocessing.events import read_events
from thermoquake.preprocessing.plan import plan_images
from thermoquake.preprocessing.samples import build_samples, write_samples
from thermoquake.preprocessing.tables import write_tables
from thermoquake.preprocessing.workdir import prepare_workdir, reference_parameters
from thermoquake.image.crop import EpicentreImage
from thermoquake.image.grid import EpicentreGrid
from thermoquake.image.geotiff import write_epicentre_geotiff

D = dt.date
EVENT_HEADER = "event_id,time,latitude,longitude,depth_km,magnitude,magnitude_type\n"
CONTROL_HEADER = "control_id,time,latitude,longitude,mode,matched_event_id\n"
SIZE = 16


def make_workdir(root: Path, events: str, controls: str, days_before: int, years: range,
                 **period) -> Path:
    """A preprocess workdir (workdir.json, samples.csv, manifest.csv, images) of the given
    events and controls CSV rows, planned by ``plan_images``; images are random (deg C)."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "events.csv").write_text(EVENT_HEADER + events)
    (root / "controls.csv").write_text(CONTROL_HEADER + controls)
    ev = read_events(root / "events.csv") if events else []
    co = read_events(root / "controls.csv") if controls else []
    work = root / "work"
    tasks = plan_images(ev, days_before, years, SIZE, **period) + plan_images(co, days_before, years, SIZE, **period)
    parameters = {"size": SIZE, "days_before": days_before, "reference_years": [years[0], years[-1]]}
    if period:
        parameters |= reference_parameters(period.get("mode", "same-day"), period.get("window_days", 0))
    prepare_workdir(work, parameters)
    if ev:
        samples = build_samples(ev, root / "events.csv", co, root / "controls.csv" if co else None)
    else:                                   # a controls file given as the events (preprocess allows it)
        samples = build_samples(co, root / "controls.csv")
    write_samples(work, samples)
    rng = np.random.default_rng(0)
    for t in tasks:
        values = (10 + rng.normal(0, 2, (SIZE, SIZE))).astype(np.float32)
        write_epicentre_geotiff(work / t.relpath, EpicentreImage(values, EpicentreGrid(t.lat, t.lon, SIZE),
                                                                 "MYD11A1", "LST_Night_1km", "paper", t.date,
                                                                 ("synthetic",), synthetic=True))
    write_tables(work, tasks, {}, {})
    return work


def rst(work: Path, **settings):
    return thermoquake.run_rst(work, **settings)


def tags_of(work: Path, site: str, day: D) -> dict[str, str]:
    with rasterio.open(work / f"images/{site}/target/{day.isoformat()}.retira.tif") as src:
        return src.tags()


def reference_dates(tags: dict[str, str]) -> list[D]:
    return [D.fromisoformat(d) for d in tags["rst_reference_dates"].split(",") if d]


def reference_years(tags: dict[str, str], sample_year: int) -> set[int]:
    return {sample_year + int(k) for k in tags["rst_reference_offsets"].split(",") if k}


# --- sample-relative years, identical within a group ---------------------------------------------

NEW_YEAR_EVENTS = "E1,2010-01-02T03:00:00Z,35.0,103.0,10,5.5,Mw\n"
NEW_YEAR_CONTROLS = ("C1,2012-01-02T03:00:00Z,35.0,103.0,matched,E1\n"
                     "C2,2008-01-02T03:00:00Z,35.0,103.0,matched,E1\n")


@pytest.fixture(scope="module")
def new_year_workdir(tmp_path_factory) -> Path:
    """An event on 2010-01-02 (targets 2010-01-01, 2009-12-31) and two matched controls."""
    return make_workdir(tmp_path_factory.mktemp("newyear"), NEW_YEAR_EVENTS, NEW_YEAR_CONTROLS, 2,
                        range(2006, 2015))


def test_a_window_across_new_year_never_holds_a_group_members_target_day(new_year_workdir):
    work = new_year_workdir
    rst(work, min_count=1)
    targets = {"E1": {D(2009, 12, 31), D(2010, 1, 1)}, "C1": {D(2011, 12, 31), D(2012, 1, 1)},
               "C2": {D(2007, 12, 31), D(2008, 1, 1)}}
    every_target = set().union(*targets.values())
    for site, days in targets.items():
        for day in days:
            used = set(reference_dates(tags_of(work, site, day)))
            assert used and not used & every_target, (site, day, sorted(used & every_target))


def test_members_of_a_group_get_the_same_reference_years_and_images(new_year_workdir):
    work = new_year_workdir
    rst(work, min_count=1)
    sample_year = {"E1": 2010, "C1": 2012, "C2": 2008}
    for day_before in (2, 1):                       # day 2 before E1 is 2009-12-31
        day = {site: D(y, 1, 2) - dt.timedelta(days=day_before) for site, y in sample_year.items()}
        tags = {site: tags_of(work, site, day[site]) for site in sample_year}
        assert reference_dates(tags["E1"]) == reference_dates(tags["C1"]) == reference_dates(tags["C2"])
        years = {site: reference_years(tags[site], sample_year[site]) for site in sample_year}
        assert years["E1"] == years["C1"] == years["C2"] == {2006, 2007, 2009, 2011, 2013, 2014}
        assert {t["rst_reference_group"] for t in tags.values()} == {"E1"}


def test_exclude_years_leave_out_whole_reference_years_for_the_whole_group(new_year_workdir):
    work = new_year_workdir
    # reference year 2014 of E1 holds 2013-12-31 and 2014-01-01: excluding 2013 takes it out too
    rst(work, min_count=1, exclude_years=(2013,))
    for site, year in {"E1": 2010, "C1": 2012, "C2": 2008}.items():
        tags = tags_of(work, site, D(year - 1, 12, 31))
        assert reference_years(tags, year) == {2006, 2007, 2009, 2011}
        assert not any(d.year == 2013 for d in reference_dates(tags))


def _anomaly_rows(work: Path) -> dict[str, dict[str, str]]:
    with open(work / "anomalies.csv", newline="") as fh:
        return {row["site"]: row for row in csv.DictReader(fh)}


@pytest.fixture(scope="module")
def random_study(tmp_path_factory) -> tuple[Path, Path]:
    """Event E1 with an M 5.6 near its site in 2007; random control R1 1200 km away, no quake."""
    root = tmp_path_factory.mktemp("random")
    work = make_workdir(root, "E1,2010-05-10T03:00:00Z,35.0,103.0,10,5.5,Mw\n",
                        "R1,2011-08-01T00:00:00Z,30.0,91.0,random,\n", 1, range(2005, 2013))
    catalog = root / "catalog.csv"
    catalog.write_text(EVENT_HEADER + "E1,2010-05-10T03:00:00Z,35.0,103.0,10,5.5,Mw\n"
                       "Q7,2007-05-20T03:00:00Z,35.3,103.1,10,5.6,Mw\n")
    return work, catalog


def test_random_control_gets_the_exclusions_of_the_event_it_joins(random_study):
    work, catalog = random_study
    rst(work, catalog=catalog, min_count=1)
    rows = _anomaly_rows(work)
    assert rows["R1"]["n_reference"] == rows["E1"]["n_reference"] == "5"
    event = reference_years(tags_of(work, "E1", D(2010, 5, 9)), 2010)
    control = reference_years(tags_of(work, "R1", D(2011, 7, 31)), 2011)
    assert event == control == {2005, 2006, 2008, 2009, 2012}     # not 2007 (quake), 2010, 2011
    assert rows["R1"]["reference_group"] == "E1"


def test_unpaired_random_control_keeps_the_years_the_event_loses(random_study):
    work, catalog = random_study
    rst(work, catalog=catalog, min_count=1, paired=False)
    assert reference_years(tags_of(work, "R1", D(2011, 7, 31)), 2011) == {2005, 2006, 2007, 2008, 2009,
                                                                         2010, 2012}


def test_controls_without_any_event_are_refused_in_one_line(tmp_path):
    work = make_workdir(tmp_path, "", "R1,2011-08-01T00:00:00Z,30.0,91.0,random,\n", 1, range(2009, 2013))
    with pytest.raises(ThermoquakeError, match="no event") as err:
        rst(work, min_count=1)
    assert len(str(err.value).splitlines()) == 1 and "--unpaired" in str(err.value)
    rst(work, min_count=1, paired=False)


def test_random_controls_join_events_in_time_order():
    from thermoquake.preprocessing.samples import Sample
    from thermoquake.rst.pairing import reference_groups

    def sample(sid, kind, time, group=None):
        return Sample(sid, sid, int(kind == "event"), kind, time, 30.0, 100.0, group or sid)

    samples = [sample("E2", "event", "2012-01-01T00:00:00Z"), sample("E1", "event", "2008-01-01T00:00:00Z"),
               sample("M1", "control", "2005-06-01T00:00:00Z", "E1"),
               *(sample(f"R{i}", "control", f"20{i + 5:02d}-03-01T00:00:00Z") for i in range(4))]
    groups = reference_groups(samples)
    assert groups["M1"] == "E1"
    assert [groups[f"R{i}"] for i in range(4)] == ["E1", "E1", "E2", "E2"]
    assert reference_groups(samples, paired=False)["R0"] == "R0"


# --- the same measure from dates only, on lists -------------------------------------------------

def test_reference_year_counts_of_paired_classes_are_identical(random_study, tmp_path):
    from thermoquake.rst.reference_balance import reference_year_counts, summarize_counts
    from thermoquake.rst.sequences import Quake

    work, _ = random_study
    root = work.parent
    events, controls = read_events(root / "events.csv"), read_events(root / "controls.csv")
    samples = build_samples(events, root / "events.csv", controls, root / "controls.csv")
    quakes = [Quake(D(2007, 5, 20), 35.3, 103.1, 5.6), Quake(D(2010, 5, 10), 35.0, 103.0, 5.5)]
    paired = summarize_counts(reference_year_counts(samples, 1, range(2005, 2013), quakes))
    alone = summarize_counts(reference_year_counts(samples, 1, range(2005, 2013), quakes, paired=False))
    assert paired["event"]["mean_years"] == paired["control"]["mean_years"] == 5
    assert (alone["event"]["mean_years"], alone["control"]["mean_years"]) == (6, 7)
    # the same figures as rst on the images
    rst(work, catalog=root / "catalog.csv", min_count=1)
    assert len(tags_of(work, "E1", D(2010, 5, 9))["rst_reference_offsets"].split(",")) == 5


# --- month references --------------------------------------------------------------------------

MONTH_EVENT = "E1,2010-05-02T03:00:00Z,35.0,103.0,10,5.5,Mw\n"   # targets 04-29, 04-30, 05-01


def test_month_plan_holds_every_day_of_the_targets_calendar_months():
    (event,) = _events(MONTH_EVENT)
    tasks = plan_images([event], 3, range(2008, 2011), SIZE, mode="month")
    refs = sorted(t.date for t in tasks if t.role == "reference")
    april_may = [D(y, 4, 1) + dt.timedelta(days=n) for y in (2008, 2009) for n in range(61)]
    assert refs == april_may
    assert len({t.relpath for t in tasks}) == len(tasks)


def _events(rows: str):
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "events.csv"
        path.write_text(EVENT_HEADER + rows)
        return read_events(path)


@pytest.mark.parametrize("mode,window", [("same-day", 0), ("same-day", 2), ("month", 0)])
@pytest.mark.parametrize("when", ["2010-01-02T03:00:00Z", "2010-05-02T03:00:00Z", "2008-03-02T03:00:00Z"])
def test_manifest_and_preprocess_plan_the_same_reference_days(mode, window, when):
    from thermoquake.study.granules import ManifestSettings, Sample, build_manifest

    (event,) = _events(f"E1,{when},35.0,103.0,10,5.5,Mw\n")
    years = range(2004, 2013)
    planned = {t.date for t in plan_images([event], 3, years, SIZE, mode=mode, window_days=window)}
    settings = ManifestSettings(days_before=3, reference_years=years, reference_window_days=window,
                                reference_mode=mode, size_km=SIZE)
    rows = build_manifest([Sample("E1", event.time, event.latitude, event.longitude)], settings)
    listed = {r.date for r in rows}
    own_year = {d for d in listed if d not in planned}        # the manifest also lists the own year
    assert planned <= listed
    assert all(abs((d - event.date).days) <= 62 for d in own_year)


def test_manifest_with_month_reference_lists_whole_months(tmp_path):
    events = tmp_path / "events.csv"
    events.write_text(EVENT_HEADER + MONTH_EVENT)
    out = tmp_path / "granules.csv"
    rows = thermoquake.build_manifest(events, out, days_before=3, reference_mode="month",
                                      reference_years=range(2008, 2010), size_km=16)
    assert {r.date.isoformat() for r in rows if r.role == "reference"} == {
        (D(y, 4, 1) + dt.timedelta(days=n)).isoformat() for y in (2008, 2009) for n in range(61)}
    with open(out, newline="") as fh:
        dates = {row["date"] for row in csv.DictReader(fh) if row["role"] == "reference"}
    assert dates == {(D(y, 4, 1) + dt.timedelta(days=n)).isoformat() for y in (2008, 2009) for n in range(61)}


def test_preprocess_dry_run_plans_month_references(tmp_path):
    events = tmp_path / "events.csv"
    events.write_text(EVENT_HEADER + MONTH_EVENT)
    (tmp_path / "hdf").mkdir()
    settings = {"days_before": 3, "reference_years": range(2008, 2011), "size": 16, "dry_run": True}
    same_day = thermoquake.preprocess(events, tmp_path / "hdf", tmp_path / "w", **settings)
    month = thermoquake.preprocess(events, tmp_path / "hdf", tmp_path / "w", reference_mode="month", **settings)
    assert (same_day.references, month.references) == (3 * 2, 61 * 2)
    assert not (tmp_path / "w").exists()


def test_rst_month_reference_uses_the_whole_calendar_month(tmp_path):
    work = make_workdir(tmp_path, MONTH_EVENT, "", 3, range(2008, 2011), mode="month")
    rst(work, mode="month", min_count=1)
    rows = list(csv.DictReader(open(work / "anomalies.csv", newline="")))
    assert {r["date"]: int(r["n_reference"]) for r in rows} == {"2010-04-29": 60, "2010-04-30": 60,
                                                              "2010-05-01": 62}
    dates = reference_dates(tags_of(work, "E1", D(2010, 5, 1)))
    assert dates == [D(y, 5, 1) + dt.timedelta(days=n) for y in (2008, 2009) for n in range(31)]


def test_rst_refuses_a_month_reference_on_a_same_day_workdir(new_year_workdir):
    with pytest.raises(ThermoquakeError, match="--reference month") as err:
        rst(new_year_workdir, mode="month")
    assert len(str(err.value).splitlines()) == 1
    with pytest.raises(ThermoquakeError, match="--reference-window-days 3") as err:
        rst(new_year_workdir, window_days=3)
    assert len(str(err.value).splitlines()) == 1


# --- the sigma floor ------------------------------------------------------------------------------

def test_near_constant_reference_no_longer_gives_huge_r():
    from thermoquake.rst import retira

    rng = np.random.default_rng(1)
    base = rng.normal(10, 2, (8, 8))
    reference = np.stack([base + rng.normal(0, 0.01, (8, 8)) for _ in range(5)])   # sigma ~ 0.01 K
    target = base.copy()
    target[4, 4] += 1.0                                                          # +1 K at one pixel
    r = retira(target, reference, min_count=5)
    assert 1.5 < r[4, 4] <= 2.0 + 0.1 and np.nanmax(np.abs(r)) <= 2.1
    assert retira(target, reference, min_count=5, sigma_floor_k=0.0)[4, 4] > 40


def test_rst_records_the_sigma_floor_and_applies_it(new_year_workdir):
    work = new_year_workdir
    values = {}
    for floor in ("0", "3"):
        rst(work, min_count=1, sigma_floor_k=float(floor))
        tags = tags_of(work, "E1", D(2009, 12, 31))
        assert float(tags["rst_sigma_floor_k"]) == float(floor)
        with rasterio.open(work / "images/E1/target/2009-12-31.retira.tif") as src:
            values[floor] = src.read(1)
    # the images' year-to-year spread is about 2 K: a 3 K floor shrinks every |R|
    assert np.nanmax(np.abs(values["3"])) < np.nanmax(np.abs(values["0"]))
    assert np.all(np.abs(values["3"]) <= np.abs(values["0"]) + 1e-6)


def test_a_reference_day_belongs_to_the_first_target_whose_period_holds_it():
    from thermoquake.study.calendar import reference_schedule, target_days

    targets = target_days(D(2010, 5, 2), 3)                    # 1..3 days before: May 1, Apr 30, Apr 29
    schedule = reference_schedule(targets, 2010, [2008, 2010], "same-day", 1)
    assert schedule == [(2008, 1, D(2008, 4, 30)), (2008, 1, D(2008, 5, 1)), (2008, 1, D(2008, 5, 2)),
                        (2008, 2, D(2008, 4, 29)), (2008, 3, D(2008, 4, 28)),
                        (2010, 1, D(2010, 4, 30)), (2010, 1, D(2010, 5, 1)), (2010, 1, D(2010, 5, 2)),
                        (2010, 2, D(2010, 4, 29)), (2010, 3, D(2010, 4, 28))]
    without_own = reference_schedule(targets, 2010, [2008, 2010], "same-day", 1, own_year=False)
    assert without_own == [entry for entry in schedule if entry[0] != 2010]
