"""The rules in force (the latest approved weights over the config) are read once per request:
a rating that scores the account before and after, opens a rescue and renders its card does
not go back to the weight versions for each scorecard."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import partial

from sqlalchemy import Engine, event

from bot.config import load_config
from bot.services import rating
from bot.services.backend import Backend
from bot.services.policy import Actor, Ask, Roles
from bot.services.weights import rules_in_force
from bot.store import accounts as account_rows
from bot.store.db import session_scope
from scoring.signals import Value

NOW = datetime(2026, 11, 24, 10, tzinfo=UTC)


def count_weight_reads(engine: Engine) -> list[str]:
    reads: list[str] = []

    def seen(conn, cursor, statement, *args) -> None:  # type: ignore[no-untyped-def]
        if "weight_version" in statement and statement.lstrip().upper().startswith("SELECT"):
            reads.append(statement)

    event.listen(engine, "before_cursor_execute", seen)
    return reads


def loaded_rules(backend: Backend):  # the middleware's loader, as a request builds it
    with backend.session() as session:
        return rules_in_force(session, backend.config)


def test_a_rating_that_opens_a_rescue_reads_the_rules_once(engine: Engine):
    backend = Backend(config=load_config(None), engine=engine, clock=lambda: NOW)
    with session_scope(engine) as session:
        account = account_rows.add_account(
            session, key="acme", name="Acme", segment="smb", csm="U0CSM", channel="C0ACME"
        )
    reads = count_weight_reads(engine)
    ask = Ask(
        actor=Actor("U0CSM", Roles(frozenset(), None, frozenset())),
        key="one-request",
        load_rules=partial(loaded_rules, backend),
    )
    taxonomy = ask.rules.taxonomy  # what the listener parses `import` with
    rated = rating.rate(
        backend, ask, account, [(taxonomy.resolve("import"), Value(0))], note=None, source="slack"
    )
    assert rated.opened is not None and rated.opened.created  # a rescue and its card rendered
    assert len(reads) == 1
