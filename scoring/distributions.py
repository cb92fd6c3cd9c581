"""Counts kept beside their rates, and exact quartiles: the shapes every KPI is reported in.

A `Ratio` shows its arithmetic (no denominator, no rate: None, never 0). A `Distribution`'s
quartiles are exact — linear interpolation between ranks on fractions — and only turned into
floats at the end.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction


@dataclass(frozen=True, slots=True)
class Ratio:
    """A rate with its arithmetic: `numerator` of `denominator`; no denominator, no rate."""

    numerator: int
    denominator: int

    @property
    def value(self) -> float | None:
        return None if self.denominator == 0 else self.numerator / self.denominator

    def as_json(self) -> dict[str, object]:
        return {"value": self.value, "numerator": self.numerator, "denominator": self.denominator}


@dataclass(frozen=True, slots=True)
class Distribution:
    """Count, minimum, quartiles (linear interpolation between ranks) and maximum."""

    count: int
    minimum: float
    p25: float
    median: float
    p75: float
    maximum: float

    @classmethod
    def of(cls, values: Iterable[int | Fraction]) -> Distribution | None:
        """The distribution of `values`, exact until the end; None when there are none."""
        ordered = sorted(Fraction(v) for v in values)
        if not ordered:
            return None
        return cls(
            count=len(ordered),
            minimum=float(ordered[0]),
            p25=float(quantile(ordered, Fraction(1, 4))),
            median=float(quantile(ordered, Fraction(1, 2))),
            p75=float(quantile(ordered, Fraction(3, 4))),
            maximum=float(ordered[-1]),
        )

    def as_json(self) -> dict[str, object]:
        return {
            "count": self.count,
            "min": self.minimum,
            "p25": self.p25,
            "median": self.median,
            "p75": self.p75,
            "max": self.maximum,
        }


def quantile(ordered: Sequence[Fraction], q: Fraction) -> Fraction:
    """The `q` quantile of sorted, non-empty `ordered`: position q·(n−1), interpolated linearly
    (numpy's default, `statistics.quantiles(method="inclusive")`); q = ½ is the usual median."""
    position = q * (len(ordered) - 1)
    below = int(position)  # floor: position is non-negative
    if below + 1 >= len(ordered):
        return ordered[-1]
    fraction = position - below
    return ordered[below] + (ordered[below + 1] - ordered[below]) * fraction
