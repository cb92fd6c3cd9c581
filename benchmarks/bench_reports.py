"""Benchmark: the take-away reports for N accounts — the KPI workbook and the one-page brief.

Run by hand: `python benchmarks/bench_reports.py [--accounts 10000] [--runs 5]
[--database-url URL [--filled]] [--past-day]`.
Fills a fresh database the way `bench_store.py` does (N accounts × 6 signals × 52 weeks), adds a
rescue for one account in ten and D+7/D+30 survey answers for half of them, an outcome for one
account in seven signed long enough ago, a risk register (risks for one account in three,
categories reviewed for one in four), a recovery plan pending for one rescue in four and a KPI
baseline (so week 4 and week 8 are reached), then keeps every account's current state for the
day as the daily recompute does. `--filled` reuses a database an earlier run filled (filling
takes minutes): it is only upgraded, and its states kept again if they no longer hold (other
rules, another card layout). For PostgreSQL give the URL a schema of its own, e.g.
`...?options=-csearch_path%3Dbench15` after `CREATE SCHEMA bench15`.

Then times what `rescuebot report kpis --xlsx` and `rescuebot report brief --pdf` do: gather
(one portfolio load with its 8-week trend, the KPI records), lay out the workbook, draw the chart
and lay out the brief, and each report end to end (session, rules, gather, layout: what
`rescuebot report` does once its process is up). `--past-day` also times one gather as of the
day before, which no kept state holds for (every account scored from its readings, as a report
with an earlier `--as-of` is). Prints the median and worst (p99 of so few runs is the worst)
wall time of each, the peak memory traced while building the reports, and the process's peak
RSS. Not part of the tests.
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

from sqlalchemy import func, insert, update
from sqlmodel import col, select

sys.path.insert(0, str(Path(__file__).parent))
from bench_store import AS_OF, fill

from bot.config import Config, load_config
from bot.messages.reports import brief_pdf, workbook_xlsx
from bot.services import current_state
from bot.services.outcomes import capture_baseline
from bot.services.reports import (
    Gathered,
    brief_bytes,
    brief_of,
    gather,
    workbook_bytes,
    workbook_of,
)
from bot.services.weights import rules_in_force
from bot.store import current_state as state_rows
from bot.store.db import make_engine, session_scope, upgrade
from bot.store.tables import Account, CurrentState, Escalation, Rescue, Risk, RiskReview, Survey
from scoring import card_codec
from scoring.kpis import Window

CATEGORIES = ("data", "auth", "cutover", "comms", "compliance")


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


def add_register(url: str, n: int, config: Config) -> tuple[int, int, int]:
    """Outcomes for one account in seven signed over 100 days ago; risks for one account in
    three and reviewed categories for one in four; a pending plan for every other open rescue;
    a KPI baseline 70 days old."""
    rng = random.Random(13)
    engine = make_engine(url)
    logged = datetime.combine(AS_OF - timedelta(days=30), datetime.min.time(), UTC)
    risks, reviews, plans = [], [], []
    for account_id in range(1, n + 1):
        if account_id % 3 == 0:
            for category in rng.sample(CATEGORIES, rng.randint(1, 3)):
                state = rng.choice(("open", "open", "mitigated", "accepted"))
                risks.append({
                    "account_id": account_id, "category": category, "text": f"{category} risk",
                    "owner": rng.choice((None, "U0002")), "impact": rng.choice(("high", "low")),
                    "mitigation": rng.choice((None, "a plan")), "state": state,
                    "due_on": AS_OF + timedelta(days=rng.randint(-5, 20)), "created_by": "U0001",
                    "created_at": logged + timedelta(days=rng.randint(0, 29)), "updated_at": logged,
                    "settled_at": None if state == "open" else logged + timedelta(days=29),
                })  # fmt: skip
        if account_id % 4 == 0:
            reviews += [
                {"account_id": account_id, "category": category, "reviewed_by": "U0001",
                 "reviewed_at": logged}
                for category in ("comms", "compliance")
            ]  # fmt: skip
    with session_scope(engine) as session:
        ended = session.exec(
            select(Account.id, Account.signed_on).where(
                col(Account.id) % 7 == 0, col(Account.signed_on) < AS_OF - timedelta(days=100)
            )
        ).all()
        session.execute(update(Account), [
            {"id": i, "outcome": ("completed", "churned", "expanded")[i % 3],
             "outcome_on": signed + timedelta(days=rng.randint(20, 100))}
            for i, signed in ended
        ])  # fmt: skip
        for rescue in session.exec(select(Rescue).where(col(Rescue.open_account_id).is_not(None))):
            if rescue.id % 2:  # type: ignore[operator]
                plans.append({
                    "rescue_id": rescue.id, "account_id": rescue.account_id, "requested_by": "U1",
                    "root_cause": "r", "impact": "i", "intervention": "n", "success_criteria": "s",
                    "decision_deadline": AS_OF + timedelta(days=2), "state": "pending",
                    "created_at": logged,
                })  # fmt: skip
        session.execute(insert(Risk), risks)
        session.execute(insert(RiskReview), reviews)
        session.execute(insert(Escalation), plans)
        rules = rules_in_force(session, config)
        start = AS_OF - timedelta(days=160)
        capture_baseline(session, rules, window=Window(start, start + timedelta(days=90)),
                         actor="U0001", now=logged)  # fmt: skip
    engine.dispose()
    return len(risks), len(reviews), len(plans)


def keep_states(url: str, config: Config) -> str:
    """Every onboarding account's current state kept as of AS_OF, unless they all hold already."""
    engine = make_engine(url)
    with session_scope(engine, read_only=True) as session:
        key = card_codec.rules_key(rules_in_force(session, config))
        kept = session.exec(
            select(func.count()).where(CurrentState.day == AS_OF, CurrentState.rules_key == key)
        ).one()
        onboarding = session.exec(
            select(func.count()).where(state_rows.onboarding_clause(AS_OF))
        ).one()
    if kept == onboarding:
        return f"{kept} kept states hold"
    began = time.perf_counter()
    rebuilt = current_state.rebuild(
        engine, lambda session: rules_in_force(session, config), today=AS_OF,
        now=datetime.combine(AS_OF, datetime.min.time(), UTC) + timedelta(hours=2),
    )  # fmt: skip
    engine.dispose()
    return f"{rebuilt.kept} states kept in {time.perf_counter() - began:.1f}s"


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
    parser.add_argument(
        "--past-day", action="store_true", help="also time a gather no kept state holds for"
    )
    args = parser.parse_args()
    url = args.database_url or f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.db'}"
    config = load_config(None)
    began = time.perf_counter()
    if args.filled:
        upgrade(url)
        print(f"reusing the filled database ({url.split('://')[0]})")
    else:
        readings = fill(url, args.accounts)
        rescues, surveys = add_outcomes(url, args.accounts)
        risks, reviews, plans = add_register(url, args.accounts, config)
        print(f"filled {args.accounts} accounts, {readings} readings, {rescues} rescues, "
              f"{surveys} survey answers, {risks} risks, {reviews} reviews, {plans} plans in "
              f"{time.perf_counter() - began:.1f}s ({url.split('://')[0]})")  # fmt: skip
    print(keep_states(url, config))
    engine = make_engine(url)
    sizes: dict[str, int] = {}

    def gathered() -> Gathered:
        with session_scope(engine, read_only=True) as session:
            return gather(session, rules_in_force(session, config), as_of=AS_OF)

    def end_to_end(build: Callable[..., bytes]) -> Callable[[], bytes]:
        """What the CLI does once its process is up: a read-only session, the rules in force,
        the gather and one report."""

        def run() -> bytes:
            with session_scope(engine, read_only=True) as session:
                return build(session, rules_in_force(session, config), as_of=AS_OF)

        return run

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
        "workbook end to end": timed(args.runs, end_to_end(workbook_bytes)),
        "brief end to end": timed(args.runs, end_to_end(brief_bytes)),
    }
    if args.past_day:
        with session_scope(engine, read_only=True) as session:
            rules = rules_in_force(session, config)
            results["gather, the day before (no kept state)"] = timed(
                1, lambda: gather(session, rules, as_of=AS_OF - timedelta(days=1))
            )
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
