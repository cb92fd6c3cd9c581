"""The living risk register: categories, impacts and states of a risk, the `/risk … add` grammar,
and the register's two KPIs.

- *Risk identification completeness* of an account = its categories among the five (data, auth,
  cutover, comms, compliance; `other` never counts) with a risk logged or marked reviewed ÷ 5;
  for the portfolio, the mean over the accounts still onboarding (none: null).
- *Mitigation ownership rate* = open risks with both an owner and a mitigation ÷ open risks
  (null when none is open).
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from fractions import Fraction

from scoring.errors import InvalidValue, UnknownName
from scoring.nearest import nearest


class RiskCategory(StrEnum):
    DATA = "data"
    AUTH = "auth"
    CUTOVER = "cutover"
    COMMS = "comms"
    COMPLIANCE = "compliance"
    OTHER = "other"

    @property
    def label(self) -> str:
        return {"auth": "Auth", "comms": "Comms"}.get(self.value, self.value.capitalize())


COUNTED_CATEGORIES = tuple(c for c in RiskCategory if c is not RiskCategory.OTHER)
"""The five categories completeness counts."""


class Impact(StrEnum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


class RiskState(StrEnum):
    OPEN = "open"
    MITIGATED = "mitigated"
    ACCEPTED = "accepted"
    CLOSED = "closed"

    @property
    def label(self) -> str:
        return self.value.capitalize()


SETTLED_STATES = (RiskState.MITIGATED, RiskState.ACCEPTED, RiskState.CLOSED)
"""What a risk's buttons can make it: anything but open."""

CATEGORY_USAGE = "data, auth, cutover, comms, compliance or other"
# Placeholders in capitals, as every usage line: Slack reads `<…>` as a link or mention.
ADD_USAGE = (
    "/risk ACCOUNT add data|auth|cutover|comms|compliance|other TEXT… "
    '[owner:@user] [mitigation:"…"] [due:YYYY-MM-DD] [impact:high|medium|low]'
)
_OPTION = re.compile(r"^(owner|mitigation|due|impact):", re.IGNORECASE)


def parse_category(text: str) -> RiskCategory:
    """A category by its name (case-insensitive); a misspelling gets the nearest one."""
    wanted = text.strip().lower()
    try:
        return RiskCategory(wanted)
    except ValueError:
        suggestion = nearest(wanted, [(c.value, c.value) for c in RiskCategory])
        raise UnknownName(
            f"`{text}` is not a risk category; use {CATEGORY_USAGE}", suggestion=suggestion
        ) from None


def parse_impact(text: str) -> Impact:
    try:
        return Impact(text.strip().lower())
    except ValueError:
        raise InvalidValue(f"`{text}` is not an impact; use high, medium or low") from None


@dataclass(frozen=True, slots=True)
class NewRisk:
    """A risk as `/risk … add` wrote it; `owner` is still the raw mention (`<@U…>`)."""

    category: RiskCategory
    text: str
    owner: str | None = None
    mitigation: str | None = None
    due_on: date | None = None
    impact: Impact = Impact.MEDIUM


def parse_new_risk(words: str) -> NewRisk:
    """`<category> <text…> [owner:@u] [mitigation:"…"] [due:YYYY-MM-DD] [impact:…]`: the text
    runs up to the first `key:value` option, quotes optional."""
    stripped = words.strip()
    if not stripped:
        raise InvalidValue(f"Give a category and the risk. Usage: `{ADD_USAGE}`")
    category_word, _, rest = stripped.partition(" ")
    category = parse_category(category_word)
    text, options = _split_options(rest)
    text = _unquote(text).strip()
    if not text:
        raise InvalidValue(f"Say what the risk is after the category. Usage: `{ADD_USAGE}`")
    values: dict[str, str] = {}
    for option in options:
        key, _, value = option.partition(":")
        key = key.lower()
        if key in values:
            raise InvalidValue(f"`{key}:` is given twice; give it once")
        values[key] = value.strip()
    for key, value in values.items():
        if not value:
            raise InvalidValue(f"`{key}:` needs a value. Usage: `{ADD_USAGE}`")
    return NewRisk(
        category=category,
        text=text,
        owner=values.get("owner"),
        mitigation=values.get("mitigation"),
        due_on=parse_due(values["due"]) if "due" in values else None,
        impact=parse_impact(values["impact"]) if "impact" in values else Impact.MEDIUM,
    )


def parse_due(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidValue(f"`due:{text}` is not a date; use YYYY-MM-DD, like 2026-12-31") from None


def _split_options(rest: str) -> tuple[str, list[str]]:
    """The text before the first option, and the options (each `key:value`, value unquoted)."""
    match = re.search(r"(?:^|\s)(owner|mitigation|due|impact):", rest, re.IGNORECASE)
    if match is None:
        return rest, []
    text, tail = rest[: match.start()], _straight_quotes(rest[match.start() :].strip())
    try:
        tokens = shlex.split(tail)
    except ValueError:
        raise InvalidValue(
            'An option\'s quotes are not closed; write it like mitigation:"run a dry import"'
        ) from None
    options: list[str] = []
    for token in tokens:
        if _OPTION.match(token):
            options.append(token)
        elif options:
            raise InvalidValue(
                f"`{token}` follows the options; put the risk's text before them, and quote an "
                'option with spaces, like mitigation:"run a dry import"'
            )
    return text, options


def _unquote(text: str) -> str:
    text = _straight_quotes(text.strip())
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        return text[1:-1]
    return text


def _straight_quotes(text: str) -> str:
    """Slack's clients may turn typed quotes into curly ones."""
    return text.replace("“", '"').replace("”", '"')


@dataclass(frozen=True, slots=True)
class RiskFacts:
    """A risk as the KPIs and the standup see it."""

    category: RiskCategory
    state: RiskState
    impact: Impact
    owner: str | None
    mitigation: str | None

    @property
    def open(self) -> bool:
        return self.state is RiskState.OPEN

    @property
    def owned_and_mitigated(self) -> bool:
        return bool(self.owner) and bool((self.mitigation or "").strip())


def completeness(risks: Iterable[RiskFacts], reviewed: Iterable[RiskCategory]) -> Fraction:
    """An account's share of the five categories with a risk logged or marked reviewed."""
    return Fraction(_covered(risks, reviewed), len(COUNTED_CATEGORIES))


def _covered(risks: Iterable[RiskFacts], reviewed: Iterable[RiskCategory]) -> int:
    """How many of the five categories have a risk logged or are marked reviewed."""
    covered = {r.category for r in risks} | set(reviewed)
    return len(covered & set(COUNTED_CATEGORIES))


def portfolio_completeness(per_account: Iterable[Fraction]) -> float | None:
    """The mean of the accounts' completeness (the accounts still onboarding); none: null."""
    values = list(per_account)
    return float(sum(values, Fraction(0)) / len(values)) if values else None


@dataclass(frozen=True, slots=True)
class OwnershipRate:
    owned: int
    open: int

    @property
    def rate(self) -> float | None:
        return self.owned / self.open if self.open else None


def mitigation_ownership(risks: Iterable[RiskFacts]) -> OwnershipRate:
    """Open risks with both an owner and a mitigation, over the open risks."""
    open_risks = [r for r in risks if r.open]
    return OwnershipRate(sum(r.owned_and_mitigated for r in open_risks), len(open_risks))


def unowned_high(risks: Iterable[RiskFacts]) -> tuple[RiskFacts, ...]:
    """Open high-impact risks nobody owns: a standup reason (listed, not a focus reason)."""
    return tuple(r for r in risks if r.open and r.impact is Impact.HIGH and not r.owner)


@dataclass(frozen=True, slots=True)
class RiskRecord:
    """A risk as the KPIs see it over time: logged on `logged_on`, open until `settled_on`."""

    category: RiskCategory
    impact: Impact
    owner: str | None
    mitigation: str | None
    logged_on: date
    settled_on: date | None = None

    def facts_on(self, day: date) -> RiskFacts:
        settled = self.settled_on is not None and self.settled_on <= day
        state = RiskState.CLOSED if settled else RiskState.OPEN
        return RiskFacts(self.category, state, self.impact, self.owner, self.mitigation)


@dataclass(frozen=True, slots=True)
class Register:
    """One account's register as the KPIs see it: its risks and its categories reviewed with
    no risk (each with the day it was marked)."""

    risks: tuple[RiskRecord, ...] = ()
    reviewed: tuple[tuple[RiskCategory, date], ...] = ()

    def on(self, day: date) -> tuple[list[RiskFacts], list[RiskCategory]]:
        """The risks logged and the categories reviewed by the end of `day`, as they stood."""
        risks = [r.facts_on(day) for r in self.risks if r.logged_on <= day]
        return risks, [c for c, marked in self.reviewed if marked <= day]


@dataclass(frozen=True, slots=True)
class RegisterKpis:
    completeness: float | None
    accounts: int
    ownership: OwnershipRate


def register_kpis(registers: Iterable[Register], *, on: date) -> RegisterKpis:
    """Both KPIs on a day, over the registers of the accounts still onboarding then. The mean
    completeness is the categories covered over five per account, summed as integers: the same
    exact fraction as the mean of each account's, without a Fraction per account (10,000
    accounts, mostly with empty registers: 40 ms to 5)."""
    accounts = covered = 0
    open_risks: list[RiskFacts] = []
    for register in registers:
        accounts += 1
        if not register.risks and not register.reviewed:
            continue
        risks, reviewed = register.on(on)
        covered += _covered(risks, reviewed)
        open_risks += risks
    mean = float(Fraction(covered, accounts * len(COUNTED_CATEGORIES))) if accounts else None
    return RegisterKpis(mean, accounts, mitigation_ownership(open_risks))
