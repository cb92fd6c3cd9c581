"""The statistics every calibration number rests on: intervals, Wilson, and the exact AUC.

- **Proportions** (precision, recall, a bin's bad rate) get Wilson score 95% intervals: never
  outside [0, 1], sensible at 0 and n.
- **ROC AUC** is the exact Mann–Whitney statistic over (risk, bad) pairs, ties counting one half,
  in integer arithmetic. Its 95% interval is a Newcombe-style score interval (Newcombe 2006): the
  AUCs `a` with (Â − a)² ≤ z²·V(a), V the Hanley–McNeil variance with both group sizes replaced by
  N* = (bad + good)/2. It always contains the estimate, never leaves [0, 1], is not degenerate at
  AUC 0 or 1, mirrors under flipped labels, and widens as the cohort shrinks. It ignores ties,
  which makes it a little conservative for three-level signals — the right direction for a guard
  against over-reading small samples. Chosen over a bootstrap because it is deterministic,
  closed-form and fast.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from math import sqrt

Z95 = 1.959963984540054
"""The two-sided 95% normal quantile used by every interval."""


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


def risk_table(scored: Iterable[tuple[float, bool]]) -> dict[float, list[int]]:
    """[bad, good] account counts at each distinct risk of (risk, bad) pairs: what both the AUC
    and the ROC curve walk through, in risk order."""
    table: dict[float, list[int]] = {}
    for risk, bad in scored:
        cell = table.get(risk)
        if cell is None:
            cell = table[risk] = [0, 0]
        cell[0 if bad else 1] += 1
    return table


def mann_whitney(scored: Iterable[tuple[float, bool]]) -> MannWhitney:
    """Counts for (risk, bad) pairs: higher risk should mean bad. Ties count one half."""
    table = risk_table(scored)
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
