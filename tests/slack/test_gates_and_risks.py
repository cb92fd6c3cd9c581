"""Phase gates and the risk register through signed Slack requests against `rescuebot serve`:
the gate modal's round trip, `/risk` add / reviewed / list and its buttons, refusals for people
outside the account, and bad input answered clearly with nothing changed."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import col, func, select

from bot.store.tables import Account, Delivery, Event, GateItem, Reading, Risk, RiskReview
from tests.conftest import DATABASES
from tests.slack.conftest import CHANNEL, CSM, LEADERS, MANAGER, STRANGER, Served, serving
from tests.slack.test_rescue_flow import latest_modal

OWNER = "U0OWNER"
CONFIG = f"""
roles:
  csms: [{CSM}]
escalation:
  channel: {LEADERS}
  approvers: [{MANAGER}]
gates:
  days_1_30:
    data_mapped: {{label: Data mapped, signal: data_import}}
"""
TABLES = (GateItem, Risk, RiskReview, Event, Reading)


@pytest.fixture(scope="module", params=DATABASES)
def served(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Served]:
    with serving(request.param, tmp_path_factory.mktemp("gates"), CONFIG) as served:
        served.double.add_user(OWNER, "olu", real_name="Olu Owner", tz="UTC")
        yield served


def counts(app: Served) -> tuple[int, ...]:
    with app.db() as session:
        return tuple(session.exec(select(func.count()).select_from(t)).one() for t in TABLES)


def add_account(app: Served, name: str, signed: date | None = None) -> str:
    signed = signed or date.today() - timedelta(days=20)
    answer = app.command("/onboard", f"add {name} csm:<@{CSM}> signed:{signed.isoformat()}")
    return answer["text"].split("`")[1]


def gate_state(blocks: list[dict[str, Any]]) -> dict[str, Any]:
    """What the modal shows: ticked items per checkbox block, initial numbers per input."""
    shown: dict[str, Any] = {}
    for block in blocks:
        element = block.get("element") or {}
        if element.get("type") == "checkboxes":
            shown[block["block_id"]] = sorted(
                o["value"] for o in element.get("initial_options", [])
            )
        if element.get("type") == "number_input":
            shown[block["block_id"]] = element.get("initial_value")
    return shown


def open_gates(app: Served, key: str):
    """`/onboard gate` answers with the modal, not a message."""
    before = len(app.double.views.modals)
    answered = len(app.double.responses)
    assert app.slack.command("/onboard", f"gate {key}").status == 200
    try:
        return latest_modal(app, before)
    except TimeoutError:
        raise AssertionError([r.body for r in app.double.responses[answered:]]) from None


def ticks(*items: str) -> dict[str, Any]:
    return {"type": "checkboxes", "selected_options": [{"value": i} for i in items]}


def test_the_gate_modal_round_trip(app: Served):
    key = add_account(app, "Gated Co")
    modal = open_gates(app, key)
    assert modal.callback_id == "modal.gates"
    shown = gate_state(modal.blocks)
    assert shown["gates|day0|0"] == [] and shown["gatevalue|uat_coverage"] is None
    texts = json.dumps(modal.blocks)
    assert "Stakeholders identified" in texts and "Target 95%" in texts
    assert "stakeholders" not in [b.get("text", {}).get("text") for b in modal.blocks]

    values = {
        "gates|day0|0": {"gate.ticks": ticks("stakeholders", "success_criteria")},
        "gates|days_1_30|0": {"gate.ticks": ticks("data_mapped")},
        "gatevalue|uat_coverage": {"gate.value": {"type": "number_input", "value": "80"}},
    }
    response = app.slack.view_submission(view_id=modal.id, values=values)
    assert response.status == 200 and response.text in ("", "null")
    app.double.wait_for(lambda: any("saved" in e.text for e in app.double.ephemerals), timeout=10)
    said = next(e.text for e in app.double.ephemerals if "saved" in e.text)
    assert "Stakeholders identified: done" in said and "UAT coverage: 80% of 95%" in said
    assert "Rated Healthy: Data import" in said  # the item linked to a signal
    changed = [e for e in app.events(key) if e.kind == "gate_item_changed"]
    assert sorted(e.payload["item"] for e in changed) == [
        "data_mapped", "stakeholders", "success_criteria", "uat_coverage",
    ]  # fmt: skip
    assert all(e.actor == CSM for e in changed)
    assert [(r.signal, r.value, r.source) for r in app.readings(key)] == [
        ("data_import", 2, "gate")
    ]

    # Opened again, the modal shows what was saved; unticking one item changes only it.
    modal = open_gates(app, key)
    shown = gate_state(modal.blocks)
    assert shown["gates|day0|0"] == ["stakeholders", "success_criteria"]
    assert shown["gatevalue|uat_coverage"] == "80"
    values["gates|day0|0"] = {"gate.ticks": ticks("stakeholders")}
    app.slack.view_submission(view_id=modal.id, values=values)
    app.double.wait_for(
        lambda: len([e for e in app.events(key) if e.kind == "gate_item_changed"]) == 5, timeout=10
    )
    last = app.events(key)[-1]
    assert (last.payload["item"], last.payload["done"], last.payload["was_done"]) == (
        "success_criteria", False, True,
    )  # fmt: skip


def test_a_bad_number_is_answered_in_the_modal_and_nothing_is_saved(app: Served):
    key = add_account(app, "Numbers Co")
    modal = open_gates(app, key)
    stored = counts(app)
    values = {"gatevalue|uat_coverage": {"gate.value": {"type": "number_input", "value": "lots"}}}
    response = app.slack.view_submission(view_id=modal.id, values=values)
    answer = response.json()
    assert answer["response_action"] == "errors"
    assert "not a number" in answer["errors"]["gatevalue|uat_coverage"]
    assert counts(app) == stored


def test_strangers_may_not_open_or_submit_the_gates(app: Served):
    key = add_account(app, "Closed Gate Co")
    stored, modals = counts(app), len(app.double.views.modals)
    answer = app.command("/onboard", f"gate {key}", user_id=STRANGER)
    assert answer["response_type"] == "ephemeral"
    assert "only the account's CSM, its follow-up owner, CSMs and admins" in answer["text"]
    assert len(app.double.views.modals) == modals
    metadata = json.dumps({"account": key})
    values = {"gates|day0|0": {"gate.ticks": ticks("stakeholders")}}
    app.slack.view_submission(
        "modal.gates", private_metadata=metadata, values=values, user_id=STRANGER
    )
    app.double.wait_for(lambda: app.double.messages(STRANGER), timeout=10)  # told by DM
    assert "only the account's CSM" in app.double.messages(STRANGER)[-1].text
    assert counts(app) == stored


def test_risk_add_reviewed_list_and_buttons(app: Served):
    key = add_account(app, "Risky Co")
    due = (date.today() + timedelta(days=10)).isoformat()
    said = app.command(
        "/risk",
        f"{key} add auth SSO: the IdP is not chosen owner:<@{OWNER}|olu> "
        f'mitigation:"pick Okta with IT" due:{due} impact:high',
    )["text"]
    assert "Logged a high-impact auth risk" in said and "SSO: the IdP is not chosen" in said
    assert f"<@{OWNER}> is told by DM" in said
    app.double.wait_for(lambda: app.double.messages(OWNER), timeout=10)
    dm = app.double.messages(OWNER)[-1].text
    assert "made you the owner of a high-impact auth risk on *Risky Co*" in dm
    assert f"due {due}" in dm and "pick Okta with IT" in dm
    app.command("/risk", f'{key} add data "CSV export drops accents"')
    said = app.command("/risk", f"{key} reviewed compliance")["text"]
    assert "compliance reviewed, no risk" in said
    assert "already was" in app.command("/risk", f"{key} reviewed compliance")["text"]

    listed = app.command("/risk", key)
    assert listed["response_type"] == "ephemeral"
    text = json.dumps(listed["blocks"])
    assert "SSO: the IdP is not chosen" in text and "CSV export drops accents" in text
    assert "Risk identification 60%" in text  # auth, data, compliance of five
    assert "still to review: cutover, comms" in text
    actions = [b for b in listed["blocks"] if b["type"] == "actions"]
    assert [e["text"]["text"] for e in actions[0]["elements"]] == [
        "Mitigated",
        "Accepted",
        "Closed",
    ]

    first = actions[0]["elements"][0]
    before = len(app.double.responses)
    message = {
        "type": "message",
        "ts": "1.000001",
        "text": listed["text"],
        "blocks": listed["blocks"],
    }
    response = app.slack.block_action(
        "risk.mitigated", value=first["value"], message=message, channel_id=CHANNEL
    )
    assert response.status == 200
    app.double.wait_for(lambda: len(app.double.responses) > before, timeout=10)
    redrawn = app.double.responses[before].body
    assert redrawn["replace_original"] is True
    assert "Mitigated" in json.dumps(redrawn["blocks"])
    assert len([b for b in redrawn["blocks"] if b["type"] == "actions"]) == 1  # one still open
    kinds = [e.kind for e in app.events(key)]
    assert kinds.count("risk_added") == 2 and "risk_category_reviewed" in kinds
    assert kinds[-1] == "risk_settled"
    with app.db() as session:
        states = session.exec(select(Risk.state).order_by(col(Risk.id))).all()
    assert states[-2:] == ["mitigated", "open"]


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("{key} add complaince DPA unsigned", "`complaince` is not a risk category"),
        ("{key} add data thing due:2026-02-30", "`due:2026-02-30` is not a date; use YYYY-MM-DD"),
        ("{key} add data", "Say what the risk is after the category"),
        ('{key} add data "  " impact:high', "Say what the risk is after the category"),
        ("{key} add data x impact:huge", "use high, medium or low"),
        ("{key} add data x owner:bob", "mention them, like owner:@alice"),
        ("{key} add data x due:2020-01-01", "is in the past"),
        ("{key} reviewed", "name one category"),
        ("{key} reviewed dtaa", "is not a risk category"),
        ("{key} remove data", "is not a /risk command"),
        ("nosuchaccount add data x", "nosuchaccount"),
    ],
)
def test_bad_risk_input_gets_a_clear_answer_and_changes_nothing(app: Served, text: str, says: str):
    key = add_account(app, f"Bad Input {abs(hash(text)) % 10_000}")
    stored = counts(app)
    answer = app.command("/risk", text.format(key=key))
    assert answer["response_type"] == "ephemeral"
    assert says in answer["text"] and "Usage:" in answer["text"]
    assert counts(app) == stored


def test_an_unknown_category_suggests_the_nearest(app: Served):
    key = add_account(app, "Suggest Co")
    answer = app.command("/risk", f"{key} add complaince DPA unsigned")
    assert "Did you mean `compliance`?" in answer["text"]


def test_strangers_may_not_change_the_register(app: Served):
    key = add_account(app, "Guarded Co")
    app.command("/risk", f"{key} add cutover No rollback plan impact:high")
    stored = counts(app)
    for text in (f"{key} add data x", f"{key} reviewed comms"):
        answer = app.command("/risk", text, user_id=STRANGER)
        assert answer["response_type"] == "ephemeral"
        assert "only the account's CSM, its follow-up owner, CSMs and admins" in answer["text"]
    listed = app.command("/risk", key, user_id=STRANGER)  # reading is for anyone
    button = next(b for b in listed["blocks"] if b["type"] == "actions")["elements"][2]
    before = len(app.double.responses)
    message = {"type": "message", "ts": "1.000002", "text": "", "blocks": listed["blocks"]}
    app.slack.block_action("risk.closed", value=button["value"], message=message, user_id=STRANGER)
    app.double.wait_for(lambda: len(app.double.responses) > before, timeout=10)
    assert "only the account's CSM" in app.double.responses[before].body["text"]
    assert counts(app) == stored
    with app.db() as session:
        assert session.exec(select(func.count()).select_from(Delivery)).one() >= 0


README = Path(__file__).parents[2] / "README.md"


def readme_commands() -> list[str]:
    text = README.read_text(encoding="utf-8")
    start = text.index("## Phase gates and the risk register")
    section = text[start : text.index("\n## ", start + 1)]
    found = re.search(r"```text\n(.*?)```", section, re.S)
    assert found, "no ```text block in the README's section"
    return found.group(1).strip().splitlines()


def test_the_readme_examples_run_as_written(app: Served):
    for line in readme_commands():
        command, _, text = line.partition(" ")
        text = text.replace("@olu", f"<@{OWNER}|olu>")  # as Slack sends a mention
        if text.startswith("gate "):
            assert open_gates(app, text.split()[1]).callback_id == "modal.gates"
            continue
        answer = app.command(command, text)
        assert not answer["text"].startswith((":warning:", ":x:")), (line, answer["text"])
    listed = app.command("/risk", "acme")
    assert "Risk identification 60%" in json.dumps(listed["blocks"])
    app.double.wait_for(lambda: app.double.messages(OWNER), timeout=10)


def test_overdue_gate_items_show_on_the_slack_scorecard_and_in_the_standup(app: Served):
    key = add_account(app, "Late Gate Co", signed=date.today() - timedelta(days=45))
    with app.db() as session:  # added long ago: its Days 1–30 gate ended after that
        stored = session.exec(select(Account).where(Account.key == key)).one()
        stored.created_at = datetime.now(UTC) - timedelta(days=44)
        session.add(stored)
        session.commit()
    card = app.command("/scorecard", key)
    text = json.dumps(card["blocks"])
    assert "Gates overdue" in text and "SSO tested, 15d late" in text
    assert "Stakeholders identified" in text  # Day 0 ended on day 7, after the account was added
