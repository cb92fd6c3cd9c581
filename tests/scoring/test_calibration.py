"""Calibration on cohorts whose ground truth is known by construction (the statistics under it
are checked in test_calibration_stats.py).

The synthetic cohorts draw each signal's day-30 value from a distribution that depends on the
outcome (a predictive signal), does not (noise), or depends on it in one segment only.
"""

from __future__ import annotations

import json
import random
from dataclasses import replace
from datetime import date

import pytest

from scoring.calibration import (
    Calibration,
    EarlyPicture,
    FinishedOnboarding,
    Verdict,
    assign_folds,
    bad_outcome,
    calibrate,
    fit_weights,
    mann_whitney,
    weighted_score,
)
from scoring.kpis import Outcome
from scoring.rules import Bands, Status

# P(value 0), P(value 1); the rest is P(value 2)
WHEN_BAD = (0.45, 0.35)
WHEN_GOOD = (0.10, 0.30)
NOISE = (0.20, 0.40)
SEGMENTS = ("smb", "mid", "enterprise")
WEIGHTS = {"predictive": 1, "noise": 1, "smb_only": 1}


def draw(rng: random.Random, p: tuple[float, float]) -> int:
    x = rng.random()
    return 0 if x < p[0] else 1 if x < p[0] + p[1] else 2


def picture(values: dict[str, int | None]) -> EarlyPicture:
    score = weighted_score(values, WEIGHTS)
    if score is None:
        return EarlyPicture(values)
    tenths = round(score * 10)
    return EarlyPicture(values, tenths / 10, Bands().status_for(tenths))


def cohort(n: int, seed: int, *, bad_rate: float = 0.3) -> list[FinishedOnboarding]:
    """`predictive` tracks the outcome everywhere, `noise` nowhere, `smb_only` only in smb."""
    rng = random.Random(seed)
    records = []
    for i in range(n):
        segment = SEGMENTS[i % 3]
        bad = rng.random() < bad_rate
        signal = WHEN_BAD if bad else WHEN_GOOD
        values: dict[str, int | None] = {
            "predictive": draw(rng, signal),
            "noise": draw(rng, NOISE),
            "smb_only": draw(rng, signal if segment == "smb" else NOISE),
        }
        later = {key: draw(rng, signal if key == "predictive" else NOISE) for key in WEIGHTS}
        records.append(
            FinishedOnboarding(f"acct-{i:05d}", segment, bad, picture(values), picture(later))  # type: ignore[arg-type]
        )
    return records


@pytest.fixture(scope="module")
def big() -> Calibration:
    return calibrate(cohort(1500, seed=11), weights=WEIGHTS)


# --- the ground truth is recovered ----------------------------------------------------------


def test_a_predictive_signal_ranks_above_noise_and_is_kept(big):
    predictive, noise = big.signal("predictive"), big.signal("noise")
    assert predictive is not None and noise is not None
    assert predictive.auc is not None and noise.auc is not None
    assert predictive.auc > noise.auc
    assert predictive.indicator.verdict is Verdict.PREDICTIVE
    assert predictive.indicator.day30.auc_ci is not None
    assert predictive.indicator.day30.auc_ci.low > 0.5
    assert not predictive.retire_proposed
    assert predictive.proposed_weight > noise.proposed_weight


def test_a_noise_signal_is_proposed_for_retirement(big):
    noise = big.signal("noise")
    assert noise is not None and noise.retire_proposed
    assert noise.indicator.verdict is Verdict.NOISE
    assert noise.proposed_weight == 0
    assert big.proposal.retire == ("noise",)


def test_a_signal_that_predicts_in_one_segment_only_is_flagged_where_it_fails(big):
    smb_only = big.signal("smb_only")
    assert smb_only is not None
    verdicts = smb_only.indicator.segment_verdicts
    assert verdicts["smb"] is Verdict.PREDICTIVE
    flagged = {flag.segment for flag in smb_only.indicator.segment_flags}
    assert flagged == {"mid", "enterprise"}
    assert all(flag.predictive_in == ("smb",) for flag in smb_only.indicator.segment_flags)
    assert "predicts in smb but not in mid" in smb_only.indicator.segment_flags[0].message
    # the signals that behave alike everywhere are not flagged
    assert big.signal("predictive").indicator.segment_flags == ()  # type: ignore[union-attr]
    assert big.signal("noise").indicator.segment_flags == ()  # type: ignore[union-attr]


def test_a_segment_too_small_to_judge_is_not_flagged():
    records = cohort(1500, seed=11)
    # keep only 12 enterprise accounts: fewer than 10 bad ones, so nothing can be said there
    enterprise = [r for r in records if r.segment == "enterprise"][:12]
    kept = [r for r in records if r.segment != "enterprise"] + enterprise
    result = calibrate(kept, weights=WEIGHTS)
    smb_only = result.signal("smb_only")
    assert smb_only is not None
    assert smb_only.indicator.segment_verdicts["enterprise"] is Verdict.INSUFFICIENT
    assert {flag.segment for flag in smb_only.indicator.segment_flags} == {"mid"}


def test_the_refitted_weights_gain_on_held_out_folds(big):
    proposal = big.proposal
    assert len(proposal.folds) == 5
    assert proposal.gain is not None and proposal.gain > 0
    assert proposal.weights["predictive"] > proposal.weights["smb_only"] > 0
    assert sum(proposal.weights.values()) == pytest.approx(sum(WEIGHTS.values()), abs=0.02)


def test_the_model_is_measured_by_its_day_30_status_and_score(big):
    model = big.model.day30
    assert model.auc is not None and model.auc > 0.6
    flagged = model.true_positives + model.false_positives
    assert len(big.false_positives) == model.false_positives
    assert len(big.false_negatives) == model.false_negatives
    assert flagged == sum(1 for r in cohort(1500, 11) if r.day30.status is Status.AT_RISK)


# --- small samples are not over-read --------------------------------------------------------


def test_confidence_intervals_widen_as_the_cohort_shrinks():
    small = cohort(40, seed=3)
    # the same cohort ten times over: identical estimates, ten times the evidence
    large = [replace(r, key=f"{r.key}-{copy}") for copy in range(10) for r in small]
    narrow = calibrate(large, weights=WEIGHTS).signal("predictive")
    wide = calibrate(small, weights=WEIGHTS).signal("predictive")
    assert narrow is not None and wide is not None
    n, w = narrow.indicator.day30, wide.indicator.day30
    assert n.auc == w.auc and n.precision == w.precision and n.recall == w.recall
    for narrow_ci, wide_ci in [
        (n.auc_ci, w.auc_ci),
        (n.precision_ci, w.precision_ci),
        (n.recall_ci, w.recall_ci),
        (n.lift_ci, w.lift_ci),
    ]:
        assert narrow_ci is not None and wide_ci is not None
        assert wide_ci.width > 1.5 * narrow_ci.width
        assert wide_ci.low <= narrow_ci.low and narrow_ci.high <= wide_ci.high


def test_a_small_cohort_is_insufficient_rather_than_retired():
    result = calibrate(cohort(24, seed=5), weights=WEIGHTS)
    assert all(s.indicator.verdict is Verdict.INSUFFICIENT for s in result.signals)
    assert result.proposal.retire == ()


# --- nothing is fitted and scored on the same rows ------------------------------------------


def test_each_fold_is_scored_only_by_weights_fitted_without_it():
    records = cohort(300, seed=2)
    fitted_on: list[set[str]] = []

    def spy(training, weights):
        fitted_on.append({r.key for r in training})
        return fit_weights(training, weights)

    result = calibrate(records, weights=WEIGHTS, folds=4, fit=spy)
    folds = result.proposal.folds
    assert len(fitted_on) == 5  # one fit per fold, then the proposal on everything
    tested = [set(fold.tested_keys) for fold in folds]
    for training, held_out in zip(fitted_on, tested, strict=False):
        assert training.isdisjoint(held_out)
        assert len(training) + len(held_out) == len(records)
    everyone = {r.key for r in records}
    assert set().union(*tested) == everyone and sum(map(len, tested)) == len(records)
    assert fitted_on[-1] == everyone  # the proposal itself uses every account


def test_a_fit_that_memorises_its_training_rows_gains_nothing_held_out():
    """In-sample, weights that remember each training account are perfect; held out, they know
    nothing. The reported gain comes from held-out folds, so it shows no gain."""
    records = cohort(300, seed=4)

    def memorise(training, weights):
        bad_keys = {r.key for r in training if r.bad}
        # a "weight" per remembered key: scores only accounts it has seen, and scores them right
        return {key: (0.0 if key in bad_keys else 1.0) for key in (r.key for r in training)}

    memorised = [
        replace(r, day30=replace(r.day30, values={**r.day30.values, r.key: 2})) for r in records
    ]
    result = calibrate(memorised, weights=WEIGHTS, fit=memorise)
    in_sample = memorise(memorised, WEIGHTS)
    in_sample_auc = mann_whitney(
        (-(weighted_score({r.key: 2}, in_sample) or 0), r.bad) for r in memorised
    ).auc
    assert in_sample_auc == 1.0
    # held out, no tested account's key was ever seen: no fitted weight can score them
    assert all(fold.auc_after is None for fold in result.proposal.folds)
    assert result.proposal.gain is None


def test_folds_are_stratified_deterministic_and_independent_of_input_order():
    records = cohort(203, seed=8)
    folds = assign_folds(records, 5, seed=1)
    assert folds == assign_folds(records, 5, seed=1)
    by_key = dict(zip((r.key for r in records), folds, strict=True))
    shuffled = list(records)
    random.Random(0).shuffle(shuffled)
    assert [by_key[r.key] for r in shuffled] == assign_folds(shuffled, 5, seed=1)
    for label in (True, False):
        sizes = [sum(1 for r, f in zip(records, folds, strict=True) if r.bad is label and f == k)
                 for k in range(5)]  # fmt: skip
        assert max(sizes) - min(sizes) <= 1


def test_calibration_is_deterministic_given_the_seed():
    records = cohort(200, seed=9)
    first = calibrate(records, weights=WEIGHTS, seed=3).as_json()
    assert first == calibrate(records, weights=WEIGHTS, seed=3).as_json()


# --- empty and single-class cohorts ---------------------------------------------------------


def test_an_empty_cohort_gives_none_everywhere_and_keeps_the_weights():
    result = calibrate([], weights=WEIGHTS)
    assert result.accounts == 0
    assert all(s.auc is None and s.indicator.day30.precision is None for s in result.signals)
    assert result.model.day30.auc is None and result.model.day30.recall is None
    assert result.proposal.weights == {k: float(w) for k, w in WEIGHTS.items()}
    assert result.proposal.gain is None
    json.dumps(result.as_json())


def test_a_single_class_cohort_gives_none_rather_than_crashing():
    good_only = [r for r in cohort(200, seed=6) if not r.bad]
    result = calibrate(good_only, weights=WEIGHTS)
    predictive = result.signal("predictive")
    assert predictive is not None
    d = predictive.indicator.day30
    assert d.auc is None and d.auc_ci is None and d.recall is None and d.lift is None
    assert d.precision == 0.0  # flagged accounts exist; none was bad
    assert predictive.indicator.verdict is Verdict.INSUFFICIENT and not predictive.retire_proposed
    assert result.proposal.gain is None
    json.dumps(result.as_json())


def test_a_single_account_cohort_gives_none_rather_than_crashing():
    result = calibrate(cohort(1, seed=1), weights=WEIGHTS)
    assert result.accounts == 1 and result.model.day30.auc is None
    json.dumps(result.as_json())


# --- inputs and outputs ---------------------------------------------------------------------


def test_since_keeps_onboardings_signed_on_or_after_that_day():
    records = [replace(r, signed_on=date(2026, 1, 1 + i % 28)) for i, r in enumerate(cohort(60, 1))]
    records.append(replace(records[0], key="undated", signed_on=None))
    result = calibrate(records, weights=WEIGHTS, since=date(2026, 1, 15))
    assert result.accounts == sum(1 for r in records if r.signed_on and r.signed_on.day >= 15)
    assert result.as_json()["cohort"]["since"] == "2026-01-15"  # type: ignore[index]


def test_false_positives_and_negatives_name_the_accounts():
    def record(key: str, bad: bool, status: Status | None) -> FinishedOnboarding:
        return FinishedOnboarding(key, "smb", bad, EarlyPicture({}, None, status))

    result = calibrate(
        [
            record("caught", True, Status.AT_RISK),
            record("alarm", False, Status.AT_RISK),
            record("missed", True, Status.WATCH),
            record("fine", False, Status.HEALTHY),
            record("unseen", True, None),
        ],
        weights=WEIGHTS,
    )
    assert result.false_positives == ("alarm",)
    assert result.false_negatives == ("missed",)


def test_manual_overrides_are_judged_against_the_outcome():
    at_risk_override = EarlyPicture({}, 8.0, Status.HEALTHY, override=Status.AT_RISK)
    late_override = EarlyPicture({}, 4.0, Status.AT_RISK, override=Status.WATCH)
    records = [
        FinishedOnboarding("right-call", "mid", True, at_risk_override),
        FinishedOnboarding("wrong-call", "mid", False, at_risk_override),
        FinishedOnboarding("late", "mid", False, EarlyPicture(), late_override),
    ]
    checks = {(o.key, o.day): o for o in calibrate(records, weights=WEIGHTS).overrides}
    assert checks[("right-call", 30)].right and checks[("right-call", 30)].changed_call
    assert not checks[("wrong-call", 30)].right
    assert checks[("late", 60)].right and checks[("late", 60)].changed_call
    assert len(checks) == 3


@pytest.mark.parametrize(
    ("outcome", "outcome_on", "today", "expected"),
    [
        (Outcome.CHURNED, date(2026, 5, 1), date(2026, 6, 1), True),
        (Outcome.COMPLETED, date(2026, 3, 31), date(2026, 6, 1), False),  # day 89
        (Outcome.EXPANDED, date(2026, 4, 1), date(2026, 6, 1), False),  # day 90: in time
        (Outcome.COMPLETED, date(2026, 4, 2), date(2026, 6, 1), True),  # day 91: late
        (None, None, date(2026, 4, 2), True),  # no outcome by day 90
        (None, None, date(2026, 4, 1), None),  # still within the 90 days: unknown
        ("completed", None, date(2026, 6, 1), False),  # undated success: assumed in time
    ],
)
def test_bad_outcome_is_churned_or_not_completed_by_day_90(outcome, outcome_on, today, expected):
    assert bad_outcome(outcome, outcome_on, date(2026, 1, 1), today=today) is expected


def test_as_json_has_the_contract_keys_and_serialises(big):
    data = big.as_json()
    json.dumps(data)
    for signal in data["signals"]:  # type: ignore[union-attr]
        assert {"key", "precision", "recall", "lift", "auc", "ci", "retire_proposed",
                "segment_flags"} <= set(signal)  # fmt: skip
    assert {"precision", "recall", "auc"} <= set(data["model"])  # type: ignore[arg-type]
    assert set(data["proposal"]["weights"]) == set(WEIGHTS)  # type: ignore[index]
    assert data["proposal"]["held_out"]["gain"] == big.proposal.gain  # type: ignore[index]


def test_a_signal_too_rarely_rated_to_judge_keeps_its_weight_in_the_proposal():
    records = cohort(300, seed=5)
    unrated = {**WEIGHTS, "never_rated": 1.0}
    fitted = fit_weights(records, unrated)
    assert fitted["never_rated"] == 1.0
    judged = {k: v for k, v in fitted.items() if k != "never_rated"}
    assert sum(judged.values()) == pytest.approx(sum(WEIGHTS.values()), abs=0.05)
