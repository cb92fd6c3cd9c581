"""Calibration: did the early picture predict how onboarding ended, and how to weigh it better.

Every definition is documented where it is computed, and in the output; none is hidden:

- `cohort`: what is given — finished onboardings, their outcome label (`bad_outcome`) and their
  early picture at day 30 and day 60.
- `stats`: Wilson intervals, the exact Mann–Whitney AUC and its Newcombe score interval.
- `metrics`: one indicator's precision, recall, lift and AUC, and its verdict.
- `bias`: results by segment, and the flags for an indicator that predicts in one segment only.
- `indicators`: one signal's (or the model's) calibration, by day and by segment.
- `proposals`: weights fitted to the evidence, signals to retire, the cross-validated gain.
- `overrides`: manual status overrides judged against the outcome.
- `report`: `calibrate`, which puts them together into a `Calibration`.

Everything is deterministic given the seed. The names below are the package's public surface;
import them from `scoring.calibration`.
"""

from scoring.calibration.bias import FAILING, SEGMENT_ORDER, SegmentFlag
from scoring.calibration.cohort import EarlyPicture, FinishedOnboarding, bad_outcome
from scoring.calibration.indicators import Indicator
from scoring.calibration.metrics import Detection, Verdict, detection, model_rows, signal_rows
from scoring.calibration.overrides import OverrideCheck
from scoring.calibration.proposals import (
    RETIRE,
    Fitter,
    FoldResult,
    Proposal,
    assign_folds,
    cross_validate,
    fit_weights,
    weighted_score,
)
from scoring.calibration.report import Calibration, SignalCalibration, calibrate
from scoring.calibration.stats import (
    Z95,
    Interval,
    MannWhitney,
    auc,
    auc_interval,
    mann_whitney,
    wilson,
)

__all__ = [
    "FAILING",
    "RETIRE",
    "SEGMENT_ORDER",
    "Z95",
    "Calibration",
    "Detection",
    "EarlyPicture",
    "FinishedOnboarding",
    "Fitter",
    "FoldResult",
    "Indicator",
    "Interval",
    "MannWhitney",
    "OverrideCheck",
    "Proposal",
    "SegmentFlag",
    "SignalCalibration",
    "Verdict",
    "assign_folds",
    "auc",
    "auc_interval",
    "bad_outcome",
    "calibrate",
    "cross_validate",
    "detection",
    "fit_weights",
    "mann_whitney",
    "model_rows",
    "signal_rows",
    "weighted_score",
    "wilson",
]
