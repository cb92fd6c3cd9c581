"""ROC points and reliability bins: hand-checked examples and properties for every cohort."""

from __future__ import annotations

from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scoring.calibration import calibrate, mann_whitney
from scoring.roc import reliability_bins, roc_points
from tests.scoring.test_calibration import WEIGHTS, cohort

# a few distinct risk levels, so ties are common, as with three-level signals and rounded scores
pairs = st.lists(st.tuples(st.integers(-20, 20).map(lambda r: r / 2), st.booleans()), max_size=60)
two_class_pairs = pairs.filter(lambda ps: {bad for _, bad in ps} == {True, False})


def trapezoid(points: list[tuple[float, float]]) -> float:
    return sum((x1 - x0) * (y0 + y1) / 2 for (x0, y0), (x1, y1) in pairwise(points))


def test_roc_of_a_small_cohort_by_hand():
    # risks 3 (bad), 2 (bad, good: a tie), 1 (good): thresholds 3, 2, 1
    points = roc_points([(3, True), (2, True), (2, False), (1, False)])
    assert points == [(0, 0), (0, 0.5), (0.5, 1), (1, 1)]
    assert trapezoid(points) == 0.875 == mann_whitney([(3, True), (2, True), (2, False),
                                                      (1, False)]).auc  # fmt: skip


def test_roc_needs_both_classes():
    assert roc_points([]) == []
    assert roc_points([(1, True), (2, True)]) == []
    assert roc_points([(1, False)]) == []


@given(two_class_pairs)
def test_roc_runs_from_origin_to_one_one_and_never_falls(scored):
    points = roc_points(scored)
    assert points[0] == (0, 0) and points[-1] == (1, 1)
    assert len(points) == len({risk for risk, _ in scored}) + 1
    for (x0, y0), (x1, y1) in pairwise(points):
        assert x0 <= x1 and y0 <= y1 and (x0, y0) != (x1, y1)


@given(two_class_pairs)
def test_area_under_the_roc_points_is_the_mann_whitney_auc(scored):
    exact = mann_whitney(scored).exact_auc
    assert exact is not None
    assert trapezoid(roc_points(scored)) == pytest.approx(float(exact), abs=1e-12)


@given(two_class_pairs)
def test_roc_does_not_depend_on_input_order(scored):
    assert roc_points(scored) == roc_points(list(reversed(scored)))


def test_the_model_indicator_carries_the_pairs_its_auc_ranked():
    result = calibrate(cohort(300, seed=2), weights=WEIGHTS)
    ranked = result.model.ranked
    assert len(ranked) == result.model.day30.auc_bad + result.model.day30.auc_good
    assert trapezoid(roc_points(ranked)) == pytest.approx(result.model.day30.auc, abs=1e-12)
    predictive = result.signal("predictive")
    assert predictive is not None
    assert mann_whitney(predictive.indicator.ranked).auc == predictive.auc
    assert "ranked" not in str(result.as_json())


def test_reliability_bins_by_hand():
    bins = reliability_bins([(0.5, True), (1.0, False), (9.0, True), (10.0, False)], [0, 1, 5, 10])
    assert [(b.low, b.high, b.accounts, b.bad) for b in bins] == [
        (0, 1, 1, 1),
        (1, 5, 1, 0),
        (5, 10, 2, 1),  # the last bin takes its upper edge
    ]
    assert bins[2].mean == 9.5 and bins[2].rate == 0.5
    assert bins[2].ci is not None and 0.5 in bins[2].ci
    empty = reliability_bins([], [0, 10])[0]
    assert empty.accounts == 0 and empty.rate is None and empty.mean is None and empty.ci is None


@pytest.mark.parametrize("edges", [[], [1], [0, 0], [2, 1]])
def test_reliability_bins_refuse_bad_edges(edges):
    with pytest.raises(ValueError, match="ascending"):
        reliability_bins([], edges)


def test_reliability_bins_refuse_values_outside_them():
    with pytest.raises(ValueError, match="outside"):
        reliability_bins([(10.5, True)], [0, 10])


scores = st.lists(st.tuples(st.integers(0, 100).map(lambda t: t / 10), st.booleans()), max_size=80)
edges = st.lists(st.integers(1, 99).map(lambda t: t / 10), unique=True, max_size=8).map(
    lambda inner: [0.0, *sorted(inner), 10.0]
)


@given(scores, edges)
def test_reliability_bins_count_every_account_once_in_its_own_bin(scored, bin_edges):
    bins = reliability_bins(scored, bin_edges)
    assert len(bins) == len(bin_edges) - 1
    assert sum(b.accounts for b in bins) == len(scored)
    assert sum(b.bad for b in bins) == sum(bad for _, bad in scored)
    for b in bins:
        members = [
            (v, bad) for v, bad in scored if b.low <= v < b.high or (v == b.high == bin_edges[-1])
        ]
        assert b.accounts == len(members) and b.bad == sum(bad for _, bad in members)
        if members:
            assert b.mean is not None and b.low - 1e-9 <= b.mean <= b.high + 1e-9
            assert b.rate is not None and b.ci is not None and b.rate in b.ci
