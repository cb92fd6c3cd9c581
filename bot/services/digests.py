"""The weekly digest as scheduled work: built per channel scope and queued for delivery.

One portfolio load serves every channel whose digest is due at the same time; each channel's
digest is narrowed to its scope (a segment, a CSM, or everyone). Queuing a digest writes its
messages and chart to the outbox under the run's key, in the transaction that finishes the run,
so a digest is queued entirely or not at all, and once.
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import partial

from sqlalchemy import Engine
from sqlmodel import Session

from bot.config import Config, DigestSpec
from bot.messages.digest import DigestMessage, SecondLook, digest_messages
from bot.messages.review import OverrideLook
from bot.messages.text import escape_mrkdwn, mention
from bot.messages.wording import digest_title
from bot.services.backend import Backend
from bot.services.outcomes import kpis_of
from bot.services.portfolio import TREND_WINDOW_WEEKS, Portfolio, load_portfolio
from bot.services.weights import rules_in_force
from bot.store import deliveries
from bot.store.db import session_scope
from bot.store.runs import claim_run, finish_run, worker_name
from bot.store.tables import Account, Delivery
from scoring.digest import Digest
from scoring.kpis import Kpis, Window
from scoring.review import override_sample, review_month
from scoring.rules import Bands
from scoring.weeks import week_label

KPI_WINDOW = timedelta(days=90)

ChartRenderer = Callable[[Portfolio, Digest, Bands], bytes]


@dataclass(frozen=True)
class PreparedDigest:
    """A channel's digest, its messages rendered and its chart ready to draw: drawing takes
    a fifth of a second, so the messages of every channel are queued before any chart is."""

    spec: DigestSpec
    digest: Digest
    messages: list[DigestMessage]
    draw_chart: Callable[[], bytes] | None

    @property
    def channel(self) -> str:
        return self.spec.channel


def scope_label(spec: DigestSpec) -> str:
    """The scope in words (app-written mrkdwn)."""
    if spec.scope.segment and spec.scope.csm:
        return f"Segment {spec.scope.segment.value}, CSM {mention(spec.scope.csm)}"
    if spec.scope.segment:
        return f"Segment {escape_mrkdwn(spec.scope.segment.value)}"
    if spec.scope.csm:
        return f"CSM {mention(spec.scope.csm)}"
    return "All accounts"


def in_scope(spec: DigestSpec) -> Callable[[Account], bool]:
    segment = spec.scope.segment.value if spec.scope.segment else None
    csm = spec.scope.csm
    return lambda a: (segment is None or a.segment == segment) and (csm is None or a.csm == csm)


def prepare_digests(
    session: Session,
    config: Config,
    specs: Sequence[DigestSpec],
    *,
    as_of: date,
    chart: ChartRenderer | None = None,
) -> list[PreparedDigest]:
    """Every channel's digest as of `as_of`, from one read of the portfolio."""
    if not specs:
        return []
    rules = rules_in_force(session, config)
    portfolio = load_portfolio(
        session,
        rules,
        as_of=as_of,
        with_previous_week=True,
        trend_weeks=TREND_WINDOW_WEEKS if chart else 0,
    )
    headline: Kpis = kpis_of(session, rules, window=Window(as_of - KPI_WINDOW, as_of))
    prepared: list[PreparedDigest] = []
    for spec in specs:
        scoped = portfolio.narrowed(in_scope(spec))
        digest = scoped.digest()
        prepared.append(
            PreparedDigest(
                spec,
                digest,
                digest_messages(
                    digest,
                    scope=scope_label(spec),
                    kpis=headline,
                    second_look=second_look(scoped, as_of),
                    title=digest_title(spec.cron, as_of),
                ),
                partial(chart, scoped, digest, rules.bands) if chart else None,
            )
        )
    return prepared


def second_look(portfolio: Portfolio, as_of: date) -> SecondLook | None:
    """The month's override review, on the month's first digest: three of the accounts in scope
    whose status is overridden, drawn with the month as the seed."""
    month = review_month(as_of)
    if month is None:
        return None
    overridden = {s.card.account.key: s.card for s in portfolio.states if s.card.override}
    looks = []
    for key in override_sample(overridden, month):
        card = overridden[key]
        called = card.override
        assert called is not None
        looks.append(
            OverrideLook(
                name=card.account.name, override=called.status, computed=card.status,
                score=card.score, reason=called.reason, author=called.author,
                since=called.set_at.date(),
            )
        )  # fmt: skip
    return month, looks


def queue_digest(
    session: Session, prepared: PreparedDigest, *, run_key: str, now: datetime
) -> list[Delivery]:
    """The digest's first message and its thread replies, into the outbox."""
    queued: list[Delivery] = []
    for n, message in enumerate(prepared.messages, start=1):
        queued.append(
            deliveries.enqueue(
                session,
                key=f"{run_key}:message:{n}",
                method="message",
                channel=prepared.channel,
                payload={"text": message.text, "blocks": message.blocks},
                parent=queued[0] if queued else None,  # the rest go into the first's thread
                now=now,
                run_key=run_key,
            )
        )
    return queued


def queue_chart(
    session: Session, prepared: PreparedDigest, chart: bytes, *, run_key: str, now: datetime
) -> Delivery:
    """The digest's chart, into the outbox, for the thread of its first message."""
    parent = deliveries.by_key(session, f"{run_key}:message:1")
    week = prepared.digest.week
    return deliveries.enqueue(
        session,
        key=f"{run_key}:chart",
        method="file",
        channel=prepared.channel,
        payload={
            "filename": f"onboarding-{week}.png",
            "title": f"Onboarding scores, {week}",
            "alt_txt": (
                f"Weekly score distribution of {prepared.digest.total} onboarding accounts"
                f" and the {len(prepared.digest.needs_help)} that need help"
            ),
        },
        content=chart,
        parent=parent,
        now=now,
        run_key=run_key,
    )


def queue_prepared(
    engine: Engine,
    prepared: Sequence[tuple[PreparedDigest, str]],
    *,
    clock: Callable[[], datetime],
    queued: Callable[[], None] = lambda: None,
) -> None:
    """Every digest's messages first (each in its own transaction, so the courier starts on
    them), then each chart as it is drawn, finishing the digest's run with it. A run cut short
    is taken over later and queues only what is missing: every delivery has its own key."""
    for digest, key in prepared:
        with session_scope(engine) as session:
            queue_digest(session, digest, run_key=key, now=clock())
            if digest.draw_chart is None:
                finish_run(session, key=key, at=clock())
    queued()
    for digest, key in prepared:
        if digest.draw_chart is None:
            continue
        chart = digest.draw_chart()
        with session_scope(engine) as session:
            queue_chart(session, digest, chart, run_key=key, now=clock())
            finish_run(session, key=key, at=clock())
        queued()


def spec_for(config: Config, channel: str) -> DigestSpec:
    """The channel's configured digest (its scope), or one for every account."""
    configured = next((d for d in config.digests if d.channel == channel), None)
    return configured or DigestSpec(channel=channel)


@dataclass(frozen=True)
class PostedNow:
    """What `post_now` achieved: its run key, and how its deliveries ended."""

    key: str
    week: str
    delivered: int
    pending: str | None
    failed: str | None


def post_now(
    backend: Backend,
    deliver_due: Callable[[], object],
    channel: str,
    *,
    as_of: date,
    chart: ChartRenderer | None,
    wait: timedelta = timedelta(seconds=60),
    sleep: Callable[[float], None] = time.sleep,
) -> PostedNow:
    """Post the channel's digest now, by hand, and deliver it with `deliver_due` (a courier's
    round), retrying up to `wait`. `failed` is Slack's error for a delivery that failed for good.

    It counts as the week's digest when that has not been claimed yet, so the scheduled one
    does not repeat it; otherwise it is an extra, by-hand run with its own key.
    """
    spec = spec_for(backend.config, channel)
    with backend.session() as session:
        (prepared,) = prepare_digests(session, backend.config, [spec], as_of=as_of, chart=chart)
    now = backend.now()
    weekly = f"digest:{channel}:{week_label(as_of)}"
    with session_scope(backend.engine) as session:
        key = weekly
        if not claim_run(session, key=key, job="digest", due_at=now, now=now, by=worker_name()):
            key = f"{weekly}:by-hand:{now.strftime('%Y%m%dT%H%M%S%f')}"
            claim_run(session, key=key, job="digest", due_at=now, now=now, by=worker_name())
    queue_prepared(backend.engine, [(prepared, key)], clock=backend.now)
    deadline = backend.now() + wait
    while True:
        deliver_due()
        with backend.session() as session:
            rows = deliveries.of_run(session, run_key=key)
        states = {d.state for d in rows}
        if not states & {deliveries.PENDING, deliveries.SENDING} or backend.now() >= deadline:
            break
        sleep(0.5)
    failed = [d for d in rows if d.state == deliveries.FAILED]
    waiting = [d for d in rows if d.state in (deliveries.PENDING, deliveries.SENDING)]
    return PostedNow(
        key=key,
        week=prepared.digest.week,
        delivered=sum(d.state == deliveries.DELIVERED for d in rows),
        pending=f"last error: {waiting[0].last_error}" if waiting else None,
        failed=failed[0].last_error or "failed" if failed else None,
    )


def digest_chart(portfolio: Portfolio, digest: Digest, bands: Bands) -> bytes:
    """The digest's chart: how many accounts sat in each score band at each of the last weeks'
    ends (and now), and the accounts that need help with their real status."""
    # matplotlib takes a second to import: only processes that draw a chart pay for it.
    from bot.messages.charts import HelpBar, WeekScores, portfolio_chart

    weekly: dict[str, list[int]] = defaultdict(list)
    for state in portfolio.states:
        for past in state.card.trend.weekly:
            if past.score_tenths is not None and not past.partial and past.week != digest.week:
                weekly[past.week].append(past.score_tenths)
        if state.card.score_tenths is not None:
            weekly[digest.week].append(state.card.score_tenths)
    weeks = [
        WeekScores(
            week, tuple(t / 10 for t in tenths), Counter(bands.status_for(t) for t in tenths)
        )
        for week, tenths in sorted(weekly.items())
    ]
    needs_help = [
        HelpBar(item.card.account.name, item.card.score, item.card.status)
        for item in digest.needs_help
    ]
    return portfolio_chart(weeks, needs_help, bands=bands)
