"""One indicator's calibration (a signal, or the whole model): overall, by day and by segment."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from scoring.calibration.bias import SegmentFlag, by_segment, segment_flags
from scoring.calibration.metrics import Detection, Row, Verdict, detection


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


def indicator(
    rows30: Sequence[Row],
    rows60: Sequence[Row],
    segment_of: Sequence[str],
    segments: Sequence[str],
    *,
    min_class: int,
    retire_margin: float,
) -> Indicator:
    """The indicator seen through its day-30 and day-60 rows; `segment_of` is each row's
    segment, `segments` the segments to report, in order."""
    segmented = by_segment(rows30, segment_of, segments)
    verdicts = {
        segment: d.verdict(min_class=min_class, retire_margin=retire_margin)
        for segment, d in segmented.items()
    }
    day30 = detection(rows30)
    return Indicator(
        day30=day30,
        day60=detection(rows60),
        by_segment=segmented,
        verdict=day30.verdict(min_class=min_class, retire_margin=retire_margin),
        segment_verdicts=verdicts,
        segment_flags=segment_flags(segmented, verdicts),
        ranked=tuple((risk, bad) for bad, _, risk in rows30 if risk is not None),
    )
