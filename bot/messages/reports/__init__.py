"""Take-away reports as file bytes: the KPI workbook (`workbook`, XLSX through openpyxl) and the
one-page executive brief (`brief`, PDF through fpdf2, with the portfolio chart).

Like the charts, this package owns layout only: its inputs are the plain rows defined here, its
output bytes in memory; the use case that gathers the rows is `bot.services.reports`.
"""

from __future__ import annotations

from bot.messages.reports.brief import Brief, BriefLine, brief_pdf
from bot.messages.reports.workbook import (
    AccountRow,
    KpiRow,
    RescueRow,
    RiskRow,
    Workbook,
    workbook_xlsx,
)

__all__ = [
    "AccountRow",
    "Brief",
    "BriefLine",
    "KpiRow",
    "RescueRow",
    "RiskRow",
    "Workbook",
    "brief_pdf",
    "workbook_xlsx",
]
