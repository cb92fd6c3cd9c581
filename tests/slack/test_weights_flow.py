"""Overrides and weights end to end: a status overridden from the scorecard's modal (bad input
answered inline), and calibration's weights proposed, refused to the wrong people, approved
once, and used by the very next scorecard."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import col, select

from bot.store.db import make_engine, session_scope
from bot.store.tables import Event, WeightProposal, WeightVersion
from tests.services.cohort import seed_finished_cohort
from tests.slack.conftest import BOSS, CSM, LEADERS, MANAGER, STRANGER, Served
from tests.slack.test_rescue_flow import buttons, click, latest_modal, refusal_after


def button(blocks: list[dict], action_id: str) -> dict:
    return next(
        e
        for b in blocks
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] == action_id
    )


def chosen(value: str) -> dict:
    return {"type": "static_select", "selected_option": {"value": value}}


def override_values(status: str | None, reason: str) -> dict:
    values: dict = {"override.reason": {"override.reason": reason}}
    if status is not None:
        values["override.status"] = {"override.status": chosen(status)}
    return values


def test_a_status_overridden_from_the_scorecard_stands_beside_the_computed_one(app: Served):
    app.command("/onboard", "add Override Co segment:mid")
    app.command("/signal", "override-co kickoff=2 admin=2 import=2 first=2 ticket=2 exec=2")
    card = app.command("/scorecard", "override-co")
    assert "weights v0 (as configured)" in str(card["blocks"])
    assert button(card["blocks"], "scorecard.override")["value"] == "override-co"

    modals = len(app.double.views.modals)
    message = {"ts": "1700000000.000300", "blocks": card["blocks"]}
    response = app.slack.block_action(
        "scorecard.override", value="override-co", message=message, user_id=CSM
    )
    assert response.status == 200
    modal = latest_modal(app, modals)
    assert modal.view["callback_id"] == "modal.override"

    def submit(values: dict):
        return app.slack.view_submission(
            "modal.override", view_id=modal.id, user_id=CSM, values=values
        )

    assert set(submit(override_values(None, "x")).json()["errors"]) == {"override.status"}
    unknown = submit(override_values("great", "x")).json()["errors"]["override.status"]
    assert "`great` is not a status" in unknown
    empty = submit(override_values("at_risk", "   ")).json()["errors"]["override.reason"]
    assert empty.startswith("An override needs a reason")
    huge = submit(override_values("at_risk", "y" * 3001)).json()["errors"]["override.reason"]
    assert "3,001 characters" in huge
    assert [e.kind for e in app.events("override-co")].count("status_overridden") == 0

    before = len(app.double.responses)
    saved = submit(override_values("at_risk", "Sponsor resigned <today> & nobody replaced her"))
    assert saved.status == 200
    app.double.wait_for(lambda: len(app.double.responses) > before, timeout=10)
    updated = app.double.responses[before].body
    assert updated["replace_original"] is True
    shown = str(updated["blocks"])
    assert "Computed: Watch 10.0" in shown and "*Overridden to At risk* by <@U0USER>" in shown
    assert "Sponsor resigned &lt;today&gt; &amp; nobody replaced her" in shown
    assert "is overridden to *At risk*; computed: Watch 10.0" in shown
    [event] = [e for e in app.events("override-co") if e.kind == "status_overridden"]
    assert event.payload["computed_status"] == "watch" and event.payload["status"] == "at_risk"

    # the App Home shows both too
    app.double.wait_for(
        lambda: (
            CSM in app.double.views.home
            and "Overridden to At risk" in str(app.double.views.home[CSM].blocks)
        ),
        timeout=10,
    )

    # the slash command: bad input says what right looks like, then clear it
    for text, problem in (
        ("override-co watch", "an override needs a reason"),
        ('override-co great reason:"x"', "`great` is not a status; use healthy, watch or risk"),
        ('override-co clear reason:"x"', "`clear` takes no `reason:`"),
    ):
        answer = app.command("/onboard", f"override {text}")
        assert answer["response_type"] == "ephemeral"
        assert problem in answer["text"] and "/onboard override ACCOUNT" in answer["text"]
    replaced = app.command("/onboard", 'override override-co watch reason:"Quiet for a week"')
    assert "replaces the override to At risk" in replaced["text"]
    cleared = app.command("/onboard", "override override-co clear")
    assert "Cleared the override of *Override Co* (was Watch)" in cleared["text"]
    assert "Overridden" not in str(app.command("/scorecard", "override-co")["blocks"])


def test_weights_proposed_refused_approved_once_and_in_force(app: Served):
    nothing = app.command("/onboard", "weights propose", user_id=MANAGER)
    assert "no finished onboardings to learn from yet" in nothing["text"]
    assert "/onboard weights [propose]" in nothing["text"]
    engine = make_engine(app.database_url)
    with session_scope(engine) as session:
        seed_finished_cohort(session, today=datetime.now(UTC).date())
    app.command("/onboard", "add Weights Live segment:mid")
    app.command("/signal", "weights-live kickoff=2 import=1")
    before = app.command("/scorecard", "weights-live")
    assert "*7.5*/10" in before["text"] and "weights v0" in str(before["blocks"])
    assert "Weights in force: v0* (as configured)" in app.command("/onboard", "weights")["text"]

    proposed = app.command("/onboard", "weights propose", user_id=MANAGER)
    assert "Weight proposal #1 is posted in <#C0LEADERS>" in proposed["text"]
    assert "Held-out AUC 0.500 with the current weights → 1.000 proposed" in proposed["text"]
    app.double.wait_for(lambda: app.double.messages(LEADERS), timeout=10)
    message = next(m for m in app.double.messages(LEADERS) if "Weight proposal #1" in str(m.blocks))
    shown = str(message.blocks)
    assert "`data_import` 1 → *2*" in shown and "`kickoff` 1 → *retire*" in shown
    assert "gain *+0.500*" in shown
    assert buttons(message) == ["weights.approve", "weights.reject"]
    assert all(
        "confirm" in e for b in message.blocks if b["type"] == "actions" for e in b["elements"]
    )
    again = app.command("/onboard", "weights propose", user_id=BOSS)
    assert "proposal #1 is still awaiting a decision" in again["text"]

    # the proposer and non-approvers are refused; nothing is decided
    for user, refusal in (
        (MANAGER, "you proposed these weights"),
        (STRANGER, "only the configured approvers"),
        (CSM, "only the configured approvers"),
    ):
        for action in ("weights.approve", "weights.reject"):
            before_refusal = len(app.double.responses)
            click(app, action, message, user)
            assert refusal in refusal_after(app, before_refusal)

    # Reject asks a reason, inline
    modals = len(app.double.views.modals)
    click(app, "weights.reject", message, BOSS)
    reason = latest_modal(app, modals)
    for text, problem in (("  ", "Say why"), ("z" * 3001, "under 3,000 characters")):
        answer = app.slack.view_submission(
            "modal.weights_reason", view_id=reason.id, user_id=BOSS,
            values={"weights.reason": {"weights.reason": text}},
        )  # fmt: skip
        assert problem in answer.json()["errors"]["weights.reason"]

    # an approval, and Slack retrying it: applied once
    trigger = app.double.new_trigger_id(BOSS)
    approve = button(message.blocks, "weights.approve")["value"]
    app.slack.block_action(
        "weights.approve", value=approve, message_ts=message.ts, channel_id=LEADERS,
        user_id=BOSS, trigger_id=trigger,
    )  # fmt: skip
    app.double.wait_for(lambda: not buttons(app.double.message(LEADERS, message.ts)), timeout=10)
    decided = str(app.double.message(LEADERS, message.ts).blocks)
    assert "*Approved* by <@U0BOSS>: weights v1 are in force" in decided
    app.double.wait_for(
        lambda: any("Your weight proposal #1" in m.text for m in app.double.messages(MANAGER)),
        timeout=10,
    )
    responses = len(app.double.responses)
    app.slack.block_action(
        "weights.approve", value=approve, message_ts=message.ts, channel_id=LEADERS,
        user_id=BOSS, trigger_id=trigger, retry_num=1,
    )  # fmt: skip
    after = app.command("/scorecard", "weights-live")  # answered after the retry's work
    assert len(app.double.responses) == responses + 1

    # the next scorecard is computed with the approved weights, and says so
    assert "*5.0*/10" in after["text"]
    assert "weights v1" in str(after["blocks"]) and "Kickoff" not in str(after["blocks"])
    with session_scope(engine, read_only=True) as session:
        versions = list(session.exec(select(WeightVersion)))
        proposal = session.get(WeightProposal, 1)
        kinds = [e.kind for e in session.exec(select(Event).order_by(col(Event.id)))]
    engine.dispose()
    assert [(v.version, v.approved_by) for v in versions] == [(1, [BOSS])]
    assert proposal is not None and (proposal.state, proposal.version) == ("approved", 1)
    assert kinds.count("weights_proposed") == 1 and kinds.count("weights_approved") == 1
    shown = app.command("/onboard", "weights")["text"]
    assert "Weights in force: v1* (from proposal 1, approved by <@U0BOSS>" in shown
    assert "Retired: `kickoff`" in shown
