"""``thermoquake.make_controls`` (the ``controls`` command): matched and random no-earthquake
samples, clear of the catalogue. The command's options and messages: tests/cli/test_controls_cmd.py."""

from __future__ import annotations

import csv
import datetime as dt
import json
import math
from collections import Counter
from pathlib import Path

import pytest

import thermoquake
from thermoquake.catalog import Region, read_catalog
from thermoquake.errors import ConfigurationError, ThermoquakeError
from thermoquake.study.control_study import make_controls
from thermoquake.study.controls import (
    ControlSettings,
    Exclusion,
    Period,
    QuakeIndex,
    matched_controls,
    same_calendar_time,
)
from thermoquake.errors import BadRequestError

REPO = Path(__file__).resolve().parents[1]
CATALOG = REPO / "data_manifests" / "catalog" / "china_m5_2003_2020.csv"
EVENTS = REPO / "data_manifests" / "events_study.csv"
BOX = "73,25,112,45"
UTC = dt.timezone.utc


def controls(out: Path, events: Path = EVENTS, catalog: Path = CATALOG, **settings):
    """:func:`thermoquake.make_controls` of the study events against the study catalogue."""
    return make_controls(events, catalog, out, **settings)


def rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))


def kept_events(controls_csv: Path) -> Path:
    """The events list written beside a controls file."""
    return controls_csv.with_suffix(".events.csv")


def parse(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def km(lat1, lon1, lat2, lon2) -> float:
    """Haversine on a 6371 km sphere, written out independently of the code under test."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = (
        math.sin((p2 - p1) / 2) ** 2
        + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * 6371.0 * math.asin(math.sqrt(a))


def violations(
    controls: list[dict[str, str]],
    catalog_rows: list[dict[str, str]],
    radius_km=200.0,
    days=30.0,
    min_mag=5.0,
) -> list[tuple[str, str]]:
    """Every (control, catalogue event) pair closer than the exclusion in both space and time."""
    bad = []
    quakes = [
        (r["event_id"], parse(r["time_utc"]), float(r["latitude"]), float(r["longitude"]))
        for r in catalog_rows
        if float(r["magnitude"]) >= min_mag
    ]
    for c in controls:
        t, lat, lon = parse(c["time"]), float(c["latitude"]), float(c["longitude"])
        for eid, qt, qlat, qlon in quakes:
            if (
                abs((qt - t).total_seconds()) <= days * 86400
                and km(lat, lon, qlat, qlon) <= radius_km
            ):
                bad.append((c["control_id"], eid))
    return bad


@pytest.fixture(scope="module")
def catalog_rows() -> list[dict[str, str]]:
    return rows(CATALOG)


@pytest.fixture(scope="module")
def matched(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("controls") / "matched.csv"
    controls(out, mode="matched", n=2, exclusion_km=200, exclusion_days=30, seed=7)
    return out


def test_matched_controls_never_fall_within_exclusion_of_any_catalogue_event(matched, catalog_rows):
    controls = rows(matched)
    assert len(controls) == 2 * len(rows(kept_events(matched)))
    assert violations(controls, catalog_rows) == []


def test_matched_controls_are_the_event_site_and_calendar_day_in_another_year(matched):
    events = {r["event_id"]: r for r in rows(EVENTS)}
    seen = set()
    for c in rows(matched):
        e = events[c["matched_event_id"]]
        assert (c["latitude"], c["longitude"]) == (e["latitude"], e["longitude"])
        ct, et = parse(c["time"]), parse(e["time"])
        assert (ct.month, ct.day, ct.time()) == (et.month, et.day, et.time())
        assert ct.year != et.year and 2003 <= ct.year <= 2020
        assert c["mode"] == "matched" and c["control_id"] == f"matched:{e['event_id']}:{ct.year}"
        seen.add(c["control_id"])
    assert len(seen) == len(rows(matched))


def test_control_years_any_keeps_the_earlier_round_robin_over_all_catalogue_years(tmp_path):
    """The earlier design stays available for comparison: n x events controls in all, spread
    round-robin, in any catalogue year (so outside the events' span), no side files."""
    out = tmp_path / "any.csv"
    result = controls(out, control_years="any", catalog_region=Region.parse(BOX), seed=1)
    assert result.side_files == []
    controls_, events = rows(out), rows(EVENTS)
    assert len(controls_) == len(events) == len(result.controls)
    per_event = Counter(c["matched_event_id"] for c in controls_)
    counts = Counter(per_event.get(e["event_id"], 0) for e in events)
    assert counts[0] > 0 and counts[2] > 0
    event_years = [int(e["time"][:4]) for e in events]
    assert any(not min(event_years) <= int(c["time"][:4]) <= max(event_years) for c in controls_)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["any.csv"]


def test_checking_only_the_study_events_would_let_catalogue_earthquakes_through(
    tmp_path, catalog_rows
):
    """The property above is not vacuous: the study list alone lets quakes in."""
    out = tmp_path / "weak.csv"
    controls(out, catalog=EVENTS, n=2, seed=7, catalog_years=range(2003, 2021))
    assert violations(rows(out), catalog_rows), (
        "expected controls that only the whole catalogue rules out"
    )


def test_lushan_site_has_no_control_in_2008_because_of_wenchuan():
    events = read_catalog(EVENTS).events
    lushan = [e for e in events if e.event_id == "iscgem:607304721"]
    quakes = QuakeIndex(read_catalog(CATALOG).events, 5.0)
    settings = ControlSettings(
        Exclusion(200, 30), Period(dt.date(2003, 1, 1), dt.date(2020, 12, 31))
    )
    available = matched_controls(lushan, quakes, settings, range(2003, 2021), 1, seed=0).available
    result = matched_controls(lushan, quakes, settings, range(2003, 2021), available, seed=0)
    years = sorted(c.time.year for c in result.controls)
    assert len(years) == len(set(years)) == available >= 10
    # 2008-04-20 is 22 days before Wenchuan, 85 km away; 2013 is Lushan's own year
    assert 2008 not in years and 2013 not in years
    blockers = quakes.conflicts(
        30.237, 102.981, same_calendar_time(lushan[0].time, 2008), settings.exclusion
    )
    assert "iscgem:13228121" in {q.event_id for q in blockers}


def test_same_seed_gives_the_same_file_and_another_seed_another(tmp_path):
    outs = []
    for name, seed in (("a", 3), ("b", 3), ("c", 4)):
        out = tmp_path / f"{name}.csv"
        controls(out, seed=seed)
        outs.append(out.read_bytes())
    assert outs[0] == outs[1]
    assert outs[0] != outs[2]


def test_random_controls_lie_in_region_and_period_and_are_clear(tmp_path, catalog_rows):
    out = tmp_path / "random.csv"
    result = controls(out, mode="random", region=Region.parse("90,28,105,38"), start=dt.datetime(2006, 1, 1),
                      end=dt.datetime(2016, 12, 31), n=200, seed=11)
    assert result.summary["controls"] == 200
    chosen = rows(out)
    assert len(chosen) == 200
    for c in chosen:
        assert 28 <= float(c["latitude"]) <= 38 and 90 <= float(c["longitude"]) <= 105
        assert (
            dt.datetime(2006, 1, 1, tzinfo=UTC)
            <= parse(c["time"])
            < dt.datetime(2017, 1, 1, tzinfo=UTC)
        )
        assert c["mode"] == "random" and c["matched_event_id"] == ""
    assert violations(chosen, catalog_rows) == []
    # uniform in area: the northern and southern halves of the box get similar shares
    north = sum(float(c["latitude"]) > 33 for c in chosen)
    assert 70 < north < 130


def test_random_mode_is_deterministic_for_a_seed(tmp_path):
    settings = {"mode": "random", "region": Region.parse(BOX), "n": 20, "seed": 5}
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    controls(a, **settings)
    controls(b, **settings)
    assert a.read_bytes() == b.read_bytes()


def test_catalog_region_keeps_every_exclusion_disc_inside_the_catalogue_box(tmp_path):
    out = tmp_path / "c.csv"
    summary = controls(out, catalog_region=Region.parse(BOX), seed=1).summary
    box = Region.parse(BOX)
    for c in rows(out):
        assert box.contains_disc(float(c["latitude"]), float(c["longitude"]), 200.0)
    # e.g. iscgem:13392265 (2008-08-21, 25.09 N 97.84 E) is 10 km from the box's southern edge
    assert "iscgem:13392265" in summary["unmatched"]
    assert "iscgem:13392265" not in {c["matched_event_id"] for c in rows(out)}
    reasons = {r["event_id"]: r["reason"] for r in rows(Path(summary["unmatched_out"]))}
    assert "exclusion disc leaves the catalogue region" in reasons["iscgem:13392265"]


@pytest.mark.parametrize(
    "args, fragment",
    [
        (
            {"exclusion_km": 2000, "exclusion_days": 300},
            "none of the 167 events has 1 usable years for matched controls",
        ),
        (
            {"control_years": "any", "exclusion_km": 2000, "exclusion_days": 300},
            "no matched control exists for any of the 167 events",
        ),
        ({"n": 12}, "none of the 167 events has 12 usable years"),
        ({"control_years": "any", "n": 100}, "matched controls exist, 16700 were asked for"),
        ({"reference_years": range(2017, 2021)}, "do not overlap the reference years 2017-2020"),
        ({"exclusion_km": 30000}, "reaches every place on Earth"),
        ({"exclusion_km": 0}, "exclusion radius must be > 0 km"),
        (
            {"mode": "random", "region": Region.parse("103,30.5,104,31.5"), "start": dt.datetime(2008, 5, 12),
             "end": dt.datetime(2008, 5, 31), "n": 5},
            "found only 0 of 5 random controls",
        ),
    ],
)
def test_impossible_exclusion_settings_fail_with_one_line_and_write_nothing(
    tmp_path, args, fragment
):
    out = tmp_path / "controls.csv"
    with pytest.raises(ThermoquakeError) as err:
        controls(out, **args)
    message = str(err.value)
    assert "\n" not in message and fragment in message, message
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "args, fragment",
    [
        ({"mode": "random"}, "--mode random needs --region"),
        ({"region": Region.parse(BOX)}, "apply to --mode random only"),
        (
            {"mode": "random", "region": Region.parse(BOX), "years": range(2003, 2011)},
            "--years applies to --mode matched",
        ),
        ({"control_years": "any", "events_out": "e.csv"}, "apply to --control-years matched"),
        ({"mode": "random", "region": Region.parse(BOX), "unmatched_out": "u.csv"}, "--mode matched only"),
        ({"mode": "other"}, "mode 'other' is not matched or random"),
    ],
)
def test_inconsistent_settings_are_configuration_errors(tmp_path, args, fragment):
    out = tmp_path / "controls.csv"
    with pytest.raises(ConfigurationError) as err:
        controls(out, **args)
    assert fragment in str(err.value)
    assert not out.exists()


def test_bad_events_file_is_reported_by_line(tmp_path):
    events = tmp_path / "events.csv"
    events.write_text(
        "event_id,time,latitude,longitude,depth_km,magnitude,magnitude_type\n"
        "x,2010-01-01T00:00:00Z,30,100,10,5.5,Mw\nx,2011-01-01T00:00:00Z,31,100,10,5.5,Mw\n"
    )
    out = tmp_path / "controls.csv"
    with pytest.raises(ThermoquakeError, match="line 3: duplicate event_id 'x'"):
        controls(out, events=events)
    assert not out.exists()


def test_29_february_becomes_28_february_in_common_years():
    t = dt.datetime(2008, 2, 29, 13, 5, tzinfo=UTC)
    assert same_calendar_time(t, 2009) == dt.datetime(2009, 2, 28, 13, 5, tzinfo=UTC)
    assert same_calendar_time(t, 2012) == dt.datetime(2012, 2, 29, 13, 5, tzinfo=UTC)


def test_exclusion_must_be_possible():
    with pytest.raises(BadRequestError):
        Exclusion(radius_km=25000, days=1)
    with pytest.raises(BadRequestError):
        Exclusion(radius_km=100, days=-1)


# --- control years that look like the events' years ------------------------------------------


@pytest.fixture(scope="module")
def study_matched(tmp_path_factory) -> tuple[Path, dict]:
    """The committed study's settings (catalogue region included), 2 controls per event."""
    out = tmp_path_factory.mktemp("study") / "controls.csv"
    result = controls(out, n=2, catalog_region=Region.parse(BOX), seed=1)
    return out, json.loads(json.dumps(result.summary))


def test_matched_control_years_lie_in_the_events_span_inside_the_reference_period(study_matched):
    out, _ = study_matched
    event_years = [int(e["time"][:4]) for e in rows(EVENTS)]
    for c in rows(out):
        assert max(2003, min(event_years)) <= int(c["time"][:4]) <= min(2016, max(event_years))


def test_a_shorter_reference_period_bounds_the_control_years(tmp_path):
    out = tmp_path / "c.csv"
    controls(out, reference_years=range(2003, 2013), seed=1)
    years = {int(c["time"][:4]) for c in rows(out)}
    assert max(years) <= 2012
    # events after the reference period still get controls (inside it), as unmatched reasons allow
    assert any(int(e["time"][:4]) > 2012 for e in rows(kept_events(out)))


def test_matched_control_years_have_the_events_year_histogram(study_matched):
    out, _ = study_matched
    event_years = Counter(int(e["time"][:4]) for e in rows(kept_events(out)))
    control_years = Counter(int(c["time"][:4]) for c in rows(out))
    assert control_years == Counter({y: 2 * k for y, k in event_years.items()})


def test_every_event_gets_exactly_n_controls_or_is_listed_unmatched_with_the_reason(study_matched):
    out, summary = study_matched
    per_event = Counter(c["matched_event_id"] for c in rows(out))
    kept = [e["event_id"] for e in rows(kept_events(out))]
    unmatched = rows(Path(summary["unmatched_out"]))
    assert unmatched, "the catalogue region leaves some events without a usable year"
    assert set(per_event) == set(kept) and set(per_event.values()) == {2}
    assert sorted(kept + [u["event_id"] for u in unmatched]) == sorted(e["event_id"] for e in rows(EVENTS))
    for u in unmatched:
        assert u["event_id"] not in per_event and int(u["needed"]) == 2
        assert len(u["usable_years"].split()) < 2 and "candidate years" in u["reason"]
    assert summary["kept_events"] == len(kept) and summary["unmatched"] == [u["event_id"] for u in unmatched]


def test_kept_events_are_the_events_file_rows_and_feed_preprocess_a_balanced_study(study_matched, tmp_path):
    from thermoquake.preprocessing.events import read_events
    from thermoquake.preprocessing.samples import build_samples

    out, summary = study_matched
    originals = {r["event_id"]: r for r in rows(EVENTS)}
    kept = rows(kept_events(out))
    assert all(originals[r["event_id"]] == r for r in kept)
    events_path = Path(summary["events_out"])
    samples = build_samples(read_events(events_path), events_path, read_events(out), out)
    per_group = Counter((s.group, s.kind) for s in samples)
    assert {k for (_, kind), k in per_group.items() if kind == "control"} == {2}
    assert {g for g, kind in per_group if kind == "event"} == {g for g, kind in per_group if kind == "control"}
    (tmp_path / "hdf").mkdir()
    plan = thermoquake.preprocess(events_path, tmp_path / "hdf", tmp_path / "work", controls=out, dry_run=True)
    assert plan.controls == 2 * plan.events == 2 * len(kept)


def test_unmatched_reason_names_the_earthquakes_that_block_each_year():
    from thermoquake.catalog.schema import make_event
    from thermoquake.study.controls import year_matched_controls

    def quake(eid, year, lat, mag=6.0):
        return make_event(eid, f"{year}-06-01T00:00:00Z", str(lat), "100", "10", str(mag), "Mw")

    # two study events far apart; the first one's site is shaken in both other candidate years
    a, b = quake("a", 2010, 30.0), quake("b", 2012, 40.0)
    blockers = [quake("q2011", 2011, 30.5), quake("q2012", 2012, 30.2)]
    settings = ControlSettings(Exclusion(100, 30), Period(dt.date(2000, 1, 1), dt.date(2020, 12, 31)))
    result = year_matched_controls(
        [a, b], QuakeIndex([a, b, *blockers], 5.0), settings, range(2010, 2013), 1, seed=0
    )
    assert [e.event_id for e in result.kept] == ["b"]
    (u,) = result.unmatched
    assert u.event.event_id == "a" and u.usable_years == ()
    assert "2010: the event's own year" in u.reason
    assert "2011: M >= 5 within 100 km and 30 days: q2011" in u.reason
    assert "2012: M >= 5 within 100 km and 30 days: q2012" in u.reason


def test_random_control_years_follow_the_events_year_histogram(tmp_path):
    out = tmp_path / "random.csv"
    events = rows(EVENTS)
    controls(out, mode="random", region=Region.parse(BOX), catalog_region=Region.parse(BOX), n=len(events), seed=1)
    assert Counter(c["time"][:4] for c in rows(out)) == Counter(e["time"][:4] for e in events)


def test_random_controls_keep_the_year_share_when_the_count_differs(tmp_path):
    out = tmp_path / "random.csv"
    n = 50
    controls(out, mode="random", region=Region.parse(BOX), n=n, seed=2)
    events = Counter(int(e["time"][:4]) for e in rows(EVENTS))
    chosen = Counter(int(c["time"][:4]) for c in rows(out))
    total = sum(events.values())
    assert sum(chosen.values()) == n
    for year in events:
        assert abs(chosen[year] - n * events[year] / total) < 1


def test_the_summary_reports_the_year_balance_of_both_classes(study_matched):
    out, summary = study_matched
    balance = summary["balance"]
    centre = (2003 + 2016) / 2
    kept_years = [int(e["time"][:4]) for e in rows(kept_events(out))]
    control_years = [int(c["time"][:4]) for c in rows(out)]
    for cls, years in (("events", kept_years), ("controls", control_years)):
        assert balance[cls]["count"] == len(years)
        assert (balance[cls]["first"], balance[cls]["last"]) == (min(years), max(years))
        assert balance[cls]["outside_reference"] == sum(not 2003 <= y <= 2016 for y in years)
        assert balance[cls]["mean_distance"] == pytest.approx(
            sum(abs(y - centre) for y in years) / len(years)
        )
    assert balance["controls_per_event"] == {"2": len(kept_years)}
