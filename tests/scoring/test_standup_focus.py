"""The standup's focus: the first `focus_limit` accounts needing a decision, in standup order,
with the rest counted once under their first need (PRODUCT.md, "The standup in fifteen minutes")."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from scoring.overrides import Override
from scoring.rules import Status
from scoring.standup import (
    AT_RISK,
    FALLING,
    MORE_DECISIONS,
    NEEDS,
    OWNED_ZERO,
    STALE,
    UNOWNED_ZERO,
    WATCH,
    WATCH_OVERDUE,
    AccountState,
    Followup,
    focus,
    ordinal,
    standup,
)
from tests.scoring.builders import KEYS, all_at, card, reading
from tests.scoring.test_trend import falling_history

TODAY = date(2026, 11, 24)
AS_OF = "2026-11-24"


def state(readings, *, followup=None, gates=(), **account) -> AccountState:
    account.setdefault("signed_on", date(2026, 10, 20))
    built = card(readings, as_of=AS_OF, **account)
    return AccountState(built, followup or Followup(), None, overdue_gate_items=gates)


def zero(**kwargs) -> AccountState:
    return state([*all_at(2, "2026-11-20"), reading("data_import", 0, "2026-11-23")], **kwargs)


def at_risk(**kwargs) -> AccountState:
    return state(all_at(0, "2026-11-20"), **kwargs)


def watch(**kwargs) -> AccountState:
    kwargs.setdefault("signed_on", date(2026, 11, 20))  # nothing due yet
    return state(all_at(1, "2026-11-20"), **kwargs)


def test_reasons_in_plain_words_and_last_sundays_score():
    items = {
        i.account: i
        for i in standup(
            [
                zero(key="zero", name="Zero"),
                state(falling_history(), key="falling", signed_on=date(2026, 10, 1)),
                at_risk(key="risk", followup=Followup(owner="U1")),
                watch(key="late", signed_on=date(2026, 9, 1)),
                watch(key="gated", gates=("Security review",)),
                zero(key="owned", followup=Followup(owner="U2")),
            ],
            as_of=TODAY,
        )
    }
    assert items["zero"].why == "Data Import at 0, no owner"
    assert items["falling"].why == "down 0.8, fourth drop in a row"
    assert items["falling"].last_week_score == 7.5 and items["falling"].card.score == 6.7
    assert items["risk"].why == "At risk: score 0.0, Kickoff at 0"
    assert items["late"].why == "Watch, Kickoff 77 days late"
    assert items["gated"].why == "Watch, Security review overdue"
    assert items["owned"].why == "Data Import at 0, owner on it"
    assert items["late"].needs[0] is WATCH_OVERDUE and items["gated"].qualifies
    assert items["owned"].needs[0] is OWNED_ZERO and not items["owned"].qualifies
    assert items["zero"].needs[0] is UNOWNED_ZERO and items["risk"].needs[0] is AT_RISK
    assert items["falling"].needs[0] is FALLING


def test_the_first_n_qualifying_are_shown_and_the_rest_counted_under_their_first_need():
    states = [
        *(at_risk(key=f"risk-{n}", arr=1000 - n) for n in range(4)),
        watch(key="watch"),  # Watch, nothing overdue: counted, never focus
        state(all_at(2, "2026-11-01"), key="stale"),
    ]
    split = focus(standup(states, as_of=TODAY), limit=3)
    assert [i.account for i in split.shown] == ["risk-0", "risk-1", "risk-2"]
    assert [(c.need, [i.account for i in c.items]) for c in split.counted] == [
        (MORE_DECISIONS, ["risk-3"]),
        (WATCH, ["watch"]),
        (STALE, ["stale"]),
    ]
    assert MORE_DECISIONS.counted == "more needing a decision"


def test_an_override_decides_membership_and_rank():
    calm = Override(Status.HEALTHY, "CFO signed off", "U1", datetime(2026, 11, 23, tzinfo=UTC))
    alarm = Override(Status.AT_RISK, "Champion left", "U1", datetime(2026, 11, 23, tzinfo=UTC))
    watched = watch(key="called-healthy")
    fine = state(all_at(2, "2026-11-20"), key="called-risk")
    overridden = [
        replace(watched, card=replace(watched.card, override=calm)),
        replace(fine, card=replace(fine.card, override=alarm)),
    ]
    items = standup(overridden, as_of=TODAY)
    assert [i.account for i in items] == ["called-risk"]
    assert items[0].needs[0] is AT_RISK and items[0].qualifies
    assert items[0].why.startswith("At risk by override (computed Healthy)")


def test_ordinals():
    assert [ordinal(n) for n in (1, 3, 10, 11, 12, 21, 22, 23)] == [
        "first", "third", "tenth", "11th", "12th", "21st", "22nd", "23rd",
    ]  # fmt: skip


values = st.sampled_from([None, 0, 1, 2])


@st.composite
def portfolios(draw) -> list[AccountState]:
    accounts = []
    for n in range(draw(st.integers(0, 25))):
        readings = [
            reading(key, value, draw(st.sampled_from(["2026-10-25", "2026-11-20", "2026-11-23"])))
            for key in KEYS
            if (value := draw(values)) is not None
        ]
        owner = draw(st.sampled_from([None, "U1"]))
        due = draw(st.sampled_from([None, TODAY + timedelta(days=3), TODAY + timedelta(days=30)]))
        gates = draw(st.sampled_from([(), ("Security review",)]))
        signed = draw(st.sampled_from([date(2026, 9, 1), date(2026, 11, 20)]))
        accounts.append(
            state(
                readings,
                key=f"a{n}",
                arr=draw(st.integers(0, 5)) * 1000,
                signed_on=signed,
                followup=Followup(owner=owner, due=due),
                gates=gates,
            )
        )
    return accounts


@settings(max_examples=60, deadline=None)
@given(portfolios(), st.integers(0, 12))
def test_focus_properties(states, limit):
    items = standup(states, as_of=TODAY)
    split = focus(items, limit=limit)
    qualifying = [i for i in items if i.qualifies]
    assert len(split.shown) <= limit
    assert all(i.qualifies for i in split.shown)  # focus ⊆ qualifying
    assert list(split.shown) == qualifying[:limit]  # the first N, order kept
    counted = [i.account for i in split.rest]
    others = [i.account for i in items if i.account not in split.keys]
    assert sorted(counted) == sorted(others) and len(counted) == len(set(counted))  # once each
    for group in split.counted:
        for item in group.items:
            expected = MORE_DECISIONS if item.qualifies else item.needs[0]
            assert group.need is expected
        assert [items.index(i) for i in group.items] == sorted(items.index(i) for i in group.items)
    order = [MORE_DECISIONS, *NEEDS]
    assert [order.index(g.need) for g in split.counted] == sorted(
        order.index(g.need) for g in split.counted
    )
    assert all(item.needs for item in items)  # everyone in the standup is there for a need
