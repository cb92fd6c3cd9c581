"""Benchmark: `rescuebot standup --json` and `digest --dry-run --json` on N accounts × 6 signals
× 52 weeks, before and after the kept current state, and a rating's transaction with its upkeep.

Run by hand: `python benchmarks/bench_state.py [--accounts 10000] [--database-url URL]`
(SQLite file by default; for PostgreSQL give a URL whose search_path names an empty schema).
Fills the database (bench_store.fill) as of today, then times each command through the CLI
(typer's runner, in process): once with no kept state (every account scored from its readings,
as before), then `--runs` times after the daily rebuild; then `--ratings` ratings, each its own
`Backend.change` transaction (readings recorded, triggers checked, the account's state kept).
Prints median, p99 and peak RSS. Not part of the tests.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench_store import fill
from typer.testing import CliRunner

from bot.cli.main import app
from bot.config import load_config
from bot.services import current_state
from bot.services.backend import Backend
from bot.services.rescues import record_and_rescue
from bot.services.weights import rules_in_force
from bot.store.db import make_engine
from bot.store.tables import Account


def quantiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return f"median {statistics.median(ordered) * 1000:8.1f} ms, p99 {p99 * 1000:8.1f} ms"


def command(url: str, *args: str) -> float:
    began = time.perf_counter()
    result = CliRunner().invoke(app, list(args), env={"DATABASE_URL": url})
    took = time.perf_counter() - began
    if result.exit_code != 0:
        raise SystemExit(f"{' '.join(args)} failed: {result.output}{result.exception!r}")
    return took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--accounts", type=int, default=10_000)
    parser.add_argument("--database-url")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--ratings", type=int, default=300)
    args = parser.parse_args()
    url = args.database_url or f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.db'}"
    os.environ["DATABASE_URL"] = url
    config = load_config(None)
    backend = Backend(config, make_engine(url), lambda: datetime.now(UTC))
    today = backend.today()
    began = time.perf_counter()
    readings = fill(url, args.accounts, as_of=today)
    print(f"filled {args.accounts} accounts, {readings} readings in "
          f"{time.perf_counter() - began:.1f}s ({url.split('://')[0]}), as of {today}")  # fmt: skip
    commands = {"standup --json": ("standup", "--json"),
                "digest --json": ("digest", "--dry-run", "--json")}  # fmt: skip
    for name, argv in commands.items():
        print(f"before (no kept state) {name:>15}: {command(url, *argv):6.2f}s")
    began = time.perf_counter()
    rebuilt = current_state.rebuild(
        backend.engine, lambda s: rules_in_force(s, config), today=today, now=backend.now()
    )
    print(f"rebuild: {rebuilt.kept} states in {time.perf_counter() - began:.1f}s")
    for name, argv in commands.items():
        runs = [command(url, *argv) for _ in range(args.runs)]
        print(f"after  (kept state)    {name:>15}: {quantiles(runs)} over {args.runs} runs")
    rng = random.Random(3)
    signals = list(config.rules.taxonomy.active)
    took: list[float] = []
    upkeep: list[float] = []
    keep = current_state.keep

    def timed_keep(*args: Any, **kwargs: Any) -> None:  # the upkeep's share of each rating
        began = time.perf_counter()
        keep(*args, **kwargs)
        upkeep.append(time.perf_counter() - began)

    current_state.keep = timed_keep  # type: ignore[assignment]
    for _ in range(args.ratings):
        account_id = rng.randint(1, args.accounts)
        ratings = [(rng.choice(signals), rng.randint(0, 2))]
        began = time.perf_counter()
        with backend.change(None) as session:
            account = session.get(Account, account_id)
            assert account is not None
            record_and_rescue(
                session, config, account=account, ratings=ratings, author="U0BENCH",
                note=None, source="slash_command", now=backend.now(), channel=None,
            )  # fmt: skip
        took.append(time.perf_counter() - began)
    print(f"a rating's transaction, state kept: {quantiles(took)} over {args.ratings} ratings")
    print(f"  of which the state's upkeep:      {quantiles(upkeep)}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {peak:.0f} MiB")


if __name__ == "__main__":
    main()
