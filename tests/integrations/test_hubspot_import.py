"""`rescuebot accounts import --from hubspot` against the HubSpot double: every page of
companies (the CRM's `after` paging) becomes an account, mapped properties set; a second run
changes nothing; a company already linked by hubspot_id is updated, not added again."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import Session, select
from typer.testing import CliRunner

from bot.cli.main import app as cli
from bot.store.accounts import add_account
from bot.store.db import make_engine, upgrade
from bot.store.tables import Account
from tests.integrations.hubspot_double import HubspotDouble

CONFIG = (
    "integrations:\n  hubspot:\n    properties: {annualrevenue: arr, numberofemployees: users}\n"
)


@pytest.fixture
def crm() -> Iterator[HubspotDouble]:
    with HubspotDouble() as double:
        yield double


def run(crm: HubspotDouble, database_url: str, tmp_path: Path, *args: str) -> dict:
    config = tmp_path / "rescuebot.yml"
    config.write_text(CONFIG, encoding="utf-8")
    env = {"DATABASE_URL": database_url, "HUBSPOT_TOKEN": crm.token,
           "HUBSPOT_API_URL": crm.api_url, "RESCUEBOT_CONFIG": str(config)}  # fmt: skip
    result = CliRunner().invoke(cli, ["accounts", "import", *args, "--json"], env=env)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def accounts(database_url: str) -> list[Account]:
    engine = make_engine(database_url)
    try:
        with Session(engine) as session:
            return list(session.exec(select(Account).order_by(Account.hubspot_id)))
    finally:
        engine.dispose()


def test_every_page_of_companies_is_imported_once(
    crm: HubspotDouble, database_url: str, tmp_path: Path
) -> None:
    for n in range(1, 251):  # three pages of 100
        crm.add_company(str(7000 + n), name=f"Company {n:03}", annualrevenue=str(n * 1000),
                        numberofemployees=str(n))  # fmt: skip
    first = run(crm, database_url, tmp_path, "--from", "hubspot")
    assert first == {"rows": 250, "created": 250, "updated": 0, "unchanged": 0, "skipped": []}
    pages = [c for c in crm.calls if c == ("GET", "/crm/v3/objects/companies")]
    assert len(pages) == 3
    found = accounts(database_url)
    assert len(found) == 250
    assert (found[0].hubspot_id, found[0].name, found[0].arr, found[0].users) == (
        "7001", "Company 001", 1000, 1)  # fmt: skip
    again = run(crm, database_url, tmp_path, "--from", "hubspot")
    assert again == {"rows": 250, "created": 0, "updated": 0, "unchanged": 250, "skipped": []}
    assert len(accounts(database_url)) == 250


def test_a_linked_account_is_updated_and_a_same_named_one_linked(
    crm: HubspotDouble, database_url: str, tmp_path: Path
) -> None:
    crm.add_company("8001", name="Acme", annualrevenue="50000")
    crm.add_company("8002", name="Globex", numberofemployees="30")
    engine = make_engine(database_url)
    upgrade(engine)
    with Session(engine) as session:
        add_account(session, key="acme", name="Acme", segment="mid", arr=10)
        session.commit()
    engine.dispose()
    report = run(crm, database_url, tmp_path, "--from", "hubspot")
    assert report["created"] == 2  # Acme linked by its name, Globex new
    by_id = {a.hubspot_id: a for a in accounts(database_url)}
    assert (by_id["8001"].key, by_id["8001"].arr) == ("acme", 50000)
    crm.add_company("8001", name="Acme", annualrevenue="75000")
    assert run(crm, database_url, tmp_path, "--from", "hubspot")["updated"] == 1
    assert {a.hubspot_id: a.arr for a in accounts(database_url)}["8001"] == 75000


def test_no_token_is_refused_with_what_to_do(database_url: str) -> None:
    result = CliRunner().invoke(
        cli,
        ["accounts", "import", "--from", "hubspot"],
        env={"DATABASE_URL": database_url, "HUBSPOT_TOKEN": ""},
    )
    assert result.exit_code == 1
    assert "HUBSPOT_TOKEN is not set" in result.output
