"""The risk register as `/risk <account>` shows it: each risk with its category, impact, owner,
mitigation and due date, and buttons (Mitigated, Accepted, Closed) on the open ones; the
categories still to review; and the ids its buttons are read back by."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from slack_sdk.models.blocks import ActionsBlock, Block

from bot.messages import limits
from bot.messages.kit import button, context, header, section
from bot.messages.text import escape_mrkdwn, mention
from scoring.risks import RiskCategory, RiskState

SETTLE_ACTIONS = {
    RiskState.MITIGATED: "risk.mitigated",
    RiskState.ACCEPTED: "risk.accepted",
    RiskState.CLOSED: "risk.closed",
}
"""A settle button's action id by the state it sets; its value is the risk's id."""

_IMPACT = {"high": ":red_circle: high", "medium": ":large_orange_circle: medium",
           "low": ":white_circle: low"}  # fmt: skip


def risk_line(
    *,
    category: str,
    text: str,
    impact: str,
    owner: str | None,
    mitigation: str | None,
    due_on: date | None,
    state: str,
) -> str:
    parts = [
        f"*{RiskCategory(category).label}* · {_IMPACT.get(impact, impact)} impact · "
        f"{RiskState(state).label}",
        escape_mrkdwn(text),
        f"Owner {mention(owner)}"
        + (f" · due {due_on.isoformat()}" if due_on else "")
        + (f" · mitigation: {escape_mrkdwn(mitigation)}" if mitigation else " · _no mitigation_"),
    ]
    return "\n".join(parts)


def register_blocks(
    *,
    name: str,
    key: str,
    risks: Sequence[dict],
    missing: Sequence[RiskCategory],
    completeness: float,
) -> list[Block]:
    """`risks`: each risk's fields (`id`, `category`, `text`, `impact`, `owner`, `mitigation`,
    `due_on`, `state`), open ones first."""
    blocks: list[Block] = [header(f"Risks · {name}")]
    if not risks:
        blocks.append(section("No risk logged yet."))
    # Room for the header, the summary lines and a note when some risks are left out.
    room = (limits.MESSAGE_BLOCKS - 4) // 2
    for risk in risks[:room]:
        blocks.append(section(risk_line(**{k: v for k, v in risk.items() if k != "id"})))
        if risk["state"] == RiskState.OPEN.value:
            blocks.append(
                ActionsBlock(
                    block_id=f"risk|{risk['id']}",
                    elements=[
                        button(
                            state.label,
                            action,
                            str(risk["id"]),
                            style="primary" if state is RiskState.MITIGATED else None,
                        )
                        for state, action in SETTLE_ACTIONS.items()
                    ],
                )
            )
    if len(risks) > room:
        blocks.append(context(f"{len(risks) - room} more not shown: `rescuebot timeline {key}`."))
    covered = f"Risk identification {completeness:.0%}"
    todo = (
        " · still to review: " + ", ".join(c.value for c in missing) + f" (`/risk {key} reviewed "
        f"CATEGORY` when there is none)"
        if missing
        else " · every category reviewed"
    )
    blocks.append(context(covered + todo))
    return blocks
