"""The App Home where the work is: plans to decide with the plan's buttons and confirm dialogs,
my rescues with Acknowledge (while it may be) and Log action, my stale signals with a select to
rate them again, and my accounts — within Slack's 100 blocks however much there is."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

from bot.messages.blocks import home_view
from bot.messages.home import HOME_WORK, HomePlan, HomeRescue
from bot.messages.ids import ActionId, PlanAction, RescueAction
from bot.store.deliveries import Failure
from scoring.rescue_steps import rescue_steps
from tests.scoring.builders import card, reading
from tests.slack_double.blockkit import check_view

TODAY = date(2026, 11, 24)
STALE = [reading("kickoff", 1, "2026-10-01"), reading("data_import", 2, "2026-10-20"),
         reading("first_value", 1, "2026-11-20")]  # fmt: skip
OPEN = rescue_steps("open", acknowledged=False, plan=None)
WORKED = rescue_steps("recovering", acknowledged=True, plan=None)


def view(**kwargs) -> dict:
    values = {"user": "U0ALICE", "mine": [], "cards": [], "rescues": [], "plans": []} | kwargs
    rendered = home_view(**values).to_dict()
    assert check_view(rendered) == []
    return rendered


def actions(home: dict) -> list[tuple[str, str]]:
    return [
        (e["action_id"], e.get("value", b.get("block_id", "")))
        for b in home["blocks"] for e in ([b["accessory"]] if "accessory" in b else
                                          b.get("elements", []) if b["type"] == "actions" else [])
    ]  # fmt: skip


def test_stale_signals_get_a_select_oldest_first_without_an_initial_value():
    home = view(cards=[card(STALE, as_of="2026-11-24", key="acme", name="Acme")])
    selects = [b for b in home["blocks"] if b.get("accessory", {}).get("action_id") == "home.rate"]
    assert [b["block_id"] for b in selects] == ["signal|acme|kickoff", "signal|acme|data_import"]
    assert "Kickoff: Watch (1), rated 54 days ago" in selects[0]["text"]["text"]
    assert all("initial_option" not in b["accessory"] for b in selects)
    assert "Rate my stale signals" in json.dumps(home)


def test_no_stale_signal_no_section():
    fresh = card([reading("kickoff", 1, "2026-11-20")], as_of="2026-11-24")
    assert "Rate my stale signals" not in json.dumps(view(cards=[fresh]))


def test_rescues_offer_acknowledge_only_while_it_may_be_given():
    rescues = [HomeRescue(1, "acme", "Acme", TODAY, "Call the CFO", OPEN),
               HomeRescue(2, "zeta", "Zeta", TODAY, None, WORKED)]  # fmt: skip
    found = actions(view(rescues=rescues))
    assert found == [(RescueAction.ACKNOWLEDGE, "1"), (RescueAction.LOG, "1"),
                     (RescueAction.LOG, "2")]  # fmt: skip


def test_plans_get_the_plan_messages_buttons_and_confirm_dialogs():
    home = view(plans=[HomePlan(9, "acme", "Acme", TODAY)])
    buttons = [e for b in home["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert [(e["action_id"], e["value"]) for e in buttons] == [
        (PlanAction.APPROVE, "9"), (PlanAction.REQUEST_CHANGES, "9"), (PlanAction.REJECT, "9"),
    ]  # fmt: skip
    assert all(e["confirm"]["title"]["text"] for e in buttons)
    assert "Nothing to decide." in json.dumps(view())


def test_everything_at_once_fits_a_home_tab():
    now = datetime(2026, 11, 24, tzinfo=UTC)
    failures = [Failure(n, f"k{n}", "message", "C0GONE", "channel_not_found", now, 0)
                for n in range(40)]  # fmt: skip
    cards = [card(STALE, as_of="2026-11-24", key=f"a{n}", name=f"A{n}") for n in range(40)]
    home = view(
        cards=cards, failures=failures,
        rescues=[HomeRescue(n, "acme", "Acme", TODAY, "x" * 3000, OPEN) for n in range(40)],
        plans=[HomePlan(n, "acme", "Acme", TODAY) for n in range(40)],
    )  # fmt: skip
    assert len(home["blocks"]) <= 100
    found = actions(home)
    assert sum(a == PlanAction.APPROVE for a, _ in found) == HOME_WORK
    assert sum(a == RescueAction.LOG for a, _ in found) == HOME_WORK
    assert sum(a == ActionId.HOME_RATE for a, _ in found) == HOME_WORK
    text = json.dumps(home, ensure_ascii=False)
    assert "My accounts" in text and "…and 20 more" in text and "rates the rest" in text


def test_a_refused_home_or_dm_names_the_person_a_channel_is_linked():
    now = datetime(2026, 11, 24, tzinfo=UTC)
    failures = [Failure(1, "k1", "home", "U0ALICE", "invalid_blocks", now, 0),
                Failure(2, "k2", "message", "C0GONE", "channel_not_found", now, 0)]  # fmt: skip
    text = json.dumps(view(failures=failures))
    assert "`1` to <@U0ALICE>" in text and "`2` to <#C0GONE>" in text
