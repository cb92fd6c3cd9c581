"""Accounts as the scoring rules see them: key derivation, the hand-off checklist, plain facts."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date

from scoring.errors import AmbiguousName, UnknownName
from scoring.nearest import nearest
from scoring.signals import Segment

HANDOFF_QUESTIONS: dict[str, str] = {
    "business_problem": "Business problem the customer bought to solve",
    "promised_timeline": "Timeline promised",
    "dependencies": "Integrations, approvals or data dependencies",
    "decision_maker": "Who on the customer side can unblock decisions",
}

_NOT_KEY_CHARS = re.compile(r"[^a-z0-9]+")


def derive_key(name: str) -> str:
    """Lower-case, accents folded to ASCII, runs of other characters -> `-`, trimmed."""
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    return _NOT_KEY_CHARS.sub("-", folded.lower()).strip("-")


def free_key(base: str, taken: Collection[str]) -> str:
    """`base`, or `base-2`, `base-3`… whichever is first not taken."""
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


@dataclass(frozen=True, slots=True)
class Handoff:
    """The sales-to-onboarding hand-off checklist; a blank answer is a missing one."""

    business_problem: str | None = None
    promised_timeline: str | None = None
    dependencies: str | None = None
    decision_maker: str | None = None

    @property
    def missing(self) -> tuple[str, ...]:
        return tuple(q for q in HANDOFF_QUESTIONS if not (getattr(self, q) or "").strip())

    @property
    def complete(self) -> bool:
        # The first blank answer decides, no tuple of them built: views ask for every account.
        return all((getattr(self, q) or "").strip() for q in HANDOFF_QUESTIONS)


@dataclass(frozen=True, slots=True)
class AccountFacts:
    """What scoring needs to know about an account besides its readings."""

    key: str
    name: str
    segment: Segment
    signed_on: date | None = None
    handoff: Handoff = Handoff()
    arr: int = 0
    users: int = 0
    csm: str | None = None


def resolve_account(text: str, accounts: Sequence[tuple[str, str]]) -> str:
    """The key of the account named by `text`: its exact key, else the one account whose key or
    name starts with `text` (case-insensitive). `accounts` are (key, name) pairs."""
    wanted = text.strip().casefold()
    if not wanted:
        raise UnknownName("an account is missing", candidates=[])
    for key, _ in accounts:
        if key.casefold() == wanted:
            return key
    matches = [
        (key, name)
        for key, name in accounts
        if key.casefold().startswith(wanted) or name.casefold().startswith(wanted)
    ]
    if len(matches) == 1:
        return matches[0][0]
    if matches:
        raise AmbiguousName(
            f"`{text.strip()}` matches {len(matches)} accounts; say which one",
            candidates=[f"{key} ({name})" for key, name in sorted(matches)[:10]],
        )
    choices = [(key, key) for key, _ in accounts] + [(name, key) for key, name in accounts]
    raise UnknownName(f"No account matches `{text.strip()}`", suggestion=nearest(wanted, choices))
