"""The bodies of the notes written to a HubSpot company: a rescue opened or resolved, a plan
decided. HubSpot shows `hs_note_body` as HTML, so every value is escaped; labels, never ids."""

from __future__ import annotations

from collections.abc import Mapping
from html import escape
from typing import Any

RESOLUTIONS = {
    "recovered": "recovered",
    "not_recovered": "not recovered",
    "opened_by_mistake": "opened by mistake",
    "not_needed": "not needed",
}
DECISIONS = {
    "approve": "approved",
    "reject": "rejected",
    "request_changes": "sent back for changes",
}
NOTED = frozenset({"rescue_opened", "rescue_resolved", "plan_decided"})


def _label(value: Any) -> str:
    return escape(str(value).replace("_", " "))


def note_body(kind: str, account: str, payload: Mapping[str, Any]) -> str | None:
    """The note for an audit event of `kind` about `account`, or None when it is not noted."""
    name = escape(account)
    if kind == "rescue_opened":
        score = payload.get("score")
        return (
            f"<p><strong>Onboarding rescue opened</strong> for {name}: "
            f"{escape(str(payload.get('reason') or ''))}.</p>"
            f"<p>Status {_label(payload.get('status'))}"
            + (f", score {escape(str(score))}" if score is not None else "")
            + f"; checkpoint {escape(str(payload.get('checkpoint_on')))}.</p>"
        )
    if kind == "rescue_resolved":
        resolution = str(payload.get("resolution"))
        note = payload.get("note")
        return (
            f"<p><strong>Onboarding rescue resolved</strong> for {name}: "
            f"{escape(RESOLUTIONS.get(resolution, resolution.replace('_', ' ')))}.</p>"
            + (f"<p>{escape(str(note))}</p>" if note else "")
        )
    if kind == "plan_decided":
        decision = str(payload.get("decision"))
        reason = payload.get("reason")
        return (
            f"<p><strong>Rescue plan {escape(DECISIONS.get(decision, decision))}</strong> for "
            f"{name} ({escape(str(payload.get('approvals')))} of "
            f"{escape(str(payload.get('approvals_required')))} approvals); the plan is now "
            f"{_label(payload.get('state'))}.</p>"
            + (f"<p>{escape(str(reason))}</p>" if reason else "")
        )
    return None
