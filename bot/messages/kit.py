"""The Block Kit pieces every builder shares: text objects cut to Slack's limits, context lines,
buttons and their confirm dialogs, modals and their inputs.

Builders compose these rather than slack_sdk's models directly, so each limit is applied in one
place (`bot.messages.limits`) and a modal, a button or an input is written once.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

from slack_sdk.models.blocks import (
    Block,
    ButtonElement,
    ConfirmObject,
    ContextBlock,
    HeaderBlock,
    InputBlock,
    InputInteractiveElement,
    MarkdownTextObject,
    PlainTextInputElement,
    PlainTextObject,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot.messages import limits
from bot.messages.limits import clip, cut


def md(text: str, limit: int = limits.SECTION_TEXT) -> MarkdownTextObject:
    """Mrkdwn the app composed from escaped pieces, cut to `limit` (a section's by default)."""
    return MarkdownTextObject(text=cut(text, limit))


def plain(text: str, limit: int = limits.BUTTON_TEXT) -> PlainTextObject:
    return PlainTextObject(text=clip(text, limit), emoji=True)


def as_dicts(blocks: Sequence[Block]) -> list[dict]:
    return [block.to_dict() for block in blocks]


def header(title: str) -> HeaderBlock:
    return HeaderBlock(text=plain(title, limits.HEADER_TEXT))


def section(text: str) -> SectionBlock:
    """A section of mrkdwn the app composed, cut to a section's limit."""
    return SectionBlock(text=md(text))


def context(*texts: str) -> ContextBlock:
    """A context block of mrkdwn lines, each cut to a context element's limit."""
    return ContextBlock(elements=[md(text, limits.CONTEXT_TEXT) for text in texts])


def button(
    label: str,
    action_id: str,
    value: str,
    *,
    style: str | None = None,
    confirm: ConfirmObject | None = None,
) -> ButtonElement:
    return ButtonElement(
        text=plain(label), action_id=action_id, value=value, style=style, confirm=confirm
    )


def confirm_dialog(title: str, text: str, confirm: str) -> ConfirmObject:
    """The dialog a button opens before it acts; `text` is mrkdwn the app composed."""
    return ConfirmObject(
        title=plain(title, limits.CONFIRM_TITLE),
        text=md(text, limits.CONFIRM_TEXT),
        confirm=plain(confirm, limits.CONFIRM_BUTTON),
        deny=plain("Cancel", limits.CONFIRM_BUTTON),
    )


def decision_confirm(title: str, confirm: str, *, first: str = "") -> ConfirmObject:
    """The confirm dialog of a decision button (`first`: what the decision does)."""
    return confirm_dialog(
        title, f"{first} Your decision is recorded with your name.".lstrip(), confirm
    )


def modal(
    callback_id: str,
    title: str,
    blocks: Sequence[Block],
    *,
    metadata: str | Mapping[str, object],
    submit: str = "Save",
) -> View:
    """A modal with a submit button and Cancel. `metadata` comes back with the submission: a
    mapping is sent as JSON, a string as it is."""
    return View(
        type="modal",
        callback_id=callback_id,
        title=plain(title, limits.VIEW_TITLE),
        submit=plain(submit, limits.VIEW_BUTTON),
        close=plain("Cancel", limits.VIEW_BUTTON),
        private_metadata=metadata if isinstance(metadata, str) else json.dumps(metadata),
        blocks=list(blocks),
    )


def input_block(
    block_id: str,
    label: str,
    element: InputInteractiveElement,
    *,
    optional: bool = False,
    hint: str | None = None,
) -> InputBlock:
    """One input of a modal. Slack's default, required, is left unsaid."""
    return InputBlock(
        block_id=block_id,
        label=plain(label, limits.INPUT_LABEL),
        optional=optional or None,
        hint=plain(hint, limits.INPUT_HINT) if hint else None,
        element=element,
    )


def text_input(
    block_id: str,
    label: str,
    *,
    action_id: str | None = None,
    optional: bool = False,
    multiline: bool = True,
    initial: str | None = None,
    hint: str | None = None,
    placeholder: str | None = None,
    max_length: int = limits.TEXT_INPUT,
) -> InputBlock:
    """A text input; its action id is its block id unless `action_id` says otherwise."""
    element = PlainTextInputElement(
        action_id=action_id or block_id,
        multiline=multiline,
        max_length=max_length,
        initial_value=initial or None,
        placeholder=plain(placeholder, limits.PLACEHOLDER) if placeholder else None,
    )
    return input_block(block_id, label, element, optional=optional, hint=hint)
