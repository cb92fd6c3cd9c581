"""PRODUCT.md's "Who may do what", row by row, through the use cases Slack calls.

For every row the allowed people succeed, and each kind of outsider (a stranger, a CSM of
another account, the follow-up owner where the row leaves them out, an approver where it does,
the requester deciding their own plan) is refused with an answer that says who may, and with
nothing changed: every table's rows and every account's columns are compared before and after.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import col, func, select

from bot.config import Config, load_config
from bot.services import account_actions, rating, rescue_actions, weight_actions
from bot.services.backend import Backend
from bot.services.policy import Action, Actor, Ask, NoDirectory, Roles, allowed, roles_in_force
from bot.store import accounts as account_rows
from bot.store.db import session_scope
from bot.store.tables import (
    Account,
    Approval,
    Delivery,
    Escalation,
    Event,
    Reading,
    Rescue,
    StatusOverride,
    WeightProposal,
    WeightVersion,
)
from scoring.errors import DomainError
from scoring.escalation import Decision
from scoring.rules import Status
from scoring.signals import Value

NOW = datetime(2026, 11, 24, 10, tzinfo=UTC)
ADMIN, ALICE, BOB, CAROL = "U0ADMIN1", "U0ALICE", "U0BOB", "U0CAROL"
OWNER, MANAGER, BOSS, STRANGER = "U0OWNER", "U0MANAGER", "U0BOSS", "U0STRANGER"
ROLES_CONFIG = f"""
roles:
  admins: [{ADMIN}]
  csms: [{ALICE}, {BOB}, {CAROL}]
escalation:
  channel: C0LEADERS
  approvers: [{MANAGER}, {BOSS}, {ADMIN}]
  two_approvals_from_arr: 250000
"""
PLAN = {
    "root_cause": "ERP export fails",
    "impact": "No invoices",
    "intervention": "Joint fix",
    "success_criteria": "Import green for a week",
}
TABLES = (Account, Reading, Event, Rescue, Escalation, Approval, Delivery, StatusOverride,
          WeightProposal, WeightVersion)  # fmt: skip


@dataclass
class World:
    """Acme (CSM Alice, follow-up owner Owner, rescue owned by Carol) and Globex (CSM Bob)."""

    backend: Backend
    acme: Account
    globex: Account
    rescue_id: int

    @property
    def engine(self) -> Engine:
        return self.backend.engine

    def ask(self, user: str, key: str | None = None) -> Ask:
        roles = roles_in_force(self.backend.config, NoDirectory())
        return Ask(actor=Actor(user, roles), key=key, channel="C0ACME")

    def account(self, key: str = "acme") -> Account:
        with session_scope(self.engine, read_only=True) as session:
            found = account_rows.get_account(session, key=key)
            assert found is not None
            return found

    def state(self) -> tuple[Any, ...]:
        """Every table's row count, and every account, rescue and plan as stored."""
        with session_scope(self.engine, read_only=True) as session:
            counts = tuple(session.exec(select(func.count()).select_from(t)).one() for t in TABLES)
            rows = tuple(
                tuple(r.model_dump() for r in session.exec(select(t).order_by(col(t.id))))
                for t in (Account, Rescue, Escalation, WeightProposal)
            )
        return counts, rows

    def refused(self, call: Callable[[], object], says: str = "only ") -> str:
        """`call` is refused, saying `says`, and nothing changes."""
        before = self.state()
        with pytest.raises(DomainError) as refusal:
            call()
        assert says in str(refusal.value), str(refusal.value)
        assert self.state() == before
        return str(refusal.value)


def config_of(tmp_path: Path, text: str) -> Config:
    path = tmp_path / "rescuebot.yml"
    path.write_text(text, encoding="utf-8")
    return load_config(path)


def make_world(engine: Engine, config: Config) -> World:
    backend = Backend(config=config, engine=engine, clock=lambda: NOW)
    with session_scope(engine) as session:
        acme = account_rows.add_account(
            session, key="acme", name="Acme Corp", segment="mid", arr=100_000, csm=ALICE,
            channel="C0ACME",
        )  # fmt: skip
        acme.followup_owner = OWNER
        globex = account_rows.add_account(
            session, key="globex", name="Globex", segment="smb", csm=BOB, channel="C0GLOBEX"
        )
    world = World(backend, acme, globex, 0)
    opened = rescue_actions.open_by_hand(
        backend, world.ask(ALICE), world.account(), owner=CAROL, due=None, note=None
    )
    world.rescue_id = int(opened.view.rescue.id or 0)
    return world


@pytest.fixture
def world(engine: Engine, tmp_path: Path) -> World:
    return make_world(engine, config_of(tmp_path, ROLES_CONFIG))


def rate(world: World, user: str, value: int = 1) -> object:
    return rating.rate(
        world.backend, world.ask(user), world.account(), [(signal(world), Value(value))],
        note=None, source="slash_command",
    )  # fmt: skip


def signal(world: World) -> Any:
    return world.backend.config.rules.taxonomy.resolve("kickoff")


# ---- rate a signal, the hand-off checklist, open a rescue ------------------------------------


@pytest.mark.parametrize("user", [ALICE, OWNER, CAROL, BOB, ADMIN])
def test_the_accounts_people_csms_and_admins_rate(world: World, user: str):
    rate(world, user)
    handoff = account_actions.save_handoff(
        world.backend, world.ask(user), "acme", {"business_problem": f"from {user}"}
    )
    assert handoff.account.business_problem == f"from {user}"


@pytest.mark.parametrize("user", [STRANGER, MANAGER])
def test_strangers_and_approvers_who_are_not_csms_may_not_rate(world: World, user: str):
    says = world.refused(lambda: rate(world, user))
    assert "the account's CSM, its follow-up owner, its rescue's owner, CSMs and admins" in says
    world.refused(
        lambda: account_actions.save_handoff(
            world.backend, world.ask(user), "acme", {"business_problem": "x"}
        )
    )
    world.refused(
        lambda: rescue_actions.open_by_hand(
            world.backend,
            world.ask(user),
            world.account("globex"),
            owner=None,
            due=None,
            note=None,
        )
    )


# ---- /onboard add -----------------------------------------------------------------------------


@pytest.mark.parametrize("user", [ALICE, ADMIN])
def test_csms_and_admins_add_accounts(world: World, user: str):
    added = account_actions.add(world.backend, world.ask(user), name=f"New {user}", options={})
    assert added.csm == user


@pytest.mark.parametrize("user", [STRANGER, MANAGER, OWNER])
def test_others_may_not_add_accounts(world: World, user: str):
    says = world.refused(
        lambda: account_actions.add(world.backend, world.ask(user), name="Sneaky", options={})
    )
    assert says == "only CSMs and admins may add an account"


def test_an_account_added_for_someone_who_is_not_a_csm_is_refused(world: World):
    world.refused(
        lambda: account_actions.add(
            world.backend, world.ask(ALICE), name="Elsewhere", options={"csm": f"<@{STRANGER}>"}
        ),
        says="not one of the configured CSMs",
    )


# ---- /onboard set of name, segment, signed, arr, csm -------------------------------------------


def set_(world: World, user: str, **options: str) -> account_actions.Edited:
    return account_actions.edit(world.backend, world.ask(user), world.account(), options)


def test_admins_change_name_segment_signature_and_arr(world: World):
    edited = set_(world, ADMIN, name="Acme Inc", segment="enterprise", signed="2026-09-01",
                  arr="1")  # fmt: skip
    assert set(edited.changed) == {"name", "segment", "signed_on", "arr"}
    assert world.account().arr == 1


@pytest.mark.parametrize("user", [ALICE, OWNER, BOB, CAROL, MANAGER, STRANGER])
@pytest.mark.parametrize("option", ["name", "segment", "signed", "arr"])
def test_nobody_else_changes_the_accounts_terms(world: World, user: str, option: str):
    value = {"name": "Renamed", "segment": "smb", "signed": "2026-01-01", "arr": "1"}[option]
    says = world.refused(lambda: set_(world, user, **{option: value}))
    assert says.startswith("only admins may change the account's name")


def test_the_accounts_csm_hands_it_to_another_csm(world: World):
    set_(world, ALICE, csm=f"<@{BOB}>")
    assert world.account().csm == BOB
    set_(world, ADMIN, csm=f"<@{CAROL}>")
    assert world.account().csm == CAROL


@pytest.mark.parametrize("user", [STRANGER, OWNER, BOB, MANAGER])
def test_a_stranger_cannot_make_themselves_the_csm(world: World, user: str):
    says = world.refused(lambda: set_(world, user, csm=f"<@{user}>"))
    assert (
        says == "only the account's CSM and admins may hand the account to another CSM on Acme Corp"
    )


def test_the_csm_hands_over_only_to_a_configured_csm(world: World):
    world.refused(lambda: set_(world, ALICE, csm=f"<@{STRANGER}>"), says="configured CSMs")
    world.refused(lambda: set_(world, ADMIN, csm=f"<@{OWNER}>"), says="configured CSMs")


def test_clearing_the_csm_is_an_admins(world: World):
    world.refused(lambda: set_(world, ALICE, csm="none"), says="only admins")
    set_(world, ADMIN, csm="none")
    assert world.account().csm is None


# ---- /onboard set of users, channel, follow-up, hand-off ---------------------------------------


@pytest.mark.parametrize("user", [ALICE, OWNER, ADMIN])
def test_the_csm_the_follow_up_owner_and_admins_change_the_follow_up(world: World, user: str):
    set_(world, user, next=f"Call the CFO ({user})", due="2026-12-01", users="40",
         channel="<#C0NEW|new>")  # fmt: skip
    account = world.account()
    assert (account.followup_next, account.users, account.channel) == (
        f"Call the CFO ({user})",
        40,
        "C0NEW",
    )


@pytest.mark.parametrize("user", [BOB, CAROL, MANAGER, STRANGER])
def test_others_may_not_change_the_follow_up(world: World, user: str):
    says = world.refused(lambda: set_(world, user, owner=f"<@{user}>", next="mine now"))
    assert says.startswith("only the account's CSM, its follow-up owner and admins may change")


def test_a_set_mixing_kinds_needs_every_kinds_permission(world: World):
    world.refused(lambda: set_(world, OWNER, next="fine", arr="1"), says="only admins")
    world.refused(lambda: set_(world, ALICE, users="3", name="Mine"), says="only admins")
    world.refused(lambda: set_(world, OWNER, next="x", csm=f"<@{BOB}>"), says="hand the account")
    set_(world, ADMIN, next="all of it", arr="5", csm=f"<@{BOB}>")
    assert (world.account().arr, world.account().csm) == (5, BOB)


def test_lowering_arr_is_refused_to_a_non_admin(world: World):
    for user in (ALICE, OWNER, STRANGER, MANAGER):
        world.refused(lambda user=user: set_(world, user, arr="1"), says="only admins")
    assert world.account().arr == 100_000


# ---- Claim ------------------------------------------------------------------------------------


@pytest.mark.parametrize("user", [BOB, ADMIN])
def test_csms_and_admins_claim_and_the_previous_owners_are_told(world: World, user: str):
    claimed = account_actions.claim(world.backend, world.ask(user), "acme")
    assert claimed.changed and world.account().followup_owner == user
    with session_scope(world.engine, read_only=True) as session:
        rescue = session.get(Rescue, world.rescue_id)
        told = {d.channel for d in session.exec(select(Delivery)) if "claimed" in str(d.payload)}
    assert rescue is not None and rescue.owner == user
    assert told >= {OWNER, CAROL}  # the follow-up's owner and the rescue's, by DM


@pytest.mark.parametrize("user", [STRANGER, MANAGER, OWNER])
def test_others_may_not_claim(world: World, user: str):
    says = world.refused(lambda: account_actions.claim(world.backend, world.ask(user), "acme"))
    assert says == "only CSMs and admins may claim a follow-up on Acme Corp"


# ---- /onboard outcome, a status override -----------------------------------------------------


@pytest.mark.parametrize("user", [ALICE, ADMIN])
def test_the_csm_and_admins_record_outcomes_and_override(world: World, user: str):
    account_actions.override(
        world.backend,
        world.ask(user),
        world.account(),
        status=Status.AT_RISK,
        reason="Sponsor left",
    )
    account_actions.override(world.backend, world.ask(user), world.account(), status=None,
                             reason=None)  # fmt: skip
    ended = account_actions.record_outcome(
        world.backend, world.ask(user), world.account(), outcome="completed", on=None
    )
    assert ended.outcome == "completed"


@pytest.mark.parametrize("user", [OWNER, BOB, CAROL, MANAGER, STRANGER])
def test_others_may_not_record_outcomes_or_override(world: World, user: str):
    account = world.account()
    says = world.refused(
        lambda: account_actions.record_outcome(
            world.backend, world.ask(user), account, outcome="churned", on=None
        )
    )
    assert says.startswith("only the account's CSM and admins may record an outcome")
    world.refused(
        lambda: account_actions.override(
            world.backend, world.ask(user), account, status=Status.HEALTHY, reason="All good"
        )
    )


# ---- working on a rescue ----------------------------------------------------------------------


@pytest.mark.parametrize("user", [CAROL, ALICE, MANAGER, ADMIN])
def test_the_rescues_people_approvers_and_admins_work_on_it(world: World, user: str):
    rescue_actions.acknowledge(world.backend, world.ask(user), world.rescue_id)
    rescue_actions.log_action(world.backend, world.ask(user), world.rescue_id, done="Called",
                              customer=None, next_step=None)  # fmt: skip
    rescue_actions.change_owner_or_date(
        world.backend, world.ask(user), world.rescue_id, owner=None, due=date(2026, 12, 4)
    )
    rescue_actions.resolve(world.backend, world.ask(user), world.rescue_id,
                           resolution="recovered", note=None)  # fmt: skip


@pytest.mark.parametrize("user", [STRANGER, BOB, OWNER])
def test_others_may_not_work_on_a_rescue(world: World, user: str):
    ask = world.ask(user)
    rid = world.rescue_id
    says = world.refused(lambda: rescue_actions.acknowledge(world.backend, ask, rid))
    assert says.startswith("only the rescue's owner, the account's CSM, approvers and admins")
    world.refused(lambda: rescue_actions.resolve(world.backend, ask, rid, resolution="recovered",
                                                 note=None))  # fmt: skip
    world.refused(
        lambda: rescue_actions.change_owner_or_date(world.backend, ask, rid, owner=user, due=None)
    )


def test_a_rescues_new_owner_must_be_allowed_to_rate_the_account(world: World):
    world.refused(
        lambda: rescue_actions.change_owner_or_date(
            world.backend, world.ask(ALICE), world.rescue_id, owner=STRANGER, due=None
        ),
        says="configured CSMs",
    )


# ---- /escalate, submit a plan; decide it -----------------------------------------------------


def submit(world: World, user: str) -> Escalation:
    return rescue_actions.submit_plan(world.backend, world.ask(user), world.rescue_id,
                                      fields=PLAN, deadline=date(2026, 12, 1))  # fmt: skip


@pytest.mark.parametrize("user", [CAROL, ALICE, ADMIN])
def test_the_rescues_owner_the_csm_and_admins_escalate(world: World, user: str):
    rescue_actions.start_escalation(world.backend, world.ask(user), world.account())
    assert submit(world, user).state == "pending"


@pytest.mark.parametrize("user", [MANAGER, BOB, OWNER, STRANGER])
def test_others_may_not_escalate(world: World, user: str):
    says = world.refused(lambda: submit(world, user))
    assert says.startswith("only the rescue's owner, the account's CSM and admins may escalate")
    world.refused(
        lambda: rescue_actions.start_escalation(world.backend, world.ask(user), world.account())
    )


def decide(world: World, user: str, plan_id: int, decision: Decision = Decision.APPROVE) -> Any:
    reason = None if decision is Decision.APPROVE else "Not enough"
    return rescue_actions.decide(world.backend, world.ask(user), plan_id, decision=decision,
                                 reason=reason)  # fmt: skip


def test_approvers_decide_plans_once_and_never_their_own(world: World):
    plan = submit(world, ADMIN)  # an admin who is also an approver
    for user in (ALICE, CAROL, OWNER, BOB, STRANGER):
        world.refused(lambda user=user: decide(world, user, plan.id), says="only the configured")
    world.refused(lambda: decide(world, ADMIN, plan.id), says="you requested this plan")
    assert decide(world, MANAGER, plan.id).outcome.final
    world.refused(lambda: decide(world, BOSS, plan.id), says="already decided")


def test_a_plan_cannot_be_decided_after_its_rescue_was_resolved(world: World):
    plan = submit(world, ALICE)
    rescue_actions.resolve(world.backend, world.ask(CAROL), world.rescue_id,
                           resolution="recovered", note=None)  # fmt: skip
    world.refused(lambda: decide(world, MANAGER, plan.id), says="was resolved")
    world.refused(lambda: decide(world, MANAGER, plan.id, Decision.REJECT), says="was resolved")


def test_lowering_arr_after_submission_still_needs_two_approvals(world: World):
    set_(world, ADMIN, arr="400000")
    plan = submit(world, ALICE)
    assert plan.approvals_required == 2
    set_(world, ADMIN, arr="1")  # an admin may lower it; the rule looks at both
    first = decide(world, MANAGER, plan.id)
    assert not first.outcome.final and first.plan.state == "pending"
    assert decide(world, BOSS, plan.id).plan.state == "approved"


def test_raising_arr_after_submission_asks_for_the_second_approval(world: World):
    plan = submit(world, ALICE)
    assert plan.approvals_required == 1
    set_(world, ADMIN, arr="400000")
    first = decide(world, MANAGER, plan.id)
    assert not first.outcome.final and first.plan.approvals_required == 2


# ---- accept a calibration proposal ------------------------------------------------------------


def proposal(world: World, proposer: str = MANAGER) -> int:
    with session_scope(world.engine) as session:
        row = WeightProposal(based_on=0, weights={"kickoff": 2.0}, retire=[], evidence={},
                             auc_before=0.5, auc_after=0.9, proposed_by=proposer,
                             created_at=NOW - timedelta(hours=1), state="pending")  # fmt: skip
        session.add(row)
        session.flush()
        return int(row.id or 0)


def test_approvers_accept_calibration_but_not_their_own(world: World):
    pid = proposal(world)
    decide_weights = weight_actions.decide
    for user in (ALICE, OWNER, STRANGER, CAROL):
        says = world.refused(
            lambda user=user: decide_weights(
                world.backend, world.ask(user), pid, decision=Decision.APPROVE, reason=None
            )
        )
        assert says == "only the configured approvers may accept calibration proposals"
    world.refused(
        lambda: decide_weights(world.backend, world.ask(MANAGER), pid, decision=Decision.APPROVE,
                               reason=None),
        says="you proposed these weights",
    )  # fmt: skip
    decided = decide_weights(world.backend, world.ask(BOSS), pid, decision=Decision.APPROVE,
                             reason=None)  # fmt: skip
    assert decided.version is not None and decided.version.version == 1


# ---- roles unset; refusals are logged ---------------------------------------------------------


def test_roles_unset_every_member_is_a_csm_and_the_approvers_are_the_admins(
    engine: Engine, tmp_path: Path
):
    config = config_of(tmp_path, f"escalation:\n  approvers: [{MANAGER}, {BOSS}]\n")
    roles = roles_in_force(config, NoDirectory())
    assert roles.csms is None and roles.admins == {MANAGER, BOSS}
    world = make_world(engine, config)
    account_actions.add(world.backend, world.ask(STRANGER), name="Anyone's", options={})
    rate(world, STRANGER)
    account_actions.claim(world.backend, world.ask(STRANGER), "globex")
    world.refused(lambda: set_(world, STRANGER, arr="1"), says="only admins")
    set_(world, MANAGER, arr="1", csm=f"<@{STRANGER}>")  # an approver is an admin now
    assert (world.account().arr, world.account().csm) == (1, STRANGER)


def test_a_refusal_is_logged_with_actor_action_and_account(
    world: World, caplog: pytest.LogCaptureFixture
):
    with caplog.at_level(logging.WARNING, logger="rescuebot.policy"):
        world.refused(lambda: set_(world, STRANGER, csm=f"<@{STRANGER}>"))
    [record] = [r for r in caplog.records if r.name == "rescuebot.policy"]
    assert (record.actor, record.action, record.account) == (STRANGER, "hand_over", "acme")  # type: ignore[attr-defined]


def test_risks_gates_and_surveys_follow_their_row():
    """No use case changes risks yet; the policy's row is ready for them."""
    roles = roles_in_force(load_config(None), NoDirectory())
    account = Account(key="acme", name="Acme", segment="smb", csm=ALICE, followup_owner=OWNER)
    for user in (ALICE, OWNER, BOB, STRANGER):  # roles unset: everyone is a CSM
        assert allowed(Actor(user, roles), Action.TRACK_RISKS, account=account)
    configured = roles.__class__(admins=frozenset({ADMIN}), csms=frozenset({BOB}),
                                 approvers=frozenset({MANAGER}))  # fmt: skip
    assert not allowed(Actor(STRANGER, configured), Action.TRACK_RISKS, account=account)
    assert not allowed(Actor(MANAGER, configured), Action.TRACK_RISKS, account=account)
    for user in (ALICE, OWNER, BOB, ADMIN):
        assert allowed(Actor(user, configured), Action.TRACK_RISKS, account=account)


# ---- Unclaim ----------------------------------------------------------------------------------


def test_unclaim_is_the_owner_shown_only():
    roles = Roles(admins=frozenset({ADMIN}), csms=frozenset({ALICE, BOB}), approvers=frozenset())
    claimed = Account(key="acme", name="Acme", segment="mid", csm=ALICE, followup_owner=BOB)
    assert allowed(Actor(BOB, roles), Action.UNCLAIM, account=claimed, rescue_owner=CAROL)
    for user in (ALICE, CAROL, ADMIN, STRANGER):  # the CSM, the rescue's owner, an admin
        assert not allowed(Actor(user, roles), Action.UNCLAIM, account=claimed, rescue_owner=CAROL)
    unclaimed = Account(key="acme", name="Acme", segment="mid", csm=ALICE)
    assert allowed(Actor(CAROL, roles), Action.UNCLAIM, account=unclaimed, rescue_owner=CAROL)
    assert not allowed(Actor(ALICE, roles), Action.UNCLAIM, account=unclaimed)
