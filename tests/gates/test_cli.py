"""Gates and risks as `rescuebot` shows them: `scorecard --json` lists overdue gate items,
`kpis --json` both register KPIs, `timeline --csv` the gate and risk events."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

from bot.config import load_config
from bot.services import gate_actions, risks
from bot.services.backend import Backend
from bot.services.policy import Actor, Ask
from bot.store.accounts import get_account
from bot.store.db import make_engine, session_scope
from scoring.risks import Impact, NewRisk, RiskCategory
from tests.cli.conftest import Rescuebot

TODAY = datetime.now(UTC).date()
OPERATOR = Ask(Actor.operator_at_shell())


def arranged(rescuebot: Rescuebot) -> Backend:
    """Acme signed 20 days ago and added today; SSO tested; one data risk."""
    signed = (TODAY - timedelta(days=20)).isoformat()
    accounts = f"key,name,segment,csm,signed_on\nacme,Acme Corp,mid,U0ALICE,{signed}\n"
    assert rescuebot("accounts", "import", str(rescuebot.write("a.csv", accounts))).code == 0
    backend = Backend(
        config=load_config(None), engine=make_engine(rescuebot.database_url),
        clock=lambda: datetime.now(UTC),
    )  # fmt: skip
    gate_actions.save(backend, OPERATOR, "acme", ticked={"sso_tested"}, values={})
    with session_scope(backend.engine, read_only=True) as session:
        acme = get_account(session, key="acme")
    risks.add(
        backend, OPERATOR, acme,  # type: ignore[arg-type]
        NewRisk(RiskCategory.DATA, "ERP export drops accents", impact=Impact.HIGH,
                mitigation="dry run first"),
        owner="U0ALICE",
    )  # fmt: skip
    risks.mark_reviewed(backend, OPERATOR, acme, RiskCategory.AUTH)  # type: ignore[arg-type]
    return backend


def test_scorecard_json_lists_the_overdue_gate_items(rescuebot: Rescuebot):
    arranged(rescuebot)
    as_of = (TODAY + timedelta(days=15)).isoformat()  # Days 1–30 ended 5 days before
    card = rescuebot("scorecard", "acme", "--as-of", as_of, "--json").json()
    late = {g["key"]: g for g in card["overdue_gates"]}
    assert sorted(late) == ["access_provisioned", "data_mapped", "environments_ready",
                            "pilot_cohort"]  # fmt: skip
    assert late["data_mapped"]["days_late"] == 5
    assert late["data_mapped"]["phase"] == "days_1_30"
    assert late["data_mapped"]["phase_ends_on"] == (TODAY + timedelta(days=10)).isoformat()
    on_time = rescuebot("scorecard", "acme", "--json").json()
    assert on_time["overdue_gates"] == []  # Day 0 ended before the account was added


def test_kpis_json_gives_both_register_kpis(rescuebot: Rescuebot):
    arranged(rescuebot)
    kpis = rescuebot("kpis", "--json").json()
    current = kpis.get("current", kpis)
    assert current["risk_identification_completeness"] == 0.4  # data and auth of five
    assert current["mitigation_ownership_rate"] == 1.0
    text = rescuebot("kpis").out
    assert "risk identification completeness: 40.0%" in text
    assert "mitigation ownership rate: 100.0%" in text


def test_kpis_with_no_risk_anywhere_are_null(rescuebot: Rescuebot):
    accounts = "key,name,segment\nsolo,Solo,smb\n"
    assert rescuebot("accounts", "import", str(rescuebot.write("a.csv", accounts))).code == 0
    current = rescuebot("kpis", "--json").json()
    current = current.get("current", current)
    assert current["risk_identification_completeness"] == 0.0  # one account, nothing logged
    assert current["mitigation_ownership_rate"] is None


def test_timeline_csv_carries_gate_and_risk_events(rescuebot: Rescuebot):
    arranged(rescuebot)
    rows = list(csv.DictReader(io.StringIO(rescuebot("timeline", "acme", "--csv").out)))
    kinds = [row["kind"] for row in rows]
    assert {"gate_item_changed", "risk_added", "risk_category_reviewed"} <= set(kinds)
    added = next(row for row in rows if row["kind"] == "risk_added")
    assert "ERP export drops accents" in added["payload"] and added["actor"].startswith("cli:")
