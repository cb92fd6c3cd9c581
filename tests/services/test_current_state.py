"""The kept current state always equals a full recompute from history, whatever sequence of
ratings, overrides, account edits, outcomes, rescue changes, bulk imports, midnights and daily
rebuilds went before; and the views read it (not the readings) wherever it holds."""

from __future__ import annotations

import random
from contextlib import suppress
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from itertools import count

import pytest
from sqlmodel import select

from bot.config import load_config
from bot.services import current_state
from bot.services.accounts import claim, edit_account, record_outcome
from bot.services.backend import Backend
from bot.services.overrides import clear_override, set_override
from bot.services.portfolio import facts, history_of, involves, load_portfolio
from bot.services.rescues import MANUAL, acknowledge, open_rescue, record_and_rescue, resolve
from bot.store import accounts as account_rows
from bot.store import overrides as override_rows
from bot.store import readings as reading_rows
from bot.store import rescues as rescue_rows
from bot.store.db import session_scope
from bot.store.tables import Account, CurrentState
from scoring import card_codec
from scoring.errors import DomainError
from scoring.overrides import in_force
from scoring.rules import Status
from scoring.scorecard import evaluate
from scoring.weeks import previous_week_end

CONFIG = load_config(None)
RULES = CONFIG.rules
SIGNALS = list(RULES.taxonomy.active)
START = datetime(2026, 10, 1, 9, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


def full_recompute(engine, today: date, trend_weeks: int = 0) -> dict[str, tuple[object, Status]]:
    """Every onboarding account's card and last week's status, from its whole history."""
    with session_scope(engine, read_only=True) as session:
        readings = reading_rows.history_by_account(session)
        overrides = override_rows.overrides_by_account(session)
        expected = {}
        for account in account_rows.list_accounts(session):
            if account.outcome is not None and not (
                account.outcome_on and account.outcome_on > today
            ):
                continue
            history = history_of(readings.get(account.id, []), RULES)
            card = evaluate(facts(account), history, RULES, as_of=today, trend_weeks=trend_weeks)
            called = in_force(overrides.get(account.id, ()), today, RULES.team_timezone)
            if called is not None:
                card = replace(card, override=called)
            last_week = previous_week_end(today)
            before = in_force(overrides.get(account.id, ()), last_week, RULES.team_timezone)
            previous = (
                before.status
                if before
                else evaluate(facts(account), history, RULES, as_of=last_week, trend_weeks=0).status
            )
            expected[account.key] = (card, previous)
    return expected


def fresh_keys(engine, today: date) -> set[str]:
    key = card_codec.rules_key(RULES)
    with session_scope(engine, read_only=True) as session:
        rows = session.exec(
            select(Account.key)
            .join(CurrentState, CurrentState.account_id == Account.id)
            .where(CurrentState.day == today, CurrentState.rules_key == key)
        )
        return set(rows)


def check(engine, today: date, trend_weeks: int = 0) -> None:
    """What the views load (kept states or readings) is what the whole history says."""
    expected = full_recompute(engine, today, trend_weeks)
    with session_scope(engine, read_only=True) as session:
        portfolio = load_portfolio(
            session, RULES, as_of=today, with_previous_week=True, trend_weeks=trend_weeks
        )
    got = {s.card.account.key: (s.card, portfolio.previous_status[s.card.account.key])
           for s in portfolio.states}  # fmt: skip
    assert got.keys() == expected.keys()
    for key, (card, previous) in expected.items():
        assert got[key][0] == card, key
        assert got[key][1] == previous, key


class Team:
    """Random changes through the services, each in its own Backend.change transaction."""

    def __init__(self, engine, rng: random.Random) -> None:
        self.clock = Clock()
        self.backend = Backend(CONFIG, engine, self.clock)
        self.rng = rng
        self.names = count()
        self.touched: set[str] = set()

    def today(self) -> date:
        return self.backend.today()

    def pick(self, session) -> Account | None:
        accounts = [a for a in account_rows.list_accounts(session) if a.outcome is None]
        return self.rng.choice(accounts) if accounts else None

    def step(self, action: str | None = None) -> str:
        rng = self.rng
        self.clock.now += timedelta(minutes=rng.randint(1, 300))
        now = self.clock.now
        action = action or rng.choice(
            ["add", "rate", "rate", "rate", "override", "clear", "edit", "claim", "rescue",
             "acknowledge", "resolve", "outcome", "import", "midnight", "rebuild"]
        )  # fmt: skip
        if action == "midnight":
            self.clock.now += timedelta(days=rng.choice((1, 1, 3, 8)))
            return action
        if action == "rebuild":
            current_state.rebuild(self.backend.engine, lambda _: RULES, today=self.today(),
                                  now=now)  # fmt: skip
            return action
        if action == "import":  # a bulk statement outside Backend.change: drops the kept state
            with session_scope(self.backend.engine) as session:
                account = self.pick(session)
                if account is not None:
                    reading_rows.add_readings(session, rows=[{
                        "account_id": account.id, "signal": rng.choice(SIGNALS).key,
                        "value": rng.randint(0, 2), "author": "U1", "source": "import",
                        "recorded_at": now - timedelta(days=rng.randint(0, 60)),
                        "created_at": now}])  # fmt: skip
            return action
        with self.backend.change(None) as session:
            if action == "add" or (account := self.pick(session)) is None:
                n = next(self.names)
                account = account_rows.add_account(
                    session, key=f"a{n}", name=f"Account {n}", segment=rng.choice(
                        ("smb", "mid", "enterprise")), csm=f"U{n % 3}",
                    signed_on=self.today() - timedelta(days=rng.randint(0, 120)),
                    business_problem="p", promised_timeline="t", dependencies="d",
                    decision_maker=rng.choice(("m", None)),
                )  # fmt: skip
                action = "add"
            elif action == "rate":
                ratings = [(s, rng.randint(0, 2)) for s in rng.sample(SIGNALS, rng.randint(1, 3))]
                record_and_rescue(
                    session, CONFIG, account=account, ratings=ratings, author="U1", note=None,
                    source="slash_command", now=now, channel=None,
                    recorded_at=now - timedelta(days=rng.choice((0, 0, 3, 20))),
                )  # fmt: skip
            elif action == "override":
                set_override(
                    session,
                    CONFIG,
                    account=account,
                    author="U1",
                    now=now,
                    status=rng.choice(list(Status)),
                    reason="the customer said so",
                )
            elif action == "clear":
                if override_rows.overrides_by_account(session, account_ids=[account.id]):
                    with suppress(DomainError):  # none in force: nothing to clear
                        clear_override(session, CONFIG, account=account, actor="U1", now=now)
            elif action == "edit":
                options = rng.choice([{"signed": (self.today() - timedelta(days=rng.randint(0, 200))
                                                  ).isoformat()},
                                      {"segment": rng.choice(("smb", "mid", "enterprise"))},
                                      {"arr": str(rng.randint(0, 90_000))},
                                      {"owner": "<@U0ALEX99>"}])  # fmt: skip
                edit_account(session, account=account, options=options, actor="U1", now=now)
            elif action == "claim":
                claim(session, account=account, user="U7", now=now)
            elif action == "rescue":
                open_rescue(session, CONFIG, account=account, trigger=MANUAL, actor="U1", now=now)
            elif action in ("acknowledge", "resolve"):
                rescue = rescue_rows.open_rescue(session, account_id=account.id)
                if rescue is not None and action == "acknowledge" and rescue.state == "open":
                    acknowledge(session, rescue, actor="U1", now=now)
                elif rescue is not None and action == "resolve":
                    resolve(
                        session,
                        CONFIG,
                        rescue,
                        actor="U1",
                        now=now,
                        resolution="recovered",
                        note=None,
                    )
            elif action == "outcome":
                record_outcome(session, account=account, outcome="completed", on=None,
                               actor="U1", now=now, today=self.today())  # fmt: skip
        self.touched = {account.key}
        return action


@pytest.mark.parametrize("seed", range(3))
def test_kept_state_equals_a_full_recompute_after_any_sequence(engine, seed):
    team = Team(engine, random.Random(seed))
    seen = set()
    rng_weeks = random.Random(seed)
    for _ in range(60):
        action = team.step()
        seen.add(action)
        today = team.today()
        check(engine, today, trend_weeks=rng_weeks.choice((0, 3, current_state.TREND_WINDOW_WEEKS)))
        if action in ("add", "rate", "override"):
            # The transaction kept what it changed: the views read it, not the readings.
            assert team.touched <= fresh_keys(engine, today), action
        if action == "rebuild":
            assert fresh_keys(engine, today) == set(full_recompute(engine, today))
    assert {"rate", "override", "edit", "midnight", "rebuild", "import"} <= seen


def test_a_state_of_yesterday_is_not_read_and_the_rebuild_renews_it(engine):
    team = Team(engine, random.Random(9))
    for _ in range(4):
        team.step("add")
        team.step("rate")
    current_state.rebuild(engine, lambda _: RULES, today=team.today(), now=team.clock.now)
    yesterday = team.today()
    assert fresh_keys(engine, yesterday)
    team.clock.now += timedelta(days=1)
    assert fresh_keys(engine, team.today()) == set()  # every state is stale: scored from readings
    check(engine, team.today())
    current_state.rebuild(engine, lambda _: RULES, today=team.today(), now=team.clock.now)
    assert fresh_keys(engine, team.today()) == set(full_recompute(engine, team.today()))
    check(engine, team.today())


def test_a_past_report_scores_from_the_readings(engine):
    team = Team(engine, random.Random(4))
    for action in ["add", "add", "rate", "override", *["rate", "midnight"] * 8]:
        team.step(action)
    current_state.rebuild(engine, lambda _: RULES, today=team.today(), now=team.clock.now)
    past = team.today() - timedelta(days=10)
    check(engine, past)


def test_other_rules_make_every_state_stale(engine):
    team = Team(engine, random.Random(2))
    for action in ["add", "rate", "add", "rate"]:
        team.step(action)
    current_state.rebuild(engine, lambda _: RULES, today=team.today(), now=team.clock.now)
    stricter = replace(RULES, stale_after_days=3)
    assert card_codec.rules_key(stricter) != card_codec.rules_key(RULES)
    with session_scope(engine, read_only=True) as session:
        accounts = {a.id: a for a in account_rows.list_accounts(session)}
        kept = current_state.kept_scores(session, stricter, accounts, as_of=team.today(),
                                         trend_weeks=0, everyone=True)  # fmt: skip
        same = current_state.kept_scores(session, RULES, accounts, as_of=team.today(),
                                         trend_weeks=0, everyone=True)  # fmt: skip
    assert kept == {}
    assert len(same) == 2


def test_the_app_home_scope_narrows_in_the_database(engine):
    team = Team(engine, random.Random(7))
    for action in ["add"] * 6 + ["rescue", "claim", "edit", "rescue", "claim", "edit"]:
        team.step(action)
    today = team.today()
    with session_scope(engine, read_only=True) as session:
        everyone = load_portfolio(session, RULES, as_of=today)
        rescues = rescue_rows.open_rescues(session)
        mine = load_portfolio(session, RULES, as_of=today, only=involves("U1"))
        expected = sorted(
            k for k, a in everyone.accounts.items()
            if "U1" in (a.csm, a.followup_owner, getattr(rescues.get(a.id), "owner", None))
        )  # fmt: skip
    assert sorted(mine.accounts) == expected


def test_a_long_fall_is_counted_from_the_whole_history(engine):
    team = Team(engine, random.Random(1))
    team.step("add")
    team.clock.now = START + timedelta(weeks=20)
    today = team.today()
    with team.backend.change(None) as session:
        account = account_rows.list_accounts(session)[0]
        values = {s.key: 2 for s in SIGNALS}
        weeks = [(s, v) for v in (1, 0) for s in SIGNALS]  # one signal a notch lower each week
        start = today - timedelta(weeks=len(weeks))  # the last drop is today
        rows = [{"signal": s.key, "value": 2, "day": start} for s in SIGNALS]
        for n, (signal, value) in enumerate(weeks, start=1):
            values[signal.key] = value
            rows.append({"signal": signal.key, "value": value, "day": start + timedelta(weeks=n)})
        at = lambda day: datetime.combine(day, datetime.min.time(), UTC)  # noqa: E731
        reading_rows.add_readings(session, rows=[{
            "account_id": account.id, "signal": r["signal"], "value": r["value"], "author": "U1",
            "source": "import", "created_at": team.clock.now, "recorded_at": at(r["day"])}
            for r in rows])  # fmt: skip
    with session_scope(engine, read_only=True) as session:
        card = load_portfolio(session, RULES, as_of=today).states[0].card
    assert (
        card.trend.falling_weeks
        == full_recompute(engine, today)[account.key][0].trend.falling_weeks
    )
    assert card.trend.falling_weeks >= current_state.TREND_WINDOW_WEEKS + 1
    current_state.rebuild(engine, lambda _: RULES, today=today, now=team.clock.now)
    assert fresh_keys(engine, today) == {account.key}
    check(engine, today)
