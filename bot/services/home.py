"""The App Home's content for one person: their accounts, rescues and decisions, and for admins
the messages Slack refused."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlmodel import Session, col, select

from bot.config import Config
from bot.services.policy import Roles
from bot.services.portfolio import involves, load_portfolio
from bot.services.weights import rules_in_force
from bot.store import deliveries
from bot.store import rescues as rescue_rows
from bot.store.deliveries import Failure
from bot.store.tables import Account, Approval, Escalation, Rescue
from scoring.scorecard import Scorecard
from scoring.standup import StandupItem


@dataclass(frozen=True)
class Home:
    user: str
    needs_help: list[StandupItem]
    cards: list[Scorecard]
    rescues: list[tuple[str, str, date, str | None]]
    plans: list[tuple[str, str, date]]
    # For admins: messages Slack refused for good, to fix and retry.
    failures: list[Failure] = field(default_factory=list)


def home_for(session: Session, config: Config, roles: Roles, *, user: str, today: date) -> Home:
    """`user`'s home: their book, their rescues and, for approvers, plans awaiting them."""
    rules = rules_in_force(session, config)
    portfolio = load_portfolio(session, rules, as_of=today, only=involves(user))
    accounts = {a.id: a for a in portfolio.accounts.values()}
    rescues = [
        (accounts[r.account_id].key, accounts[r.account_id].name, r.checkpoint_on, r.next_step)
        for r in rescue_rows.open_rescues(session).values()
        if r.owner == user and r.account_id in accounts
    ]
    return Home(
        user=user,
        needs_help=portfolio.standup(),
        cards=[state.card for state in portfolio.states],
        rescues=sorted(rescues, key=lambda r: r[2]),
        plans=_plans_awaiting(session, roles, user=user),
        failures=deliveries.failed_for_admins(session) if roles.is_admin(user) else [],
    )


def _plans_awaiting(session: Session, roles: Roles, *, user: str) -> list[tuple[str, str, date]]:
    """Pending recovery plans of open rescues this approver (user group included) has not
    decided and did not request."""
    if not roles.is_approver(user):
        return []
    decided = select(Approval.escalation_id).where(Approval.approver == user)
    statement = (
        select(Account.key, Account.name, Escalation.decision_deadline)
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
    return [(key, name, deadline) for key, name, deadline in session.exec(statement)]
