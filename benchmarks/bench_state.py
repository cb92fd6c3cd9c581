"""Benchmark: `rescuebot standup --json` and `digest --dry-run --json` on N accounts × 6 signals
× 52 weeks, before and after the kept current state, and a rating's transaction with its upkeep.

Run by hand: `python benchmarks/bench_state.py [--accounts 10000] [--database-url URL] [--reuse]`
(SQLite file by default; for PostgreSQL give a URL whose search_path names an empty schema).
Fills the database (bench_store.fill) as of today, or with `--reuse` keeps the accounts a
previous run filled it with (its kept states dropped, so "before" is measured again), then
times each command through the CLI
(typer's runner, in process): once with no kept state (every account scored from its readings,
as before), then `--runs` times after the daily rebuild, then `--runs` times as a process of its
own (`python -m bot.cli.main …`: start and imports included, from bytecode as an installed
package runs, with its peak RSS); then
`--ratings` ratings, each its own `Backend.change` transaction (readings recorded, triggers
checked, the account's state kept, live standups told), on accounts and values drawn anew each
run (a rating repeated within 10 minutes would be a duplicate, not a reading). Prints median,
p99 and peak RSS. Not part of the tests.
"""

from __future__ import annotations

import argparse
import compileall
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from bench_store import fill
from sqlalchemy import Engine, delete, func
from sqlmodel import select
from typer.testing import CliRunner

from bot.cli.main import app
from bot.config import Config, load_config
from bot.services import current_state
from bot.services.backend import Backend
from bot.services.rescues import record_and_rescue
from bot.services.weights import rules_in_force
from bot.store.db import make_engine, session_scope, upgrade
from bot.store.tables import Account, CurrentState, Reading
from scoring.card_codec import rules_key
from scoring.rules import Rules

CPU: list[float] = []  # each command's CPU time, in order


def quantiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return f"median {statistics.median(ordered) * 1000:8.1f} ms, p99 {p99 * 1000:8.1f} ms"


def command(url: str, *args: str) -> float:
    """The command's wall time; its CPU time goes into CPU (the machine may be shared)."""
    began, cpu = time.perf_counter(), time.process_time()
    result = CliRunner().invoke(app, list(args), env={"DATABASE_URL": url})
    took = time.perf_counter() - began
    CPU.append(time.process_time() - cpu)
    if result.exit_code != 0:
        raise SystemExit(f"{' '.join(args)} failed: {result.output}{result.exception!r}")
    return took


# The command as `rescuebot` runs it, then its own peak RSS on stderr: a child's rusage counts
# the benchmark's own memory, which the fork copied before the exec.
CHILD = """import resource, runpy, sys
sys.argv = ["rescuebot", *sys.argv[1:]]
try:
    runpy.run_module("bot.cli.main", run_name="__main__")
finally:
    sys.stderr.write(f"peak {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}\\n")
"""


def process(url: str, *args: str) -> tuple[float, float]:
    """The command run as its own process: its wall time and its peak RSS in MiB."""
    began = time.perf_counter()
    child = subprocess.run(
        [sys.executable, "-c", CHILD, *args], env={**os.environ, "DATABASE_URL": url},
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, check=False,
    )  # fmt: skip
    took = time.perf_counter() - began
    if child.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed as a process: {child.stderr}")
    peak = next(line for line in child.stderr.splitlines() if line.startswith("peak "))
    return took, int(peak.split()[1]) / 1024


def load() -> str:
    return "load average " + " ".join(f"{n:.1f}" for n in os.getloadavg())


def reused(engine: Engine, accounts: int, rules: Rules, today: date) -> tuple[int, bool] | None:
    """With the (migrated) database filled by an earlier run for `accounts` accounts: its
    readings, and whether every account's state is kept for `today` and `rules` already (else
    they are all dropped); None when it is to be filled afresh."""
    with session_scope(engine) as session:
        found = session.exec(select(func.count()).select_from(Account)).one()
        if found != accounts:
            return None
        kept = session.exec(
            select(func.count())
            .select_from(CurrentState)
            .where(CurrentState.day == today, CurrentState.rules_key == rules_key(rules))
        ).one()
        if kept != accounts:
            session.execute(delete(CurrentState))
        readings = session.exec(select(func.count()).select_from(Reading)).one()
        return int(readings), kept == accounts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--accounts", type=int, default=10_000)
    parser.add_argument("--database-url")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--ratings", type=int, default=300)
    parser.add_argument(
        "--reuse", action="store_true", help="keep the accounts a previous run filled in"
    )
    args = parser.parse_args()
    url = args.database_url or f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.db'}"
    os.environ["DATABASE_URL"] = url
    config = load_config(None)
    backend = Backend(config, make_engine(url), lambda: datetime.now(UTC))
    today = backend.today()
    began = time.perf_counter()
    kind = url.split("://")[0]
    upgrade(backend.engine)  # the rules in force are read from the database
    with session_scope(backend.engine, read_only=True) as session:
        rules = rules_in_force(session, config)
    found = reused(backend.engine, args.accounts, rules, today) if args.reuse else None
    if found is None:
        readings = fill(url, args.accounts, as_of=today)
        print(f"filled {args.accounts} accounts, {readings} readings in "
              f"{time.perf_counter() - began:.1f}s ({kind}), as of {today}")  # fmt: skip
    else:
        print(f"reused {args.accounts} accounts, {found[0]} readings ({kind}), as of {today}")
    commands = {"standup --json": ("standup", "--json"),
                "digest --json": ("digest", "--dry-run", "--json")}  # fmt: skip
    if found is None or not found[1]:
        for name, argv in commands.items():
            print(f"before (no kept state) {name:>15}: {command(url, *argv):6.2f}s ({load()})")
        began = time.perf_counter()
        rebuilt = current_state.rebuild(
            backend.engine, lambda s: rules_in_force(s, config), today=today, now=backend.now()
        )
        print(f"rebuild: {rebuilt.kept} states in {time.perf_counter() - began:.1f}s")
    else:
        print("every state kept already: no before, no rebuild")
    for name, argv in commands.items():
        CPU.clear()
        runs = [command(url, *argv) for _ in range(args.runs)]
        print(f"after  (kept state)    {name:>15}: {quantiles(runs)} over {args.runs} runs, "
              f"CPU median {statistics.median(CPU) * 1000:.0f} ms ({load()})")  # fmt: skip
    # An installed rescuebot runs from bytecode (pip compiles it on install); this checkout may
    # have none (PYTHONDONTWRITEBYTECODE), and each process would compile every module again.
    for package in ("bot", "scoring"):
        compileall.compile_dir(Path(__file__).parents[1] / package, quiet=1)
    for name, argv in commands.items():
        timed = [process(url, *argv) for _ in range(args.runs)]
        peak = max(m for _, m in timed)
        print(f"as a process           {name:>15}: {quantiles([t for t, _ in timed])} over "
              f"{args.runs} runs, peak RSS {peak:.0f} MiB ({load()})")  # fmt: skip
    if args.ratings > 0:
        ratings(backend, config, args.accounts, args.ratings)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {peak:.0f} MiB")


def ratings(backend: Backend, config: Config, accounts: int, count: int) -> None:
    """Time `count` ratings, each its own transaction, with the state's upkeep's share."""
    rng = random.Random(time.time_ns())
    signals = list(config.rules.taxonomy.active)
    took: list[float] = []
    upkeep: list[float] = []
    keep = current_state.keep

    def timed_keep(*args: Any, **kwargs: Any) -> None:  # the upkeep's share of each rating
        began = time.perf_counter()
        keep(*args, **kwargs)
        upkeep.append(time.perf_counter() - began)

    current_state.keep = timed_keep  # type: ignore[assignment]
    for _ in range(count):
        account_id = rng.randint(1, accounts)
        rated = [(rng.choice(signals), rng.randint(0, 2))]
        began = time.perf_counter()
        with backend.change(None) as session:
            account = session.get(Account, account_id)
            assert account is not None
            record_and_rescue(
                session, config, account=account, ratings=rated, author="U0BENCH",
                note=None, source="slash_command", now=backend.now(), channel=None,
            )  # fmt: skip
        took.append(time.perf_counter() - began)
    print(f"a rating's transaction, state kept: {quantiles(took)} over {count} ratings "
          f"({load()})")  # fmt: skip
    print(f"  of which the state's upkeep:      {quantiles(upkeep)}")


if __name__ == "__main__":
    main()
