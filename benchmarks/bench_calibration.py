"""Benchmark: calibration over N finished onboardings with 6 signals (target: 10,000 in < 10 s).

Run by hand: `python benchmarks/bench_calibration.py [--accounts 10000] [--repeat 3]`.
Prints the wall time of `calibrate` (median and worst of the repeats, 5-fold cross-validation
included) and its peak traced memory (a separate run under tracemalloc). Not part of the suite.
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import statistics
import time
import tracemalloc

from scoring.calibration import EarlyPicture, FinishedOnboarding, calibrate, weighted_score
from scoring.rules import Bands, Status

KEYS = ("kickoff", "admin_trained", "data_import", "first_value", "ticket_trend", "exec_update")
SEGMENTS = ("smb", "mid", "enterprise")
# P(value 0), P(value 1) for bad and good accounts; the rest is P(value 2)
PREDICTIVE = {True: (0.40, 0.35), False: (0.10, 0.30)}
NOISE = (0.20, 0.40)
BANDS = Bands()


def _draw(rng: random.Random, p: tuple[float, float]) -> int | None:
    if rng.random() < 0.05:
        return None  # unrated
    x = rng.random()
    return 0 if x < p[0] else 1 if x < p[0] + p[1] else 2


def _picture(values: dict[str, int | None], weights: dict[str, float]) -> EarlyPicture:
    score = weighted_score(values, weights)
    if score is None:
        return EarlyPicture(values, None, Status.WATCH)
    tenths = round(score * 10)
    status = BANDS.status_for(tenths)
    if status is Status.HEALTHY and any(v == 0 for v in values.values()):
        status = Status.WATCH
    return EarlyPicture(values, tenths / 10, status)


def cohort(n: int, seed: int = 7) -> list[FinishedOnboarding]:
    """Four predictive signals (one only in smb), two noise signals, a 30% bad rate."""
    rng = random.Random(seed)
    weights = dict.fromkeys(KEYS, 1.0)
    records = []
    for i in range(n):
        segment = SEGMENTS[i % 3]
        bad = rng.random() < 0.3
        informative = {
            "kickoff": PREDICTIVE[bad],
            "admin_trained": PREDICTIVE[bad],
            "data_import": PREDICTIVE[bad] if segment == "smb" else NOISE,
            "first_value": PREDICTIVE[bad],
            "ticket_trend": NOISE,
            "exec_update": NOISE,
        }
        day30 = {key: _draw(rng, informative[key]) for key in KEYS}
        day60 = {key: _draw(rng, informative[key]) for key in KEYS}
        records.append(
            FinishedOnboarding(
                f"account-{i}",
                segment,
                bad,
                _picture(day30, weights),
                _picture(day60, weights),
            )
        )
    return records


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--accounts", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    records = cohort(args.accounts)
    weights = dict.fromkeys(KEYS, 1)

    times = []
    result = None
    for _ in range(args.repeat):
        gc.collect()
        began = time.perf_counter()
        result = calibrate(records, weights=weights, folds=5, seed=0)
        times.append(time.perf_counter() - began)

    gc.collect()
    tracemalloc.start()
    calibrate(records, weights=weights, folds=5, seed=0)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    assert result is not None
    began = time.perf_counter()
    size = len(json.dumps(result.as_json()))
    dumped = time.perf_counter() - began
    print(f"calibration of {args.accounts:,} finished onboardings × {len(KEYS)} signals, 5 folds")
    print(f"  wall time: median {statistics.median(times):.3f} s, worst {max(times):.3f} s")
    print(f"  peak traced memory: {peak / 2**20:.1f} MiB")
    print(f"  as_json + dumps: {dumped:.3f} s, {size / 1024:.0f} KiB")
    proposal = result.proposal
    print(f"  proposed weights: {dict(proposal.weights)}; retire: {list(proposal.retire)}")
    print(f"  held-out AUC {proposal.auc_before:.3f} -> {proposal.auc_after:.3f}")


if __name__ == "__main__":
    main()
