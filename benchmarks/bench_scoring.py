"""Benchmark: scoring, standup and digest for N accounts × 6 signals × 52 weeks of history.

Run by hand: `python benchmarks/bench_scoring.py [--accounts 10000] [--repeat 5]`.
Prints wall time (median and worst of the repeats) and peak traced memory for several
portfolio sizes, so linear growth in accounts can be checked. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import time
import tracemalloc
from datetime import UTC, date, datetime, timedelta

from bot.config import load_config
from scoring.accounts import AccountFacts, Handoff
from scoring.digest import build_digest
from scoring.readings import History, Reading
from scoring.rules import Rules
from scoring.scorecard import evaluate
from scoring.signals import Segment
from scoring.standup import AccountState, standup
from scoring.weeks import previous_week_end

AS_OF = date(2026, 11, 24)
WEEKS = 52


def portfolio(n: int, rules: Rules) -> list[tuple[AccountFacts, History]]:
    rng = random.Random(7)
    keys = [s.key for s in rules.taxonomy.active]
    start = datetime.combine(AS_OF - timedelta(weeks=WEEKS), datetime.min.time(), UTC)
    accounts = []
    for i in range(n):
        facts = AccountFacts(
            key=f"account-{i}", name=f"Account {i}", segment=list(Segment)[i % 3],
            signed_on=AS_OF - timedelta(days=rng.randint(0, 400)),
            handoff=Handoff("p", "90 days", "d", "m") if i % 4 else Handoff(),
            arr=rng.randrange(5_000, 900_000), csm=f"U{i % 40:04d}",
        )  # fmt: skip
        drift = rng.choice((-1, 0, 0, 1))
        readings = []
        for week in range(WEEKS):
            for key in keys:
                value = max(0, min(2, rng.choice((1, 2, 2)) + (drift if week > 48 else 0)))
                moment = start + timedelta(weeks=week, hours=rng.randint(0, 100))
                readings.append(Reading(key, value, moment, author="U1"))
        accounts.append((facts, History(readings, rules.team_timezone)))
    return accounts


def run(accounts: list[tuple[AccountFacts, History]], rules: Rules) -> tuple[float, float, int]:
    """Seconds for scoring + standup, seconds for the digest (incl. last week), items."""
    began = time.perf_counter()
    states = [AccountState(evaluate(f, h, rules, as_of=AS_OF, trend_weeks=0)) for f, h in accounts]
    items = standup(states, as_of=AS_OF)
    scored = time.perf_counter() - began
    last_week = previous_week_end(AS_OF)
    previous = {
        f.key: evaluate(f, h, rules, as_of=last_week, trend_weeks=0).status for f, h in accounts
    }
    build_digest(states, as_of=AS_OF, previous_status=previous, promised_timelines={})
    return scored, time.perf_counter() - began - scored, len(items)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--accounts", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    rules = load_config(None).rules
    print(f"{'accounts':>8} {'readings':>9} | {'score+standup median':>20} {'worst':>7} | "
          f"{'digest median':>13} | {'peak MiB':>8} {'KiB/account':>11}")  # fmt: skip
    for n in sorted({args.accounts // 4, args.accounts // 2, args.accounts}):
        gc.collect()
        tracemalloc.start()
        accounts = portfolio(n, rules)
        built = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        run(accounts, rules)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        timings = [run(accounts, rules) for _ in range(args.repeat)]
        scored = [t[0] for t in timings]
        digest = [t[1] for t in timings]
        readings = n * WEEKS * len(rules.taxonomy.active)
        print(f"{n:>8} {readings:>9} | {statistics.median(scored):>19.3f}s {max(scored):>6.3f}s "
              f"| {statistics.median(digest):>12.3f}s | {peak / 2**20:>8.1f} "
              f"{peak / n / 1024:>11.2f}   (history itself: {built / 2**20:.0f} MiB, "
              f"{timings[0][2]} in the standup)")  # fmt: skip


if __name__ == "__main__":
    main()
