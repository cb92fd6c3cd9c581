"""Any text people type, through the rescue card, the plan, the scorecard, the standup, the home
tab and the modals, gives blocks Slack accepts: slack_sdk's models validate them, no text is over
its Block Kit limit, and user text shows escaped (no raw `<`/`>` outside Slack's own tokens)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from bot.config import load_config
from bot.messages import limits
from bot.messages.blocks import focus_message, home_view, note_modal, scorecard_blocks, thread_pages
from bot.messages.home import HomePlan, HomeRescue
from bot.messages.models import RescueView
from bot.messages.overrides import override_modal
from bot.messages.rescue import log_modal, plan_blocks, rescue_blocks
from bot.store.tables import Account, Approval, Escalation, Rescue
from scoring.accounts import AccountFacts, Handoff
from scoring.overrides import Override
from scoring.readings import History, Reading
from scoring.rescue_steps import RescueStep
from scoring.rules import Status
from scoring.scorecard import Scorecard, evaluate
from scoring.signals import Segment
from scoring.standup import AT_RISK, StandupItem, Tier, focus
from tests.messages.markup import raw_markup
from tests.slack_double.blockkit import check_blocks, check_view

RULES = load_config(None).rules
NOW = datetime(2026, 11, 24, 10, tzinfo=UTC)
TODAY = NOW.date()
KEYS = [s.key for s in RULES.taxonomy.active]

# Slack's control characters, mrkdwn markers, combining marks, joiners and astral emoji.
NASTY = st.sampled_from(list("&&&<<>>*_`~ \n\u0301\u0308\u200d\ufe0fé👍🏽💻🇬🇧"))
text = st.one_of(
    st.text(max_size=3000),
    st.text(alphabet=NASTY, max_size=3000),
    st.text(alphabet=st.one_of(NASTY, st.characters()), min_size=2900, max_size=3000),
)
required = text.map(lambda t: t if t.strip() else t + "x")  # the app refuses blank text
name = st.text(alphabet=st.one_of(NASTY, st.characters()), min_size=1, max_size=200).map(
    lambda t: t if t.strip() else "x" + t
)
LIMIT_BY_BLOCK = {"header": limits.HEADER_TEXT, "context": limits.CONTEXT_TEXT}


def card_of(account_name: str, note: str, override: str) -> Scorecard:
    facts = AccountFacts(
        key="acme", name=account_name, segment=Segment.MID, signed_on=date(2026, 9, 1),
        handoff=Handoff("p", "t", "d", "m"),
    )  # fmt: skip
    readings = [
        Reading(k, 0 if i == 0 else 2, NOW - timedelta(days=3), "U0ALICE", note or None)
        for i, k in enumerate(KEYS)
    ]
    card = evaluate(facts, History(readings, UTC), RULES, as_of=TODAY)
    overridden = Override(Status.WATCH, override, "U0BOB", NOW) if override.strip() else None
    return replace(card, override=overridden)


def texts(value: Any, block: str = "") -> list[tuple[str, str, str]]:
    """Every (block type, text type, text) in a block or view dict."""
    if isinstance(value, dict):
        block = value["type"] if value.get("type") in ("header", "context", "section") else block
        own = (
            [(block, value["type"], value["text"])]
            if value.get("type") in ("mrkdwn", "plain_text") and isinstance(value.get("text"), str)
            else []
        )
        return own + [t for v in value.values() for t in texts(v, block)]
    if isinstance(value, list):
        return [t for v in value for t in texts(v, block)]
    return []


def assert_slack_takes(blocks: list[Block] | View) -> None:
    if isinstance(blocks, View):
        data = blocks.to_dict()  # runs slack_sdk's validate_json on the view and its blocks
        assert check_view(data) == []
    else:
        data = [b.to_dict() for b in blocks]
        assert check_blocks(data) == []
    for block, kind, shown in texts(data):
        limit = LIMIT_BY_BLOCK.get(block, limits.SECTION_TEXT)
        assert len(shown) <= limit, f"{block} {kind}: {len(shown)} characters > {limit}"
        if kind == "mrkdwn":
            assert raw_markup(shown) == [], shown[:200]


SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(account_name=name, reason=required, step=text, plan_text=required, decision=text)
def test_the_rescue_card_and_its_plan_take_any_text(
    account_name: str, reason: str, step: str, plan_text: str, decision: str
) -> None:
    card = card_of(account_name, "", "")
    account = Account(id=1, key="acme", name=account_name, segment="mid", csm="U0ALICE")
    rescue = Rescue(
        id=7, account_id=1, state="open", trigger="signal_at_zero", reason=reason,
        owner="U0ALICE", opened_by="U0ALICE", opened_at=NOW, sla_due_at=NOW + timedelta(days=1),
        checkpoint_on=TODAY + timedelta(days=7), next_step=step or None, status_at_open="at_risk",
    )  # fmt: skip
    plan = Escalation(
        id=3, rescue_id=7, account_id=1, requested_by="U0ALICE", root_cause=plan_text,
        impact=plan_text, intervention=plan_text, success_criteria=plan_text,
        decision_deadline=TODAY + timedelta(days=3), state="pending",
    )  # fmt: skip
    view = RescueView(rescue, account, card, "at risk and past its checkpoint", plan)
    assert_slack_takes(rescue_blocks(view, now=NOW))
    assert_slack_takes(log_modal(view, {"rescue_id": 7}))
    resolved = Rescue(**{**rescue.model_dump(), "state": "resolved", "resolved_at": NOW,
                         "resolution": "opened_by_mistake"})  # fmt: skip
    assert_slack_takes(rescue_blocks(replace(view, rescue=resolved, severe=None), now=NOW))
    approvals = [
        Approval(escalation_id=3, approver="U0BOB", decision="request_changes",
                 reason=decision or None, decided_at=NOW)
    ]  # fmt: skip
    link = "https://example.slack.com/archives/C0RESCUE/p1"
    assert_slack_takes(plan_blocks(plan, account_name, approvals, thread_link=link))


@SETTINGS
@given(account_name=name, note=text, override=text)
def test_the_scorecard_and_its_modals_take_any_text(
    account_name: str, note: str, override: str
) -> None:
    card = card_of(account_name, note, override)
    assert_slack_takes(scorecard_blocks(card, change="rated by <@U0ALICE>"))
    assert_slack_takes(scorecard_blocks(card, interactive=False))
    assert_slack_takes(note_modal(card, RULES.taxonomy.active, metadata={"account": "acme"}))
    assert_slack_takes(override_modal(card, metadata={"account": "acme"}))


@SETTINGS
@given(account_name=name, step=required, reasons=st.lists(required, max_size=6), note=text)
def test_the_standup_and_the_home_tab_take_any_text(
    account_name: str, step: str, reasons: list[str], note: str
) -> None:
    card = card_of(account_name, note, "")
    items = [
        StandupItem(
            replace(card, account=replace(card.account, key=f"acme-{n}")),
            Tier.AT_RISK,
            "U0ALICE",
            n % 2 == 0,
            step,
            TODAY,
            tuple(reasons),
            needs=(AT_RISK,),
            why=step,
        )
        for n in range(45)  # more than the largest focus, and than a thread page
    ]
    split = focus(items, limit=20)
    assert_slack_takes(focus_message(split, as_of=TODAY, scope="for <@U0ALICE> "))
    for page in thread_pages(split, lambda user: account_name):
        assert_slack_takes(page)
    item = items[0]
    steps = frozenset(RescueStep)
    home = home_view(
        user="U0ALICE", mine=[item], cards=[card] * 30,
        rescues=[HomeRescue(n, "acme", account_name, TODAY, step, steps) for n in range(40)],
        plans=[HomePlan(n, "acme", account_name, TODAY) for n in range(40)],
    )  # fmt: skip
    assert_slack_takes(home)


def test_a_next_step_of_ampersands_fits_the_rescue_card() -> None:
    """The bug this guards: cut to 500 then escaped, 500 `&` became 2,500 characters in a
    2,000-character field and Slack refused the card (invalid_blocks)."""
    card = card_of("Acme", "", "")
    account = Account(id=1, key="acme", name="Acme", segment="mid")
    rescue = Rescue(
        id=7, account_id=1, state="open", trigger="at_risk", reason="turned At risk",
        owner="U0ALICE", opened_by="U0ALICE", opened_at=NOW, sla_due_at=NOW,
        checkpoint_on=TODAY, next_step="&" * 3000, status_at_open="at_risk",
    )  # fmt: skip
    blocks = rescue_blocks(RescueView(rescue, account, card, None, None), now=NOW)
    assert_slack_takes(blocks)
    fields = next(b.to_dict()["fields"] for b in blocks if "fields" in b.to_dict())
    step = fields[3]["text"]
    assert step.startswith("*Next step*\n&amp;") and step.endswith("&amp;…")
    assert len(step) <= limits.SECTION_FIELD
