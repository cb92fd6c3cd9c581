"""`/risk` and the register's buttons. Thin: parse, call `bot.services.risks`, answer privately.

`/risk <account> add <category> <text…> [owner:@u] [mitigation:"…"] [due:YYYY-MM-DD]
[impact:high|medium|low]` (the text runs up to the first option), `/risk <account> reviewed
<category>`, `/risk <account>` (the register, with Mitigated / Accepted / Closed buttons).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from slack_bolt import Ack, App, BoltContext, Respond

from bot.messages import blocks as ui
from bot.messages.risks import SETTLE_ACTIONS, register_blocks
from bot.messages.text import escape_mrkdwn, mention
from bot.services import portfolio, risks
from bot.services.backend import Backend
from bot.services.policy import Ask
from bot.slack import slash
from bot.slack.listeners.errors import answers_errors
from bot.slack.listeners.refresh import HomeRefresher
from bot.store.tables import Account, Risk
from scoring.errors import InvalidValue
from scoring.risks import RiskState, parse_category, parse_new_risk

# The account (a word, or a quoted name), the sub-command, and the rest as typed.
_COMMAND = re.compile(r'^\s*("[^"]*"|\S+)(?:\s+(\S+))?\s*(.*)$', re.DOTALL)
SUBCOMMANDS = ("add", "reviewed")


def _account(backend: Backend, word: str) -> Account:
    with backend.session() as session:
        return portfolio.find_account(session, word.strip('"'))


def _risk_fields(risk: Risk) -> dict:
    return {
        "id": risk.id, "category": risk.category, "text": risk.text, "impact": risk.impact,
        "owner": risk.owner, "mitigation": risk.mitigation, "due_on": risk.due_on,
        "state": risk.state,
    }  # fmt: skip


def _register(backend: Backend, account: Account) -> tuple[str, list[dict]]:
    with backend.session() as session:
        register = risks.register_of(session, account)
    ordered = sorted(register.risks, key=lambda r: (r.state != RiskState.OPEN.value, r.id))
    blocks = register_blocks(
        name=account.name,
        key=account.key,
        risks=[_risk_fields(r) for r in ordered],
        missing=register.missing,
        completeness=register.completeness,
    )
    opened = sum(r.state == RiskState.OPEN.value for r in register.risks)
    text = f"Risks of {escape_mrkdwn(account.name)}: {opened} open of {len(register.risks)}"
    return text, ui.as_dicts(blocks)


def _owner(text: str | None) -> str | None:
    if text is None:
        return None
    user = slash.user_id(text.strip())
    if user is None:
        raise InvalidValue(f"`owner:{text}` is not a person; mention them, like owner:@alice")
    return user


def run_risk(backend: Backend, ask: Ask, body: dict, respond: Respond) -> None:
    text = slash.unescape(body.get("text", ""))
    match = _COMMAND.match(text)
    if match is None or not match[1]:
        raise InvalidValue("an account is missing")
    account = _account(backend, match[1])
    sub = (match[2] or "").lower()
    if not sub:
        shown, blocks = _register(backend, account)
        respond(text=shown, blocks=blocks, response_type="ephemeral")
        return
    if sub not in SUBCOMMANDS:
        raise InvalidValue(
            f"`{match[2]}` is not a /risk command; use `add`, `reviewed`, or nothing to list"
        )
    rest = match[3]
    if sub == "reviewed":
        words = slash.tokens(rest)
        if len(words) != 1:
            raise InvalidValue("name one category to mark reviewed, like `reviewed auth`")
        category = parse_category(words[0])
        marked = risks.mark_reviewed(backend, ask, account, category)
        already = "" if marked else " (it already was)"
        respond(
            text=f"*{escape_mrkdwn(account.name)}*: {category.value} reviewed, no risk{already}.",
            response_type="ephemeral",
        )
        return
    new = parse_new_risk(rest)
    owner = _owner(new.owner)
    risk = risks.add(backend, ask, account, new, owner=owner)
    told = f" {mention(owner)} is told by DM." if owner and owner != ask.user else ""
    respond(
        text=f"Logged a {risk.impact}-impact {risk.category} risk on "
        f"*{escape_mrkdwn(account.name)}*: {escape_mrkdwn(risk.text)}.{told} "
        f"See the register: `/risk {account.key}`",
        response_type="ephemeral",
    )


def register(app: App, backend: Backend, homes: HomeRefresher) -> None:
    @app.command("/risk")
    @answers_errors
    def risk_command(ack: Ack, body: dict, respond: Respond, context: BoltContext) -> None:
        ack()
        run_risk(backend, context["ask"], body, respond)
        homes.request({context["ask"].user})

    for state, action_id in SETTLE_ACTIONS.items():
        app.action(action_id)(answers_errors(_settler(backend, state)))


def _settler(backend: Backend, state: RiskState) -> Callable[..., None]:
    def settle_clicked(
        ack: Ack, body: dict, action: dict, respond: Respond, context: BoltContext
    ) -> None:
        ack()
        try:
            risk_id = int(action.get("value", ""))
        except ValueError:
            raise InvalidValue("that button names no risk") from None
        settled = risks.settle(backend, context["ask"], risk_id, state)
        shown, blocks = _register(backend, settled.account)
        respond(text=shown, blocks=blocks, replace_original=True)

    return settle_clicked
