"""Plain-value builders for domain tests: the default taxonomy, accounts and readings."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from fractions import Fraction

from scoring.accounts import AccountFacts, Handoff
from scoring.readings import History, Reading
from scoring.rules import Rules
from scoring.scorecard import Scorecard, evaluate
from scoring.signals import Category, Segment, Signal, Taxonomy

COMPLETE = Handoff("Cut invoice time", "Live in 60 days", "ERP export", "CFO")
KEYS = ("kickoff", "admin_trained", "data_import", "first_value", "ticket_trend", "exec_update")


def signal(key: str, *, weight: float | str = 1, window: int | dict | None = None,
           retired: bool = False) -> Signal:  # fmt: skip
    windows = window if isinstance(window, dict) else dict.fromkeys(Segment, window)
    return Signal(key, key.replace("_", " ").title(), Category.MILESTONE,
                  Fraction(str(weight)), windows, retired=retired)  # fmt: skip


def default_signals() -> list[Signal]:
    return [
        signal("kickoff", window=7),
        signal("admin_trained", window=21),
        signal("data_import", window={Segment.SMB: 30, Segment.MID: 45, Segment.ENTERPRISE: 60}),
        signal("first_value", window={Segment.SMB: 30, Segment.MID: 60, Segment.ENTERPRISE: 90}),
        signal("ticket_trend", window=None),
        signal("exec_update", window=14),
    ]


def rules(signals: list[Signal] | None = None, **kwargs: object) -> Rules:
    return Rules(taxonomy=Taxonomy(signals or default_signals()), **kwargs)  # type: ignore[arg-type]


def account(**kwargs: object) -> AccountFacts:
    values: dict[str, object] = {
        "key": "acme", "name": "Acme", "segment": Segment.MID,
        "signed_on": date(2026, 9, 1), "handoff": COMPLETE, "arr": 100_000,
    }  # fmt: skip
    values.update(kwargs)
    return AccountFacts(**values)  # type: ignore[arg-type]


def at(day: str, hour: int = 9) -> datetime:
    return datetime.combine(date.fromisoformat(day), time(hour), UTC)


def reading(key: str, value: int, day: str, hour: int = 9, author: str = "U1") -> Reading:
    return Reading(key, value, at(day, hour), author=author)


def card(readings: list[Reading], *, as_of: str = "2026-11-24", rule_set: Rules | None = None,
         **account_kwargs: object) -> Scorecard:  # fmt: skip
    r = rule_set or rules()
    return evaluate(account(**account_kwargs), History(readings, r.team_timezone), r,
                    as_of=date.fromisoformat(as_of))  # fmt: skip


def all_at(value: int, day: str) -> list[Reading]:
    return [reading(k, value, day) for k in KEYS]
