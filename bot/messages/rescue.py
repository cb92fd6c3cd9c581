"""Block Kit for rescue threads, recovery plans and their modals."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DatePickerElement,
    HeaderBlock,
    InputBlock,
    Option,
    PlainTextInputElement,
    RadioButtonsElement,
    SectionBlock,
    UserSelectElement,
)
from slack_sdk.models.views import View

from bot.messages import limits
from bot.messages.blocks import decision_confirm, md, plain, score_line
from bot.messages.ids import PlanAction, RescueAction, RescueInput, RescueModal, plan_block_id
from bot.messages.limits import fit
from bot.messages.models import RescueView, elapsed
from bot.messages.text import escape_mrkdwn, mention, short_date
from bot.store.rescues import OPENED_BY_MISTAKE
from bot.store.tables import Approval, Escalation
from scoring.escalation import PLAN_FIELDS, Decision

STATE_LABEL = {
    "open": "Open",
    "acknowledged": "Acknowledged",
    "recovering": "Recovering",
    "escalated": "Escalated",
    "resolved": "Resolved",
}
RESOLUTION_LABEL = {
    "recovered": "Resolved (recovered)",
    "not_recovered": "Resolved (not recovered)",
    OPENED_BY_MISTAKE: "Closed: opened by mistake",
}


def _when(moment: datetime) -> str:
    """A time Slack shows in each reader's own zone."""
    stamp = int(moment.timestamp())
    return f"<!date^{stamp}^{{date_short_pretty}} {{time}}|{moment.isoformat(timespec='minutes')}>"


def rescue_text(view: RescueView) -> str:
    return f"Rescue: {escape_mrkdwn(view.account.name)} · {STATE_LABEL[view.rescue.state]}"


def trigger_reply(reason: str) -> str:
    """The thread reply when a new trigger lands on a rescue already open."""
    return f":repeat: New trigger: {escape_mrkdwn(reason)}."


def mistake_reply(corrected_by: str) -> str:
    """The thread reply when a correction closes the rescue its rating opened."""
    return (
        f":leftwards_arrow_with_hook: Closed: opened by mistake — the rating was corrected by "
        f"{mention(corrected_by)}."
    )


def severe_reply(reason: str) -> str:
    """The thread reply, said once, when a rescue turns severe."""
    return (
        f":rotating_light: This rescue is now *severe*: {escape_mrkdwn(reason)}. "
        "Escalate it to leadership with a recovery plan."
    )


def rescue_blocks(view: RescueView, *, now: datetime) -> list[Block]:
    """The rescue's parent message, kept current as the rescue changes."""
    rescue, account = view.rescue, view.account
    if rescue.acknowledged_at is None:
        late = now > rescue.sla_due_at
        response = (
            f"{':alarm_clock: *overdue* since' if late else 'due'} {_when(rescue.sla_due_at)}"
        )
    else:
        response = f"acknowledged after {elapsed(rescue.opened_at, rescue.acknowledged_at)}"
    fields = [
        md(f"*Owner*\n{mention(rescue.owner)}", limits.SECTION_FIELD),
        md(f"*Response*\n{response}", limits.SECTION_FIELD),
        md(f"*Customer checkpoint*\n{short_date(rescue.checkpoint_on)}", limits.SECTION_FIELD),
        md(f"*Next step*\n{fit(rescue.next_step or '—', 500)}", limits.SECTION_FIELD),
    ]
    blocks: list[Block] = [
        HeaderBlock(text=plain(f"Rescue · {account.name}", limits.HEADER_TEXT)),
        SectionBlock(
            text=md(
                f"{score_line(view.card)}\n*Why:* {fit(rescue.reason, 1000)} · "
                f"state *{STATE_LABEL[rescue.state]}* · opened {_when(rescue.opened_at)}"
            )
        ),
        SectionBlock(fields=fields),
    ]
    if view.severe:
        blocks.append(
            SectionBlock(
                text=md(
                    f":rotating_light: *Severe:* {escape_mrkdwn(view.severe)}. "
                    "Escalate to leadership with a recovery plan."
                )
            )
        )
    if view.plan is not None:
        blocks.append(
            ContextBlock(
                elements=[
                    md(
                        f"Recovery plan: *{view.plan.state.replace('_', ' ')}* · decide by "
                        f"{short_date(view.plan.decision_deadline)}",
                        limits.CONTEXT_TEXT,
                    )
                ]
            )
        )
    if rescue.state == "resolved":
        outcome = RESOLUTION_LABEL.get(rescue.resolution or "", "Resolved")
        blocks.append(
            ContextBlock(
                elements=[
                    md(
                        f":checkered_flag: {outcome} {_when(rescue.resolved_at or now)}",
                        limits.CONTEXT_TEXT,
                    )
                ]
            )
        )
        return blocks
    value = str(rescue.id)
    buttons = [
        ButtonElement(text=plain("Log action"), action_id=RescueAction.LOG, value=value),
        ButtonElement(
            text=plain("Change owner / date"), action_id=RescueAction.CHANGE, value=value
        ),
        ButtonElement(text=plain("Resolve"), action_id=RescueAction.RESOLVE, value=value),
    ]
    if rescue.acknowledged_at is None:
        buttons.insert(
            0,
            ButtonElement(
                text=plain("Acknowledge"),
                action_id=RescueAction.ACKNOWLEDGE,
                value=value,
                style="primary",
            ),
        )
    pending = view.plan is not None and view.plan.state == "pending"
    if not pending:
        escalate = ButtonElement(
            text=plain("Escalate"),
            action_id=RescueAction.ESCALATE,
            value=value,
            style="danger" if view.severe else None,
        )
        if view.severe:
            buttons.insert(0, escalate)
        else:
            buttons.append(escalate)
    blocks.append(ActionsBlock(elements=buttons))
    return blocks


def _modal(callback: str, title: str, metadata: dict, blocks: list[Block], submit: str) -> View:
    return View(
        type="modal",
        callback_id=callback,
        title=plain(title, limits.VIEW_TITLE),
        submit=plain(submit, limits.VIEW_BUTTON),
        close=plain("Cancel", limits.VIEW_BUTTON),
        private_metadata=json.dumps(metadata),
        blocks=blocks,
    )


def _text_input(
    block: str,
    label: str,
    *,
    optional: bool = False,
    multiline: bool = True,
    initial: str | None = None,
    hint: str | None = None,
) -> InputBlock:
    return InputBlock(
        block_id=block,
        label=plain(label, limits.INPUT_LABEL),
        optional=optional,
        hint=plain(hint, limits.INPUT_HINT) if hint else None,
        element=PlainTextInputElement(
            action_id=block,
            multiline=multiline,
            max_length=limits.TEXT_INPUT,
            initial_value=initial or None,
        ),
    )


def log_modal(view: RescueView, metadata: dict) -> View:
    return _modal(
        RescueModal.LOG,
        "Log an action",
        metadata,
        [
            SectionBlock(
                text=md(f"*{escape_mrkdwn(view.account.name)}* · {score_line(view.card)}")
            ),
            _text_input(RescueInput.DONE, "What was done"),
            _text_input(RescueInput.CUSTOMER, "Customer's response", optional=True),
            _text_input(
                RescueInput.NEXT,
                "Next step",
                optional=True,
                multiline=False,
                initial=view.rescue.next_step,
            ),
        ],
        "Log",
    )


def change_modal(view: RescueView, metadata: dict) -> View:
    return _modal(
        RescueModal.CHANGE,
        "Owner and checkpoint",
        metadata,
        [
            InputBlock(
                block_id=RescueInput.OWNER,
                label=plain("Owner"),
                element=UserSelectElement(
                    action_id=RescueInput.OWNER, initial_user=view.rescue.owner
                ),
            ),
            InputBlock(
                block_id=RescueInput.CHECKPOINT,
                label=plain("Customer checkpoint"),
                element=DatePickerElement(
                    action_id=RescueInput.CHECKPOINT,
                    initial_date=view.rescue.checkpoint_on.isoformat(),
                ),
            ),
        ],
        "Save",
    )


def resolve_modal(view: RescueView, metadata: dict) -> View:
    options = [
        Option(value="recovered", text="Recovered: the account is back on track"),
        Option(value="not_recovered", text="Not recovered"),
    ]
    return _modal(
        RescueModal.RESOLVE,
        "Resolve the rescue",
        metadata,
        [
            SectionBlock(
                text=md(f"*{escape_mrkdwn(view.account.name)}* · {score_line(view.card)}")
            ),
            InputBlock(
                block_id=RescueInput.OUTCOME,
                label=plain("Outcome"),
                element=RadioButtonsElement(action_id=RescueInput.OUTCOME, options=options),
            ),
            _text_input(RescueInput.NOTE, "Note", optional=True),
        ],
        "Resolve",
    )


def plan_modal(view: RescueView, metadata: dict, *, today: date) -> View:
    inputs: list[Block] = [_text_input(plan_block_id(k), label) for k, label in PLAN_FIELDS.items()]
    inputs.append(
        InputBlock(
            block_id=RescueInput.DEADLINE,
            label=plain("Decision deadline"),
            hint=plain(
                "Leadership decides by this date; it must be after today.", limits.INPUT_HINT
            ),
            element=DatePickerElement(action_id=RescueInput.DEADLINE),
        )
    )
    return _modal(
        RescueModal.PLAN,
        "Recovery plan",
        metadata,
        [
            SectionBlock(
                text=md(
                    f"*{escape_mrkdwn(view.account.name)}* · {score_line(view.card)}\n"
                    "Leadership approves, requests changes or rejects. "
                    f"Today is {short_date(today)}."
                )
            ),
            *inputs,
        ],
        "Send for decision",
    )


def reason_modal(decision: Decision, metadata: dict) -> View:
    title = "Request changes" if decision is Decision.REQUEST_CHANGES else "Reject the plan"
    return _modal(
        RescueModal.REASON,
        title,
        metadata,
        [
            _text_input(
                RescueInput.REASON,
                "Reason",
                hint="The requester and the rescue thread will see it.",
            ),
        ],
        title,
    )


def plan_text(plan: Escalation, account_name: str) -> str:
    return f"Recovery plan for {escape_mrkdwn(account_name)}: {plan.state.replace('_', ' ')}"


def plan_blocks(
    plan: Escalation, account_name: str, decisions: Sequence[Approval], *, thread_link: str | None
) -> list[Block]:
    """The plan as leadership sees it; once decided, the buttons give way to the decision."""
    blocks: list[Block] = [
        HeaderBlock(text=plain(f"Recovery plan · {account_name}", limits.HEADER_TEXT)),
        SectionBlock(
            text=md(
                f"Requested by {mention(plan.requested_by)} · decide by "
                f"*{short_date(plan.decision_deadline)}* · needs {plan.approvals_required} "
                f"approval{'s' if plan.approvals_required > 1 else ''}"
                + (f" · <{thread_link}|rescue thread>" if thread_link else "")
            )
        ),
    ]
    for key, label in PLAN_FIELDS.items():
        blocks.append(SectionBlock(text=md(f"*{label}*\n{fit(getattr(plan, key), 2900)}")))
    for decision in decisions:
        label = Decision(decision.decision).label
        reason = f": {fit(decision.reason, 1000)}" if decision.reason else ""
        blocks.append(
            ContextBlock(
                elements=[
                    md(
                        f"*{label}* by {mention(decision.approver)} "
                        f"{_when(decision.decided_at)}{reason}",
                        limits.CONTEXT_TEXT,
                    )
                ]
            )
        )
    if plan.state == "pending":
        value = str(plan.id)
        blocks.append(
            ActionsBlock(
                elements=[
                    ButtonElement(
                        text=plain("Approve"),
                        action_id=PlanAction.APPROVE,
                        value=value,
                        style="primary",
                        confirm=decision_confirm("Approve this plan?", "Approve"),
                    ),
                    ButtonElement(
                        text=plain("Request changes"),
                        action_id=PlanAction.REQUEST_CHANGES,
                        value=value,
                        confirm=decision_confirm("Ask for changes?", "Continue"),
                    ),
                    ButtonElement(
                        text=plain("Reject"),
                        action_id=PlanAction.REJECT,
                        value=value,
                        style="danger",
                        confirm=decision_confirm("Reject this plan?", "Continue"),
                    ),
                ]
            )
        )
    else:
        blocks.append(SectionBlock(text=md(f"*Decision: {plan.state.replace('_', ' ')}*")))
    return blocks
