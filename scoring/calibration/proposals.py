"""What calibration proposes: new weights, the signals to retire, and the held-out gain.

- **Retirement.** Noise and inverted signals (see `scoring.calibration.metrics`) are proposed for
  retirement.
- **Weights.** New weights ∝ max(0, lower AUC bound − 0.5) of each signal's day-30 values, so a
  signal is weighed by the evidence for it, not by its point estimate; scaled to the current
  weights' total and rounded to 0.01 (no signal proven: the current weights stand).
- **Expected gain.** Cross-validated: folds stratified by outcome are drawn with
  `random.Random(seed)`; for each fold the weights are fitted on the other folds only and both the
  current and the fitted weights score the held-out fold (Σ w·v ÷ Σ 2w over rated signals,
  unrounded, on the accounts both can score). The gain is the mean held-out AUC after minus
  before; rows are never scored by weights fitted on them. The proposed weights themselves are
  then fitted on every account.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from scoring.calibration.cohort import FinishedOnboarding
from scoring.calibration.metrics import Verdict, detection, signal_rows
from scoring.calibration.stats import mann_whitney

RETIRE = frozenset({Verdict.NOISE, Verdict.INVERTED})
"""Verdicts that propose a signal for retirement."""

Fitter = Callable[[Sequence[FinishedOnboarding], Mapping[str, float]], dict[str, float]]
"""Fits weights on training accounts, given the current weights (for keys and total)."""


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


def propose(
    records: Sequence[FinishedOnboarding],
    weights: Mapping[str, float],
    verdicts: Mapping[str, Verdict],
    *,
    folds: int,
    seed: int,
    fit: Fitter = fit_weights,
) -> Proposal:
    """The proposal for the signals in `weights` (the weights in force), given each signal's
    day-30 verdict: `fit` on every record, its gain measured on held-out folds first."""
    cv = cross_validate(records, weights, folds=folds, seed=seed, fit=fit) if records else ()
    return Proposal(
        weights=fit(records, weights) if records else dict(weights),
        retire=tuple(key for key in weights if verdicts[key] in RETIRE),
        folds=cv,
        auc_before=_mean(f.auc_before for f in cv),
        auc_after=_mean(f.auc_after for f in cv),
    )
