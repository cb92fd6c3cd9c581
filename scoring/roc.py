"""The points a calibration plot draws: ROC curves and reliability bins from (risk, bad) pairs.

Pure and deterministic; the same pairs `scoring.calibration.mann_whitney` ranks,
counted by the same `risk_table`.

- **ROC curve.** The risk threshold falls from above the highest risk to below the lowest; each
  distinct risk adds one point (false-positive rate, true-positive rate). Tied accounts move the
  curve diagonally, so the trapezoid area under it is exactly the Mann–Whitney AUC (ties ½).
- **Reliability bins.** Accounts grouped by a value (the model's day-30 score) into fixed bins,
  each with its observed bad-outcome rate and that rate's Wilson 95% interval: does a lower
  score really mean a worse outcome, and how often?
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import pairwise

from scoring.calibration.stats import Interval, risk_table, wilson


def roc_points(scored: Iterable[tuple[float, bool]]) -> list[tuple[float, float]]:
    """(false-positive rate, true-positive rate) for (risk, bad) pairs, higher risk meaning bad:
    from (0, 0) to (1, 1), one point per distinct risk. Empty when either class is missing (no
    rate can be computed then)."""
    table = risk_table(scored)
    bad_total = sum(cell[0] for cell in table.values())
    good_total = sum(cell[1] for cell in table.values())
    if bad_total == 0 or good_total == 0:
        return []
    points = [(0.0, 0.0)]
    caught = flagged_good = 0
    for risk in sorted(table, reverse=True):
        n_bad, n_good = table[risk]
        caught += n_bad
        flagged_good += n_good
        points.append((flagged_good / good_total, caught / bad_total))
    return points


@dataclass(frozen=True, slots=True)
class ReliabilityBin:
    """The accounts whose value fell in [low, high) (the last bin also takes `high`): how many,
    how many ended badly, and the mean value (None when the bin is empty)."""

    low: float
    high: float
    accounts: int
    bad: int
    mean: float | None

    @property
    def rate(self) -> float | None:
        return self.bad / self.accounts if self.accounts else None

    @property
    def ci(self) -> Interval | None:
        return wilson(self.bad, self.accounts)


def reliability_bins(
    scored: Iterable[tuple[float, bool]], edges: Sequence[float]
) -> list[ReliabilityBin]:
    """(value, bad) pairs counted into the bins between consecutive `edges` (ascending); empty
    bins are kept. A value outside [edges[0], edges[-1]] is a ValueError."""
    if len(edges) < 2 or any(a >= b for a, b in pairwise(edges)):
        raise ValueError("edges must be at least two strictly ascending numbers")
    last = len(edges) - 2
    accounts = [0] * (last + 1)
    bad_counts = [0] * (last + 1)
    totals = [0.0] * (last + 1)
    for value, bad in scored:
        if not edges[0] <= value <= edges[-1]:
            raise ValueError(f"{value} is outside the bins {edges[0]}–{edges[-1]}")
        i = min(bisect_right(edges, value) - 1, last)
        accounts[i] += 1
        bad_counts[i] += bad
        totals[i] += value
    return [
        ReliabilityBin(
            low=edges[i],
            high=edges[i + 1],
            accounts=accounts[i],
            bad=bad_counts[i],
            mean=totals[i] / accounts[i] if accounts[i] else None,
        )
        for i in range(last + 1)
    ]
