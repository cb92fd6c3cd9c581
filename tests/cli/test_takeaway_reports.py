"""`rescuebot report kpis --xlsx` and `report brief --pdf`: read back with openpyxl and pypdf."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from tests.cli.conftest import ACCOUNTS_CSV
from tests.cli.test_outcome_kpis import OUTCOMES_CSV

READINGS = """account,signal,value,recorded_at
acme,kickoff,0,2026-11-20
globex,kickoff,2,2026-11-20
globex,first_value,2,2026-11-21
"""


@pytest.fixture
def portfolio(rescuebot):
    for name, text in (("a.csv", ACCOUNTS_CSV), ("o.csv", OUTCOMES_CSV)):
        assert rescuebot("accounts", "import", str(rescuebot.write(name, text))).code == 0
    assert rescuebot("signals", "import", str(rescuebot.write("r.csv", READINGS))).code == 0
    return rescuebot


def test_the_workbook_has_typed_filtered_sheets(portfolio):
    path = portfolio.cwd / "kpis.xlsx"
    result = portfolio("report", "kpis", "--xlsx", str(path), "--as-of", "2026-12-01")
    assert result.code == 0, result.err
    assert "KPI workbook as of 2026-12-01 written to" in result.err
    book = load_workbook(path)
    assert book.sheetnames == ["KPIs", "Accounts", "Rescues", "Risks"]
    kpis = book["KPIs"]
    header = [c.value for c in kpis[1]]
    assert header[:2] == ["KPI", "Key"]
    assert header[2] == "Current 2026-09-02 – 2026-12-01"
    assert header[3:] == ["Baseline (none)", "Week 4 (none)", "Week 8 (none)"]
    rows = {r[1]: r for r in kpis.iter_rows(min_row=2, values_only=True)}
    assert rows["csat_d7"][0] == "CSAT at D+7 (mean, 1–5)"
    assert rows["nps_d30"][2] is None  # empty cohort: an empty cell, not 0
    assert kpis.auto_filter.ref == f"A1:F{kpis.max_row}"
    accounts = book["Accounts"]
    columns = [c.value for c in accounts[1]]
    by_key = {r[0]: dict(zip(columns, r, strict=True))
              for r in accounts.iter_rows(min_row=2, values_only=True)}  # fmt: skip
    acme = by_key["acme"]
    assert isinstance(acme["Signed on"], datetime) and acme["Signed on"].date() == date(2026, 9, 1)
    assert acme["ARR"] == 120000 and isinstance(acme["ARR"], int)
    assert acme["Score"] == 0.0 and acme["Status"] == "At risk"
    assert by_key["globex"]["Score"] == 10.0 and by_key["globex"]["Status"] == "Watch"  # coverage
    fresh = by_key["fresh"]
    assert (fresh["CSAT D+7"], fresh["NPS D+7"], fresh["NPS D+30"]) == (5, 9, None)
    assert by_key["kept"]["Status"] == "Finished" and by_key["kept"]["Outcome"] == "completed"
    assert accounts.auto_filter.ref == f"A1:R{len(by_key) + 1}"
    assert accounts["K2"].number_format == "0.0%"  # coverage
    rescues = book["Rescues"]  # rescues opened in Slack: tests/slack/test_report_flow.py
    assert [c.value for c in rescues[1]][:3] == ["Account", "Name", "State"]
    assert rescues.auto_filter.ref == "A1:M1"
    assert book["Risks"].auto_filter.ref == "A1:J1"  # risks logged in Slack: same test file


def test_the_brief_is_exactly_one_page_with_its_sections(portfolio):
    path = portfolio.cwd / "brief.pdf"
    result = portfolio("report", "brief", "--pdf", str(path), "--as-of", "2026-12-01")
    assert result.code == 0, result.err
    pages = PdfReader(path).pages
    assert len(pages) == 1
    text = pages[0].extract_text()
    for expected in ("Onboarding brief — 2026-12-01", "accounts onboarding", "Who needs help",
                     "Acme Corp", "KPIs", "CSAT at D+7", "Decisions pending"):  # fmt: skip
        assert expected in text, expected
    assert len(pages[0].images) == 1  # the trend chart


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("report", "kpis"), "`--xlsx FILE` is missing"),
        (("report", "kpis", "--xlsx", "kpis.pdf"), "must name a .xlsx file"),
        (("report", "brief", "--pdf", "nowhere/brief.pdf"), "does not exist"),
        (("report", "brief", "--xlsx", "b.xlsx", "--pdf", "b.pdf"), "writes .pdf only"),
        (("report", "delays", "--pdf", "b.pdf"), "go with `report kpis` and `report brief`"),
    ],
)
def test_bad_report_options_are_refused_with_what_right_looks_like(rescuebot, args, message):
    result = rescuebot(*args)
    assert result.code == 2
    assert message in result.err
    assert not list(rescuebot.cwd.glob("*.pdf")) and not list(rescuebot.cwd.glob("*.xlsx"))


def test_text_that_looks_like_a_formula_stays_text(rescuebot):
    csv = 'name,segment\n"=HYPERLINK(""http://x"",""Evil"") Corp",smb\n'
    assert rescuebot("accounts", "import", str(rescuebot.write("e.csv", csv))).code == 0
    path = rescuebot.cwd / "kpis.xlsx"
    assert rescuebot("report", "kpis", "--xlsx", str(path)).code == 0
    cell = load_workbook(path)["Accounts"]["B2"]
    assert cell.data_type == "s" and cell.value.startswith("=HYPERLINK(")
