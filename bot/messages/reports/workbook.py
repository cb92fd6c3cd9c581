"""The KPI workbook: sheets KPIs (current, baseline, week 4, week 8), Accounts, Rescues, Risks.

Every cell has its real type — numbers as numbers (rates formatted as percentages), days as
dates, moments as date-times in the team timezone (Excel keeps no zone) — and every sheet has
its header frozen and an autofilter over its table. Written with XlsxWriter in constant-memory
mode (each row goes to disk as it is written); text is always written as text, never read as a
formula or a link, whatever an account name says.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, NamedTuple

import xlsxwriter
from xlsxwriter.format import Format

DATE = "yyyy-mm-dd"
MOMENT = "yyyy-mm-dd hh:mm"
PERCENT = "0.0%"
DECIMAL = "0.0"
WHOLE = "#,##0"


@dataclass(frozen=True, slots=True)
class KpiRow:
    """One KPI: its label, its number format (`PERCENT`, `DECIMAL`…), and its value in the
    current window, the baseline's, and at week 4 and week 8 (None: no value, or not reached)."""

    label: str
    key: str
    number_format: str
    current: float | None
    baseline: float | None
    week4: float | None
    week8: float | None


@dataclass(frozen=True, slots=True)
class AccountRow:
    key: str
    name: str
    segment: str
    csm: str | None
    signed_on: date | None
    arr: int
    users: int
    score: float | None
    status: str  # the status in force (an override decides), as a label
    computed_status: str
    coverage: float
    phase: str
    outcome: str | None
    outcome_on: date | None
    surveys: dict[str, int]  # csat_d7 … nps_d30: the latest answers


@dataclass(frozen=True, slots=True)
class RescueRow:
    account: str
    name: str
    state: str
    trigger: str
    owner: str | None
    status_at_open: str
    opened_at: datetime
    sla_due_at: datetime
    acknowledged_at: datetime | None
    checkpoint_on: date
    resolved_at: datetime | None
    resolution: str | None
    false_alarm: bool


@dataclass(frozen=True, slots=True)
class RiskRow:
    account: str
    name: str
    category: str
    text: str
    impact: str | None
    owner: str | None
    mitigation: str | None
    due_on: date | None
    state: str
    opened_at: datetime | None


@dataclass(frozen=True, slots=True)
class Workbook:
    """What the workbook holds; `windows` names the current, baseline, week-4 and week-8
    windows for the KPI sheet's headers (None: no baseline yet)."""

    as_of: date
    kpis: Sequence[KpiRow]
    windows: dict[str, tuple[date, date] | None]
    accounts: Sequence[AccountRow]
    rescues: Sequence[RescueRow]
    risks: Sequence[RiskRow]


SURVEY_COLUMNS = ("csat_d7", "csat_d30", "nps_d7", "nps_d30")


class Typed(NamedTuple):
    """A value with its own number format, where a column's rows differ (the KPI sheet)."""

    value: Any
    number_format: str


def _window(name: str, window: tuple[date, date] | None) -> str:
    if window is None:
        return f"{name} (none)"
    return f"{name} {window[0].isoformat()} – {window[1].isoformat()}"


class _Sheets:
    """The workbook being written: one cell format per number format, shared by every cell."""

    def __init__(self, book: xlsxwriter.Workbook) -> None:
        self.book = book
        self.formats: dict[str, Format] = {}
        self.bold = book.add_format({"bold": True})

    def format(self, number_format: str | None) -> Format | None:
        if number_format is None:
            return None
        if number_format not in self.formats:
            self.formats[number_format] = self.book.add_format({"num_format": number_format})
        return self.formats[number_format]

    def table(
        self,
        title: str,
        headers: Sequence[str],
        formats: Sequence[str | None],
        rows: Sequence[Sequence[Any]],
    ) -> None:
        """A sheet with a bold frozen header, typed cells and an autofilter over the table."""
        sheet = self.book.add_worksheet(title)
        sheet.freeze_panes(1, 0)
        for i, header in enumerate(headers):
            sheet.set_column(i, i, max(10, min(40, len(header) + 4)))
            sheet.write_string(0, i, header, self.bold)
        column_formats = [self.format(f) for f in formats]
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row):
                self._write(sheet, r, c, value, column_formats[c])
        sheet.autofilter(0, 0, len(rows), len(headers) - 1)

    def _write(self, sheet: Any, r: int, c: int, value: Any, fmt: Format | None) -> None:
        if isinstance(value, Typed):
            value, fmt = value.value, self.format(value.number_format)
        if value is None:
            return
        if isinstance(value, str):  # never a formula or a link, whatever the text says
            sheet.write_string(r, c, value)
        elif isinstance(value, bool):
            sheet.write_boolean(r, c, value)
        elif isinstance(value, (date, datetime)):
            sheet.write_datetime(r, c, value, fmt)
        else:
            sheet.write_number(r, c, value, fmt)


def _naive(moment: datetime | None) -> datetime | None:
    """Excel holds no time zone: the moment as it reads in the zone it was given in."""
    return None if moment is None else moment.replace(tzinfo=None)


def workbook_xlsx(workbook: Workbook) -> bytes:
    """The workbook as XLSX bytes."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(
        buffer,
        {
            "constant_memory": True,
            "strings_to_numbers": False,
            "strings_to_formulas": False,
            "strings_to_urls": False,
        },
    )
    sheets = _Sheets(book)
    w = workbook.windows
    sheets.table(
        "KPIs",
        ["KPI", "Key", _window("Current", w.get("current")), _window("Baseline", w.get("baseline")),
         _window("Week 4", w.get("week4")), _window("Week 8", w.get("week8"))],
        [None] * 6,
        [[k.label, k.key, *(Typed(v, k.number_format) for v in (k.current, k.baseline, k.week4,
                                                                  k.week8))]
         for k in workbook.kpis],
    )  # fmt: skip
    sheets.table(
        "Accounts",
        ["Key", "Name", "Segment", "CSM", "Signed on", "ARR", "Users", "Score", "Status",
         "Computed status", "Coverage", "Phase", "Outcome", "Outcome on",
         "CSAT D+7", "CSAT D+30", "NPS D+7", "NPS D+30"],
        [None, None, None, None, DATE, WHOLE, WHOLE, DECIMAL, None, None, PERCENT, None, None,
         DATE, WHOLE, WHOLE, WHOLE, WHOLE],
        [[a.key, a.name, a.segment, a.csm, a.signed_on, a.arr, a.users, a.score, a.status,
          a.computed_status, a.coverage, a.phase, a.outcome, a.outcome_on,
          *(a.surveys.get(c) for c in SURVEY_COLUMNS)] for a in workbook.accounts],
    )  # fmt: skip
    sheets.table(
        "Rescues",
        ["Account", "Name", "State", "Trigger", "Owner", "Status at open", "Opened at",
         "SLA due at", "Acknowledged at", "Checkpoint", "Resolved at", "Resolution",
         "False alarm"],
        [None, None, None, None, None, None, MOMENT, MOMENT, MOMENT, DATE, MOMENT, None, None],
        [[r.account, r.name, r.state, r.trigger, r.owner, r.status_at_open, _naive(r.opened_at),
          _naive(r.sla_due_at), _naive(r.acknowledged_at), r.checkpoint_on,
          _naive(r.resolved_at), r.resolution, r.false_alarm] for r in workbook.rescues],
    )  # fmt: skip
    sheets.table(
        "Risks",
        ["Account", "Name", "Category", "Risk", "Impact", "Owner", "Mitigation", "Due", "State",
         "Logged at"],
        [None, None, None, None, None, None, None, DATE, None, MOMENT],
        [[r.account, r.name, r.category, r.text, r.impact, r.owner, r.mitigation, r.due_on,
          r.state, _naive(r.opened_at)] for r in workbook.risks],
    )  # fmt: skip
    book.close()
    return buffer.getvalue()
