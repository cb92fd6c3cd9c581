"""Benchmark: the standup and digest for N accounts × 6 signals × 52 weeks, from the database.

Run by hand: `python benchmarks/bench_store.py [--accounts 10000] [--database-url URL]`.
Fills a fresh database (SQLite file by default) with bulk inserts, then times what
`rescuebot standup` and `rescuebot digest --dry-run` do: load every account and its reading
history, score, rank, build the digest. Prints wall times and peak RSS. Not part of the tests.
"""

from __future__ import annotations

import argparse
import random
import resource
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert

from bot.config import load_config
from bot.services.portfolio import load_portfolio
from bot.store.db import make_engine, session_scope, upgrade
from bot.store.tables import Account, Reading

AS_OF = date(2026, 11, 24)
WEEKS = 52


def fill(
    url: str, n: int, *, as_of: date = AS_OF, csm: Callable[[int], str] = lambda i: f"U{i % 40:04d}"
) -> int:
    """A fresh, migrated database with N accounts (account i's CSM is `csm(i)`) × 6 signals × 52
    weeks of readings up to `as_of`, by bulk inserts; returns the number of readings."""
    engine = make_engine(url)
    upgrade(engine)
    rng = random.Random(11)
    keys = ["kickoff", "admin_trained", "data_import", "first_value", "ticket_trend", "exec_update"]
    start = datetime.combine(as_of - timedelta(weeks=WEEKS), datetime.min.time(), UTC)
    with session_scope(engine) as session:
        session.execute(insert(Account), [
            {"key": f"account-{i}", "name": f"Account {i}", "segment": ("smb", "mid",
             "enterprise")[i % 3], "csm": csm(i), "arr": rng.randrange(5_000, 900_000),
             "signed_on": as_of - timedelta(days=rng.randint(0, 400)),
             "business_problem": "p", "promised_timeline": "90 days", "dependencies": "d",
             "decision_maker": "m" if i % 4 else None}
            for i in range(n)
        ])  # fmt: skip
    total = 0
    with session_scope(engine) as session:
        for first in range(0, n, 500):
            rows = []
            for account_id in range(first + 1, min(first + 500, n) + 1):
                drift = rng.choice((-1, 0, 0, 1))
                for week in range(WEEKS):
                    for key in keys:
                        value = max(0, min(2, rng.choice((1, 2, 2)) + (drift if week > 48 else 0)))
                        moment = start + timedelta(weeks=week, hours=rng.randint(0, 100))
                        rows.append({"account_id": account_id, "signal": key, "value": value,
                                     "author": "U1", "source": "import", "created_at": start,
                                     "recorded_at": moment})  # fmt: skip
            session.execute(insert(Reading), rows)
            total += len(rows)
    if engine.dialect.name == "postgresql":
        # What autovacuum does to a year of history long before anyone reads it: without
        # statistics PostgreSQL plans blind, and every index-only scan visits the table.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("VACUUM ANALYZE account, reading")
    engine.dispose()
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--accounts", type=int, default=10_000)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    url = args.database_url or f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.db'}"
    began = time.perf_counter()
    readings = fill(url, args.accounts)
    print(f"filled {args.accounts} accounts, {readings} readings in "
          f"{time.perf_counter() - began:.1f}s ({url.split('://')[0]})")  # fmt: skip
    rules = load_config(None).rules
    engine = make_engine(url)
    for what in ("standup", "digest"):
        began = time.perf_counter()
        with session_scope(engine, read_only=True) as session:
            portfolio = load_portfolio(session, rules, as_of=AS_OF,
                                       with_previous_week=what == "digest")  # fmt: skip
            loaded = time.perf_counter() - began
            result = portfolio.standup() if what == "standup" else portfolio.digest()
        size = len(result) if isinstance(result, list) else len(result.needs_help)
        print(f"{what:>8}: {time.perf_counter() - began:6.2f}s total ({loaded:.2f}s loading and "
              f"scoring), {size} accounts need help")  # fmt: skip
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {peak:.0f} MiB")


if __name__ == "__main__":
    main()
