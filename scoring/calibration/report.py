"""The calibration report: every signal and the model measured, overrides judged, a proposal.

`calibrate` puts the pieces together; each number is defined in the module that computes it
(`stats`, `metrics`, `bias`, `proposals`, `overrides`). Everything is deterministic given the seed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from functools import partial

from scoring.calibration.bias import segment_counts, segments_in
from scoring.calibration.cohort import FinishedOnboarding, signed_since
from scoring.calibration.indicators import Indicator, indicator
from scoring.calibration.metrics import model_rows, signal_rows
from scoring.calibration.overrides import OverrideCheck, override_checks
from scoring.calibration.proposals import RETIRE, Fitter, Proposal, fit_weights, propose
from scoring.rules import Status


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


def _false_calls(records: Iterable[FinishedOnboarding]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The keys the model's day-30 status called wrongly: (flagged but good, bad but not
    flagged), each sorted; unscored accounts are neither."""
    false_positives, false_negatives = [], []
    for record in records:
        status = record.day30.status
        if status is None:
            continue
        flagged = status == Status.AT_RISK
        if flagged and not record.bad:
            false_positives.append(record.key)
        elif record.bad and not flagged:
            false_negatives.append(record.key)
    return tuple(sorted(false_positives)), tuple(sorted(false_negatives))


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
    folds when the gain is measured. See the package docstring for where each number is defined.
    """
    current = {key: float(w) for key, w in weights.items()}
    rows = signed_since(records, since)
    segment_of = [str(r.segment) for r in rows]
    segments = segments_in(rows)
    judge = partial(
        indicator,
        segment_of=segment_of,
        segments=segments,
        min_class=min_class,
        retire_margin=retire_margin,
    )
    indicators = {
        key: judge(signal_rows(rows, key), signal_rows(rows, key, day=60)) for key in current
    }
    proposal = propose(
        rows,
        current,
        {key: ind.verdict for key, ind in indicators.items()},
        folds=folds,
        seed=seed,
        fit=fit,
    )
    false_positives, false_negatives = _false_calls(rows)
    return Calibration(
        since=since,
        accounts=len(rows),
        bad=sum(r.bad for r in rows),
        segments=segment_counts(rows, segment_of, segments),
        signals=tuple(
            SignalCalibration(key, weight, proposal.weights.get(key, weight), indicators[key])
            for key, weight in current.items()
        ),
        model=judge(model_rows(rows), model_rows(rows, day=60)),
        false_positives=false_positives,
        false_negatives=false_negatives,
        overrides=override_checks(rows),
        proposal=proposal,
        min_class=min_class,
        retire_margin=retire_margin,
    )
