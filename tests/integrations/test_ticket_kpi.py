"""The KPI "ticket rate per 1,000 users" from the tickets counted (Intercom or `tickets import`):
`rescuebot kpis --json` gives it over the accounts onboarding in the window; with no ticket data
at all it stays unknown (null), not zero."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from sqlmodel import Session
from typer.testing import CliRunner

from bot.cli.main import app as cli
from bot.store.accounts import add_account
from bot.store.db import make_engine, upgrade


def kpis(database_url: str) -> dict:
    result = CliRunner().invoke(
        cli, ["kpis", "--since", "2026-11-01", "--as-of", "2026-11-30", "--json"],
        env={"DATABASE_URL": database_url},
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_the_ticket_rate_comes_from_the_tickets_counted(database_url: str, tmp_path: Path) -> None:
    engine = make_engine(database_url)
    upgrade(engine)
    with Session(engine) as session:
        add_account(session, key="acme", name="Acme", segment="mid", users=400,
                    signed_on=date(2026, 10, 1))  # fmt: skip
        add_account(session, key="globex", name="Globex", segment="mid", users=100,
                    signed_on=date(2026, 10, 15))  # fmt: skip
        session.commit()
    engine.dispose()
    assert kpis(database_url)["tickets_per_1000_users"] is None  # no ticket data yet
    tickets = tmp_path / "tickets.csv"
    tickets.write_text(
        "account,opened_at,id\nacme,2026-11-03T10:00:00,t1\nacme,2026-11-10T10:00:00,t2\n"
        "globex,2026-11-20T09:00:00,t3\nglobex,2026-10-20T09:00:00,t-before-the-window\n",
        encoding="utf-8",
    )
    imported = CliRunner().invoke(cli, ["tickets", "import", str(tickets)],
                                  env={"DATABASE_URL": database_url})  # fmt: skip
    assert imported.exit_code == 0, imported.output
    found = kpis(database_url)
    assert (found["detail"]["tickets"], found["detail"]["users"]) == (3, 500)
    assert found["tickets_per_1000_users"] == 6.0  # 3 tickets ÷ 500 users × 1,000
