"""Benchmark: the take-away reports for N accounts — the KPI workbook and the one-page brief.

Run by hand: `python benchmarks/bench_reports.py [--accounts 10000] [--runs 5]
[--database-url URL]`.
Fills a fresh database the way `bench_store.py` does (N accounts × 6 signals × 52 weeks), adds a
rescue for one account in ten and D+7/D+30 survey answers for half of them, then times what
`rescuebot report kpis --xlsx` and `rescuebot report brief --pdf` do: gather (one portfolio load
with its 8-week trend, the KPI records), lay out the workbook, draw the chart and lay out the
brief. Prints the median and worst (p99 of so few runs is the worst) wall time of each, the peak
memory traced while building the reports, and the process's peak RSS. Not part of the tests.
"""

from __future__ import annotations

import argparse
import random
import resource
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert

sys.path.insert(0, str(Path(__file__).parent))
from bench_store import AS_OF, fill

from bot.config import load_config
from bot.messages.reports import brief_pdf, workbook_xlsx
from bot.services.reports import Gathered, brief_of, gather, workbook_of
from bot.services.weights import rules_in_force
from bot.store.db import make_engine, session_scope
from bot.store.tables import Rescue, Survey


def add_outcomes(url: str, n: int) -> tuple[int, int]:
    """A rescue for one account in ten (half resolved), survey answers for every other one."""
    rng = random.Random(7)
    engine = make_engine(url)
    opened = datetime.combine(AS_OF - timedelta(days=40), datetime.min.time(), UTC)
    rescues, surveys = [], []
    for account_id in range(1, n + 1):
        if account_id % 10 == 0:
            resolved = account_id % 20 == 0
            rescues.append({
                "account_id": account_id, "state": "resolved" if resolved else "open",
                "trigger": "signal_at_zero", "reason": "import failed", "owner": "U0001",
                "opened_by": "U0001", "opened_at": opened, "sla_due_at": opened + timedelta(days=1),
                "checkpoint_on": AS_OF - timedelta(days=33), "status_at_open": "at_risk",
                "resolved_at": opened + timedelta(days=9) if resolved else None,
                "resolution": rng.choice(("recovered", "not_needed")) if resolved else None,
                "open_account_id": None if resolved else account_id,
            })  # fmt: skip
        if account_id % 2 == 0:
            for kind, day, low, high in (("csat", 7, 1, 5), ("csat", 30, 1, 5), ("nps", 30, 0, 10)):
                surveys.append({
                    "account_id": account_id, "kind": kind, "day": day,
                    "score": rng.randint(low, high), "author": "import", "source": "import",
                    "recorded_at": opened + timedelta(days=rng.randint(0, 39)),
                })  # fmt: skip
    with session_scope(engine) as session:
        session.execute(insert(Rescue), rescues)
        session.execute(insert(Survey), surveys)
    engine.dispose()
    return len(rescues), len(surveys)


def timed(runs: int, work: Callable[[], object]) -> list[float]:
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        work()
        times.append(time.perf_counter() - began)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--accounts", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--database-url")
    parser.add_argument(
        "--filled", action="store_true", help="--database-url was filled by an earlier run"
    )
    args = parser.parse_args()
    url = args.database_url or f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.db'}"
    began = time.perf_counter()
    if args.filled:
        readings = rescues = surveys = 0
    else:
        readings = fill(url, args.accounts)
        rescues, surveys = add_outcomes(url, args.accounts)
    took = time.perf_counter() - began
    print(f"filled {args.accounts} accounts, {readings} readings, {rescues} rescues, {surveys} "
          f"survey answers in {took:.1f}s ({url.split('://')[0]})")  # fmt: skip
    config = load_config(None)
    engine = make_engine(url)
    sizes: dict[str, int] = {}

    def gathered() -> Gathered:
        with session_scope(engine, read_only=True) as session:
            return gather(session, rules_in_force(session, config), as_of=AS_OF)

    once = gathered()
    brief_pdf(brief_of(once))  # warm-up: matplotlib's import and font cache, once per process
    results = {
        "gather (portfolio + KPI records)": timed(args.runs, gathered),
        "workbook (rows + xlsx)": timed(
            args.runs, lambda: sizes.update(workbook=len(workbook_xlsx(workbook_of(once))))
        ),
        "brief (rows + chart + pdf)": timed(
            args.runs, lambda: sizes.update(brief=len(brief_pdf(brief_of(once))))
        ),
    }
    for name, times in results.items():
        print(f"{name:>34}: median {statistics.median(times):.2f}s, worst (p99) "
              f"{max(times):.2f}s over {len(times)} runs")  # fmt: skip
    print(f"workbook {sizes['workbook'] / 1024:.0f} KiB, brief {sizes['brief'] / 1024:.0f} KiB")
    tracemalloc.start()  # one more of each, traced (tracing slows them: not timed)
    workbook_xlsx(workbook_of(once))
    brief_pdf(brief_of(once))
    traced = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    print(f"peak traced memory {traced:.0f} MiB building both from the gathered rows")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {peak:.0f} MiB (the process, filling the database included)")


if __name__ == "__main__":
    main()
