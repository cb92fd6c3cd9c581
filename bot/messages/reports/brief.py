"""The one-page executive brief: portfolio counts and trend chart, who needs help, the KPIs and
the decisions pending — always exactly one A4 page.

Every section has a fixed number of lines; what does not fit is counted ("+3 more"), and a line
too long for its column is cut with an ellipsis, so no input can push the brief onto a second
page (automatic page breaks are off). Text is set in DejaVu Sans, the font matplotlib ships, so
account names in any European script print as typed.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fpdf import FPDF

HELP_LINES = 10
KPI_ROWS = 8  # per column; two columns
DECISION_LINES = 6
CHART_RATIO = 660 / 1440  # the charts' pixel size
MARGIN = 12
LINE = 4.6


@dataclass(frozen=True, slots=True)
class BriefLine:
    """A line of a section: its text and, optionally, a right-hand figure."""

    text: str
    figure: str = ""


@dataclass(frozen=True, slots=True)
class Brief:
    as_of: date
    portfolio: str  # "42 accounts onboarding: 30 Healthy (+2), 8 Watch, 4 At risk (−1)"
    chart_png: bytes | None
    needs_help: Sequence[BriefLine]
    kpis: Sequence[BriefLine]  # "Completion rate" / "71.4% (baseline 65.0%)"
    decisions: Sequence[BriefLine]
    subtitle: str = ""


@cache
def _font_dir() -> Path:
    import matplotlib

    return Path(matplotlib.get_data_path()) / "fonts" / "ttf"


class _Page:
    """An A4 page being laid out. fpdf2 is imported when a brief is drawn, not with this module:
    the workbook and every other command never pay for it (~0.3 s, fontTools and numpy)."""

    def __init__(self) -> None:
        from fpdf import FPDF

        pdf = FPDF(orientation="P", unit="mm", format="A4")
        pdf.set_auto_page_break(False)
        pdf.set_margins(MARGIN, MARGIN, MARGIN)
        pdf.add_font("DejaVu", "", str(_font_dir() / "DejaVuSans.ttf"))
        pdf.add_font("DejaVu", "B", str(_font_dir() / "DejaVuSans-Bold.ttf"))
        pdf.set_creator("Onboarding Rescue")
        self.pdf: FPDF = pdf

    def fit(self, text: str, width: float) -> str:
        """`text`, cut with an ellipsis to fit `width` mm in the current font."""
        if self.pdf.get_string_width(text) <= width:
            return text
        while text and self.pdf.get_string_width(text + "…") > width:
            text = text[:-1]
        return text.rstrip() + "…"

    def heading(self, text: str) -> None:
        self.pdf.ln(2)
        self.pdf.set_font("DejaVu", "B", 11)
        self.pdf.cell(0, 6, text, new_x="LMARGIN", new_y="NEXT")
        self.pdf.set_font("DejaVu", "", 8.5)

    def line(self, item: BriefLine, *, x: float, width: float) -> None:
        figure_width = self.pdf.get_string_width(item.figure) + 2 if item.figure else 0
        self.pdf.set_x(x)
        self.pdf.cell(width - figure_width, LINE, self.fit(item.text, width - figure_width - 1))
        if item.figure:
            self.pdf.cell(figure_width, LINE, item.figure, align="R")
        self.pdf.ln(LINE)


def _shown(lines: Sequence[BriefLine], limit: int) -> list[BriefLine]:
    """The first `limit` lines, the last of them replaced by a count of the rest if needed."""
    if len(lines) <= limit:
        return list(lines)
    return [*lines[: limit - 1], BriefLine(f"+{len(lines) - limit + 1} more")]


def brief_pdf(brief: Brief) -> bytes:
    """The brief as PDF bytes: one page, whatever the input."""
    page = _Page()
    pdf = page.pdf
    pdf.add_page()
    width = pdf.w - 2 * MARGIN
    pdf.set_font("DejaVu", "B", 17)
    pdf.cell(0, 9, f"Onboarding brief — {brief.as_of.isoformat()}", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 9)
    if brief.subtitle:
        pdf.cell(0, 5, page.fit(brief.subtitle, width), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "B", 10)
    pdf.cell(0, 6, page.fit(brief.portfolio, width), new_x="LMARGIN", new_y="NEXT")
    if brief.chart_png is not None:
        pdf.image(io.BytesIO(brief.chart_png), x=MARGIN, y=pdf.get_y() + 1, w=width)
        pdf.set_y(pdf.get_y() + 2 + width * CHART_RATIO)
    page.heading("Who needs help")
    for item in _shown(brief.needs_help, HELP_LINES) or [BriefLine("Nobody this week.")]:
        page.line(item, x=MARGIN, width=width)
    page.heading("KPIs")
    top = pdf.get_y()
    column = (width - 6) / 2
    kpis = _shown(brief.kpis, 2 * KPI_ROWS)
    for i, item in enumerate(kpis):
        if i == KPI_ROWS:
            pdf.set_y(top)
        page.line(item, x=MARGIN + (column + 6 if i >= KPI_ROWS else 0), width=column)
    pdf.set_y(top + LINE * min(len(kpis), KPI_ROWS))
    page.heading("Decisions pending")
    for item in _shown(brief.decisions, DECISION_LINES) or [BriefLine("None.")]:
        page.line(item, x=MARGIN, width=width)
    return bytes(pdf.output())
