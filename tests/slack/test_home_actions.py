"""The App Home where the work is, through signed requests against `rescuebot serve`: rate my
stale signals, acknowledge and log on my rescues, decide the plans awaiting me. The people the
roles allow succeed and see their home published again (through the outbox); everyone else is
told by direct message who may, and nothing changes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from typer.testing import CliRunner

from bot.cli.main import app as rescuebot
from tests.conftest import DATABASES
from tests.slack.conftest import CSM, LEADERS, MANAGER, STRANGER, Served, serving
from tests.slack.test_authorisation import (
    PLAN,
    ROLES_CONFIG,
    ROOM,
    added,
    rescue_message,
    state,
)
from tests.slack.test_rescue_flow import buttons, latest_modal


@pytest.fixture(scope="module", params=DATABASES)
def served(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Served]:
    """Roles set (CSMs, admins, approvers), so a stranger may read the home but not act."""
    with serving(request.param, tmp_path_factory.mktemp("home"), ROLES_CONFIG) as served:
        yield served


def open_home(app: Served, user: str, until: Any = lambda view: True) -> dict[str, Any]:
    """`user` opens the App Home; their home as published once `until` holds for it."""
    app.slack.event({"type": "app_home_opened", "user": user, "tab": "home"})
    return republished(app, user, until)


def republished(app: Served, user: str, until: Any) -> dict[str, Any]:
    """`user`'s home once a publish of it satisfies `until` (the courier sends each one)."""
    homes = app.double.views.home
    app.double.wait_for(lambda: user in homes and until(homes[user].view), timeout=15)
    return homes[user].view


def actions_in(view: dict[str, Any]) -> list[tuple[str, str]]:
    found = []
    for block in view["blocks"]:
        elements = [block["accessory"]] if "accessory" in block else block.get("elements", [])
        if block["type"] in ("section", "actions"):
            found += [(e["action_id"], e.get("value") or block.get("block_id", ""))
                      for e in elements if "action_id" in e]  # fmt: skip
    return found


def told(app: Served, user: str, before: int, says: str) -> None:
    """`user` was told by direct message (a home has no response URL) that they may not."""
    app.double.wait_for(lambda: len(app.double.messages(user)) > before, timeout=10)
    assert says in app.double.messages(user)[-1].text, app.double.messages(user)[-1].text


def click_home(app: Served, user: str, view: dict[str, Any], action: str, **kwargs: Any) -> None:
    response = app.slack.block_action(action, view=view, user_id=user, **kwargs)
    assert response.status == 200, response.text


def import_readings(app: Served, csv: str, tmp_path: Any, monkeypatch: Any) -> None:
    path = tmp_path / "readings.csv"
    path.write_text(csv, encoding="utf-8")
    monkeypatch.setenv("DATABASE_URL", app.database_url)
    monkeypatch.delenv("RESCUEBOT_CONFIG", raising=False)
    result = CliRunner().invoke(rescuebot, ["signals", "import", str(path)])
    assert result.exit_code == 0, result.output


def test_my_stale_signals_are_rated_again_from_the_home(app: Served, tmp_path, monkeypatch):
    key = added(app, "Stale Home Co")
    old = (date.today() - timedelta(days=30)).isoformat()
    import_readings(app, f"account,signal,value,recorded_at,author\n{key},kickoff,1,{old},{CSM}\n",
                    tmp_path, monkeypatch)  # fmt: skip
    block = f"signal|{key}|kickoff"
    home = open_home(app, CSM, lambda view: block in json.dumps(view))
    assert "Rate my stale signals" in json.dumps(home)
    assert ("home.rate", block) in actions_in(home)

    # a stranger's crafted click: told who may rate, nothing recorded
    before, dms = state(app), len(app.double.messages(STRANGER))
    click_home(app, STRANGER, home, "home.rate", block_id=block, selected_option="2")
    told(app, STRANGER, dms, "only the account's CSM")
    assert state(app) == before

    click_home(app, CSM, home, "home.rate", block_id=block, selected_option="1")
    app.double.wait_for(lambda: len(app.readings(key)) == 2, timeout=10)
    latest = app.readings(key)[-1]
    assert (latest.signal, latest.value, latest.source, latest.author) == (
        "kickoff", 1, "button", CSM,
    )  # fmt: skip
    fresh = republished(app, CSM, lambda view: block not in json.dumps(view))
    assert "Stale Home Co" in json.dumps(fresh)  # still in my accounts, no longer stale


def test_my_rescues_are_acknowledged_and_logged_from_the_home(app: Served):
    key = added(app, "Rescue Home Co", f"channel:<#{ROOM}|rescue-acme>")
    app.command("/rescue", f"{key} ERP export failing", user_id=CSM)
    rescue_message(app, "Rescue Home Co")
    home = open_home(app, CSM, lambda view: "Rescue Home Co" in json.dumps(view)
                     and "rescue.acknowledge" in json.dumps(view))  # fmt: skip
    rescue_id = next(v for a, v in actions_in(home) if a == "rescue.acknowledge")
    assert ("rescue.log", rescue_id) in actions_in(home)

    before, dms = state(app), len(app.double.messages(STRANGER))
    click_home(app, STRANGER, home, "rescue.acknowledge", value=rescue_id)
    told(app, STRANGER, dms, "only the rescue's owner")
    assert state(app) == before

    click_home(app, CSM, home, "rescue.acknowledge", value=rescue_id)
    app.double.wait_for(lambda: app.events(key)[-1].kind == "rescue_acknowledged", timeout=10)
    home = republished(
        app,
        CSM,
        lambda view: (
            ("rescue.acknowledge", rescue_id) not in actions_in(view)
            and ("rescue.log", rescue_id) in actions_in(view)
        ),
    )
    app.double.wait_for(  # the card in the channel lost its Acknowledge too
        lambda: "rescue.acknowledge" not in buttons(rescue_message(app, "Rescue Home Co"))
    )

    modals = len(app.double.views.modals)
    click_home(app, CSM, home, "rescue.log", value=rescue_id)
    modal = latest_modal(app, modals)
    assert modal.callback_id == "modal.rescue_log"
    published = len(app.double.views.home[CSM].history)
    app.slack.view_submission(
        "modal.rescue_log", view_id=modal.id, user_id=CSM,
        values={"log.done": {"log.done": "Called their IT"},
                "log.next": {"log.next": "Re-run the export"}},
    )  # fmt: skip
    app.double.wait_for(lambda: app.events(key)[-1].kind == "rescue_action", timeout=10)
    republished(app, CSM, lambda view: len(app.double.views.home[CSM].history) > published
                and "Re-run the export" in json.dumps(view))  # fmt: skip


def plan_for(app: Served, name: str) -> tuple[str, str]:
    """An account of CSM's with a rescue whose recovery plan awaits a decision."""
    key = added(app, name, f"channel:<#{ROOM}|rescue-acme> arr:1000")
    modals = len(app.double.views.modals)
    app.slack.command("/escalate", key, user_id=CSM)
    modal = latest_modal(app, modals)
    deadline = (date.today() + timedelta(days=5)).isoformat()
    values: dict[str, Any] = {f"plan.{k}": {f"plan.{k}": v} for k, v in PLAN.items()}
    values["plan.decision_deadline"] = {
        "plan.decision_deadline": {"type": "datepicker", "selected_date": deadline}
    }
    app.slack.view_submission("modal.plan", view_id=modal.id, user_id=CSM, values=values)
    app.double.wait_for(
        lambda: any(name in str(m.blocks) for m in app.double.messages(LEADERS)), timeout=10
    )
    return key, name


def plan_id_of(home: dict[str, Any], name: str) -> str:
    """The plan id on the decision buttons right under the line naming `name`."""
    blocks = home["blocks"]
    line = next(i for i, b in enumerate(blocks) if name in json.dumps(b))
    assert blocks[line + 1]["type"] == "actions"
    return str(blocks[line + 1]["elements"][0]["value"])


def test_plans_awaiting_me_are_decided_from_the_home(app: Served):
    key, name = plan_for(app, "Plan Home Co")
    home = open_home(app, MANAGER, lambda view: name in json.dumps(view))
    plan_id = plan_id_of(home, name)
    assert {("plan.request_changes", plan_id), ("plan.reject", plan_id)} <= set(actions_in(home))
    approve = next(e for b in home["blocks"] if b["type"] == "actions" for e in b["elements"]
                   if e["action_id"] == "plan.approve" and e["value"] == plan_id)  # fmt: skip
    assert approve["confirm"]["title"]["text"] == "Approve this plan?"
    assert name not in json.dumps(open_home(app, STRANGER))  # not an approver: nothing to decide

    for user, says in ((STRANGER, "only the configured approvers"), (CSM, "only the configured")):
        before, dms = state(app), len(app.double.messages(user))
        click_home(app, user, home, "plan.approve", value=plan_id)
        told(app, user, dms, says)
        assert state(app) == before

    click_home(app, MANAGER, home, "plan.approve", value=plan_id)
    app.double.wait_for(lambda: app.events(key)[-1].kind == "plan_decided", timeout=10)
    republished(app, MANAGER, lambda view: name not in json.dumps(view))
    app.double.wait_for(  # approved: the rescue card offers neither Acknowledge nor Escalate
        lambda: (
            not {"rescue.acknowledge", "rescue.escalate"} & set(buttons(rescue_message(app, name)))
        )
    )


def test_a_plan_is_rejected_from_the_home_with_the_reason_modal(app: Served):
    key, name = plan_for(app, "Reject Home Co")
    home = open_home(app, MANAGER, lambda view: name in json.dumps(view))
    plan_id = plan_id_of(home, name)
    modals = len(app.double.views.modals)
    click_home(app, MANAGER, home, "plan.reject", value=plan_id)
    modal = latest_modal(app, modals)
    app.slack.view_submission(
        "modal.plan_reason", view_id=modal.id, user_id=MANAGER,
        values={"plan.reason": {"plan.reason": "Not enough detail"}},
    )  # fmt: skip
    app.double.wait_for(lambda: app.events(key)[-1].kind == "plan_decided", timeout=10)
    assert app.events(key)[-1].payload["decision"] == "reject"
    republished(app, MANAGER, lambda view: name not in json.dumps(view))
