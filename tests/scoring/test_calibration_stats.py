"""The statistics under calibration, checked by hand and by property: the exact AUC with ties,
Wilson and Newcombe intervals, and one indicator's precision, recall and lift."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scoring.calibration import auc, auc_interval, detection, mann_whitney, wilson

# --- AUC by hand ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("risk", "bad", "expected"),
    [
        ([1, 2, 3, 4], [False, False, True, True], Fraction(1)),
        ([1, 2, 3, 4], [True, True, False, False], Fraction(0)),
        # bad at 2 and 4, good at 1 and 3: 3 of 4 pairs ranked right
        ([1, 2, 3, 4], [False, True, False, True], Fraction(3, 4)),
        # bad at 1 and 2, good at 0 and 1: (1>0) + ½(1=1) + (2>0) + (2>1) = 3.5 of 4
        ([0, 1, 1, 2], [False, True, False, True], Fraction(7, 8)),
        ([5, 5, 5], [True, False, False], Fraction(1, 2)),  # all tied
        # three-level signal: bad {0,0,1}, good {1,2,2} as risk 2−v → bad {2,2,1}, good {1,0,0}
        ([2, 2, 1, 1, 0, 0], [True, True, True, False, False, False], Fraction(17, 18)),
    ],
)
def test_auc_matches_hand_computed_examples_with_ties(risk, bad, expected):
    assert auc(risk, bad) == float(expected)
    assert mann_whitney(zip(risk, bad, strict=True)).exact_auc == expected


@pytest.mark.parametrize(
    ("risk", "bad"), [([], []), ([1, 2], [True, True]), ([1, 2, 3], [False, False, False])]
)
def test_auc_of_an_empty_or_single_class_sample_is_none(risk, bad):
    assert auc(risk, bad) is None


def test_auc_needs_as_many_labels_as_scores():
    with pytest.raises(ValueError, match="same length"):
        auc([1, 2], [True])


def test_detection_counts_precision_recall_and_lift_by_hand():
    # (bad, flagged, risk): 2 true positives, 1 false positive, 1 false negative, 4 true negatives
    rows = [(True, True, 2), (True, True, 2), (False, True, 2), (True, False, 1)]
    rows += [(False, False, 0)] * 4 + [(False, None, None)]  # the last one is unrated
    d = detection(rows)
    assert (d.accounts, d.bad, d.flagged) == (8, 3, 3)
    assert d.precision == pytest.approx(2 / 3)
    assert d.recall == pytest.approx(2 / 3)
    assert d.lift == pytest.approx((2 / 3) / (3 / 8))
    # risk: bad {2,2,1}, good {2,0,0,0,0}: (2 vs 2: ½, vs 0s: 4) ×2 + (1 vs 2: 0, vs 0s: 4)
    assert d.auc == pytest.approx((4.5 + 4.5 + 4) / 15)
    assert d.precision_ci is not None and d.lift_ci is not None
    assert d.lift_ci.low == pytest.approx(d.precision_ci.low / (3 / 8))


def test_wilson_matches_published_values():
    interval = wilson(5, 10)
    assert interval is not None
    assert (interval.low, interval.high) == pytest.approx((0.2366, 0.7634), abs=1e-4)
    zero = wilson(0, 10)
    assert zero is not None and zero.low == 0.0 and zero.high == pytest.approx(0.2775, abs=1e-4)
    assert wilson(0, 0) is None


def test_the_auc_interval_is_not_degenerate_at_perfect_separation():
    interval = auc_interval(1.0, 3, 3)
    assert interval is not None and interval.high == 1.0 and 0.3 < interval.low < 0.9
    assert auc_interval(0.7, 0, 5) is None


# --- properties -----------------------------------------------------------------------------

samples = st.lists(st.tuples(st.integers(0, 6), st.booleans()), max_size=60)


@given(samples)
def test_auc_is_between_zero_and_one(rows):
    area = mann_whitney(rows).auc
    assert area is None or 0 <= area <= 1


@given(samples)
def test_flipping_the_labels_gives_one_minus_the_auc(rows):
    straight = mann_whitney(rows).exact_auc
    flipped = mann_whitney((risk, not bad) for risk, bad in rows).exact_auc
    assert (straight is None) == (flipped is None)
    if straight is not None:
        assert flipped == 1 - straight


@given(samples)
def test_the_auc_interval_contains_the_estimate_and_mirrors_under_flipped_labels(rows):
    mw = mann_whitney(rows)
    if mw.auc is None:
        return
    interval = auc_interval(mw.auc, mw.bad, mw.good)
    mirrored = auc_interval(1 - mw.auc, mw.good, mw.bad)
    assert interval is not None and mirrored is not None
    assert 0 <= interval.low <= mw.auc <= interval.high <= 1
    assert mirrored.low == pytest.approx(1 - interval.high, abs=1e-9)
    assert mirrored.high == pytest.approx(1 - interval.low, abs=1e-9)


@given(st.integers(0, 500), st.integers(0, 500))
def test_the_wilson_interval_contains_the_proportion(successes, extra):
    trials = successes + extra
    interval = wilson(successes, trials)
    if trials == 0:
        assert interval is None
        return
    assert interval is not None
    assert 0 <= interval.low <= successes / trials <= interval.high <= 1


@given(st.lists(st.tuples(st.booleans(), st.integers(0, 2)), min_size=1, max_size=80))
def test_detection_intervals_contain_their_estimates(rows):
    d = detection((bad, value == 0, 2 - value) for bad, value in rows)
    for estimate, interval in [
        (d.precision, d.precision_ci),
        (d.recall, d.recall_ci),
        (d.lift, d.lift_ci),
        (d.auc, d.auc_ci),
    ]:
        assert (estimate is None) == (interval is None)
        if estimate is not None and interval is not None:
            assert interval.low - 1e-12 <= estimate <= interval.high + 1e-12
