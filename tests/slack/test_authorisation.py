"""Who may do what, through signed Slack requests against `rescuebot serve` with `roles:` set.

Each row of PRODUCT.md's table: the allowed person's request succeeds, each kind of outsider
gets an ephemeral answer saying who may (or, after a modal, a DM), and the database holds the
same rows as before. The service-level tests (tests/services/test_policy.py) cover every
combination; these prove the Slack surface obeys the same policy.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from sqlmodel import col, func, select

from bot.store.tables import (
    Account,
    Approval,
    Delivery,
    Escalation,
    Event,
    Reading,
    Rescue,
    StatusOverride,
)
from tests.conftest import DATABASES
from tests.slack.conftest import BOSS, CHANNEL, CSM, LEADERS, MANAGER, STRANGER, Served, serving
from tests.slack.test_rescue_flow import buttons, click, latest_modal

ADMIN, BOB, OWNER = "U0ADMIN1", "U0BOB", "U0OWNER"
ROOM = "C0RESCUE"
ROLES_CONFIG = f"""
roles:
  admins: [{ADMIN}]
  csms: [{CSM}, {BOB}]
escalation:
  channel: {LEADERS}
  approvers: [{MANAGER}, {BOSS}, {ADMIN}]
  two_approvals_from_arr: 250000
"""
TABLES = (Account, Reading, Event, Rescue, Escalation, Approval, StatusOverride)
PLAN = {
    "root_cause": "ERP export changed",
    "impact": "No invoices",
    "intervention": "Pair with their IT",
    "success_criteria": "Import green 5 days",
}


@pytest.fixture(scope="module", params=DATABASES)
def served(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Served]:
    """The served app of this module reads `roles:` (admins, CSMs) besides the approvers."""
    with serving(request.param, tmp_path_factory.mktemp("roles"), ROLES_CONFIG) as served:
        for user, name in ((ADMIN, "ada"), (BOB, "bob"), (OWNER, "olu")):
            served.double.add_user(user, name, real_name=name.title(), tz="UTC")
        yield served


# Where a rescue's or plan's message landed: the courier writes it down whenever it delivers.
POSTED = {"channel", "message_ts"}


def state(app: Served) -> tuple[Any, ...]:
    """Every table's rows, and every account, rescue and plan as stored."""
    with app.db() as session:
        counts = tuple(session.exec(select(func.count()).select_from(t)).one() for t in TABLES)
        rows = tuple(
            tuple(
                r.model_dump(exclude=POSTED if t is not Account else set())
                for r in session.exec(select(t).order_by(col(t.id)))
            )
            for t in (Account, Rescue, Escalation)
        )
    return counts, rows


def deliveries(app: Served) -> int:
    """Messages queued: not App Home publishes (earlier changes republish homes meanwhile)."""
    with app.db() as session:
        queued = select(func.count()).select_from(Delivery).where(Delivery.method != "home")
        return session.exec(queued).one()


def refused(app: Served, command: str, text: str, user: str, says: str) -> str:
    """`command` by `user` is answered privately with `says`, and nothing changes."""
    before, queued = state(app), deliveries(app)
    answer = app.command(command, text, user_id=user)
    assert answer["response_type"] == "ephemeral"
    assert answer["text"].startswith(":warning: ") and says in answer["text"], answer["text"]
    assert state(app) == before and deliveries(app) == queued
    return str(answer["text"])


def clicked_refused(app: Served, action: str, message: Any, user: str, says: str) -> None:
    before, answers = state(app), len(app.double.responses)
    click(app, action, message, user)
    app.double.wait_for(lambda: len(app.double.responses) > answers, timeout=10)
    answer = app.double.responses[answers].body
    assert answer["response_type"] == "ephemeral" and says in answer["text"], answer["text"]
    assert state(app) == before


def added(app: Served, name: str, options: str = "") -> str:
    answer = app.command("/onboard", f"add {name} {options}", user_id=CSM)
    assert "Added" in answer["text"], answer["text"]
    return answer["text"].split("`")[1]


def with_owner(app: Served, name: str, options: str = "") -> str:
    """An account of CSM (U0USER) whose follow-up OWNER owns."""
    key = added(app, name, options)
    said = app.command("/onboard", f"set {key} owner:<@{OWNER}>")["text"]
    assert f"Follow-up owner <@{OWNER}>" in said and "followup_owner" not in said
    return key


def test_anyone_reads_scorecards_lists_the_standup_and_the_home(app: Served):
    key = added(app, "Readable Co")
    assert "Readable Co" in app.command("/scorecard", key, user_id=STRANGER)["text"]
    assert "account" in app.command("/onboard", "list", user_id=STRANGER)["text"]
    assert "Posting the standup" in app.command("/standup", "", user_id=STRANGER)["text"]
    app.double.wait_for(lambda: app.double.messages(CHANNEL), timeout=10)
    app.slack.event({"type": "app_home_opened", "user": STRANGER, "tab": "home"})
    app.double.wait_for(lambda: STRANGER in app.double.views.home, timeout=10)


def test_rating_and_the_hand_off_are_for_the_accounts_people_csms_and_admins(app: Served):
    key = with_owner(app, "Rated Co")
    for i, user in enumerate((CSM, OWNER, BOB, ADMIN)):
        answer = app.command("/signal", f"{key} kickoff {i % 3}", user_id=user)
        assert "Recorded" in answer["text"], (user, answer["text"])
    for user in (STRANGER, MANAGER):  # an approver who is not a CSM may not
        refused(app, "/signal", f"{key} admin 2", user, "only the account's CSM, its follow-up")
        refused(app, "/rescue", f"{key} on fire", user, "only the account's CSM")
        refused(app, "/onboard", f"handoff {key}", user, "only the account's CSM")  # no modal
    before = state(app)
    metadata = f'{{"account": "{key}"}}'
    values = {"handoff|business_problem": {"handoff.answer": "Sneaky"}}
    app.slack.view_submission("modal.handoff", private_metadata=metadata, values=values,
                              user_id=STRANGER)  # fmt: skip
    app.double.wait_for(lambda: app.double.messages(STRANGER), timeout=10)  # told by DM
    assert "only the account's CSM" in app.double.messages(STRANGER)[-1].text
    assert state(app) == before


def test_adding_accounts_is_for_csms_and_admins(app: Served):
    for user in (STRANGER, MANAGER, OWNER):
        refused(app, "/onboard", f"add Sneaky {user}", user, "only CSMs and admins may add")
    assert "Added" in app.command("/onboard", "add Bobs Own", user_id=BOB)["text"]
    refused(app, "/onboard", f"add Handed Co csm:<@{STRANGER}>", CSM, "configured CSMs")


def test_the_accounts_terms_and_csm_are_an_admins_and_the_csm_hands_over(app: Served):
    key = with_owner(app, "Terms Co", "arr:400000")
    says = refused(app, "/onboard", f"set {key} csm:<@{STRANGER}>", STRANGER, "only the account's")
    assert "may hand the account to another CSM" in says
    for user in (CSM, OWNER, BOB, MANAGER, STRANGER):  # lowering ARR dodges nothing
        refused(app, "/onboard", f"set {key} arr:1", user, "only admins may change")
    refused(app, "/onboard", f"set {key} name:Mine", CSM, "only admins may change")
    refused(app, "/onboard", f"set {key} next:ok arr:1", OWNER, "only admins")  # mixed kinds
    refused(app, "/onboard", f"set {key} csm:<@{OWNER}>", CSM, "configured CSMs")
    handed = app.command("/onboard", f"set {key} csm:<@{BOB}>", user_id=CSM)["text"]
    assert f"CSM <@{BOB}>" in handed
    assert "ARR 1" in app.command("/onboard", f"set {key} arr:1", user_id=ADMIN)["text"]
    assert (app.account(key).csm, app.account(key).arr) == (BOB, 1)


def test_the_follow_up_is_the_csms_the_owners_and_admins(app: Served):
    key = with_owner(app, "Follow Co")
    for user in (CSM, OWNER, ADMIN):
        answer = app.command("/onboard", f'set {key} next:"Call {user}" users:5', user_id=user)
        assert "Next step " in answer["text"], answer["text"]
    for user in (BOB, MANAGER, STRANGER):
        refused(app, "/onboard", f"set {key} owner:<@{user}>", user, "follow-up owner and admins")
    assert app.account(key).followup_owner == OWNER


def test_outcomes_and_overrides_are_the_csms_and_admins(app: Served):
    key = with_owner(app, "Ending Co")
    for user in (OWNER, BOB, MANAGER, STRANGER):
        refused(app, "/onboard", f"outcome {key} completed", user, "only the account's CSM and")
        refused(app, "/onboard", f'override {key} watch reason:"x"', user, "only the account's")
    card = app.command("/scorecard", key, user_id=OWNER)
    modals, answers = len(app.double.views.modals), len(app.double.responses)
    message = {"ts": "1700000000.000900", "blocks": card["blocks"]}
    app.slack.block_action("scorecard.override", value=key, user_id=OWNER, message=message)
    app.double.wait_for(lambda: len(app.double.responses) > answers, timeout=10)
    assert "only the account's CSM and admins" in app.double.responses[answers].body["text"]
    assert len(app.double.views.modals) == modals  # refused at the click, before the modal
    overridden = app.command("/onboard", f'override {key} watch reason:"Quiet"', user_id=ADMIN)
    assert "is overridden to *Watch*" in overridden["text"]
    assert "ended onboarding" in app.command("/onboard", f"outcome {key} completed")["text"]


def test_claims_are_for_csms_and_admins_and_edit_the_standup(app: Served):
    key = with_owner(app, "Claim Co", "signed:2026-01-01")
    app.command("/signal", f"{key} kickoff 0", user_id=CSM)
    app.command("/standup", "", user_id=CSM)

    def posted() -> Any:
        return next(
            (m for m in app.double.messages(CHANNEL) if f"standup|{key}" in str(m.blocks)), None
        )

    app.double.wait_for(posted, timeout=10)
    standup = posted()
    for user in (STRANGER, MANAGER, OWNER):
        before, answers = state(app), len(app.double.responses)
        app.slack.block_action("standup.claim", value=key, message_ts=standup.ts,
                               channel_id=CHANNEL, user_id=user)  # fmt: skip
        app.double.wait_for(lambda answers=answers: len(app.double.responses) > answers)
        assert "only CSMs and admins may claim" in app.double.responses[answers].body["text"]
        assert state(app) == before
    app.slack.block_action("standup.claim", value=key, message_ts=standup.ts,
                           channel_id=CHANNEL, user_id=BOB)  # fmt: skip
    app.double.wait_for(lambda: app.double.message(CHANNEL, standup.ts).edited, timeout=10)
    assert f"<@{BOB}>" in str(app.double.message(CHANNEL, standup.ts).blocks)
    assert app.account(key).followup_owner == BOB
    app.double.wait_for(  # the follow-up's previous owner is told
        lambda: any("claimed the follow-up" in m.text for m in app.double.messages(OWNER))
    )


def rescue_card(app: Served, name: str) -> Any:
    """The rescue's parent message in the rescue room as it is now, if posted."""
    header = f"Rescue · {name}"
    return next((m for m in app.double.messages(ROOM) if header in str(m.blocks)), None)


def rescue_message(app: Served, name: str) -> Any:
    app.double.wait_for(lambda: rescue_card(app, name), timeout=10)
    return rescue_card(app, name)


def test_rescues_are_worked_by_their_people_and_plans_decided_by_other_approvers(app: Served):
    key = with_owner(app, "Rescued Co", f"channel:<#{ROOM}|rescue-acme> arr:400000")
    app.command("/rescue", f"{key} owner:<@{BOB}> ERP down", user_id=CSM)
    message = rescue_message(app, "Rescued Co")
    for user in (STRANGER, OWNER):
        clicked_refused(app, "rescue.acknowledge", message, user, "only the rescue's owner")
    click(app, "rescue.acknowledge", message, MANAGER)  # an approver may work on it
    app.double.wait_for(
        lambda: "rescue.acknowledge" not in buttons(rescue_message(app, "Rescued Co"))
    )
    for user in (MANAGER, STRANGER):  # but not escalate it
        refused(app, "/escalate", key, user, "only the rescue's owner, the account's CSM and")

    # the admin (an approver too) escalates, then may not decide their own plan
    modals = len(app.double.views.modals)
    app.slack.command("/escalate", key, user_id=ADMIN)
    modal = latest_modal(app, modals)
    deadline = (date.today() + timedelta(days=5)).isoformat()
    values: dict[str, Any] = {f"plan.{k}": {f"plan.{k}": v} for k, v in PLAN.items()}
    values["plan.decision_deadline"] = {
        "plan.decision_deadline": {"type": "datepicker", "selected_date": deadline}
    }
    app.slack.view_submission("modal.plan", view_id=modal.id, user_id=ADMIN, values=values)
    app.double.wait_for(
        lambda: any(key in str(m.blocks) or "Rescued Co" in str(m.blocks)
                    for m in app.double.messages(LEADERS)), timeout=10,
    )  # fmt: skip
    plan = next(m for m in app.double.messages(LEADERS) if "Rescued Co" in str(m.blocks))
    clicked_refused(app, "plan.approve", plan, ADMIN, "you requested this plan")
    clicked_refused(app, "plan.approve", plan, CSM, "only the configured approvers")

    # lowering ARR after submission does not make one approval enough
    app.command("/onboard", f"set {key} arr:1", user_id=ADMIN)
    click(app, "plan.approve", plan, MANAGER)
    app.double.wait_for(lambda: "Approved* by <@U0MANAGER>" in str(
        app.double.message(LEADERS, plan.ts).blocks), timeout=10)  # fmt: skip
    with app.db() as session:
        [stored] = session.exec(select(Escalation).where(Escalation.requested_by == ADMIN))
    assert (stored.state, stored.approvals_required) == ("pending", 2)

    # once the rescue is resolved, its plan can no longer be decided
    modals = len(app.double.views.modals)
    click(app, "rescue.resolve", rescue_message(app, "Rescued Co"), BOB)
    resolve = latest_modal(app, modals)
    app.slack.view_submission(
        "modal.rescue_resolve", view_id=resolve.id, user_id=BOB,
        values={"resolve.outcome": {"resolve.outcome": {
            "type": "static_select", "selected_option": {"value": "recovered"}}}},
    )  # fmt: skip
    app.double.wait_for(lambda: app.events(key)[-1].kind == "rescue_resolved", timeout=10)
    clicked_refused(app, "plan.approve", plan, BOSS, "was resolved")


def test_admins_see_on_their_home_the_messages_slack_refused(app: Served):
    key = added(app, "Lost Co", "channel:<#C0GONE|gone>")  # a channel Slack does not know
    app.command("/rescue", f"{key} nobody can read this thread", user_id=CSM)

    def failed() -> bool:
        with app.db() as session:
            lost = session.exec(select(Delivery).where(Delivery.channel == "C0GONE")).all()
            return any(d.state == "failed" for d in lost)

    app.double.wait_for(failed, timeout=20)
    homes = app.double.views.home

    def published(user: str) -> int:  # how many times this user's home was published so far
        return len(homes[user].history) + 1 if user in homes else 0

    before = {user: published(user) for user in (ADMIN, STRANGER)}
    for user in (ADMIN, STRANGER):
        app.slack.event({"type": "app_home_opened", "user": user, "tab": "home"})
    app.double.wait_for(lambda: all(published(u) > n for u, n in before.items()), timeout=10)
    admin_home = json.dumps(homes[ADMIN].view)
    assert "Messages Slack refused" in admin_home and "channel_not_found" in admin_home
    assert "rescuebot outbox retry" in admin_home and "C0GONE" in admin_home
    assert "Messages Slack refused" not in json.dumps(homes[STRANGER].view)
