"""What a time cut lets through: a study's images on the wrong side of a chronological split.

A forecast made at Jan 1 of ``test_from`` may be trained on nothing from that day on. A split
can break that in three ways: a training target day on or after the cut (a matched control
in a later year than its event), a training day whose RST reference uses images from the cut
on (R is computed against later years), and a test target day before the cut (an earlier
control of a later event, or a window across New Year). This module counts them from the
study lists alone (dates, no image), for two splits:

* ``chronological`` — the split ``train --split chronological --test-from YEAR`` makes
  (:func:`thermoquake.dataset.splits.chronological_sides`), after ``rst --exclude-years``
  the years from the cut to the end of the reference period: a group (an event with its
  matched controls) trains only if all its target days and reference years are before the
  cut and tests only if all its target days are at or after it; the rest is left out.
* ``event-year`` — the naive split by the year of each group's event alone (a group
  without an event: its first sample's year), with ``rst`` run on the whole reference
  period: every group is kept, on its event's side.

The references are those ``rst`` would build (:func:`thermoquake.rst.reference_balance.planned_references`:
reference groups, catalogue exclusion, own years left out).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass

from thermoquake.dataset.splits import chronological_sides
from thermoquake.errors import BadRequestError
from thermoquake.preprocessing.samples import CONTROL, EVENT, Sample
from thermoquake.rst.reference import ReferenceRules
from thermoquake.rst.reference_balance import PlannedTarget, planned_references
from thermoquake.rst.sequences import Quake

SPLITS_AUDITED = ("chronological", "event-year")


@dataclass(frozen=True)
class TimeSplitAudit:
    """One split of one study at one cut (module doc). Counts of groups, samples and images
    (a target day of a sample is one image; each of its reference days is one reference image).

    Attributes:
        split: "chronological" or "event-year".
        test_from: the cut, Jan 1 of this year.
        window: forecast window N (N-1 target days per sample).
        exclude_years: the years ``rst`` keeps out of every reference for this split.
        groups_train, groups_test: groups on each side.
        groups_left_out_dates, groups_left_out_references: groups left out, by target dates
            on both sides, or by training days whose references use years from the cut on.
        events_train, controls_train, events_test, controls_test: samples on each side.
        controls_train_from_cut: training controls dated on or after the cut.
        controls_test_before_cut: test controls dated before the cut.
        targets_train, targets_train_from_cut: training images, and those on or after the cut.
        references_train, references_train_from_cut: reference images behind the training
            images, and those on or after the cut.
        targets_test, targets_test_before_cut: test images, and those before the cut.
        groups_straddling: kept groups with an image (training: target or reference) on the
            other side of the cut.
    """

    split: str
    test_from: int
    window: int
    exclude_years: tuple[int, ...]
    groups_train: int
    groups_test: int
    groups_left_out_dates: int
    groups_left_out_references: int
    events_train: int
    controls_train: int
    events_test: int
    controls_test: int
    controls_train_from_cut: int
    controls_test_before_cut: int
    targets_train: int
    targets_train_from_cut: int
    references_train: int
    references_train_from_cut: int
    targets_test: int
    targets_test_before_cut: int
    groups_straddling: int

    def to_dict(self) -> dict:
        d = asdict(self)
        d["exclude_years"] = list(self.exclude_years)
        return d

    def text(self) -> str:
        excl = (f"rst --exclude-years {self.exclude_years[0]}-{self.exclude_years[-1]}" if self.exclude_years
                else "rst on every reference year")
        return "\n".join([
            f"{self.split} split at {self.test_from}-01-01, window {self.window} ({excl}):",
            f"  groups: {self.groups_train} train, {self.groups_test} test, "
            f"{self.groups_left_out_dates + self.groups_left_out_references} left out "
            f"({self.groups_left_out_dates} by target dates, {self.groups_left_out_references} by reference years); "
            f"{self.groups_straddling} kept groups straddle the cut",
            f"  train: {self.events_train} events, {self.controls_train} controls "
            f"({self.controls_train_from_cut} dated from the cut on); test: {self.events_test} events, "
            f"{self.controls_test} controls ({self.controls_test_before_cut} dated before the cut)",
            f"  training images from the cut on: {self.targets_train_from_cut} of {self.targets_train} target days, "
            f"{self.references_train_from_cut} of {self.references_train} reference days",
            f"  test images before the cut: {self.targets_test_before_cut} of {self.targets_test} target days",
        ])


def _sample_date(sample: Sample) -> dt.date:
    return dt.datetime.fromisoformat(sample.time).astimezone(dt.timezone.utc).date()


def event_year_sides(samples: Sequence[Sample], test_from: int) -> dict[str, str]:
    """The naive split: each ``samples.csv`` group on the side of its event's year ("train"
    before ``test_from``, else "test"); a group without an event takes its first sample's year."""
    first: dict[str, int] = {}
    for s in samples:
        first.setdefault(s.group, _sample_date(s).year)
    year = first | {s.group: _sample_date(s).year for s in samples if s.kind == EVENT}
    return {g: "train" if y < test_from else "test" for g, y in year.items()}


def _audit(split: str, planned: Sequence[PlannedTarget], side: dict[str, str], test_from: int, window: int,
           exclude_years: tuple[int, ...]) -> TimeSplitAudit:
    cut = dt.date(test_from, 1, 1)
    n = dict.fromkeys(("targets_train", "targets_train_from_cut", "references_train", "references_train_from_cut",
                       "targets_test", "targets_test_before_cut"), 0)
    straddling: set[str] = set()
    samples: dict[str, Sample] = {}
    for p in planned:
        g = p.sample.group
        samples[p.sample.sample_id] = p.sample
        if side[g] == "train":
            late_refs = sum(d >= cut for d in p.reference.dates)
            n["targets_train"] += 1
            n["targets_train_from_cut"] += p.date >= cut
            n["references_train"] += len(p.reference.dates)
            n["references_train_from_cut"] += late_refs
            if p.date >= cut or late_refs:
                straddling.add(g)
        elif side[g] == "test":
            n["targets_test"] += 1
            n["targets_test_before_cut"] += p.date < cut
            if p.date < cut:
                straddling.add(g)

    def count(where: str, kind: str, when=None) -> int:
        return sum(1 for s in samples.values() if side[s.group] == where and s.kind == kind
                   and (when is None or when(_sample_date(s))))

    values = list(side.values())
    return TimeSplitAudit(
        split, int(test_from), int(window), exclude_years, values.count("train"), values.count("test"),
        values.count("dates"), values.count("references"),
        count("train", EVENT), count("train", CONTROL), count("test", EVENT), count("test", CONTROL),
        count("train", CONTROL, lambda d: d >= cut), count("test", CONTROL, lambda d: d < cut),
        groups_straddling=len(straddling), **n)


def time_split_audit(samples: Sequence[Sample], window: int, test_from: int, reference_years: Iterable[int],
                     quakes: Iterable[Quake] = (), exclusion_km: float = 200.0, exclusion_days: int = 30,
                     paired: bool = True, mode: str = "same-day", window_days: int = 0
                     ) -> tuple[TimeSplitAudit, TimeSplitAudit]:
    """The ``chronological`` and the ``event-year`` split of a study at Jan 1 of ``test_from``
    (module doc): target days 1..``window``-1 before each sample, references planned over
    ``reference_years`` with the catalogue exclusion (``quakes`` within ``exclusion_km`` km,
    +- ``exclusion_days`` days), ``paired`` reference groups and the reference period
    ``mode``/``window_days`` of ``rst``."""
    years = sorted({int(y) for y in reference_years})
    if not years:
        raise BadRequestError("no reference years")
    if not years[0] < test_from <= years[-1] + 1:
        raise BadRequestError(f"--test-from {test_from} is outside the reference years {years[0]}-{years[-1]}")
    if window < 2:
        raise BadRequestError(f"window {window} must be >= 2 (at least one target day)")
    quakes = list(quakes)
    exclude = tuple(y for y in years if y >= test_from)
    out = []
    for split, excl in (("chronological", exclude), ("event-year", ())):
        rules = ReferenceRules(mode, window_days, frozenset(excl))
        planned = planned_references(samples, window - 1, years, quakes, exclusion_km, exclusion_days, rules, paired)
        if split == "chronological":
            side = chronological_sides([p.sample.group for p in planned], [p.date for p in planned],
                                       [p.reference_years or None for p in planned], test_from)
        else:
            side = event_year_sides(samples, test_from)
        out.append(_audit(split, planned, side, test_from, window, excl))
    return out[0], out[1]


def audits_json(audits: Sequence[TimeSplitAudit]) -> str:
    return json.dumps({a.split: a.to_dict() for a in audits}, sort_keys=True)
