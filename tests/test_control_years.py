"""Control years: candidate span, quotas, the quota assignment and the year balance report."""

from __future__ import annotations

import itertools
from collections import Counter

import pytest

from thermoquake.study.control_years import (
    apportion,
    assign_years,
    candidate_years,
    class_years,
    year_balance,
)
from thermoquake.errors import BadRequestError


def test_candidates_are_the_events_span_inside_the_reference_and_allowed_years():
    assert candidate_years([2006, 2016, 2010], range(2003, 2017)) == range(2006, 2017)
    assert candidate_years([2006, 2016], range(2003, 2013)) == range(2006, 2013)
    assert candidate_years([2006, 2016], range(2003, 2017), range(2008, 2022)) == range(2008, 2017)
    with pytest.raises(BadRequestError, match="do not overlap"):
        candidate_years([2018, 2019], range(2003, 2017))


def test_apportion_splits_in_proportion_and_adds_up():
    shares = apportion(10, {2006: 1, 2007: 2, 2008: 2})
    assert sum(shares.values()) == 10 and shares == {2006: 2, 2007: 4, 2008: 4}
    assert apportion(6, {2006: 1, 2007: 2}) == {2006: 2, 2007: 4}
    with pytest.raises(BadRequestError):
        apportion(3, {2006: 0})


def test_assignment_fills_quotas_that_independent_draws_from_the_event_years_would_miss():
    # 2010 holds most events, but its own events cannot take it: only the others can fill it
    options = {"a": [2011, 2012], "b": [2011, 2012], "c": [2010, 2012], "d": [2010, 2011]}
    quotas = {2010: 2, 2011: 1, 2012: 1}
    for seed in range(5):
        years = assign_years(options, 1, quotas, seed)
        assert all(ys[0] in options[k] for k, ys in years.items())
        assert Counter(y for ys in years.values() for y in ys) == Counter(quotas)


def test_assignment_gives_distinct_years_and_is_seeded():
    options = {k: list(range(2006, 2017)) for k in "abcdef"}
    quotas = {2006: 4, 2008: 4, 2010: 5, 2016: 5}  # feasible: each year at most once per key
    a = assign_years(options, 3, quotas, seed=1)
    assert a == assign_years(options, 3, quotas, seed=1)
    assert all(len(set(ys)) == 3 for ys in a.values())
    assert Counter(y for ys in a.values() for y in ys) == Counter(quotas)
    others = [assign_years(options, 3, quotas, seed=s) for s in range(2, 6)]
    assert any(o != a for o in others)


def test_infeasible_quotas_are_missed_by_as_few_controls_as_possible():
    options = {"a": [2007, 2008], "b": [2007, 2008], "c": [2007, 2008]}
    years = assign_years(options, 1, {2006: 2, 2007: 1, 2008: 0}, seed=0)
    got = Counter(y for ys in years.values() for y in ys)
    # 2006 is nobody's option: best is 1 in 2007 and the other 2 in 2008 (2 over quota)
    best = min(
        sum(max(0, Counter(c)[y] - q) for y, q in {2007: 1, 2008: 0}.items())
        for c in itertools.product([2007, 2008], repeat=3)
    )
    assert sum(max(0, got[y] - {2007: 1, 2008: 0}[y]) for y in got) == best


def test_every_key_needs_n_options():
    with pytest.raises(BadRequestError, match="fewer than 2"):
        assign_years({"a": [2007]}, 2, {2007: 2}, seed=0)


def test_year_balance_counts_span_outside_and_distance_from_the_reference_centre():
    reference = range(2003, 2017)
    centre = (2003 + 2016) / 2
    balance = year_balance({"e1": 2006, "e2": 2013}, [2003, 2020], reference, ["e1", "e1"])
    assert balance.centre == centre and balance.reference == (2003, 2016)
    assert (balance.events.first, balance.events.last, balance.events.outside_reference) == (2006, 2013, 0)
    assert balance.controls.outside_reference == 1
    assert balance.controls.mean_distance == pytest.approx((abs(2003 - centre) + abs(2020 - centre)) / 2)
    assert balance.controls_per_event == {0: 1, 2: 1}
    assert "1 of 2 outside" in balance.text()
    assert year_balance({"e": 2010}, [2011], reference).controls_per_event == {}
    assert class_years([2010, 2010, 2012], reference).histogram == {2010: 2, 2012: 1}
