"""Customer survey answers as typed or imported: CSAT 1–5 or NPS 0–10, at D+7 or D+30.

`survey_answer` checks one answer and says what right looks like when it is wrong; the KPIs
over the answers (mean CSAT, NPS) are `scoring.kpis`.
"""

from __future__ import annotations

from dataclasses import dataclass

from scoring.errors import InvalidValue
from scoring.kpis import SURVEY_DAYS, SURVEY_RANGE, SurveyKind

SURVEY_USAGE = "`/onboard survey ACCOUNT csat:1-5|nps:0-10 day:7|30`"
IMPORT_COLUMNS: dict[str, tuple[SurveyKind, int]] = {
    f"{kind.value}_d{day}": (kind, day) for kind in SurveyKind for day in SURVEY_DAYS
}
"""The accounts import's survey columns: `csat_d7`, `csat_d30`, `nps_d7`, `nps_d30`."""


@dataclass(frozen=True, slots=True)
class Answer:
    """One checked survey answer."""

    kind: SurveyKind
    day: int
    score: int

    @property
    def label(self) -> str:
        return f"{self.kind.value.upper()} {self.score} at D+{self.day}"


def _score(kind: SurveyKind, text: str) -> int:
    low, high = SURVEY_RANGE[kind]
    name = kind.value.upper()
    try:
        score = int(text.strip())
    except ValueError:
        raise InvalidValue(f"{name} `{text}` is not a whole number from {low} to {high}") from None
    if not low <= score <= high:
        raise InvalidValue(f"{name} {score} is out of range: give {low} to {high}")
    return score


def survey_day(text: str) -> int:
    """`7` or `30` (a leading `D+` or `d` is accepted)."""
    cleaned = text.strip().lower().removeprefix("d+").removeprefix("d")
    if cleaned.isdigit() and int(cleaned) in SURVEY_DAYS:
        return int(cleaned)
    raise InvalidValue(f"day `{text}` is not 7 or 30 (the survey at D+7 or D+30)")


def survey_answer(csat: str | None, nps: str | None, day: str | None) -> Answer:
    """Exactly one of `csat`/`nps`, and the day it asks about."""
    if (csat is None) == (nps is None):
        raise InvalidValue(f"give one of `csat:` or `nps:` — {SURVEY_USAGE}")
    if day is None:
        raise InvalidValue(f"`day:7` or `day:30` is missing — {SURVEY_USAGE}")
    kind = SurveyKind.CSAT if csat is not None else SurveyKind.NPS
    return Answer(kind, survey_day(day), _score(kind, csat if csat is not None else nps or ""))


def import_answer(column: str, text: str) -> Answer:
    """One survey column of an accounts import row (`csat_d30`: `4`)."""
    kind, day = IMPORT_COLUMNS[column]
    return Answer(kind, day, _score(kind, text))
