"""Undoing a rating, on both databases: by its author within ten minutes, restoring every signal
it changed; the automatic rescue it opened closes as opened by mistake unless someone acted;
a second undo, a retried click and simultaneous clicks undo once (PRODUCT.md, "The standup in
fifteen minutes")."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine
from sqlmodel import col, select

from bot.config import load_config
from bot.services import rating, rescue_actions, undo
from bot.services.backend import AlreadyHandled, Backend
from bot.services.outcomes import kpi_records, rescue_calls
from bot.services.policy import Actor, Ask, Roles
from bot.store import accounts as account_rows
from bot.store import readings as reading_rows
from bot.store.db import session_scope
from bot.store.tables import Account, Delivery, Event, Reading, Rescue
from scoring.errors import DomainError
from scoring.escalation import NotAllowed
from scoring.kpis import Window, kpis
from scoring.signals import Value
from tests.services.test_races import at_once

CONFIG = load_config(None)
NOW = datetime(2026, 11, 24, 10, tzinfo=UTC)
CSM, ALICE, BOB = "U0CSM", "U0ALICE", "U0BOB"
ROLES = Roles(admins=frozenset(), csms=None, approvers=frozenset({"U0BOSS"}))
MIN = timedelta(minutes=1)


class Clock:
    """The time every use case reads, moved by the test."""

    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def backend(engine: Engine, clock: Clock) -> Backend:
    return Backend(config=CONFIG, engine=engine, clock=clock)


def ask(user: str, key: str | None = None) -> Ask:
    return Ask(actor=Actor(user, ROLES), key=key, channel="C0ACME")


def healthy(engine: Engine, *, unrated: tuple[str, ...] = ()) -> Account:
    """Acme with every signal at 2 (but `unrated`) two days ago, the hand-off complete."""
    with session_scope(engine) as session:
        account = account_rows.add_account(
            session, key="acme", name="Acme Corp", segment="mid", csm=CSM, channel="C0ACME",
            business_problem="p", promised_timeline="t", dependencies="d", decision_maker="m",
        )  # fmt: skip
        for signal in CONFIG.rules.taxonomy.active:
            if signal.key not in unrated:
                reading_rows.add_reading(
                    session, account_id=account.id, signal=signal.key, value=2, note=None,
                    author=CSM, source="slash_command", recorded_at=NOW - timedelta(days=2),
                )  # fmt: skip
        session.expunge(account)
        return account


def rate(backend: Backend, account: Account, user: str = ALICE, key: str | None = None,
         **values: int) -> rating.Rated:  # fmt: skip
    ratings = [(CONFIG.rules.taxonomy.resolve(k), Value(v)) for k, v in values.items()]
    return rating.rate(backend, ask(user, key), account, ratings, note=None, source="slash_command")


def ids(rated: rating.Rated) -> tuple[int, ...]:
    return rated.recorded.reading_ids


def values(engine: Engine, signal: str) -> list[tuple[int, str]]:
    with session_scope(engine, read_only=True) as session:
        rows = session.exec(
            select(Reading).where(Reading.signal == signal)
            .order_by(col(Reading.recorded_at), col(Reading.id))
        )  # fmt: skip
        return [(r.value, r.source) for r in rows]


def rescues(engine: Engine) -> list[Rescue]:
    with session_scope(engine, read_only=True) as session:
        return list(session.exec(select(Rescue).order_by(col(Rescue.id))))


def texts_to(engine: Engine, channel: str) -> list[str]:
    with session_scope(engine, read_only=True) as session:
        rows = session.exec(select(Delivery).where(Delivery.channel == channel))
        return [str(d.payload.get("text", "")) for d in rows]


def undone_events(engine: Engine) -> list[Event]:
    with session_scope(engine, read_only=True) as session:
        return list(session.exec(select(Event).where(Event.kind == undo.UNDONE)))


def test_undo_restores_every_signal_the_rating_changed(engine, backend, clock):
    account = healthy(engine)
    rated = rate(backend, account, data_import=1, kickoff=1)
    assert undo.offer(rated.recorded, surface="signal") is not None
    clock.now += 9 * MIN
    undone = undo.undo(backend, ask(ALICE, "undo"), ids(rated))
    restored = [(2, "slash_command"), (1, "slash_command"), (2, "undo")]
    assert values(engine, "data_import") == restored
    assert values(engine, "kickoff") == restored
    assert [(c.signal.key, c.before, int(c.value)) for c in undone.recorded.recorded] == [
        ("data_import", 1, 2), ("kickoff", 1, 2),
    ]  # fmt: skip
    assert undone.card.score == rated.recorded.before.score and undone.kept == ()
    [event] = undone_events(engine)
    assert (event.actor, event.payload["readings"]) == (ALICE, list(ids(rated)))


def test_undo_is_not_offered_where_every_signal_was_unrated_before(engine, backend):
    account = healthy(engine, unrated=("exec_update", "kickoff"))
    rated = rate(backend, account, exec_update=1)
    assert undo.offer(rated.recorded, surface="signal") is None
    mixed = rate(backend, account, kickoff=1, data_import=1)
    assert undo.offer(mixed.recorded, surface="card") is not None
    undone = undo.undo(backend, ask(ALICE, "undo"), ids(mixed))
    assert [k.signal.key for k in undone.kept] == ["kickoff"]  # it stays as rated
    assert values(engine, "kickoff") == [(1, "slash_command")]
    assert values(engine, "data_import")[-1] == (2, "undo")


def test_a_duplicate_rating_offers_no_undo(engine, backend):
    account = healthy(engine)
    rate(backend, account, data_import=1)
    again = rate(backend, account, data_import=1)
    assert undo.offer(again.recorded, surface="signal") is None


def test_only_its_author_may_undo_and_only_within_ten_minutes(engine, backend, clock):
    account = healthy(engine)
    rated = rate(backend, account, data_import=1)
    with pytest.raises(NotAllowed, match="only the person who gave this rating may undo it"):
        undo.undo(backend, ask(BOB, "bob"), ids(rated))
    clock.now += 10 * MIN + timedelta(seconds=1)
    with pytest.raises(NotAllowed, match="given 10 minutes ago and can be undone only within 10"):
        undo.undo(backend, ask(ALICE, "late"), ids(rated))
    assert values(engine, "data_import") == [(2, "slash_command"), (1, "slash_command")]
    assert undone_events(engine) == []


def test_undo_twice_is_refused_with_what_happened(engine, backend, clock):
    account = healthy(engine)
    rated = rate(backend, account, data_import=1)
    clock.now += MIN
    undo.undo(backend, ask(ALICE, "first"), ids(rated))
    with pytest.raises(DomainError, match="you already undid this rating, at 10:01 UTC"):
        undo.undo(backend, ask(ALICE, "second"), ids(rated))
    assert [v for v, _ in values(engine, "data_import")] == [2, 1, 2]


def test_a_retried_undo_click_applies_once(engine, backend):
    account = healthy(engine)
    rated = rate(backend, account, data_import=1)
    undo.undo(backend, ask(ALICE, "click"), ids(rated))
    with pytest.raises(AlreadyHandled):
        undo.undo(backend, ask(ALICE, "click"), ids(rated))
    assert [v for v, _ in values(engine, "data_import")] == [2, 1, 2]


def test_simultaneous_undo_clicks_undo_once(engine, backend):
    account = healthy(engine)
    rated = rate(backend, account, data_import=0)
    told = at_once([
        lambda i=i: undo.undo(backend, ask(ALICE, f"click-{i}"), ids(rated)) for i in range(8)
    ])  # fmt: skip
    assert told.count("ok") == 1, told
    assert all("you already undid this rating" in t for t in told if t != "ok"), told
    assert [v for v, _ in values(engine, "data_import")] == [2, 0, 2]
    assert len(undone_events(engine)) == 1
    [rescue] = rescues(engine)
    assert rescue.resolution == "opened_by_mistake"


def test_a_signal_rated_again_since_keeps_the_newer_value(engine, backend, clock):
    account = healthy(engine)
    rated = rate(backend, account, data_import=1, kickoff=1)
    clock.now += MIN
    rate(backend, account, BOB, kickoff=0)
    undone = undo.undo(backend, ask(ALICE, "undo"), ids(rated))
    assert [(k.signal.key, k.rated_since_by) for k in undone.kept] == [("kickoff", BOB)]
    assert [v for v, _ in values(engine, "kickoff")] == [2, 1, 0]
    assert [v for v, _ in values(engine, "data_import")] == [2, 1, 2]
    only_kept = rate(backend, account, BOB, first_value=1)
    clock.now += MIN
    rate(backend, account, ALICE, first_value=2)
    with pytest.raises(
        DomainError, match="nothing to undo on Acme Corp: First value was rated again since"
    ):
        undo.undo(backend, ask(BOB, "undo-bob"), ids(only_kept))


def test_undo_closes_the_rescue_the_rating_opened_as_opened_by_mistake(engine, backend, clock):
    account = healthy(engine)
    rated = rate(backend, account, data_import=0)
    [rescue] = rescues(engine)
    assert rescue.state == "open" and rescue.owner == CSM
    clock.now += 2 * MIN
    undone = undo.undo(backend, ask(ALICE, "undo"), ids(rated))
    [rescue] = rescues(engine)
    assert (rescue.state, rescue.resolution, rescue.resolved_at) == (
        "resolved", "opened_by_mistake", clock.now,
    )  # fmt: skip
    assert undone.recorded.closed is not None and undone.opened is None
    # the thread says so, the card is edited, and the owner's DM gets its follow-up
    with session_scope(engine, read_only=True) as session:
        deliveries = list(session.exec(select(Delivery).order_by(col(Delivery.id))))
    thread = [d for d in deliveries if d.key.startswith(f"rescue:{rescue.id}:message:")]
    assert any("opened by mistake — the rating was undone by" in str(d.payload) for d in thread)
    assert any(d.method == "update" for d in thread)
    dms = texts_to(engine, CSM)
    assert any("You own the rescue of *Acme Corp*" in t for t in dms)
    assert any(f"opened by mistake: <@{ALICE}> undid the rating" in t for t in dms)
    # a false alarm for calibration, in no recovery or SLA KPI
    with session_scope(engine, read_only=True) as session:
        records = kpi_records(session, CONFIG.rules)
        calls = rescue_calls(session, CONFIG.rules, today=clock.now.date())
    [record] = records.rescues
    assert record.opened_by_mistake and record.false_alarm
    assert calls["false_alarms"]["accounts"] == ["acme"]
    window = Window(clock.now.date(), clock.now.date())
    measured = kpis(records.onboardings, records.rescues, window=window)
    assert measured.at_risk_recovery.denominator == 0 and measured.sla_adherence.denominator == 0


def test_undo_after_someone_acknowledged_leaves_the_rescue_open(engine, backend, clock):
    account = healthy(engine)
    rated = rate(backend, account, data_import=0)
    [rescue] = rescues(engine)
    clock.now += MIN
    rescue_actions.acknowledge(backend, ask(CSM, "ack"), rescue.id)
    clock.now += MIN
    undone = undo.undo(backend, ask(ALICE, "undo"), ids(rated))
    assert undone.recorded.closed is None
    assert [v for v, _ in values(engine, "data_import")] == [2, 0, 2]
    [rescue] = rescues(engine)
    assert rescue.state == "acknowledged"


def test_undo_of_a_rating_that_did_not_open_the_rescue_leaves_it_open(engine, backend, clock):
    account = healthy(engine)
    rate(backend, account, BOB, data_import=0)  # opens the rescue
    clock.now += MIN
    rated = rate(backend, account, kickoff=1)
    undo.undo(backend, ask(ALICE, "undo"), ids(rated))
    [rescue] = rescues(engine)
    assert rescue.state == "open"


def test_a_forged_undo_of_someone_elses_readings_is_refused(engine, backend):
    account = healthy(engine)
    theirs = rate(backend, account, BOB, data_import=1)
    mine = rate(backend, account, ALICE, kickoff=1)
    with pytest.raises(DomainError, match="not one rating"):
        undo.undo(backend, ask(ALICE, "forged"), (*ids(mine), *ids(theirs)))
    with pytest.raises(DomainError, match="no longer there"):
        undo.undo(backend, ask(ALICE, "gone"), (999_999,))
