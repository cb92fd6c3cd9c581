"""The JSON contract for scripts: scorecards, the standup and the digest as plain dicts.

Key names here are pinned by PRODUCT.md ("Contracts"); more keys are welcome, none may go.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from scoring.digest import Digest
from scoring.kpis import Kpis
from scoring.rules import Status
from scoring.scorecard import Scorecard
from scoring.standup import Focus, StandupItem


def _iso(value: date | datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def scorecard_json(card: Scorecard) -> dict[str, Any]:
    account = card.account
    return {
        "account": account.key,
        "name": account.name,
        "segment": account.segment.value,
        "as_of": card.as_of.isoformat(),
        "score": card.score,
        "status": card.status.value,
        "band_status": card.band_status.value if card.band_status else None,
        "coverage": round(card.coverage, 4),
        "handoff_complete": card.handoff_complete,
        "handoff_missing": list(account.handoff.missing),
        "phase": card.phase.value,
        "days_since_signature": card.days_since_signature,
        "signals": [
            {
                "key": line.key,
                "label": line.signal.label,
                "category": line.signal.category.value,
                "value": line.value,
                "weight": line.weight,
                "contribution": line.contribution,
                "stale": line.stale,
                "overdue": line.overdue,
                "days_late": line.days_late,
                "due_on": _iso(line.due_on),
                "days_since_reading": line.days_since_reading,
                "note": line.note,
                "author": line.author,
                "source": line.source,
                "recorded_at": _iso(line.recorded_at),
            }
            for line in card.signals
        ],
        "overdue_gates": [
            {
                "key": gate.key,
                "label": gate.label,
                "phase": gate.item.phase.value,
                "phase_ends_on": _iso(
                    gate.item.phase.ends_on(account.signed_on) if account.signed_on else None
                ),
                "days_late": gate.days_late,
                "value": gate.value,
                "target": gate.item.target,
            }
            for gate in card.overdue_gates
        ],
        "trend": {
            "delta": card.trend.delta,
            "falling_weeks": card.trend.falling_weeks,
            "direction": card.trend.direction.value if card.trend.direction else None,
            "weekly": [
                {
                    "week": w.week,
                    "week_end": w.week_end.isoformat(),
                    "score": w.score,
                    "partial": w.partial,
                }
                for w in card.trend.weekly
            ],
        },
        "flags": list(card.flags),
        "weights_version": card.weights_version,
        "override": None
        if card.override is None
        else {
            "status": card.override.status.value,
            "reason": card.override.reason,
            "author": card.override.author,
            "set_at": card.override.set_at.isoformat(),
        },
    }


def standup_item_json(item: StandupItem, *, focus: bool) -> dict[str, Any]:
    card = item.card
    return {
        "focus": focus,
        "why": item.why,
        "last_week_score": item.last_week_score,
        "account": card.account.key,
        "name": card.account.name,
        "status": card.status.value,
        "score": card.score,
        "owner": item.owner,
        "owned": item.owned,
        "next_step": item.next_step,
        "due": item.due.isoformat(),
        "reasons": list(item.reasons),
        "arr": card.account.arr,
        "falling_weeks": card.trend.falling_weeks,
        "delta": card.trend.delta,
        "weights_version": card.weights_version,
    }


def standup_json(split: Focus, *, as_of: date, weights_version: int) -> dict[str, Any]:
    """Every account in the standup, in its order; `focus` marks exactly the ones shown."""
    shown = split.keys  # a set built on each ask, so asked once, not per item
    return {
        "as_of": as_of.isoformat(),
        "weights_version": weights_version,
        "items": [standup_item_json(i, focus=i.account in shown) for i in split.items],
    }


def digest_json(digest: Digest, kpis: Kpis | None = None) -> dict[str, Any]:
    shown = digest.focus.keys if digest.focus is not None else frozenset()
    return {
        "kpis": kpis.values() if kpis is not None else None,
        "as_of": digest.as_of.isoformat(),
        "week": digest.week,
        "total": digest.total,
        "counts": {s.value: digest.counts[s] for s in Status},
        "previous_counts": {s.value: digest.previous_counts.get(s, 0) for s in Status},
        "needs_help": [standup_item_json(i, focus=i.account in shown) for i in digest.needs_help],
        "delays": [
            {
                "signal": d.signal,
                "label": d.label,
                "overdue_accounts": d.overdue_accounts,
                "mean_days_late": d.mean_days_late,
                "max_days_late": d.max_days_late,
            }
            for d in digest.delays
        ],
        "promises": [
            {
                "account": p.account,
                "name": p.name,
                "segment": p.segment,
                "promised": p.promised,
                "promised_on": p.promised_on.isoformat(),
                "days_past": p.days_past,
            }
            for p in digest.promises
        ],
        "expansion": [
            {"account": c.account, "name": c.name, "score": c.score, "delta": c.delta, "arr": c.arr}
            for c in digest.expansion
        ],
    }
