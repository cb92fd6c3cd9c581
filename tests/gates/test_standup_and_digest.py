"""Overdue gate items and unowned high-impact risks in the standup and the digest (pure)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from scoring.digest import build_digest
from scoring.gates import GateItem, GatePhase, OverdueGate
from scoring.standup import OVERDUE, UNOWNED_RISK, WATCH_OVERDUE, AccountState, focus, standup
from tests.scoring.builders import all_at, card

AS_OF = date(2026, 11, 24)
SSO = GateItem("sso_tested", "SSO tested", GatePhase.DAYS_1_30)
MAPPED = GateItem("data_mapped", "Data mapped", GatePhase.DAYS_1_30)


def healthy(key: str, *gates: OverdueGate, risks: int = 0) -> AccountState:
    scored = replace(card(all_at(2, "2026-11-20"), key=key, name=key.title()), overdue_gates=gates)
    return AccountState(
        card=scored,
        overdue_gate_items=tuple(g.label for g in gates),
        unowned_high_risks=risks,
    )


def test_an_overdue_gate_item_puts_a_healthy_account_in_the_standup_like_a_signal():
    (item,) = standup([healthy("acme", OverdueGate(SSO, 4)), healthy("calm")], as_of=AS_OF)
    assert item.account == "acme"
    assert item.needs == (OVERDUE,)
    assert "SSO tested overdue (4d late)" in item.reasons
    assert item.why == "SSO tested overdue, 4d late"


def test_on_watch_an_overdue_gate_item_needs_a_decision():
    state = healthy("acme", OverdueGate(SSO, 4))
    watch = replace(
        state, card=replace(card(all_at(1, "2026-11-20")), overdue_gates=(OverdueGate(SSO, 4),))
    )
    (item,) = standup([watch], as_of=AS_OF)
    assert item.needs[0] is WATCH_OVERDUE and item.qualifies


def test_an_unowned_high_impact_risk_is_listed_but_never_in_the_focus():
    items = standup([healthy("acme", risks=2)], as_of=AS_OF)
    (item,) = items
    assert item.needs == (UNOWNED_RISK,) and not item.qualifies
    assert "2 open high-impact risks with no owner" in item.reasons
    split = focus(items)
    assert split.shown == () and split.counted[0].need is UNOWNED_RISK


def test_the_digest_counts_gate_items_among_the_steps_creating_delays():
    states = [
        healthy("a", OverdueGate(SSO, 4), OverdueGate(MAPPED, 2)),
        healthy("b", OverdueGate(SSO, 10)),
        healthy("c"),
    ]
    digest = build_digest(states, as_of=AS_OF, previous_status={}, promised_timelines={})
    top = digest.delays[0]
    assert (top.signal, top.label, top.overdue_accounts, top.mean_days_late, top.max_days_late) == (
        "gate:sso_tested", "SSO tested (Days 1–30 gate)", 2, 7.0, 10,
    )  # fmt: skip
    assert [d.signal for d in digest.delays] == ["gate:sso_tested", "gate:data_mapped"]
