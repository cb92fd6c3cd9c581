"""Calibration: did the early picture predict how onboarding ended, and how to weigh it better.

For each finished onboarding the caller gives the outcome label (`bad`: churned, or not completed
or expanded by day 90 — `bad_outcome` decides it) and the early picture at day 30 and day 60 after
signature: each signal's value, the model's score and status, and any manual status override.

Definitions (all documented in the output, none hidden):

- **Early-risk detection.** A signal *flags* an account when its day-30 value is 0 (At risk) —
  the value that already demands an owner today. The model flags an account when its day-30
  status is At risk. Unrated signals (and unscored models) are left out of that signal's (or the
  model's) numbers rather than guessed. Day 60 is reported beside day 30 with the same rules.
- **Precision** = flagged and bad ÷ flagged; **recall** = flagged and bad ÷ bad; **lift** =
  precision ÷ the cohort's bad rate. Their 95% intervals are Wilson score intervals (never outside
  [0, 1], sensible at 0 and n); lift's is precision's interval over the bad rate (taken as known).
- **ROC AUC** ranks accounts by risk (2 − value for a signal, −score for the model): the exact
  Mann–Whitney statistic, ties counting one half, in integer arithmetic. Its 95% interval is
  a Newcombe-style score interval (Newcombe 2006): the AUCs `a` with (Â − a)² ≤ z²·V(a), V the
  Hanley–McNeil variance with both group sizes replaced by N* = (bad + good)/2. It always contains
  the estimate, never leaves [0, 1], is not degenerate at AUC 0 or 1, mirrors under flipped labels,
  and widens as the cohort shrinks. It ignores ties, which makes it a little conservative for
  three-level signals — the right direction for a guard against over-reading small samples.
  Chosen over a bootstrap because it is deterministic, closed-form and fast.
- **Verdicts.** With at least `min_class` bad and `min_class` good accounts rated: *predictive*
  when the AUC interval lies above 0.5; *inverted* when it lies below; *noise* when it contains 0.5
  and the estimate is within `retire_margin` of 0.5; otherwise *inconclusive*. Fewer accounts:
  *insufficient*. Noise and inverted signals are proposed for retirement.
- **Segment flags.** A signal (or the model) predictive in one segment and not predictive
  (noise, inconclusive or inverted — with enough accounts to say so) in another is flagged for the
  segments where it fails: the proxy is biased.
- **Proposal.** New weights ∝ max(0, lower AUC bound − 0.5) of each signal's day-30 values, so a
  signal is weighed by the evidence for it, not by its point estimate; scaled to the current
  weights' total and rounded to 0.01 (no signal proven: the current weights stand). The expected
  gain is cross-validated: folds stratified by outcome are drawn with `random.Random(seed)`; for
  each fold the weights are fitted on the other folds only and both the current and the fitted
  weights score the held-out fold (Σ w·v ÷ Σ 2w over rated signals, unrounded, on the accounts both
  can score). The gain is the mean held-out AUC after minus before; rows are never scored by
  weights fitted on them. The proposed weights themselves are then fitted on every account.

Everything is deterministic given the seed.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from fractions import Fraction
from math import sqrt

from scoring.kpis import SUCCESSFUL, Outcome
from scoring.rules import Status

Z95 = 1.959963984540054
"""The two-sided 95% normal quantile used by every interval."""

SEGMENT_ORDER = ("smb", "mid", "enterprise")


def bad_outcome(
    outcome: Outcome | str | None,
    outcome_on: date | None,
    signed_on: date | None,
    *,
    today: date,
    horizon_days: int = 90,
) -> bool | None:
    """Whether an onboarding ended badly: churned, or not completed/expanded by day 90.

    True: churned, completed or expanded after day `horizon_days`, or still without an outcome
    after it. False: completed or expanded by then (undated: assumed in time). None: not
    finished and not yet past the horizon, or no signature date to count from — leave it out.
    """
    if outcome == Outcome.CHURNED:
        return True
    deadline = signed_on + timedelta(days=horizon_days) if signed_on is not None else None
    if outcome in SUCCESSFUL:
        return deadline is not None and outcome_on is not None and outcome_on > deadline
    if deadline is None or today <= deadline:
        return None
    return True


# --- inputs ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class EarlyPicture:
    """What the scorecard showed on one day: values by signal key (None: unrated), the score
    (0–10, None: unscored), the computed status, and the manual override in force, if any."""

    values: Mapping[str, int | None] = field(default_factory=dict)
    score: float | None = None
    status: Status | None = None
    override: Status | None = None


@dataclass(frozen=True, slots=True)
class FinishedOnboarding:
    """One finished onboarding: its outcome label and its picture at day 30 and day 60."""

    key: str
    segment: str
    bad: bool
    day30: EarlyPicture
    day60: EarlyPicture = field(default_factory=EarlyPicture)
    signed_on: date | None = None


# --- statistics -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Interval:
    """A closed interval, here a 95% confidence interval."""

    low: float
    high: float

    def __contains__(self, x: object) -> bool:
        return isinstance(x, int | float) and self.low <= x <= self.high

    @property
    def width(self) -> float:
        return self.high - self.low

    def as_json(self) -> list[float]:
        return [self.low, self.high]


def wilson(successes: int, trials: int, *, z: float = Z95) -> Interval | None:
    """The Wilson score interval for `successes` of `trials`; None without trials."""
    if trials == 0:
        return None
    p = successes / trials
    z2 = z * z
    denominator = 1 + z2 / trials
    centre = (p + z2 / (2 * trials)) / denominator
    half = z * sqrt(p * (1 - p) / trials + z2 / (4 * trials * trials)) / denominator
    # the max/min only guard the estimate against floating-point rounding at 0 and 1
    return Interval(max(0.0, min(centre - half, p)), min(1.0, max(centre + half, p)))


@dataclass(frozen=True, slots=True)
class MannWhitney:
    """Exact Mann–Whitney counts: `twice_u` = 2 × (pairs where the bad account ranks riskier
    + ½ × tied pairs), so AUC = twice_u ÷ (2 × bad × good) with no rounding before the end."""

    twice_u: int
    bad: int
    good: int

    @property
    def auc(self) -> float | None:
        pairs = self.bad * self.good
        return None if pairs == 0 else self.twice_u / (2 * pairs)

    @property
    def exact_auc(self) -> Fraction | None:
        pairs = self.bad * self.good
        return None if pairs == 0 else Fraction(self.twice_u, 2 * pairs)


def mann_whitney(scored: Iterable[tuple[float, bool]]) -> MannWhitney:
    """Counts for (risk, bad) pairs: higher risk should mean bad. Ties count one half."""
    table: dict[float, list[int]] = {}
    for risk, bad in scored:
        cell = table.get(risk)
        if cell is None:
            cell = table[risk] = [0, 0]
        cell[0 if bad else 1] += 1
    twice_u = good_below = bad_total = 0
    for risk in sorted(table):
        n_bad, n_good = table[risk]
        twice_u += n_bad * (2 * good_below + n_good)
        good_below += n_good
        bad_total += n_bad
    return MannWhitney(twice_u, bad_total, good_below)


def auc(risk: Sequence[float], bad: Sequence[bool]) -> float | None:
    """ROC AUC of `risk` scores for `bad` labels (exact, ties ½); None for a single class."""
    if len(risk) != len(bad):
        raise ValueError("risk and bad must have the same length")
    return mann_whitney(zip(risk, bad, strict=True)).auc


def auc_interval(estimate: float, bad: int, good: int, *, z: float = Z95) -> Interval | None:
    """Newcombe's score-type 95% interval for an AUC from `bad` and `good` accounts (see the
    module docstring); None when either group is empty."""
    if bad == 0 or good == 0:
        return None
    pairs = bad * good
    n_star = (bad + good) / 2
    z2 = z * z

    def inside(a: float) -> bool:
        variance = a * (1 - a) / pairs * (1 + (n_star - 1) * ((1 - a) / (2 - a) + a / (1 + a)))
        return (estimate - a) ** 2 <= z2 * variance

    def bound(outer: float) -> float:
        inner = estimate  # inside by construction; `outer` (0 or 1) is outside unless equal
        if inside(outer):
            return outer
        for _ in range(60):
            middle = (inner + outer) / 2
            if inside(middle):
                inner = middle
            else:
                outer = middle
        return inner

    return Interval(bound(0.0), bound(1.0))


# --- detection metrics ----------------------------------------------------------------------


class Verdict(StrEnum):
    PREDICTIVE = "predictive"
    INVERTED = "inverted"
    NOISE = "noise"
    INCONCLUSIVE = "inconclusive"
    INSUFFICIENT = "insufficient"


RETIRE = frozenset({Verdict.NOISE, Verdict.INVERTED})
FAILING = frozenset({Verdict.NOISE, Verdict.INVERTED, Verdict.INCONCLUSIVE})


@dataclass(frozen=True, slots=True)
class Detection:
    """How well one early indicator detected bad outcomes in one cohort, with 95% intervals.

    `accounts` and the confusion counts cover the accounts where the indicator was known;
    `auc_bad` / `auc_good` are the accounts the AUC ranked.
    """

    accounts: int
    bad: int
    true_positives: int
    false_positives: int
    false_negatives: int
    true_negatives: int
    precision: float | None
    precision_ci: Interval | None
    recall: float | None
    recall_ci: Interval | None
    lift: float | None
    lift_ci: Interval | None
    auc: float | None
    auc_ci: Interval | None
    auc_bad: int
    auc_good: int

    @property
    def flagged(self) -> int:
        return self.true_positives + self.false_positives

    @property
    def bad_rate(self) -> float | None:
        return None if self.accounts == 0 else self.bad / self.accounts

    def verdict(self, *, min_class: int, retire_margin: float) -> Verdict:
        """What the AUC says about this indicator (see the module docstring)."""
        if self.auc is None or self.auc_ci is None or min(self.auc_bad, self.auc_good) < min_class:
            return Verdict.INSUFFICIENT
        if self.auc_ci.low > 0.5:
            return Verdict.PREDICTIVE
        if self.auc_ci.high < 0.5:
            return Verdict.INVERTED
        if abs(self.auc - 0.5) <= retire_margin:
            return Verdict.NOISE
        return Verdict.INCONCLUSIVE

    def as_json(self) -> dict[str, object]:
        def ci(interval: Interval | None) -> list[float] | None:
            return None if interval is None else interval.as_json()

        return {
            "precision": self.precision,
            "recall": self.recall,
            "lift": self.lift,
            "auc": self.auc,
            "ci": {
                "precision": ci(self.precision_ci),
                "recall": ci(self.recall_ci),
                "lift": ci(self.lift_ci),
                "auc": ci(self.auc_ci),
            },
            "counts": {
                "accounts": self.accounts,
                "bad": self.bad,
                "flagged": self.flagged,
                "true_positives": self.true_positives,
                "false_positives": self.false_positives,
                "false_negatives": self.false_negatives,
                "true_negatives": self.true_negatives,
                "auc_bad": self.auc_bad,
                "auc_good": self.auc_good,
            },
        }


def detection(rows: Iterable[tuple[bool, bool | None, float | None]]) -> Detection:
    """Metrics from (bad, flagged, risk) rows: a None flag leaves the row out of the confusion
    counts, a None risk leaves it out of the AUC. Empty or single-class cohorts give None."""
    tp = fp = fn = tn = 0
    ranked: list[tuple[float, bool]] = []
    for bad, flagged, risk in rows:
        if flagged is not None:
            if flagged:
                tp += bad
                fp += not bad
            else:
                fn += bad
                tn += not bad
        if risk is not None:
            ranked.append((risk, bad))
    accounts, bad_total, flagged_total = tp + fp + fn + tn, tp + fn, tp + fp
    precision = tp / flagged_total if flagged_total else None
    precision_ci = wilson(tp, flagged_total)
    bad_rate = bad_total / accounts if accounts else 0.0
    lift = lift_ci = None
    if precision is not None and precision_ci is not None and bad_rate > 0:
        lift = precision / bad_rate
        lift_ci = Interval(precision_ci.low / bad_rate, precision_ci.high / bad_rate)
    mw = mann_whitney(ranked)
    area = mw.auc
    return Detection(
        accounts=accounts,
        bad=bad_total,
        true_positives=tp,
        false_positives=fp,
        false_negatives=fn,
        true_negatives=tn,
        precision=precision,
        precision_ci=precision_ci,
        recall=tp / bad_total if bad_total else None,
        recall_ci=wilson(tp, bad_total),
        lift=lift,
        lift_ci=lift_ci,
        auc=area,
        auc_ci=None if area is None else auc_interval(area, mw.bad, mw.good),
        auc_bad=mw.bad,
        auc_good=mw.good,
    )


def signal_rows(
    records: Iterable[FinishedOnboarding], key: str, *, day: int = 30
) -> list[tuple[bool, bool | None, float | None]]:
    """(bad, flagged, risk) for one signal: flagged when the value is 0, risk = 2 − value."""
    rows: list[tuple[bool, bool | None, float | None]] = []
    for record in records:
        value = (record.day30 if day == 30 else record.day60).values.get(key)
        if value is None:
            rows.append((record.bad, None, None))
        else:
            rows.append((record.bad, value == 0, 2 - value))
    return rows


def model_rows(
    records: Iterable[FinishedOnboarding], *, day: int = 30
) -> list[tuple[bool, bool | None, float | None]]:
    """(bad, flagged, risk) for the model: flagged when the status is At risk, risk = −score."""
    rows: list[tuple[bool, bool | None, float | None]] = []
    for record in records:
        picture = record.day30 if day == 30 else record.day60
        flagged = None if picture.status is None else picture.status == Status.AT_RISK
        rows.append((record.bad, flagged, None if picture.score is None else -picture.score))
    return rows


# --- results --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SegmentFlag:
    """An indicator that fails in `segment` while it predicts in `predictive_in`."""

    segment: str
    verdict: Verdict
    auc: float | None
    auc_ci: Interval | None
    predictive_in: tuple[str, ...]

    @property
    def message(self) -> str:
        where = ", ".join(self.predictive_in)
        ci = "" if self.auc_ci is None else f", 95% CI {self.auc_ci.low:.2f}–{self.auc_ci.high:.2f}"
        auc = "—" if self.auc is None else f"{self.auc:.2f}"
        return f"predicts in {where} but not in {self.segment} (AUC {auc}{ci})"

    def as_json(self) -> dict[str, object]:
        return {
            "segment": self.segment,
            "verdict": self.verdict.value,
            "auc": self.auc,
            "ci": None if self.auc_ci is None else self.auc_ci.as_json(),
            "predictive_in": list(self.predictive_in),
            "message": self.message,
        }


@dataclass(frozen=True, slots=True)
class Indicator:
    """One indicator's calibration (a signal, or the whole model): day 30 (the headline) and
    day 60 over the cohort, day 30 per segment, its verdict and its segment flags. `ranked` is
    the (risk, bad) pairs the day-30 AUC ranked, in cohort order: what its ROC curve is drawn
    from (not part of the JSON)."""

    day30: Detection
    day60: Detection
    by_segment: Mapping[str, Detection]
    verdict: Verdict
    segment_verdicts: Mapping[str, Verdict]
    segment_flags: tuple[SegmentFlag, ...]
    ranked: tuple[tuple[float, bool], ...] = ()

    def as_json(self) -> dict[str, object]:
        return {
            **self.day30.as_json(),
            "verdict": self.verdict.value,
            "segment_flags": [flag.as_json() for flag in self.segment_flags],
            "day60": self.day60.as_json(),
            "segments": {
                segment: {**d.as_json(), "verdict": self.segment_verdicts[segment].value}
                for segment, d in self.by_segment.items()
            },
        }


@dataclass(frozen=True, slots=True)
class SignalCalibration:
    """A signal's calibration, its current and proposed weight, and whether to retire it."""

    key: str
    weight: float
    proposed_weight: float
    indicator: Indicator

    @property
    def retire_proposed(self) -> bool:
        return self.indicator.verdict in RETIRE

    @property
    def auc(self) -> float | None:
        return self.indicator.day30.auc

    def as_json(self) -> dict[str, object]:
        return {
            "key": self.key,
            **self.indicator.as_json(),
            "retire_proposed": self.retire_proposed,
            "weight": self.weight,
            "proposed_weight": self.proposed_weight,
        }


@dataclass(frozen=True, slots=True)
class OverrideCheck:
    """A manual status override judged against the outcome: `right` when its call (At risk or
    not) matched how the onboarding ended; `changed_call` when the computed status called it
    differently."""

    key: str
    day: int
    computed: Status | None
    override: Status
    bad: bool

    @property
    def right(self) -> bool:
        return (self.override == Status.AT_RISK) == self.bad

    @property
    def changed_call(self) -> bool:
        return (self.override == Status.AT_RISK) != (self.computed == Status.AT_RISK)

    def as_json(self) -> dict[str, object]:
        return {
            "key": self.key,
            "day": self.day,
            "computed": None if self.computed is None else Status(self.computed).value,
            "override": Status(self.override).value,
            "bad": self.bad,
            "right": self.right,
            "changed_call": self.changed_call,
        }


@dataclass(frozen=True, slots=True)
class FoldResult:
    """One cross-validation fold: weights fitted on `trained_on` other accounts, and the
    held-out AUC of the current and the fitted weights on the accounts in `tested_keys`."""

    fold: int
    trained_on: int
    tested_keys: tuple[str, ...]
    weights: Mapping[str, float]
    auc_before: float | None
    auc_after: float | None

    def as_json(self) -> dict[str, object]:
        return {
            "fold": self.fold,
            "trained_on": self.trained_on,
            "tested_on": len(self.tested_keys),
            "weights": dict(self.weights),
            "auc_before": self.auc_before,
            "auc_after": self.auc_after,
        }


@dataclass(frozen=True, slots=True)
class Proposal:
    """New weights (fitted on every account), signals to retire, and the cross-validated gain:
    mean held-out AUC with the current weights (`auc_before`) and with refitted ones."""

    weights: Mapping[str, float]
    retire: tuple[str, ...]
    folds: tuple[FoldResult, ...]
    auc_before: float | None
    auc_after: float | None

    @property
    def gain(self) -> float | None:
        if self.auc_before is None or self.auc_after is None:
            return None
        return self.auc_after - self.auc_before

    def as_json(self) -> dict[str, object]:
        return {
            "weights": dict(self.weights),
            "retire": list(self.retire),
            "held_out": {
                "folds": len(self.folds),
                "auc_before": self.auc_before,
                "auc_after": self.auc_after,
                "gain": self.gain,
                "per_fold": [fold.as_json() for fold in self.folds],
            },
        }


@dataclass(frozen=True, slots=True)
class Calibration:
    """The whole calibration report; `as_json()` is `rescuebot calibrate --json`."""

    since: date | None
    accounts: int
    bad: int
    segments: Mapping[str, tuple[int, int]]
    signals: tuple[SignalCalibration, ...]
    model: Indicator
    false_positives: tuple[str, ...]
    false_negatives: tuple[str, ...]
    overrides: tuple[OverrideCheck, ...]
    proposal: Proposal
    min_class: int
    retire_margin: float

    def signal(self, key: str) -> SignalCalibration | None:
        return next((s for s in self.signals if s.key == key), None)

    def as_json(self) -> dict[str, object]:
        return {
            "cohort": {
                "since": None if self.since is None else self.since.isoformat(),
                "accounts": self.accounts,
                "bad": self.bad,
                "segments": {
                    segment: {"accounts": n, "bad": bad}
                    for segment, (n, bad) in self.segments.items()
                },
            },
            "signals": [s.as_json() for s in self.signals],
            "model": {
                **self.model.as_json(),
                "false_positives": list(self.false_positives),
                "false_negatives": list(self.false_negatives),
            },
            "overrides": [o.as_json() for o in self.overrides],
            "proposal": self.proposal.as_json(),
            "definitions": {
                "signal_flag": "day-30 value is 0 (At risk)",
                "model_flag": "day-30 status is At risk",
                "bad": "churned, or not completed or expanded by day 90",
                "ci": "95%: Wilson for proportions, Newcombe score interval for AUC",
                "min_class": self.min_class,
                "retire_margin": self.retire_margin,
            },
        }


# --- fitting --------------------------------------------------------------------------------

Fitter = Callable[[Sequence[FinishedOnboarding], Mapping[str, float]], dict[str, float]]
"""Fits weights on training accounts, given the current weights (for keys and total)."""


def fit_weights(
    training: Sequence[FinishedOnboarding], weights: Mapping[str, float], *, min_class: int = 10
) -> dict[str, float]:
    """Weights ∝ max(0, lower 95% AUC bound − 0.5) of each signal's day-30 values on `training`,
    shared out of what the judged signals weigh now and rounded to 0.01. A signal with fewer than
    `min_class` bad or good accounts rated cannot be judged, so it keeps its weight (too little
    data is not evidence against it); when no judged signal is proven, nothing changes."""
    evidence: dict[str, float] = {}
    for key in weights:
        d = detection(signal_rows(training, key))
        if d.auc_ci is not None and min(d.auc_bad, d.auc_good) >= min_class:
            evidence[key] = max(0.0, d.auc_ci.low - 0.5)
    strength = sum(evidence.values())
    fitted = {key: float(w) for key, w in weights.items()}
    if strength == 0:
        return fitted
    total = sum(float(weights[key]) for key in evidence) or len(evidence)
    fitted.update({key: round(total * e / strength, 2) for key, e in evidence.items()})
    return fitted


def weighted_score(values: Mapping[str, int | None], weights: Mapping[str, float]) -> float | None:
    """The scorecard formula, unrounded: 10 × Σ w·v ÷ Σ 2w over rated signals with weight."""
    num = den = 0.0
    for key, weight in weights.items():
        value = values.get(key)
        if value is not None and weight > 0:
            num += weight * value
            den += 2 * weight
    return 10 * num / den if den else None


def assign_folds(records: Sequence[FinishedOnboarding], folds: int, seed: int) -> list[int]:
    """The fold of each record: bad and good accounts (in key order, so the input order does not
    matter) are shuffled apart with `random.Random(seed)` and dealt round-robin."""
    rng = random.Random(seed)
    assignment = [0] * len(records)
    for label in (True, False):
        members = sorted(
            (i for i, r in enumerate(records) if r.bad is label), key=lambda i: records[i].key
        )
        rng.shuffle(members)
        for n, i in enumerate(members):
            assignment[i] = n % folds
    return assignment


def _held_out_auc(
    tested: Sequence[FinishedOnboarding], before: Mapping[str, float], after: Mapping[str, float]
) -> tuple[float | None, float | None]:
    pairs_before: list[tuple[float, bool]] = []
    pairs_after: list[tuple[float, bool]] = []
    for record in tested:
        old = weighted_score(record.day30.values, before)
        new = weighted_score(record.day30.values, after)
        if old is not None and new is not None:
            pairs_before.append((-old, record.bad))
            pairs_after.append((-new, record.bad))
    return mann_whitney(pairs_before).auc, mann_whitney(pairs_after).auc


def cross_validate(
    records: Sequence[FinishedOnboarding],
    weights: Mapping[str, float],
    *,
    folds: int,
    seed: int,
    fit: Fitter = fit_weights,
) -> tuple[FoldResult, ...]:
    """k-fold cross-validation of `fit`: each fold's weights are fitted without the fold's
    accounts, then scored on them only."""
    if folds < 2:
        raise ValueError("cross-validation needs at least 2 folds")
    assignment = assign_folds(records, folds, seed)
    results = []
    for fold in range(folds):
        training = [r for r, f in zip(records, assignment, strict=True) if f != fold]
        tested = [r for r, f in zip(records, assignment, strict=True) if f == fold]
        if not tested:
            continue
        fitted = fit(training, weights)
        before, after = _held_out_auc(tested, weights, fitted)
        results.append(
            FoldResult(fold, len(training), tuple(r.key for r in tested), fitted, before, after)
        )
    return tuple(results)


def _mean(values: Iterable[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return sum(known) / len(known) if known else None


# --- the report -----------------------------------------------------------------------------


def _segments(records: Iterable[FinishedOnboarding]) -> list[str]:
    seen = {str(r.segment) for r in records}
    return [s for s in SEGMENT_ORDER if s in seen] + sorted(seen - set(SEGMENT_ORDER))


def _indicator(
    rows30: Sequence[tuple[bool, bool | None, float | None]],
    rows60: Sequence[tuple[bool, bool | None, float | None]],
    segment_of: Sequence[str],
    segments: Sequence[str],
    *,
    min_class: int,
    retire_margin: float,
) -> Indicator:
    by_segment = {
        segment: detection(row for row, s in zip(rows30, segment_of, strict=True) if s == segment)
        for segment in segments
    }
    verdicts = {
        segment: d.verdict(min_class=min_class, retire_margin=retire_margin)
        for segment, d in by_segment.items()
    }
    predictive = tuple(s for s, v in verdicts.items() if v is Verdict.PREDICTIVE)
    flags = (
        tuple(
            SegmentFlag(s, v, by_segment[s].auc, by_segment[s].auc_ci, predictive)
            for s, v in verdicts.items()
            if v in FAILING
        )
        if predictive
        else ()
    )
    day30 = detection(rows30)
    return Indicator(
        day30=day30,
        day60=detection(rows60),
        by_segment=by_segment,
        verdict=day30.verdict(min_class=min_class, retire_margin=retire_margin),
        segment_verdicts=verdicts,
        segment_flags=flags,
        ranked=tuple((risk, bad) for bad, _, risk in rows30 if risk is not None),
    )


def calibrate(
    records: Iterable[FinishedOnboarding],
    *,
    weights: Mapping[str, float | Fraction],
    since: date | None = None,
    folds: int = 5,
    seed: int = 0,
    min_class: int = 10,
    retire_margin: float = 0.05,
    fit: Fitter = fit_weights,
) -> Calibration:
    """Calibrate the signals in `weights` (the weights in force) and the model on `records`.

    `since` keeps the onboardings signed on or after that day (undated ones are dropped then).
    `fit` is the weight-fitting procedure (default `fit_weights`); it only ever sees training
    folds when the gain is measured. See the module docstring for every definition.
    """
    current = {key: float(w) for key, w in weights.items()}
    rows = [
        r for r in records if since is None or (r.signed_on is not None and r.signed_on >= since)
    ]
    segment_of = [str(r.segment) for r in rows]
    segments = _segments(rows)

    def indicator(
        rows30: Sequence[tuple[bool, bool | None, float | None]],
        rows60: Sequence[tuple[bool, bool | None, float | None]],
    ) -> Indicator:
        return _indicator(
            rows30, rows60, segment_of, segments, min_class=min_class, retire_margin=retire_margin
        )

    cv = cross_validate(rows, current, folds=folds, seed=seed, fit=fit) if rows else ()
    proposed = fit(rows, current) if rows else dict(current)

    signals = tuple(
        SignalCalibration(
            key=key,
            weight=weight,
            proposed_weight=proposed.get(key, weight),
            indicator=indicator(signal_rows(rows, key), signal_rows(rows, key, day=60)),
        )
        for key, weight in current.items()
    )
    model = indicator(model_rows(rows), model_rows(rows, day=60))

    false_positives, false_negatives = [], []
    for record in rows:
        status = record.day30.status
        if status is None:
            continue
        flagged = status == Status.AT_RISK
        if flagged and not record.bad:
            false_positives.append(record.key)
        elif record.bad and not flagged:
            false_negatives.append(record.key)

    overrides = tuple(
        OverrideCheck(record.key, day, picture.status, picture.override, record.bad)
        for record in rows
        for day, picture in ((30, record.day30), (60, record.day60))
        if picture.override is not None
    )

    return Calibration(
        since=since,
        accounts=len(rows),
        bad=sum(r.bad for r in rows),
        segments={
            s: (
                sum(1 for x in segment_of if x == s),
                sum(r.bad for r, x in zip(rows, segment_of, strict=True) if x == s),
            )
            for s in segments
        },
        signals=signals,
        model=model,
        false_positives=tuple(sorted(false_positives)),
        false_negatives=tuple(sorted(false_negatives)),
        overrides=overrides,
        proposal=Proposal(
            weights=proposed,
            retire=tuple(s.key for s in signals if s.retire_proposed),
            folds=cv,
            auc_before=_mean(f.auc_before for f in cv),
            auc_after=_mean(f.auc_after for f in cv),
        ),
        min_class=min_class,
        retire_margin=retire_margin,
    )
