"""How well one early indicator detected bad outcomes: precision, recall, lift, AUC, verdict.

- **Early-risk detection.** A signal *flags* an account when its day-30 value is 0 (At risk) —
  the value that already demands an owner today. The model flags an account when its day-30
  status is At risk. Unrated signals (and unscored models) are left out of that signal's (or the
  model's) numbers rather than guessed. Day 60 is reported beside day 30 with the same rules.
- **Precision** = flagged and bad ÷ flagged; **recall** = flagged and bad ÷ bad; **lift** =
  precision ÷ the cohort's bad rate. Their 95% intervals are Wilson score intervals; lift's is
  precision's interval over the bad rate (taken as known).
- **ROC AUC** ranks accounts by risk (2 − value for a signal, −score for the model), with the
  Newcombe score interval of `scoring.calibration.stats`.
- **Verdicts.** With at least `min_class` bad and `min_class` good accounts rated: *predictive*
  when the AUC interval lies above 0.5; *inverted* when it lies below; *noise* when it contains 0.5
  and the estimate is within `retire_margin` of 0.5; otherwise *inconclusive*. Fewer accounts:
  *insufficient*.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from scoring.calibration.cohort import FinishedOnboarding
from scoring.calibration.stats import Interval, auc_interval, mann_whitney, wilson
from scoring.rules import Status

Row = tuple[bool, bool | None, float | None]
"""One account as an indicator saw it: (bad, flagged, risk); None where it was not known."""


class Verdict(StrEnum):
    PREDICTIVE = "predictive"
    INVERTED = "inverted"
    NOISE = "noise"
    INCONCLUSIVE = "inconclusive"
    INSUFFICIENT = "insufficient"


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


def detection(rows: Iterable[Row]) -> Detection:
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


def signal_rows(records: Iterable[FinishedOnboarding], key: str, *, day: int = 30) -> list[Row]:
    """(bad, flagged, risk) for one signal: flagged when the value is 0, risk = 2 − value."""
    rows: list[Row] = []
    for record in records:
        value = record.picture(day).values.get(key)
        if value is None:
            rows.append((record.bad, None, None))
        else:
            rows.append((record.bad, value == 0, 2 - value))
    return rows


def model_rows(records: Iterable[FinishedOnboarding], *, day: int = 30) -> list[Row]:
    """(bad, flagged, risk) for the model: flagged when the status is At risk, risk = −score."""
    rows: list[Row] = []
    for record in records:
        picture = record.picture(day)
        flagged = None if picture.status is None else picture.status == Status.AT_RISK
        rows.append((record.bad, flagged, None if picture.score is None else -picture.score))
    return rows
