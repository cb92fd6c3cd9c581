"""The phase-gate checklist modal (`/onboard gate <account>`): per phase, its ticked items as
checkboxes and its measured items as number inputs, each phase saying when it ends and which of
its items are overdue; and the ids its submission is read back by."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from slack_sdk.models.blocks import (
    Block,
    CheckboxesElement,
    NumberInputElement,
    Option,
)
from slack_sdk.models.views import View

from bot.messages import limits
from bot.messages.kit import context, input_block, modal, plain, section
from bot.messages.text import escape_mrkdwn, short_date
from scoring.gates import GateItem, GatePhase, Gates, GateState, OverdueGate, is_met

CALLBACK = "modal.gates"
TICKS = "gate.ticks"  # action id of a phase's checkboxes
VALUE = "gate.value"  # action id of a measured item's number input
SEPARATOR = "|"
PER_CHECKBOXES = 10  # Slack's limit on a checkbox group's options


def ticks_block_id(phase: GatePhase, part: int) -> str:
    return f"gates{SEPARATOR}{phase.value}{SEPARATOR}{part}"


def value_block_id(item: str) -> str:
    return f"gatevalue{SEPARATOR}{item}"


def item_of_value_block(block_id: str) -> str | None:
    kind, _, item = block_id.partition(SEPARATOR)
    return item if kind == "gatevalue" else None


def _option(item: GateItem, late: OverdueGate | None) -> Option:
    description = f"overdue, {late.days_late}d late" if late else None
    return Option(
        value=item.key,
        text=plain(item.label, limits.OPTION_TEXT),
        description=plain(description, limits.OPTION_TEXT) if description else None,
    )


def gate_modal(
    *,
    name: str,
    gates: Gates,
    states: Mapping[str, GateState],
    overdue: tuple[OverdueGate, ...],
    signed_on: date | None,
    metadata: str,
) -> View:
    late = {gate.key: gate for gate in overdue}
    intro = (
        f"*{escape_mrkdwn(name)}*: each phase's readiness checks. An item still open when its "
        "phase ends is overdue and comes up in the standup."
    )
    if signed_on is None:
        intro += " _No signature date yet: set one with `/onboard set … signed:YYYY-MM-DD`._"
    blocks: list[Block] = [section(intro)]
    for phase in GatePhase:
        items = gates.of(phase)
        if not items:
            continue
        met = sum(is_met(item, states.get(item.key)) for item in items)
        ends = f" · ends {short_date(phase.ends_on(signed_on))}" if signed_on else ""
        blocks.append(section(f"*{phase.label}*{ends} · {met} of {len(items)} met"))
        ticked = [item for item in items if not item.measured]
        for part, start in enumerate(range(0, len(ticked), PER_CHECKBOXES)):
            chunk = ticked[start : start + PER_CHECKBOXES]
            options = [_option(item, late.get(item.key)) for item in chunk]
            chosen = [
                o
                for o, i in zip(options, chunk, strict=True)
                if states.get(i.key, GateState()).done
            ]
            element = CheckboxesElement(
                action_id=TICKS, options=options, initial_options=chosen or None
            )
            blocks.append(input_block(ticks_block_id(phase, part), "Done", element, optional=True))
        for item in items:
            if item.measured:
                blocks.append(_number_input(item, states.get(item.key), late.get(item.key)))
    if len(blocks) > limits.VIEW_BLOCKS:
        blocks = [*blocks[: limits.VIEW_BLOCKS - 1], context("More items than a modal holds.")]
    return modal(CALLBACK, "Phase gates", blocks, metadata=metadata)


def _number_input(item: GateItem, state: GateState | None, late: OverdueGate | None) -> Block:
    value = state.value if state is not None else None
    element = NumberInputElement(
        action_id=VALUE,
        is_decimal_allowed=True,
        min_value="0",
        initial_value=None if value is None else _number(value),
    )
    hint = f"Target {item.target_text()}." + (f" Overdue, {late.days_late}d late." if late else "")
    return input_block(value_block_id(item.key), item.label, element, optional=True, hint=hint)


def saved_text(name: str, changes: list[str], rated: tuple[str, ...], overdue: int) -> str:
    """What the person is told once the checklist is saved."""
    if not changes:
        return f"Phase gates for *{escape_mrkdwn(name)}*: nothing changed."
    lines = "\n".join(f"• {escape_mrkdwn(change)}" for change in changes)
    text = f"Phase gates for *{escape_mrkdwn(name)}* saved:\n{lines}"
    if rated:
        text += f"\nRated Healthy: {escape_mrkdwn(', '.join(rated))}."
    if overdue:
        text += f"\n{overdue} item{'s' if overdue != 1 else ''} still overdue."
    return text


def overdue_line(overdue: tuple[OverdueGate, ...]) -> str | None:
    """The scorecard's line for overdue gate items (None when there are none)."""
    if not overdue:
        return None
    return ":construction: Gates overdue: " + "; ".join(
        escape_mrkdwn(gate.describe()) for gate in overdue
    )


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"
