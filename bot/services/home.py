"""The App Home's content for one person: their accounts, rescues and decisions, and for admins
the messages Slack refused."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date

from sqlmodel import Session, col, select

from bot.config import Config
from bot.messages.home import HomePlan, HomeRescue, home_view
from bot.services.backend import Backend
from bot.services.policy import Roles
from bot.services.portfolio import involves, load_portfolio
from bot.services.weights import rules_in_force
from bot.store import deliveries
from bot.store import rescues as rescue_rows
from bot.store.deliveries import Failure
from bot.store.tables import Account, Approval, Escalation, Rescue
from scoring.escalation import PlanState
from scoring.rescue_steps import rescue_steps
from scoring.scorecard import Scorecard
from scoring.standup import StandupItem


@dataclass(frozen=True)
class Home:
    user: str
    needs_help: list[StandupItem]
    cards: list[Scorecard]
    rescues: list[HomeRescue]
    plans: list[HomePlan]
    # For admins: messages Slack refused for good, to fix and retry.
    failures: list[Failure] = field(default_factory=list)


def home_for(session: Session, config: Config, roles: Roles, *, user: str, today: date) -> Home:
    """`user`'s home: their book, their rescues and, for approvers, plans awaiting them."""
    rules = rules_in_force(session, config)
    portfolio = load_portfolio(session, rules, as_of=today, only=involves(user))
    accounts = {a.id: a for a in portfolio.accounts.values()}
    mine = [
        r
        for r in rescue_rows.open_rescues(session).values()
        if r.owner == user and r.account_id in accounts
    ]
    plans = _latest_plans(session, [r.id for r in mine if r.id is not None])
    rescues = [
        HomeRescue(
            id=r.id, key=accounts[r.account_id].key, name=accounts[r.account_id].name,
            checkpoint_on=r.checkpoint_on, next_step=r.next_step,
            steps=rescue_steps(r.state, acknowledged=r.acknowledged_at is not None,
                               plan=plans.get(r.id)),
        )
        for r in mine
        if r.id is not None
    ]  # fmt: skip
    return Home(
        user=user,
        needs_help=portfolio.standup(),
        cards=[state.card for state in portfolio.states],
        rescues=sorted(rescues, key=lambda r: r.checkpoint_on),
        plans=_plans_awaiting(session, roles, user=user),
        failures=deliveries.failed_for_admins(session) if roles.is_admin(user) else [],
    )


def _latest_plans(session: Session, rescue_ids: list[int]) -> dict[int, PlanState]:
    """The state of each rescue's latest recovery plan, for the rescues that have one."""
    if not rescue_ids:
        return {}
    statement = (
        select(Escalation.rescue_id, Escalation.state)
        .where(col(Escalation.rescue_id).in_(rescue_ids))
        .order_by(col(Escalation.id))
    )
    return {rescue_id: PlanState(state) for rescue_id, state in session.exec(statement)}


def _plans_awaiting(session: Session, roles: Roles, *, user: str) -> list[HomePlan]:
    """Pending recovery plans of open rescues this approver (user group included) has not
    decided and did not request."""
    if not roles.is_approver(user):
        return []
    decided = select(Approval.escalation_id).where(Approval.approver == user)
    statement = (
        select(Escalation.id, Account.key, Account.name, Escalation.decision_deadline)
        .join(Account, col(Account.id) == col(Escalation.account_id))
        .join(Rescue, col(Rescue.id) == col(Escalation.rescue_id))
        .where(
            Escalation.state == "pending",
            Rescue.state != "resolved",
            Escalation.requested_by != user,
            col(Escalation.id).not_in(decided),
        )
        .order_by(col(Escalation.decision_deadline))
    )
    return [
        HomePlan(id=plan_id, key=key, name=name, deadline=deadline)
        for plan_id, key, name, deadline in session.exec(statement)
        if plan_id is not None
    ]


def publish(backend: Backend, roles: Roles, user: str) -> None:
    """Queue `user`'s App Home tab, rendered from what is committed now, as a views.publish
    delivery: the courier sends it like every other message, retried while Slack is away.
    It is rendered in a read-only transaction, so scoring a book never holds the write lock."""
    with backend.session() as session:
        home = home_for(session, backend.config, roles, user=user, today=backend.today())
    view = home_view(
        user=user, mine=home.needs_help, cards=home.cards, rescues=home.rescues,
        plans=home.plans, failures=home.failures,
    )  # fmt: skip
    now = backend.now()
    with backend.change(None) as session:
        # A home shows everything as of now: one still waiting (or retrying after a timeout)
        # would only overwrite this one with older news.
        deliveries.drop_pending(session, method=deliveries.HOME, channel=user)
        deliveries.enqueue(
            session, key=f"home:{user}:{uuid.uuid4().hex}", method=deliveries.HOME, channel=user,
            payload={"view": view.to_dict()}, now=now,
        )  # fmt: skip
