"""Who is in the standup and in what order; every line has an owner, a next step and a date."""

from __future__ import annotations

from datetime import date, timedelta

from scoring.standup import AccountState, Followup, OpenRescue, Tier, standup
from tests.scoring.builders import all_at, card, reading
from tests.scoring.test_trend import falling_history

TODAY = date(2026, 11, 24)
AS_OF = "2026-11-24"


def state(readings, *, followup=None, rescue=None, **account) -> AccountState:
    account.setdefault("signed_on", date(2026, 10, 20))
    return AccountState(card(readings, as_of=AS_OF, **account), followup or Followup(), rescue)


def healthy(**account) -> AccountState:
    return state(all_at(2, "2026-11-20"), **account)


def zero(**kwargs) -> AccountState:
    return state([*all_at(2, "2026-11-20"), reading("data_import", 0, "2026-11-23")], **kwargs)


def at_risk(**kwargs) -> AccountState:
    return state(all_at(0, "2026-11-20"), **kwargs)


def watch(**account) -> AccountState:
    return state(all_at(1, "2026-11-20"), **account)


def test_healthy_and_on_time_accounts_are_not_in_the_standup():
    assert standup([healthy(key="fine")], as_of=TODAY) == []


def test_order_is_unowned_zero_falling_at_risk_watch_then_attention():
    rescue = OpenRescue(owner="U9", next_step="Call", checkpoint_on=TODAY + timedelta(days=20))
    states = [
        state(all_at(2, "2026-11-01"), key="stale"),
        watch(key="watch"),
        at_risk(key="risk", followup=Followup(owner="U1")),  # owned, so not "unowned zero"
        state(falling_history(), key="falling", signed_on=date(2026, 10, 1)),
        zero(key="zero-owned", rescue=rescue),
        zero(key="zero"),
    ]
    items = standup(states, as_of=TODAY)
    # watch and zero-owned tie on tier and ARR; watch is due sooner (7 days vs the checkpoint)
    assert [i.account for i in items] == ["zero", "falling", "risk", "watch", "zero-owned", "stale"]
    assert [i.tier for i in items] == [Tier.UNOWNED_ZERO, Tier.FALLING, Tier.AT_RISK, Tier.WATCH,
                                       Tier.WATCH, Tier.ATTENTION]  # fmt: skip


def test_ties_break_on_arr_then_the_nearest_due_date():
    soon = Followup(due=TODAY + timedelta(days=1))
    later = Followup(due=TODAY + timedelta(days=5))
    states = [
        watch(key="small", arr=10),
        watch(key="big-later", arr=500, followup=later),
        watch(key="big-soon", arr=500, followup=soon),
    ]
    assert [i.account for i in standup(states, as_of=TODAY)] == ["big-soon", "big-later", "small"]


def test_the_csm_shown_by_default_does_not_count_as_an_owner():
    item = standup([zero(csm="U1")], as_of=TODAY)[0]
    assert item.owner == "U1"
    assert not item.owned
    assert item.tier is Tier.UNOWNED_ZERO
    assert item.next_step.startswith("Assign an owner")
    assert item.due == TODAY
    assert any("needs an owner today" in r for r in item.reasons)


def test_owner_defaults_to_the_open_rescue_owner_and_a_claim_wins():
    rescue = OpenRescue(owner="U7", next_step="Fix ERP export", checkpoint_on=TODAY + timedelta(3))
    by_csm = standup([at_risk(csm="U1", key="a")], as_of=TODAY)[0]
    assert (by_csm.owner, by_csm.owned, by_csm.tier) == ("U1", False, Tier.UNOWNED_ZERO)
    with_rescue = standup([AccountState(at_risk(csm="U1").card, Followup(), rescue)],
                          as_of=TODAY)[0]  # fmt: skip
    assert (with_rescue.owner, with_rescue.next_step, with_rescue.due) == (
        "U7", "Fix ERP export", TODAY + timedelta(3))  # fmt: skip
    claimed = Followup(owner="U2", next_step="Exec call", due=TODAY + timedelta(2))
    with_claim = standup([AccountState(at_risk().card, claimed, rescue)], as_of=TODAY)[0]
    assert (with_claim.owner, with_claim.next_step, with_claim.due) == (
        "U2", "Exec call", TODAY + timedelta(2))  # fmt: skip


def test_a_follow_up_due_within_seven_days_brings_a_healthy_account_in():
    due_in_7 = healthy(key="seven", followup=Followup(due=TODAY + timedelta(days=7)))
    due_in_8 = healthy(key="eight", followup=Followup(due=TODAY + timedelta(days=8)))
    items = standup([due_in_7, due_in_8], as_of=TODAY)
    assert [i.account for i in items] == ["seven"]
    assert items[0].tier is Tier.ATTENTION


def test_overdue_signals_bring_an_account_in_with_days_late():
    # signed 2026-09-01 (84 days): first value (mid: 60 days) is 24 days late
    overdue = state([*all_at(2, "2026-11-20"), reading("first_value", 1, "2026-11-21")],
                    signed_on=date(2026, 9, 1))  # fmt: skip
    item = standup([overdue], as_of=TODAY)[0]
    assert "First Value overdue (24d late)" in item.reasons
    assert item.next_step == "Agree a date for First Value with the customer"


def test_every_item_has_owner_next_step_and_due():
    states = [zero(csm="U1"), at_risk(csm="U2"), watch(csm="U3"),
              state(all_at(2, "2026-11-01"), csm="U4")]  # fmt: skip
    for item in standup(states, as_of=TODAY):
        assert item.owner and item.next_step and item.due >= TODAY
