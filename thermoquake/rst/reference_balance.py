"""How many reference years each target of a study gets, per class, from dates only.

The same rules as ``thermoquake rst`` (:func:`thermoquake.rst.reference.group_references`,
reference groups of :mod:`thermoquake.rst.pairing`) applied to the days ``preprocess`` would
plan (:mod:`thermoquake.study.calendar`), with no image: what a study's references will
look like before any tile is fetched. Missing images (clouds aside, a reference day with no
tile) can only lower the counts ``rst`` reports.

Example (the committed study lists; day 1 before, 2003-2016, 200 km / 30 days)::

    from thermoquake.preprocessing.events import read_events
    from thermoquake.preprocessing.samples import build_samples
    from thermoquake.catalog.readers import read_catalog
    from thermoquake.rst.reference_balance import reference_year_counts, summarize_counts
    from thermoquake.rst.sequences import Quake

    ev, co = "data_manifests/events_study.csv", "data_manifests/controls_study_random.csv"
    samples = build_samples(read_events(ev), ev, read_events(co), co)
    quakes = [Quake(e.time.date(), e.latitude, e.longitude, e.magnitude)
              for e in read_catalog("data_manifests/catalog/china_m5_2003_2020.csv").events
              if e.magnitude >= 5]
    summarize_counts(reference_year_counts(samples, 1, range(2003, 2017), quakes))
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from thermoquake.preprocessing.samples import Sample
from thermoquake.study.calendar import reference_days, target_days
from thermoquake.rst.pairing import reference_groups
from thermoquake.rst.reference import (ReferenceMember, ReferenceRules, TargetReference, excluded_periods,
                                      group_references)
from thermoquake.rst.sequences import Quake


@dataclass(frozen=True)
class ReferenceYearCount:
    """One target day of one sample: its class (``kind``), reference group and number of
    reference years."""

    sample_id: str
    kind: str
    reference_group: str
    days_before: int
    years: int


def _sample_date(sample: Sample) -> dt.date:
    return dt.datetime.fromisoformat(sample.time).astimezone(dt.timezone.utc).date()


@dataclass(frozen=True)
class PlannedTarget:
    """One target day of one sample and the reference ``rst`` would give it (from dates only).

    Attributes:
        sample: the sample (its ``kind``, ``group``, ``time``).
        reference_group: the id of its reference group (:mod:`thermoquake.rst.pairing`).
        days_before: 1..N-1 (days before the sample's date).
        date: the target day (UTC).
        reference: its reference days and offsets (years from the sample's year).
    """

    sample: Sample
    reference_group: str
    days_before: int
    date: dt.date
    reference: TargetReference

    @property
    def reference_years(self) -> tuple[int, ...]:
        """The calendar years of the reference days, sorted (as ``rst`` tags its R map)."""
        return tuple(sorted({d.year for d in self.reference.dates}))


def planned_references(samples: Sequence[Sample], days_before: int, reference_years: Iterable[int],
                       quakes: Iterable[Quake] = (), exclusion_km: float = 200.0, exclusion_days: int = 30,
                       rules: ReferenceRules = ReferenceRules(), paired: bool = True) -> list[PlannedTarget]:
    """Target days 1..``days_before`` of every sample (in order) with the reference ``rst``
    would build when ``preprocess`` plans ``reference_years`` and ``rst`` runs with ``rules``
    (``exclude_years`` included), the catalogue exclusion (``quakes`` within ``exclusion_km``
    km, +- ``exclusion_days`` days) and ``paired`` reference groups."""
    years = list(reference_years)
    quakes = list(quakes)
    group_of = reference_groups(samples, paired)
    members: dict[str, list[tuple[Sample, list[tuple[int, dt.date]], ReferenceMember]]] = {}
    for s in samples:
        anchor = _sample_date(s)
        days = target_days(anchor, days_before)
        targets = tuple(day for _, day in days)
        candidates = sorted({c for y in years if y != anchor.year
                             for c in reference_days(targets, y - anchor.year, rules.mode, rules.window_days)})
        periods = excluded_periods((s.latitude, s.longitude), quakes, exclusion_km, exclusion_days)
        member = ReferenceMember(anchor.year, targets, tuple(candidates), tuple(periods))
        members.setdefault(group_of[s.site], []).append((s, days, member))
    planned: dict[str, list[PlannedTarget]] = {}
    for key, group in members.items():
        _, refs = group_references([m for _, _, m in group], rules)
        for (s, days, _), by_target in zip(group, refs):
            planned[s.sample_id] = [PlannedTarget(s, key, k, day, by_target[day]) for k, day in days]
    return [p for s in samples for p in planned[s.sample_id]]


def reference_year_counts(samples: Sequence[Sample], days_before: int, reference_years: Iterable[int],
                          quakes: Iterable[Quake] = (), exclusion_km: float = 200.0, exclusion_days: int = 30,
                          rules: ReferenceRules = ReferenceRules(), paired: bool = True) -> list[ReferenceYearCount]:
    """The reference-year count of target days 1..``days_before`` of every sample (in order)
    when ``preprocess`` plans ``reference_years`` and ``rst`` runs with ``rules``, the
    catalogue exclusion (``quakes`` within ``exclusion_km`` km, +- ``exclusion_days`` days)
    and ``paired`` reference groups (:func:`planned_references`)."""
    return [ReferenceYearCount(p.sample.sample_id, p.sample.kind, p.reference_group, p.days_before,
                               len(p.reference.offsets))
            for p in planned_references(samples, days_before, reference_years, quakes, exclusion_km,
                                        exclusion_days, rules, paired)]


def summarize_counts(counts: Iterable[ReferenceYearCount], at_most: int = 10) -> dict[str, dict[str, float]]:
    """Per class (``event``, ``control``): ``targets`` (count), ``mean_years`` and
    ``fraction_at_most`` (share of targets with at most ``at_most`` reference years)."""
    by_kind: dict[str, list[int]] = {}
    for c in counts:
        by_kind.setdefault(c.kind, []).append(c.years)
    return {kind: {"targets": len(v), "mean_years": sum(v) / len(v),
                   "fraction_at_most": sum(x <= at_most for x in v) / len(v)}
            for kind, v in sorted(by_kind.items())}
