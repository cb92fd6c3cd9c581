"""Customer surveys and take-away reports through Slack: `/onboard survey` (bad input refused
with what right looks like, nothing recorded) and `/onboard report`, which uploads the workbook
and the one-page brief to the asker's DM through the outbox."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlmodel import select

from bot.store.tables import Survey
from tests.slack.conftest import CSM, Served
from tests.slack.test_rescue_flow import click, latest_modal, parent, thread


def surveys(app: Served, key: str) -> list[Survey]:
    account = app.account(key)
    assert account is not None
    with app.db() as session:
        return list(session.exec(select(Survey).where(Survey.account_id == account.id)))


def test_a_survey_answer_is_recorded_and_on_the_timeline(app: Served):
    app.command("/onboard", "add Survey Co segment:smb signed:2026-11-01")
    answer = app.command("/onboard", "survey survey-co csat:4 day:30")
    assert answer["text"] == "Recorded CSAT 4 at D+30 for *Survey Co*."
    assert app.command("/onboard", "survey survey nps:10 day:d+7")["text"].startswith(
        "Recorded NPS 10 at D+7"
    )
    recorded = sorted((s.kind, s.day, s.score, s.author) for s in surveys(app, "survey-co"))
    assert recorded == [("csat", 30, 4, CSM), ("nps", 7, 10, CSM)]
    kinds = [e.kind for e in app.events("survey-co")]
    assert kinds.count("survey_recorded") == 2
    kpis = app.command("/onboard", "kpis")["text"]  # answered today: in the last 90 days
    assert "CSAT at D+7 / D+30: *—* / *4.00*" in kpis
    assert "NPS at D+7 / D+30: *+100* / *—*" in kpis


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("csat:6 day:7", "CSAT 6 is out of range: give 1 to 5"),
        ("nps:11 day:30", "NPS 11 is out of range: give 0 to 10"),
        ("csat:good day:7", "CSAT `good` is not a whole number from 1 to 5"),
        ("nps:9", "`day:7` or `day:30` is missing"),
        ("csat:4 nps:9 day:7", "give one of `csat:` or `nps:`"),
        ("csat:4 day:14", "day `14` is not 7 or 30"),
        ("csat:4 day:7 extra", "unexpected `extra`"),
        ("csat:4 day:7 when:now", "`when:` is not an option of `/onboard survey`"),
    ],
)
def test_a_bad_survey_is_refused_with_the_usage_and_records_nothing(app: Served, text, says):
    app.command("/onboard", "add Picky Co segment:smb")
    answer = app.command("/onboard", f"survey picky-co {text}")
    assert says in answer["text"]
    assert "/onboard survey ACCOUNT csat:1-5|nps:0-10 day:7|30" in answer["text"]
    assert surveys(app, "picky-co") == []


def test_report_sends_the_workbook_and_the_brief_to_the_askers_dm(app: Served):
    app.command("/onboard", "add Report Co segment:mid arr:50000")
    app.command("/signal", "report-co kickoff 0 the kickoff slipped")  # opens a rescue
    app.command("/risk", "report-co add data the export has no ids impact:high due:2026-12-20")
    app.command("/risk", "report-co reviewed auth")
    answer = app.command("/onboard", "report")
    assert "Sending you the KPI workbook" in answer["text"]
    assert "direct message" in answer["text"]
    app.double.wait_for(lambda: len(app.double.files) >= 2, timeout=20)
    files = {f.filename.rsplit(".", 1)[1]: f for f in app.double.files}
    assert set(files) == {"xlsx", "pdf"}
    assert all(f.channel and f.channel.startswith("D") for f in files.values())  # the DM
    book = load_workbook(io.BytesIO(files["xlsx"].content or b""))
    assert book.sheetnames == ["KPIs", "Accounts", "Rescues", "Risks"]
    rescued = [r for r in book["Rescues"].iter_rows(min_row=2, values_only=True)
               if r[0] == "report-co"]  # fmt: skip
    assert len(rescued) == 1 and rescued[0][2] == "open"
    risks = [r for r in book["Risks"].iter_rows(min_row=2, values_only=True) if r[0] == "report-co"]
    assert [(r[2], r[3], r[4], r[8]) for r in risks] == [
        ("data", "the export has no ids", "high", "open"),
        ("auth", "Reviewed: no risk", None, "reviewed"),
    ]
    assert risks[0][7].date().isoformat() == "2026-12-20"  # a real date
    pages = PdfReader(io.BytesIO(files["pdf"].content or b"")).pages
    assert len(pages) == 1
    text = pages[0].extract_text()
    assert "Who needs help" in text and "Report Co" in text and "Decisions pending" in text


def test_report_takes_no_arguments(app: Served):
    answer = app.command("/onboard", "report everything")
    assert "unexpected `everything`" in answer["text"]
    assert app.double.files == []


def test_a_rescue_resolved_as_not_needed_is_a_false_alarm(app: Served):
    app.command("/onboard", "add Calm Co segment:smb channel:<#C0RESCUE|rescue-acme>")
    app.command("/rescue", "calm-co customer silent")
    app.double.wait_for(lambda: app.double.messages("C0RESCUE"), timeout=10)
    message = parent(app)
    count = len(app.double.views.modals)
    click(app, "rescue.resolve", message, CSM)
    modal = latest_modal(app, count)
    options = [o["value"] for b in modal.view["blocks"] if b.get("block_id") == "resolve.outcome"
               for o in b["element"]["options"]]  # fmt: skip
    assert options == ["recovered", "not_recovered", "not_needed"]
    answer = app.slack.view_submission(
        "modal.rescue_resolve", view_id=modal.id, user_id=CSM,
        values={"resolve.outcome": {"resolve.outcome": {
            "type": "radio_buttons", "selected_option": {"value": "not_needed"}}}},
    )  # fmt: skip
    assert answer.status == 200
    app.double.wait_for(
        lambda: any("not needed (a false alarm)" in t for t in thread(app, message)), timeout=10
    )
    resolved = [e for e in app.events("calm-co") if e.kind == "rescue_resolved"]
    assert [e.payload["resolution"] for e in resolved] == ["not_needed"]
    assert "False alarms: *100%* of closed rescues" in app.command("/onboard", "kpis")["text"]
