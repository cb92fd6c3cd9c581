"""A rescue end to end: a reading turns an account At risk, the rescue opens by itself, its
owner works it, leadership decides a recovery plan, and the timeline export tells it all."""

from __future__ import annotations

import json
from datetime import date, timedelta

from typer.testing import CliRunner

from bot.cli.main import app as cli
from tests.slack.conftest import BOSS, CSM, LEADERS, MANAGER, STRANGER, Served

ROOM = "C0RESCUE"


def parent(app: Served, channel: str = ROOM):
    return next(
        m for m in app.double.messages(channel) if m.blocks and m.blocks[0].get("type") == "header"
    )


def thread(app: Served, message) -> list[str]:
    return [m.text for m in app.double.messages(message.channel, thread_ts=message.ts)]


def buttons(message) -> list[str]:
    return [e["action_id"] for b in message.blocks if b["type"] == "actions" for e in b["elements"]]


def click(app: Served, action: str, message, user: str, value: str | None = None) -> None:
    value = value or next(
        e["value"]
        for b in message.blocks
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] == action
    )
    response = app.slack.block_action(
        action, value=value, message_ts=message.ts, channel_id=message.channel, user_id=user
    )
    assert response.status == 200, response.text


def latest_modal(app: Served, count: int):
    app.double.wait_for(lambda: len(app.double.views.modals) > count, timeout=10)
    return app.double.views.modals[-1]


def refusal_after(app: Served, before: int) -> str:
    app.double.wait_for(lambda: len(app.double.responses) > before, timeout=10)
    answer = app.double.responses[before].body
    assert answer["response_type"] == "ephemeral"
    return answer["text"]


def test_a_rescue_from_trigger_to_leadership_decision(app: Served):
    app.command(
        "/onboard",
        "add Rescue Me Ltd segment:enterprise arr:400000 "
        "channel:<#C0RESCUE|rescue-acme> signed:2026-08-01",
    )
    answer = app.command(
        "/signal",
        "rescue-me kickoff=2 admin=1 import=0 first=0 ticket=1 exec=1 ERP export still failing",
    )
    assert "At risk" in answer["text"]

    # the rescue opened by itself, in the account's channel, and its owner was told
    app.double.wait_for(lambda: app.double.messages(ROOM), timeout=10)
    message = parent(app)
    shown = str(message.blocks)
    assert "Rescue · Rescue Me Ltd" in shown and f"<@{CSM}>" in shown
    assert "turned At risk" in shown and "Customer checkpoint" in shown
    assert buttons(message)[0] == "rescue.acknowledge"
    app.double.wait_for(lambda: app.double.messages(CSM), timeout=10)
    assert "You own the rescue of *Rescue Me Ltd*" in app.double.messages(CSM)[0].text

    # a second trigger lands in the same rescue's thread
    app.command("/rescue", "rescue-me sponsor went quiet")
    app.double.wait_for(lambda: thread(app, message), timeout=10)
    assert "New trigger: opened by hand" in thread(app, message)[0]
    assert len([m for m in app.double.messages(ROOM)]) == 1

    # the owner acknowledges within the SLA; the button goes away
    click(app, "rescue.acknowledge", message, CSM)
    app.double.wait_for(lambda: any("Acknowledged" in t for t in thread(app, message)), timeout=10)
    assert "within the response SLA" in thread(app, message)[-1]
    app.double.wait_for(lambda: "rescue.acknowledge" not in buttons(parent(app)), timeout=10)

    # someone who is not owner, CSM or approver is refused and nothing changes
    before = len(app.double.responses)
    click(app, "rescue.resolve", parent(app), STRANGER)
    assert "only the rescue's owner" in refusal_after(app, before)

    # log an action through the modal: an empty one is refused inline
    modals = len(app.double.views.modals)
    click(app, "rescue.log", parent(app), CSM)
    modal = latest_modal(app, modals)
    empty = app.slack.view_submission(
        "modal.rescue_log", view_id=modal.id, user_id=CSM, values={"log.done": {"log.done": "  "}}
    )
    assert empty.json() == {
        "response_action": "errors",
        "errors": {"log.done": "Say what was done."},
    }
    done = app.slack.view_submission(
        "modal.rescue_log",
        view_id=modal.id,
        user_id=CSM,
        values={
            "log.done": {"log.done": "Joint call with their IT lead"},
            "log.customer": {"log.customer": "They will re-export by Friday"},
            "log.next": {"log.next": "Re-run import Friday"},
        },
    )
    assert done.status == 200
    app.double.wait_for(lambda: any("Joint call" in t for t in thread(app, message)), timeout=10)
    app.double.wait_for(lambda: "Re-run import Friday" in str(parent(app).blocks), timeout=10)

    # escalate: a plan with a missing field and a past deadline is refused field by field
    modals = len(app.double.views.modals)
    click(app, "rescue.escalate", parent(app), CSM)
    modal = latest_modal(app, modals)
    assert modal.view["callback_id"] == "modal.plan"
    text = {
        f"plan.{k}": {f"plan.{k}": v}
        for k, v in {
            "root_cause": "ERP export format changed",
            "impact": "No invoices for 3 weeks",
            "intervention": "Our engineer pairs with their IT",
            "success_criteria": "Import green 5 days",
        }.items()
    }
    past = {
        "plan.decision_deadline": {
            "plan.decision_deadline": {"type": "datepicker", "selected_date": "2020-01-01"}
        }
    }
    bad = app.slack.view_submission(
        "modal.plan",
        view_id=modal.id,
        user_id=CSM,
        values={**text, "plan.impact": {"plan.impact": ""}, **past},
    )
    assert set(bad.json()["errors"]) == {"plan.impact", "plan.decision_deadline"}
    deadline = (date.today() + timedelta(days=5)).isoformat()
    good = app.slack.view_submission(
        "modal.plan",
        view_id=modal.id,
        user_id=CSM,
        values={
            **text,
            "plan.decision_deadline": {
                "plan.decision_deadline": {"type": "datepicker", "selected_date": deadline}
            },
        },
    )
    assert good.status == 200
    app.double.wait_for(lambda: app.double.messages(LEADERS), timeout=10)
    plan = parent(app, LEADERS)
    assert "needs 2 approvals" in str(plan.blocks)
    # submitting the same plan again is refused, privately, since a modal has no response URL
    dms = len(app.double.messages(CSM))
    again = app.slack.view_submission(
        "modal.plan",
        view_id=modal.id,
        user_id=CSM,
        values={
            **text,
            "plan.decision_deadline": {
                "plan.decision_deadline": {"type": "datepicker", "selected_date": deadline}
            },
        },
    )
    assert again.status == 200
    app.double.wait_for(lambda: len(app.double.messages(CSM)) > dms, timeout=10)
    assert "already awaiting a decision" in app.double.messages(CSM)[-1].text
    assert len(app.double.messages(LEADERS)) == 1
    assert buttons(plan) == ["plan.approve", "plan.request_changes", "plan.reject"]
    assert all("confirm" in e for b in plan.blocks if b["type"] == "actions" for e in b["elements"])
    app.double.wait_for(
        lambda: any("recovery plan sent" in t for t in thread(app, message)), timeout=10
    )

    # the requester (a CSM, not an approver) and a stranger cannot decide
    for user in (CSM, STRANGER):
        before = len(app.double.responses)
        click(app, "plan.approve", plan, user)
        assert "only the configured approvers" in refusal_after(app, before)

    # first approval: still pending; the same approver again is refused
    click(app, "plan.approve", plan, MANAGER)
    app.double.wait_for(
        lambda: "Approved* by <@U0MANAGER>" in str(parent(app, LEADERS).blocks), timeout=10
    )
    assert buttons(parent(app, LEADERS)) == ["plan.approve", "plan.request_changes", "plan.reject"]
    before = len(app.double.responses)
    click(app, "plan.approve", parent(app, LEADERS), MANAGER)
    assert "already decided this plan" in refusal_after(app, before)

    # second, distinct approval decides it: buttons give way to the decision, everyone is told
    click(app, "plan.approve", parent(app, LEADERS), BOSS)
    app.double.wait_for(lambda: not buttons(parent(app, LEADERS)), timeout=10)
    assert "Decision: approved" in str(parent(app, LEADERS).blocks)
    app.double.wait_for(
        lambda: any("approved by <@U0BOSS>" in t for t in thread(app, message)), timeout=10
    )
    app.double.wait_for(
        lambda: any("was approved" in m.text for m in app.double.messages(CSM)), timeout=10
    )

    # the exported timeline tells the same story, in order
    result = CliRunner().invoke(
        cli,
        ["timeline", "rescue-me", "--json"],
        env={"DATABASE_URL": app.database_url},
        catch_exceptions=False,
    )
    kinds = [e["kind"] for e in json.loads(result.stdout)["entries"]]
    story = [
        "account_added",
        "reading_recorded",
        "rescue_opened",
        "rescue_trigger",
        "rescue_acknowledged",
        "rescue_action",
        "plan_submitted",
        "plan_decided",
        "plan_decided",
    ]
    assert [k for k in kinds if k in story] == [k for k in kinds if k in story]
    firsts = [kinds.index(k) for k in story]
    assert firsts == sorted(firsts)
    assert kinds.count("plan_decided") == 2
    decided = [e for e in json.loads(result.stdout)["entries"] if e["kind"] == "plan_decided"]
    assert [(e["actor"], e["payload"]["state"]) for e in decided] == [
        (MANAGER, "pending"),
        (BOSS, "approved"),
    ]
    assert all(
        e["payload"]["elapsed_seconds"] >= 0
        for e in json.loads(result.stdout)["entries"]
        if e["kind"].startswith("rescue_")
    )


def test_request_changes_needs_a_reason_and_reopens_the_rescue_for_a_new_plan(app: Served):
    app.command("/onboard", "add Changes Co arr:1000 channel:<#C0RESCUE|rescue-acme>")
    modals = len(app.double.views.modals)
    app.slack.command("/escalate", "changes-co", user_id=MANAGER)
    modal = latest_modal(app, modals)
    values = {
        f"plan.{k}": {f"plan.{k}": "x"}
        for k in ("root_cause", "impact", "intervention", "success_criteria")
    }
    values["plan.decision_deadline"] = {
        "plan.decision_deadline": {
            "type": "datepicker",
            "selected_date": (date.today() + timedelta(days=3)).isoformat(),
        }
    }
    assert (
        app.slack.view_submission(
            "modal.plan", view_id=modal.id, user_id=MANAGER, values=values
        ).status
        == 200
    )
    app.double.wait_for(
        lambda: any("Changes Co" in str(m.blocks) for m in app.double.messages(LEADERS)), timeout=10
    )
    plan = next(m for m in app.double.messages(LEADERS) if "Changes Co" in str(m.blocks))
    assert "needs 1 approval" in str(plan.blocks)

    # an approver who requested the plan may not decide it, not even to ask for changes
    for action in ("plan.approve", "plan.request_changes"):
        before = len(app.double.responses)
        click(app, action, plan, MANAGER)
        assert "you requested this plan" in refusal_after(app, before)

    modals = len(app.double.views.modals)
    click(app, "plan.request_changes", plan, BOSS)
    reason = latest_modal(app, modals)
    blank = app.slack.view_submission(
        "modal.plan_reason",
        view_id=reason.id,
        user_id=BOSS,
        values={"plan.reason": {"plan.reason": " "}},
    )
    assert "plan.reason" in blank.json()["errors"]
    long = app.slack.view_submission(
        "modal.plan_reason",
        view_id=reason.id,
        user_id=BOSS,
        values={"plan.reason": {"plan.reason": "y" * 3001}},
    )
    assert "3,000" in long.json()["errors"]["plan.reason"]
    sent = app.slack.view_submission(
        "modal.plan_reason",
        view_id=reason.id,
        user_id=BOSS,
        values={"plan.reason": {"plan.reason": "Name an owner"}},
    )
    assert sent.status == 200, sent.text
    app.double.wait_for(
        lambda: "Decision: changes requested" in str(app.double.message(LEADERS, plan.ts).blocks),
        timeout=10,
    )
    assert "Name an owner" in str(app.double.message(LEADERS, plan.ts).blocks)


def test_a_correction_closes_the_rescue_its_mistaken_rating_opened(app: Served):
    app.command("/onboard", "add Oops Inc channel:<#C0RESCUE|rescue-acme> signed:2026-11-20")
    app.command("/signal", "oops kickoff 2")
    app.command("/signal", "oops import 0 wrong account")

    def card():
        return next((m for m in app.double.messages(ROOM) if "Oops Inc" in m.text), None)

    app.double.wait_for(lambda: card() is not None, timeout=20)
    message = card()

    answer = app.command("/signal", "oops import 2 meant the other one")
    assert "Healthy" in answer["text"] or "Watch" in answer["text"]

    app.double.wait_for(
        lambda: any("opened by mistake" in t for t in thread(app, message)), timeout=20
    )
    assert f"corrected by <@{CSM}>" in thread(app, message)[-1]
    app.double.wait_for(lambda: "rescue.acknowledge" not in buttons(card()), timeout=20)
    resolved = [e for e in app.events("oops-inc") if e.kind == "rescue_resolved"]
    assert [e.payload["resolution"] for e in resolved] == ["opened_by_mistake"]
    # the readings keep the whole story: 2, then the mistaken 0, then the correction
    assert [r.value for r in app.readings("oops-inc") if r.signal == "data_import"] == [0, 2]
