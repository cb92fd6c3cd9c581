"""The words people read for the product's internal names: account fields, scorecard flags,
timeline events and their values. Internal names (`followup_owner`, `signal_at_zero`) are for
code, files and `--json`; every sentence a person reads says "Follow-up owner", "a signal at 0".

`changes_text` turns a change record ({field: (before, after)}) into the words people read,
user ids as mentions and channels as links, so nobody reads `followup_owner → U0ALICE`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from bot.messages.text import escape_mrkdwn
from scoring.gates import GatePhase

FIELD_LABELS = {
    "key": "Key", "name": "Name", "segment": "Segment", "csm": "CSM", "signed_on": "Signed",
    "arr": "ARR", "users": "Users", "channel": "Channel", "followup_owner": "Follow-up owner",
    "followup_next": "Next step", "followup_due": "Due", "outcome": "Outcome",
    "outcome_on": "Outcome date", "business_problem": "Business problem",
    "promised_timeline": "Promised timeline", "dependencies": "Dependencies",
    "decision_maker": "Decision maker", "hubspot_id": "HubSpot id",
    "segment_group_id": "Segment group id", "intercom_company_id": "Intercom company id",
    "owner": "Owner", "checkpoint_on": "Checkpoint",
}  # fmt: skip
FLAG_LABELS = {
    "unscored": "no signal rated yet", "handoff_incomplete": "hand-off checklist incomplete",
    "low_coverage": "under half the signals rated", "signal_at_zero": "a signal at 0",
    "stale": "a stale signal", "overdue": "an overdue signal",
    "falling": "falling three weeks in a row",
}  # fmt: skip
SEGMENT_LABELS = {"smb": "SMB", "mid": "Mid-market", "enterprise": "Enterprise"}
# Coded values that timeline payloads carry (a rescue's trigger, state, resolution; a status).
VALUE_LABELS = {
    "at_risk": "At risk", "watch": "Watch", "healthy": "Healthy", "falling": "falling",
    "signal_at_zero": "a signal at 0", "manual": "opened by hand", "recovered": "recovered",
    "not_recovered": "not recovered", "opened_by_mistake": "opened by mistake",
    "not_needed": "not needed", "request_changes": "request changes",
    "changes_requested": "changes requested", "slash_command": "slash command",
}  # fmt: skip
_USER = re.compile(r"^[UW][A-Z0-9]{2,}$")
_CHANNEL = re.compile(r"^[CGD][A-Z0-9]{2,}$")


def field_label(field: str) -> str:
    """A field's label: FIELD_LABELS, else the words of its name ("Followup due")."""
    return FIELD_LABELS.get(field, field.replace("_", " ").capitalize())


def flag_labels(flags: Iterable[str]) -> list[str]:
    return [FLAG_LABELS.get(flag, flag.replace("_", " ")) for flag in flags]


def kind_label(kind: str) -> str:
    """A timeline event's kind in words: `rescue_acknowledged` → "Rescue acknowledged"."""
    return kind.replace("_", " ").capitalize()


def value_text(field: str, value: Any) -> str:
    """A field's value as mrkdwn people read: users mentioned, channels linked, dates as
    dates, segments by name, nothing as an em dash; anything typed by people escaped."""
    if value is None or value == "":
        return "—"
    if isinstance(value, str) and _USER.match(value):
        return f"<@{value}>"
    if isinstance(value, str) and _CHANNEL.match(value) and field == "channel":
        return f"<#{value}>"
    if field == "segment":
        return SEGMENT_LABELS.get(str(value), escape_mrkdwn(value))
    if isinstance(value, str) and value in VALUE_LABELS:
        return VALUE_LABELS[value]
    if field == "phase" and value in GatePhase.__members__.values():
        return GatePhase(value).label
    if isinstance(value, bool):
        return "yes" if value else "no"
    if field == "arr" and isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, date):
        return value.isoformat()
    return escape_mrkdwn(value)


def changes_text(changed: Mapping[str, Any], *, with_before: bool = False) -> str:
    """What changed, in words: "Follow-up owner <@U0ALICE>, Due 2026-12-04" (with the values
    before: "Follow-up owner — → <@U0ALICE>"); "nothing changed" when nothing did."""
    parts = []
    for field, change in changed.items():
        # (before, after), or the new value alone (an import records only what it set)
        paired = isinstance(change, list | tuple) and len(change) == 2
        before, after = change if paired else (None, change)
        was = f"{value_text(field, before)} → " if with_before and paired else ""
        parts.append(f"{field_label(field)} {was}{value_text(field, after)}")
    return ", ".join(parts) or "nothing changed"


def _internal(key: str, payload: Mapping[str, Any]) -> bool:
    """Keys of a payload that are bookkeeping (other records' ids, seconds; a gate item's key
    beside its label), not news."""
    if key == "item" and "label" in payload:
        return True
    return (key.endswith("_id") and key not in FIELD_LABELS) or key == "elapsed_seconds"


def payload_text(payload: Mapping[str, Any], signals: Mapping[str, str] | None = None) -> str:
    """A timeline event's details in words, for the terminal: `changed` as changes_text, a
    signal by its label (from `signals`), other keys as "Label: value" (ids of other records
    left out)."""
    parts = []
    for key, value in payload.items():
        if key == "signal" and signals is not None and value in signals:
            parts.append(f"Signal: {signals[value]}")
        elif key == "changed" and isinstance(value, Mapping):
            parts.append(changes_text(value, with_before=True))
        elif _internal(key, payload) or isinstance(value, Mapping | list):
            continue
        else:
            parts.append(f"{field_label(key)}: {value_text(key, value)}")
    return "; ".join(parts)
