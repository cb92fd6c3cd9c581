"""Results by segment, and the flags that say an indicator's proxy is biased.

A signal (or the model) predictive in one segment and not predictive (noise, inconclusive or
inverted — with enough accounts to say so) in another is flagged for the segments where it fails.
Segments are listed smb, mid, enterprise first, then any others in name order.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from scoring.calibration.cohort import FinishedOnboarding
from scoring.calibration.metrics import Detection, Row, Verdict, detection
from scoring.calibration.stats import Interval
from scoring.signals import Segment

SEGMENT_ORDER = tuple(segment.value for segment in Segment)
"""smb, mid, enterprise: the order `scoring.signals.Segment` lists them in."""

FAILING = frozenset({Verdict.NOISE, Verdict.INVERTED, Verdict.INCONCLUSIVE})
"""Verdicts that, beside a predictive segment, flag a segment as failed by the indicator."""


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


def segments_in(records: Iterable[FinishedOnboarding]) -> list[str]:
    """The segments the cohort holds, in report order."""
    seen = {str(r.segment) for r in records}
    return [s for s in SEGMENT_ORDER if s in seen] + sorted(seen - set(SEGMENT_ORDER))


def segment_counts(
    records: Sequence[FinishedOnboarding], segment_of: Sequence[str], segments: Sequence[str]
) -> dict[str, tuple[int, int]]:
    """(accounts, bad accounts) in each segment; `segment_of` is each record's segment."""
    return {
        s: (
            sum(1 for x in segment_of if x == s),
            sum(r.bad for r, x in zip(records, segment_of, strict=True) if x == s),
        )
        for s in segments
    }


def by_segment(
    rows: Sequence[Row], segment_of: Sequence[str], segments: Sequence[str]
) -> dict[str, Detection]:
    """Detection in each segment, from one indicator's rows and each row's segment."""
    return {
        segment: detection(row for row, s in zip(rows, segment_of, strict=True) if s == segment)
        for segment in segments
    }


def segment_flags(
    detections: Mapping[str, Detection], verdicts: Mapping[str, Verdict]
) -> tuple[SegmentFlag, ...]:
    """The segments an indicator fails in, when it is predictive in at least one other."""
    predictive = tuple(s for s, v in verdicts.items() if v is Verdict.PREDICTIVE)
    if not predictive:
        return ()
    return tuple(
        SegmentFlag(s, v, detections[s].auc, detections[s].auc_ci, predictive)
        for s, v in verdicts.items()
        if v in FAILING
    )
