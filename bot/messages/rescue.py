"""Block Kit for rescue threads, recovery plans and their modals."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DatePickerElement,
    MarkdownTextObject,
    Option,
    RadioButtonsElement,
    SectionBlock,
    UserSelectElement,
)
from slack_sdk.models.views import View

from bot.messages import limits
from bot.messages.ids import PlanAction, RescueAction, RescueInput, RescueModal, plan_block_id
from bot.messages.kit import (
    button,
    context,
    decision_confirm,
    header,
    input_block,
    md,
    modal,
    section,
    text_input,
)
from bot.messages.limits import fit
from bot.messages.models import RescueView, elapsed
from bot.messages.scorecard import account_summary, score_line
from bot.messages.text import escape_mrkdwn, mention, short_date
from bot.store.rescues import OPENED_BY_MISTAKE
from bot.store.tables import Approval, Escalation, Rescue
from scoring.escalation import PLAN_FIELDS, Decision, PlanState
from scoring.rescue_steps import RescueStep, rescue_steps

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
    "not_needed": "Closed: not needed (a false alarm)",
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


def mistake_reply(corrected_by: str, *, undone: bool = False) -> str:
    """The thread reply when a correction (or an undo) closes the rescue its rating opened."""
    how = "undone" if undone else "corrected"
    return (
        f":leftwards_arrow_with_hook: Closed: opened by mistake — the rating was {how} by "
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
    rescue = view.rescue
    blocks: list[Block] = [
        header(f"Rescue · {view.account.name}"),
        section(
            f"{score_line(view.card)}\n*Why:* {fit(rescue.reason, 1000)} · "
            f"state *{STATE_LABEL[rescue.state]}* · opened {_when(rescue.opened_at)}"
        ),
        SectionBlock(fields=_fields(rescue, now=now)),
    ]
    if view.severe:
        advice = (
            " Escalate to leadership with a recovery plan."
            if RescueStep.ESCALATE in steps_of(view) else ""
        )  # fmt: skip
        blocks.append(section(f":rotating_light: *Severe:* {escape_mrkdwn(view.severe)}.{advice}"))
    if view.plan is not None:
        blocks.append(
            context(
                f"Recovery plan: *{view.plan.state.replace('_', ' ')}* · decide by "
                f"{short_date(view.plan.decision_deadline)}"
            )
        )
    if rescue.state == "resolved":  # the buttons give way to the outcome
        outcome = RESOLUTION_LABEL.get(rescue.resolution or "", "Resolved")
        blocks.append(context(f":checkered_flag: {outcome} {_when(rescue.resolved_at or now)}"))
    else:
        blocks.append(ActionsBlock(elements=_buttons(view)))
    return blocks


def _fields(rescue: Rescue, *, now: datetime) -> list[MarkdownTextObject]:
    """Who owns it, how the response went, when the customer is next met, what is next."""
    if rescue.acknowledged_at is None:
        late = now > rescue.sla_due_at
        response = (
            f"{':alarm_clock: *overdue* since' if late else 'due'} {_when(rescue.sla_due_at)}"
        )
    else:
        response = f"acknowledged after {elapsed(rescue.opened_at, rescue.acknowledged_at)}"
    return [
        md(f"*Owner*\n{mention(rescue.owner)}", limits.SECTION_FIELD),
        md(f"*Response*\n{response}", limits.SECTION_FIELD),
        md(f"*Customer checkpoint*\n{short_date(rescue.checkpoint_on)}", limits.SECTION_FIELD),
        md(f"*Next step*\n{fit(rescue.next_step or '—', 500)}", limits.SECTION_FIELD),
    ]


def steps_of(view: RescueView) -> frozenset[RescueStep]:
    """What may be done with the rescue now, given its state and its latest plan."""
    rescue, plan = view.rescue, view.plan
    return rescue_steps(
        rescue.state,
        acknowledged=rescue.acknowledged_at is not None,
        plan=PlanState(plan.state) if plan is not None else None,
    )


def _buttons(view: RescueView) -> list[ButtonElement]:
    """The actions valid in the rescue's state (`scoring.rescue_steps`): Acknowledge first while
    offered; Escalate first, in red, once severe, else last."""
    steps, value = steps_of(view), str(view.rescue.id)
    buttons = [
        button(label, action, value)
        for step, label, action in (
            (RescueStep.LOG, "Log action", RescueAction.LOG),
            (RescueStep.CHANGE, "Change owner / date", RescueAction.CHANGE),
            (RescueStep.RESOLVE, "Resolve", RescueAction.RESOLVE),
        )
        if step in steps
    ]
    if RescueStep.ACKNOWLEDGE in steps:
        buttons.insert(0, button("Acknowledge", RescueAction.ACKNOWLEDGE, value, style="primary"))
    if RescueStep.ESCALATE in steps:
        style = "danger" if view.severe else None
        escalate = button("Escalate", RescueAction.ESCALATE, value, style=style)
        buttons.insert(0 if view.severe else len(buttons), escalate)
    return buttons


def log_modal(view: RescueView, metadata: dict) -> View:
    blocks = [
        section(account_summary(view.account.name, view.card)),
        text_input(RescueInput.DONE, "What was done"),
        text_input(RescueInput.CUSTOMER, "Customer's response", optional=True),
        text_input(
            RescueInput.NEXT,
            "Next step",
            optional=True,
            multiline=False,
            initial=view.rescue.next_step,
        ),
    ]
    return modal(RescueModal.LOG, "Log an action", blocks, metadata=metadata, submit="Log")


def change_modal(view: RescueView, metadata: dict) -> View:
    rescue = view.rescue
    owner = UserSelectElement(action_id=RescueInput.OWNER, initial_user=rescue.owner)
    checkpoint = DatePickerElement(
        action_id=RescueInput.CHECKPOINT, initial_date=rescue.checkpoint_on.isoformat()
    )
    blocks = [
        input_block(RescueInput.OWNER, "Owner", owner),
        input_block(RescueInput.CHECKPOINT, "Customer checkpoint", checkpoint),
    ]
    return modal(RescueModal.CHANGE, "Owner and checkpoint", blocks, metadata=metadata)


def resolve_modal(view: RescueView, metadata: dict) -> View:
    options = [
        Option(value="recovered", text="Recovered: the account is back on track"),
        Option(value="not_recovered", text="Not recovered"),
        Option(value="not_needed", text="Not needed: the account was never at risk"),
    ]
    outcome = RadioButtonsElement(action_id=RescueInput.OUTCOME, options=options)
    blocks = [
        section(account_summary(view.account.name, view.card)),
        input_block(RescueInput.OUTCOME, "Outcome", outcome),
        text_input(RescueInput.NOTE, "Note", optional=True),
    ]
    return modal(
        RescueModal.RESOLVE,
        "Resolve the rescue",
        blocks,
        metadata=metadata,
        submit="Resolve",
    )


def plan_modal(view: RescueView, metadata: dict, *, today: date) -> View:
    intro = (
        f"{account_summary(view.account.name, view.card)}\n"
        "Leadership approves, requests changes or rejects. "
        f"Today is {short_date(today)}."
    )
    blocks: list[Block] = [section(intro)]
    blocks += [text_input(plan_block_id(k), label) for k, label in PLAN_FIELDS.items()]
    blocks.append(
        input_block(
            RescueInput.DEADLINE,
            "Decision deadline",
            DatePickerElement(action_id=RescueInput.DEADLINE),
            hint="Leadership decides by this date; it must be after today.",
        )
    )
    return modal(
        RescueModal.PLAN,
        "Recovery plan",
        blocks,
        metadata=metadata,
        submit="Send for decision",
    )


def reason_modal(decision: Decision, metadata: dict) -> View:
    title = "Request changes" if decision is Decision.REQUEST_CHANGES else "Reject the plan"
    reason = text_input(
        RescueInput.REASON, "Reason", hint="The requester and the rescue thread will see it."
    )
    return modal(RescueModal.REASON, title, [reason], metadata=metadata, submit=title)


def plan_text(plan: Escalation, account_name: str) -> str:
    return f"Recovery plan for {escape_mrkdwn(account_name)}: {plan.state.replace('_', ' ')}"


def plan_blocks(
    plan: Escalation, account_name: str, decisions: Sequence[Approval], *, thread_link: str | None
) -> list[Block]:
    """The plan as leadership sees it; once decided, the buttons give way to the decision."""
    approvals = f"approval{'s' if plan.approvals_required > 1 else ''}"
    link = f" · <{thread_link}|rescue thread>" if thread_link else ""
    blocks: list[Block] = [
        header(f"Recovery plan · {account_name}"),
        section(
            f"Requested by {mention(plan.requested_by)} · decide by "
            f"*{short_date(plan.decision_deadline)}* · needs {plan.approvals_required} "
            f"{approvals}{link}"
        ),
    ]
    for key, label in PLAN_FIELDS.items():
        blocks.append(section(f"*{label}*\n{fit(getattr(plan, key), 2900)}"))
    blocks += [_decision_line(decision) for decision in decisions]
    if plan.state == "pending":
        blocks.append(decision_buttons(plan.id))
    else:
        blocks.append(section(f"*Decision: {plan.state.replace('_', ' ')}*"))
    return blocks


def _decision_line(decision: Approval) -> ContextBlock:
    label = Decision(decision.decision).label
    reason = f": {fit(decision.reason, 1000)}" if decision.reason else ""
    return context(
        f"*{label}* by {mention(decision.approver)} {_when(decision.decided_at)}{reason}"
    )


def decision_buttons(plan_id: int | None) -> ActionsBlock:
    """Approve, request changes, reject, each behind its confirm dialog: on the plan's message
    and on the App Home of the approvers it awaits."""
    value = str(plan_id)
    approve = decision_confirm("Approve this plan?", "Approve")
    change = decision_confirm("Ask for changes?", "Continue")
    reject = decision_confirm("Reject this plan?", "Continue")
    return ActionsBlock(
        elements=[
            button("Approve", PlanAction.APPROVE, value, style="primary", confirm=approve),
            button("Request changes", PlanAction.REQUEST_CHANGES, value, confirm=change),
            button("Reject", PlanAction.REJECT, value, style="danger", confirm=reject),
        ]
    )
