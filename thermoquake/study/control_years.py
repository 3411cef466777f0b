"""Control years that look like the events' years.

Why the year matters: RST/RETIRA compare a sample's target days with the same
calendar days of the reference years (its own year left out). A control far from
the centre of the reference period, or outside it, gets a different reference (other
years, another share of any warming trend) than an event near the centre, and a
classifier can learn "far from the centre" instead of "an earthquake follows".

Policy ``matched`` (the default of ``thermoquake controls``):

* candidate years are the events' own span (first to last event year) inside the
  reference period (and inside ``--years`` when given), so no control lies outside
  the reference period or outside the years the events cover;
* the control years' histogram is made equal to the events' year histogram (``n``
  times it for ``n`` controls per event), as far as the catalogue exclusion allows.

Equal year histograms mean equal distributions of anything that depends only on the
year: ``|year - reference centre|``, the trend, the reference years left. They are
reached by quotas rather than by drawing each control's year independently from the
events' year distribution: an event never takes its own year, and busy years lose
more candidate years to the exclusion, so independent draws under-fill exactly the
years with most events. :func:`assign_years` solves the quota assignment exactly (an
integer program whose constraint matrix is a bipartite network, so its optimum is
integral): it minimises the number of controls that exceed their year's quota, and
breaks ties with seeded random costs.

Policy ``any`` is the earlier design, kept for comparison: any catalogue year,
spread round-robin.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from thermoquake.errors import BadRequestError

POLICIES = ("matched", "any")


def candidate_years(
    event_years: Iterable[int], reference_years: range, allowed: range | None = None
) -> range:
    """The events' span (first..last event year) inside ``reference_years`` and ``allowed``.

    Raises:
        BadRequestError: the intersection is empty.
    """
    years = list(event_years)
    if not years:
        raise BadRequestError("there are no events to match control years to")
    allowed = allowed if allowed is not None else reference_years
    lo = max(min(years), reference_years.start, allowed.start)
    hi = min(max(years), reference_years.stop - 1, allowed.stop - 1)
    if lo > hi:
        extra = (
            f" and the allowed years {allowed.start}-{allowed.stop - 1}"
            if allowed != reference_years
            else ""
        )
        raise BadRequestError(
            f"the events' years {min(years)}-{max(years)} do not overlap the reference years "
            f"{reference_years.start}-{reference_years.stop - 1}{extra}: no year is left for controls"
        )
    return range(lo, hi + 1)


def apportion(total: int, counts: Mapping[int, int]) -> dict[int, int]:
    """``total`` split over the keys in proportion to ``counts`` (largest remainders; ties to
    the earlier key). Keys with a zero count get 0.

    Raises:
        BadRequestError: ``total`` < 0 or every count is 0.
    """
    weight = sum(counts.values())
    if total < 0 or weight <= 0:
        raise BadRequestError(f"cannot split {total} controls over years with {weight} events")
    exact = {k: total * c / weight for k, c in sorted(counts.items())}
    shares = {k: int(v) for k, v in exact.items()}
    left = total - sum(shares.values())
    for k in sorted(exact, key=lambda k: (-(exact[k] - shares[k]), k))[:left]:
        shares[k] += 1
    return shares


def assign_years(
    options: Mapping[str, Sequence[int]], n: int, quotas: Mapping[int, int], seed: int
) -> dict[str, list[int]]:
    """``n`` distinct years for every key of ``options`` (each from its own list), filling
    ``quotas`` (year -> number of controls) as closely as possible.

    Every key must have at least ``n`` options. Minimises the number of controls beyond
    their year's quota (years without a quota have quota 0); among equally good
    assignments the seed picks one (seeded random tie-break costs).

    Returns:
        key -> its ``n`` years, ascending.
    """
    from scipy.optimize import Bounds, LinearConstraint, milp
    from scipy.sparse import coo_matrix

    keys = sorted(options)
    short = [k for k in keys if len(set(options[k])) < n]
    if short:
        raise BadRequestError(f"{short[0]!r} has fewer than {n} candidate years")
    if not keys:
        return {}
    # columns: one 0/1 variable per (key, year) pair, then one overflow count per year;
    # rows: one "n years" equality per key, then one "at most quota + overflow" per year
    pairs = [(k, y) for k in keys for y in sorted(set(options[k]))]
    years = sorted({y for _, y in pairs} | set(quotas))
    key_row = {k: i for i, k in enumerate(keys)}
    year_row = {y: len(keys) + i for i, y in enumerate(years)}
    rng = random.Random(seed)
    tie = 0.5 / (n * len(keys) + 1)  # the tie-breaks of a whole assignment add up to < 1
    cost = np.array([tie * rng.random() for _ in pairs] + [1.0] * len(years))
    entries = [(key_row[k], j, 1.0) for j, (k, _) in enumerate(pairs)]
    entries += [(year_row[y], j, 1.0) for j, (_, y) in enumerate(pairs)]
    entries += [(year_row[y], len(pairs) + i, -1.0) for i, y in enumerate(years)]
    r, c, v = zip(*entries)
    a = coo_matrix((v, (r, c)), shape=(len(keys) + len(years), len(cost))).tocsr()
    lower = np.r_[np.full(len(keys), n), np.full(len(years), -np.inf)]
    upper = np.r_[np.full(len(keys), n), [quotas.get(y, 0) for y in years]]
    result = milp(
        cost,
        constraints=LinearConstraint(a, lower, upper),
        integrality=np.ones(len(cost)),
        bounds=Bounds(np.zeros(len(cost)), np.r_[np.ones(len(pairs)), np.full(len(years), np.inf)]),
    )
    if result.x is None:
        raise BadRequestError(f"the control-year assignment failed: {result.message}")
    chosen: dict[str, list[int]] = {k: [] for k in keys}
    for (k, y), x in zip(pairs, result.x):
        if x > 0.5:
            chosen[k].append(y)
    return chosen


@dataclass(frozen=True)
class ClassYears:
    """Years of one class of samples.

    Attributes:
        count: samples.
        first, last: earliest and latest year.
        outside_reference: samples whose year is outside the reference period.
        mean_distance: mean ``|year - reference centre|``, years.
        histogram: year -> samples.
    """

    count: int
    first: int
    last: int
    outside_reference: int
    mean_distance: float
    histogram: dict[int, int] = field(default_factory=dict)


@dataclass(frozen=True)
class YearBalance:
    """How alike events and controls are in time.

    Attributes:
        reference: first and last reference year.
        centre: centre of the reference period (year, may be x.5).
        events, controls: :class:`ClassYears` of each class.
        controls_per_event: k -> events with k matched controls (empty for random controls).
    """

    reference: tuple[int, int]
    centre: float
    events: ClassYears
    controls: ClassYears
    controls_per_event: dict[int, int]

    def text(self) -> str:
        """One line: span, outside-reference count and mean distance per class."""
        def one(name: str, c: ClassYears) -> str:
            return (f"{name} {c.first}-{c.last}, {c.outside_reference} of {c.count} outside, "
                    f"mean |year - {self.centre:g}| {c.mean_distance:.2f}")
        per = ", ".join(f"{v} with {k}" for k, v in sorted(self.controls_per_event.items()))
        return (f"reference {self.reference[0]}-{self.reference[1]}: {one('events', self.events)}; "
                f"{one('controls', self.controls)}" + (f"; events: {per}" if per else ""))


def class_years(years: Sequence[int], reference_years: range) -> ClassYears:
    """:class:`ClassYears` of ``years`` (at least one) against ``reference_years``."""
    if not years:
        raise BadRequestError("no samples to describe")
    centre = (reference_years.start + reference_years.stop - 1) / 2
    return ClassYears(
        len(years),
        min(years),
        max(years),
        sum(y not in reference_years for y in years),
        float(np.mean([abs(y - centre) for y in years])),
        dict(sorted(Counter(years).items())),
    )


def year_balance(
    event_years: Mapping[str, int],
    control_years: Sequence[int],
    reference_years: range,
    matched_event_ids: Sequence[str] = (),
) -> YearBalance:
    """Year balance of a study.

    Args:
        event_years: event id -> UTC year of every event of the study.
        control_years: UTC year of every control.
        reference_years: the RST reference period (inclusive range).
        matched_event_ids: the event each matched control mirrors (empty for random controls).
    """
    per_event = Counter(m for m in matched_event_ids if m)
    histogram = (
        dict(sorted(Counter(per_event.get(e, 0) for e in event_years).items())) if per_event else {}
    )
    return YearBalance(
        (reference_years.start, reference_years.stop - 1),
        (reference_years.start + reference_years.stop - 1) / 2,
        class_years(list(event_years.values()), reference_years),
        class_years(list(control_years), reference_years),
        histogram,
    )
