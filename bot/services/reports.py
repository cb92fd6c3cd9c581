"""Take-away reports: the KPI workbook and the one-page brief, gathered from the store as of a
day, and `/onboard report`, which sends both to the asker's DM through the outbox.

Gathering owns what each report says (which KPIs, which accounts, which decisions are pending);
the layout is `bot.messages.reports`. Both reports read one portfolio load and one set of KPI
records, so the workbook and the brief agree with `rescuebot kpis` and the digest.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

from sqlmodel import Session, col, select

from bot.messages.reports import (
    AccountRow,
    Brief,
    BriefLine,
    KpiRow,
    RescueRow,
    RiskRow,
    Workbook,
    brief_pdf,
    workbook_xlsx,
)
from bot.messages.reports.workbook import DECIMAL, PERCENT, WHOLE
from bot.messages.text import escape_mrkdwn
from bot.messages.wording import plural
from bot.services.backend import Backend
from bot.services.digests import digest_chart
from bot.services.outcomes import AccountSummary, KpiReport, OutcomeRows, kpi_report, outcome_rows
from bot.services.policy import Ask
from bot.services.portfolio import TREND_WINDOW_WEEKS, Portfolio, load_portfolio
from bot.services.weights import rules_in_force
from bot.store import deliveries
from bot.store import weights as weight_rows
from bot.store.tables import Escalation, Rescue
from scoring.kpis import KPI_NAMES, Window
from scoring.rules import Rules, Status

KPI_WINDOW = timedelta(days=90)
KPI_LABELS: dict[str, tuple[str, str]] = {
    "completion_rate": ("Completion rate", PERCENT),
    "time_to_value_days": ("Time to value (median days)", DECIMAL),
    "at_risk_recovery_rate": ("At-risk recovery rate", PERCENT),
    "sla_adherence_rate": ("Rescue SLA adherence", PERCENT),
    "escalation_decision_hours": ("Escalation decision time (median hours)", DECIMAL),
    "tickets_per_1000_users": ("Tickets per 1,000 users", DECIMAL),
    "csat_d7": ("CSAT at D+7 (mean, 1–5)", "0.00"),
    "csat_d30": ("CSAT at D+30 (mean, 1–5)", "0.00"),
    "nps_d7": ("NPS at D+7", WHOLE),
    "nps_d30": ("NPS at D+30", WHOLE),
    "churn_90_rate": ("Churn within 90 days", PERCENT),
    "expansion_6m_rate": ("Expansion within 6 months", PERCENT),
    "activation_rate": ("Activation (first value in its window)", PERCENT),
    "false_alarm_rate": ("False alarms (of closed rescues)", PERCENT),
    "miss_rate": ("Misses (churned, never rescued)", PERCENT),
}
RESOLUTIONS = {
    "recovered": "Recovered",
    "not_recovered": "Not recovered",
    "not_needed": "Not needed (false alarm)",
    "opened_by_mistake": "Opened by mistake (false alarm)",
}


def kpi_label(name: str) -> str:
    """A KPI's name as people read it (a KPI added later without a label reads as its name)."""
    return KPI_LABELS.get(name, (name.replace("_", " ").capitalize(), DECIMAL))[0]


@dataclass(frozen=True)
class Gathered:
    """What both reports are made of, as of one day."""

    as_of: date
    rules: Rules
    portfolio: Portfolio
    kpis: KpiReport
    finished: list[AccountSummary]
    rescues: list[tuple[Rescue, AccountSummary]]
    surveys: dict[int, dict[str, int]]
    plans: list[tuple[Escalation, AccountSummary]]
    proposal_pending: int | None
    risks: list[RiskRow]


def gather(session: Session, rules: Rules, *, as_of: date) -> Gathered:
    """One portfolio load and one read of each table the KPIs are computed from, shared by the
    KPI report and the workbook's lists."""
    rows = outcome_rows(session)
    accounts = {a.id: a for a in rows.accounts}
    portfolio = load_portfolio(
        session, rules, as_of=as_of, with_previous_week=True, trend_weeks=TREND_WINDOW_WEEKS
    )
    onboarding = set(portfolio.accounts)
    plans = [
        (p, accounts[p.account_id])
        for p in session.exec(
            select(Escalation)
            .where(Escalation.state == "pending")
            .order_by(col(Escalation.decision_deadline))
        )
    ]
    proposal = weight_rows.pending_proposal(session)
    return Gathered(
        as_of=as_of,
        rules=rules,
        portfolio=portfolio,
        kpis=kpi_report(session, rules, window=Window(as_of - KPI_WINDOW, as_of), rows=rows),
        finished=[a for a in rows.accounts if a.key not in onboarding],
        rescues=[(r, accounts[r.account_id]) for r in rows.rescues],
        surveys=rows.latest_answers(),
        plans=plans,
        proposal_pending=proposal.id if proposal is not None else None,
        risks=_risks(rows, accounts),
    )


def _risks(rows: OutcomeRows, accounts: dict[int, AccountSummary]) -> list[RiskRow]:
    """The risk register: every risk logged, then each category marked reviewed with no risk."""
    risks = [
        RiskRow(
            account=accounts[r.account_id].key,
            name=accounts[r.account_id].name,
            category=r.category,
            text=r.text,
            impact=r.impact,
            owner=r.owner,
            mitigation=r.mitigation,
            due_on=r.due_on,
            state=r.state,
            opened_at=r.created_at,
        )
        for r in rows.risks
    ]
    risks += [
        RiskRow(
            account=accounts[r.account_id].key,
            name=accounts[r.account_id].name,
            category=r.category,
            text="Reviewed: no risk",
            impact=None,
            owner=None,
            mitigation=None,
            due_on=None,
            state="reviewed",
            opened_at=r.reviewed_at,
        )
        for r in rows.reviews
    ]
    return risks  # fmt: skip


def _windows(report: KpiReport) -> dict[str, tuple[date, date] | None]:
    current = report.current.window
    windows: dict[str, tuple[date, date] | None] = {
        "current": (current.start, current.end),
        "baseline": None
        if report.baseline is None
        else (report.baseline.window_start, report.baseline.window_end),
    }
    for moved in report.movement:
        windows[f"week{moved.week}"] = (moved.window.start, moved.window.end)
    return windows


def kpi_rows(report: KpiReport) -> list[KpiRow]:
    current = report.current.values()
    baseline = report.baseline_kpis.values() if report.baseline_kpis else {}
    moved = {m.week: (m.kpis.values() if m.kpis else {}) for m in report.movement}
    return [
        KpiRow(
            label=kpi_label(name), key=name,
            number_format=KPI_LABELS.get(name, ("", DECIMAL))[1],
            current=current.get(name), baseline=baseline.get(name),
            week4=moved.get(4, {}).get(name), week8=moved.get(8, {}).get(name),
        )
        for name in KPI_NAMES
    ]  # fmt: skip


def workbook_of(gathered: Gathered) -> Workbook:
    zone = gathered.rules.team_timezone
    surveys = gathered.surveys
    accounts = []
    for state in gathered.portfolio.states:
        card, account = state.card, gathered.portfolio.accounts[state.card.account.key]
        accounts.append(
            AccountRow(
                key=account.key, name=account.name, segment=account.segment, csm=account.csm,
                signed_on=account.signed_on, arr=account.arr, users=account.users,
                score=card.score, status=card.decided_status.label,
                computed_status=card.status.label, coverage=card.coverage,
                phase=card.phase.label, outcome=None, outcome_on=None,
                surveys=surveys.get(account.id, {}),  # type: ignore[arg-type]
            )
        )  # fmt: skip
    for account in sorted(gathered.finished, key=lambda a: a.key):
        accounts.append(
            AccountRow(
                key=account.key, name=account.name, segment=account.segment, csm=account.csm,
                signed_on=account.signed_on, arr=account.arr, users=account.users, score=None,
                status="Finished", computed_status="", coverage=0.0, phase="",
                outcome=account.outcome, outcome_on=account.outcome_on,
                surveys=surveys.get(account.id, {}),  # type: ignore[arg-type]
            )
        )  # fmt: skip
    rescues = [
        RescueRow(
            account=a.key, name=a.name, state=r.state, trigger=r.trigger.replace("_", " "),
            owner=r.owner, status_at_open=Status(r.status_at_open).label,
            opened_at=r.opened_at.astimezone(zone), sla_due_at=r.sla_due_at.astimezone(zone),
            acknowledged_at=r.acknowledged_at.astimezone(zone) if r.acknowledged_at else None,
            checkpoint_on=r.checkpoint_on,
            resolved_at=r.resolved_at.astimezone(zone) if r.resolved_at else None,
            resolution=RESOLUTIONS.get(r.resolution or "", r.resolution),
            false_alarm=r.resolution in ("not_needed", "opened_by_mistake"),
        )
        for r, a in gathered.rescues
    ]  # fmt: skip
    return Workbook(
        as_of=gathered.as_of, kpis=kpi_rows(gathered.kpis), windows=_windows(gathered.kpis),
        accounts=accounts, rescues=rescues,
        risks=[replace(r, opened_at=r.opened_at.astimezone(zone) if r.opened_at else None)
               for r in gathered.risks],
    )  # fmt: skip


def _figure(name: str, value: float | None) -> str:
    if value is None:
        return "—"
    number_format = KPI_LABELS.get(name, ("", DECIMAL))[1]
    if number_format == PERCENT:
        return f"{value:.1%}"
    if number_format == WHOLE:
        return f"{value:+.0f}"
    return f"{value:.2f}" if number_format == "0.00" else f"{value:.1f}"


def _counts(portfolio: Portfolio, digest: Any) -> str:
    parts = []
    for status in (Status.HEALTHY, Status.WATCH, Status.AT_RISK):
        change = digest.change(status)
        parts.append(
            f"{digest.counts[status]} {status.label}" + (f" ({change:+d})" if change else "")
        )
    return f"{plural(digest.total, 'account')} onboarding: " + ", ".join(parts) + " (vs last week)"


def brief_of(gathered: Gathered, *, chart: bool = True) -> Brief:
    portfolio = gathered.portfolio
    digest = portfolio.digest()
    needs_help = [
        BriefLine(
            f"{item.card.account.name} — {item.card.decided_status.label}"
            + (f": {item.why}" if item.why else "")
            + (f" · owner {item.owner}" if item.owner else "")
            + f" · due {item.due.isoformat()}",
            "unscored" if item.card.score is None else f"{item.card.score:.1f}",
        )
        for item in digest.needs_help
    ]
    report = gathered.kpis
    baseline = report.baseline_kpis.values() if report.baseline_kpis else {}
    kpis = [
        BriefLine(
            kpi_label(name),
            _figure(name, value)
            + (f" (baseline {_figure(name, baseline[name])})" if baseline.get(name) is not None
               else ""),
        )
        for name, value in report.current.values().items()
    ]  # fmt: skip
    decisions = [
        BriefLine(
            f"Recovery plan for {a.name}: {p.approvals_required} approval"
            f"{'s' if p.approvals_required > 1 else ''} needed",
            f"decide by {p.decision_deadline.isoformat()}",
        )
        for p, a in gathered.plans
    ]
    if gathered.proposal_pending is not None:
        decisions.append(
            BriefLine(f"Weight proposal #{gathered.proposal_pending} from calibration", "pending")
        )
    window = report.current.window
    return Brief(
        as_of=gathered.as_of,
        subtitle=f"KPIs over {window.start.isoformat()} – {window.end.isoformat()}",
        portfolio=_counts(portfolio, digest),
        chart_png=digest_chart(portfolio, digest, gathered.rules.bands) if chart else None,
        needs_help=needs_help, kpis=kpis, decisions=decisions,
    )  # fmt: skip


def workbook_bytes(session: Session, rules: Rules, *, as_of: date) -> bytes:
    return workbook_xlsx(workbook_of(gather(session, rules, as_of=as_of)))


def brief_bytes(session: Session, rules: Rules, *, as_of: date) -> bytes:
    return brief_pdf(brief_of(gather(session, rules, as_of=as_of)))


@dataclass(frozen=True)
class Sent:
    as_of: date
    workbook: str
    brief: str


def send_reports(backend: Backend, ask: Ask) -> Sent:
    """`/onboard report`: the workbook and the brief, as of today, to the asker's DM. Anyone in
    the workspace may read the portfolio, so anyone may ask; the files go through the outbox."""
    today = backend.today()
    with backend.session() as session:
        rules = rules_in_force(session, backend.config)
        gathered = gather(session, rules, as_of=today)
    files = {
        f"onboarding-kpis-{today.isoformat()}.xlsx": workbook_xlsx(workbook_of(gathered)),
        f"onboarding-brief-{today.isoformat()}.pdf": brief_pdf(brief_of(gathered)),
    }
    now = backend.now()
    batch = uuid.uuid4().hex
    with backend.change(ask.key, rules=ask.known_rules) as session:
        for filename, content in files.items():
            deliveries.enqueue(
                session, key=f"report:{ask.user}:{batch}:{filename}", method="file",
                channel=ask.user, content=content, now=now,
                payload={"filename": filename, "title": filename.rsplit(".", 1)[0],
                         "alt_txt": f"Onboarding report as of {today.isoformat()}"},
            )  # fmt: skip
    workbook, brief = files
    return Sent(today, workbook, brief)


def sent_text(sent: Sent) -> str:
    return (
        f"Sending you the KPI workbook (`{escape_mrkdwn(sent.workbook)}`) and the one-page brief "
        f"(`{escape_mrkdwn(sent.brief)}`) as of {sent.as_of.isoformat()} in a direct message."
    )
