"""Block Kit checks the double runs on every `blocks` and `view` the app sends.

This module owns the validation rules. slack_sdk's models do most of the work: each block is
parsed with `Block.parse` (a view with `View`) and serialised with `to_dict()`, which runs
`validate_json()` on the block and on everything nested in it. On top of that it checks what
slack_sdk does not: at most 50 blocks in a message and 100 in a modal or home tab, `blocks` being
a list of objects (a JSON string of one is accepted, as Slack does), section fields of at most
2000 characters, no empty text objects, unique block_ids, fields slack_sdk does not know
(Slack refuses unknown fields, slack_sdk silently drops them), a modal's title and the submit
button a modal with inputs needs. Each problem is a readable string that starts with a JSON
pointer, e.g. `/blocks/3/text: text attribute cannot exceed 3000 characters`.
"""

from __future__ import annotations

import json
from typing import Any

from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

MESSAGE_BLOCK_LIMIT = 50
VIEW_BLOCK_LIMIT = 100
SECTION_TEXT_LIMIT = 3000
SECTION_FIELD_LIMIT = 2000
VIEW_TITLE_LIMIT = 24
VIEW_TYPES = ("modal", "home")


def decode_json_field(raw: Any) -> Any:
    """Return a field as Slack reads it: form posts carry JSON as a string, JSON posts do not.

    Raises ValueError when a string is not valid JSON.
    """
    return json.loads(raw) if isinstance(raw, str) else raw


def check_blocks(
    raw: Any, *, limit: int = MESSAGE_BLOCK_LIMIT, pointer: str = "/blocks"
) -> list[str]:
    """Return the problems of a `blocks` field; an empty list means Slack would take it."""
    try:
        blocks = decode_json_field(raw)
    except ValueError:
        return [f"{pointer}: blocks is a string but not valid JSON"]
    if not isinstance(blocks, list):
        return [f"{pointer}: blocks must be a list of objects, got {type(blocks).__name__}"]
    problems: list[str] = []
    if len(blocks) > limit:
        problems.append(f"{pointer}: {len(blocks)} blocks, no more than {limit} allowed")
    block_ids: set[str] = set()
    for index, block in enumerate(blocks):
        where = f"{pointer}/{index}"
        if not isinstance(block, dict):
            problems.append(f"{where}: a block must be an object, got {type(block).__name__}")
            continue
        block_id = block.get("block_id")
        if isinstance(block_id, str):
            if block_id in block_ids:
                problems.append(f"{where}/block_id: duplicate block_id {block_id!r}")
            block_ids.add(block_id)
        problems.extend(_check_block(block, where))
    return problems


def check_view(raw: Any) -> list[str]:
    """Return the problems of a `view` field (modal or home tab), blocks included."""
    try:
        view = decode_json_field(raw)
    except ValueError:
        return ["/view: view is a string but not valid JSON"]
    if not isinstance(view, dict):
        return [f"/view: view must be an object, got {type(view).__name__}"]
    view_type = view.get("type")
    if view_type not in VIEW_TYPES:
        return [f"/view/type: must be one of {', '.join(VIEW_TYPES)}, got {view_type!r}"]
    problems = check_blocks(view.get("blocks"), limit=VIEW_BLOCK_LIMIT, pointer="/view/blocks")
    if view_type == "modal":
        problems.extend(_check_modal(view))
    problems.extend(_empty_texts(view, "/view", skip={"blocks"}))
    try:
        # Blocks and the modal title were checked above, one problem each; a placeholder block
        # keeps View's own block-count rule from repeating them.
        View(**{**view, "blocks": [{"type": "divider"}], "title": None}).to_dict()
    except Exception as error:  # slack_sdk raises several types; all mean "invalid view"
        problems.append(f"/view: {error}")
    return problems


def _check_modal(view: dict[str, Any]) -> list[str]:
    """Check what a modal needs and slack_sdk leaves to Slack."""
    problems: list[str] = []
    title = view.get("title")
    title_text = title.get("text") if isinstance(title, dict) else None
    if not isinstance(title_text, str) or not title_text:
        problems.append("/view/title: a modal needs a plain_text title")
    elif len(title_text) > VIEW_TITLE_LIMIT:
        problems.append(
            f"/view/title/text: {len(title_text)} characters, "
            f"no more than {VIEW_TITLE_LIMIT} allowed"
        )
    blocks = view.get("blocks")
    has_input = isinstance(blocks, list) and any(
        isinstance(block, dict) and block.get("type") == "input" for block in blocks
    )
    if has_input and not view.get("submit"):
        problems.append("/view/submit: a modal with input blocks needs a submit button")
    return problems


def _check_block(block: dict[str, Any], where: str) -> list[str]:
    """Parse and validate one block with slack_sdk, then apply the extra rules."""
    try:
        parsed = Block.parse(block)
        if parsed is None:
            return [f"{where}/type: unknown block type {block.get('type')!r}"]
        kept = parsed.to_dict()
    except Exception as error:  # slack_sdk raises several types; all mean "invalid block"
        return [f"{where}: {error}"]
    problems = _unknown_fields(block, kept, where)
    problems.extend(_empty_texts(block, where))
    if block.get("type") == "section":
        problems.extend(_check_section(block, where))
    return problems


def _check_section(block: dict[str, Any], where: str) -> list[str]:
    """Apply the section limits: text ≤ 3000 characters, each field ≤ 2000."""
    problems: list[str] = []
    text = block.get("text")
    if isinstance(text, dict) and len(str(text.get("text", ""))) > SECTION_TEXT_LIMIT:
        problems.append(
            f"{where}/text: {len(str(text.get('text', '')))} characters, "
            f"no more than {SECTION_TEXT_LIMIT} allowed"
        )
    for index, item in enumerate(block.get("fields") or []):
        if isinstance(item, dict) and len(str(item.get("text", ""))) > SECTION_FIELD_LIMIT:
            problems.append(
                f"{where}/fields/{index}: {len(str(item.get('text', '')))} characters, "
                f"no more than {SECTION_FIELD_LIMIT} allowed"
            )
    return problems


def _unknown_fields(sent: Any, kept: Any, where: str) -> list[str]:
    """List the fields the app sent that slack_sdk's model dropped: Slack refuses those."""
    if isinstance(sent, dict) and isinstance(kept, dict):
        problems: list[str] = []
        for key, value in sent.items():
            if value in (None, "", [], {}):
                continue
            if key not in kept:
                problems.append(f"{where}/{key}: unknown field {key!r}")
            else:
                problems.extend(_unknown_fields(value, kept[key], f"{where}/{key}"))
        return problems
    if isinstance(sent, list) and isinstance(kept, list) and len(sent) == len(kept):
        return [
            problem
            for index, (item, kept_item) in enumerate(zip(sent, kept, strict=True))
            for problem in _unknown_fields(item, kept_item, f"{where}/{index}")
        ]
    return []


def _empty_texts(
    value: Any, where: str, skip: frozenset[str] | set[str] = frozenset()
) -> list[str]:
    """List text objects whose text is empty: Slack refuses them, slack_sdk does not."""
    if isinstance(value, dict):
        problems: list[str] = []
        if value.get("type") in ("plain_text", "mrkdwn") and value.get("text") in ("", None):
            problems.append(f"{where}/text: text must not be empty")
        for key, item in value.items():
            if key not in skip:
                problems.extend(_empty_texts(item, f"{where}/{key}"))
        return problems
    if isinstance(value, list):
        return [
            problem
            for index, item in enumerate(value)
            for problem in _empty_texts(item, f"{where}/{index}")
        ]
    return []
