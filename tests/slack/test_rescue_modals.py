"""Bad input in every rescue and plan modal is refused inline, field by field; nothing changes."""

from __future__ import annotations

import uuid

import pytest

from tests.slack.conftest import CSM, Served
from tests.slack.test_rescue_flow import click, latest_modal, parent

LONG = "z" * 3001


@pytest.fixture
def key(app: Served) -> str:
    key = f"modal-{uuid.uuid4().hex[:8]}"
    app.command("/onboard", f"add {key} channel:<#C0RESCUE|rescue-acme>")
    return key


@pytest.fixture
def rescue(app: Served, key: str):
    """An open rescue for a fresh account, in its room."""
    app.command("/rescue", f"{key} customer silent")
    app.double.wait_for(lambda: app.double.messages("C0RESCUE"), timeout=10)
    return parent(app)


def open_modal(app: Served, message, action: str):
    count = len(app.double.views.modals)
    click(app, action, message, CSM)
    return latest_modal(app, count)


def submit(app: Served, callback: str, modal, values: dict) -> dict:
    answer = app.slack.view_submission(callback, view_id=modal.id, user_id=CSM, values=values)
    assert answer.status == 200
    return answer.json()["errors"]


def text(block: str, value: str) -> dict:
    return {block: {block: value}}


def date_of(block: str, day: str) -> dict:
    return {block: {block: {"type": "datepicker", "selected_date": day}}}


def test_log_action_refuses_empty_and_overlong_text(app: Served, rescue, key):
    modal = open_modal(app, rescue, "rescue.log")
    before = len(app.events(key))
    errors = submit(
        app,
        "modal.rescue_log",
        modal,
        {**text("log.done", ""), **text("log.customer", LONG), **text("log.next", LONG)},
    )
    assert set(errors) == {"log.done", "log.customer", "log.next"}
    assert "3,000" in errors["log.customer"]
    assert len(app.events(key)) == before


def test_change_refuses_a_checkpoint_in_the_past(app: Served, rescue):
    modal = open_modal(app, rescue, "rescue.change")
    errors = submit(
        app,
        "modal.rescue_change",
        modal,
        {
            "change.owner": {"change.owner": {"type": "users_select", "selected_user": CSM}},
            **date_of("change.checkpoint", "2020-02-02"),
        },
    )
    assert errors == {"change.checkpoint": "The checkpoint cannot be in the past."}


def test_resolve_needs_an_outcome_and_a_short_note(app: Served, rescue, key):
    modal = open_modal(app, rescue, "rescue.resolve")
    errors = submit(app, "modal.rescue_resolve", modal, text("resolve.note", LONG))
    assert set(errors) == {"resolve.outcome", "resolve.note"}
    assert app.account(key) is not None
    assert "rescue_resolved" not in [e.kind for e in app.events(key)]


def test_plan_refuses_each_missing_overlong_or_past_part(app: Served, rescue, key):
    modal = open_modal(app, rescue, "rescue.escalate")
    errors = submit(
        app,
        "modal.plan",
        modal,
        {
            **text("plan.root_cause", LONG),
            **text("plan.impact", "   "),
            **text("plan.intervention", "Pair with their IT"),
            **text("plan.success_criteria", ""),
            **date_of("plan.decision_deadline", "2020-01-01"),
        },
    )
    assert set(errors) == {
        "plan.root_cause",
        "plan.impact",
        "plan.success_criteria",
        "plan.decision_deadline",
    }
    assert "after today" in errors["plan.decision_deadline"]
    assert "plan_submitted" not in [e.kind for e in app.events(key)]
