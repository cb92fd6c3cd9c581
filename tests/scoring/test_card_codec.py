"""A kept scorecard reads back as the very scorecard kept, whatever its history; a cut trend is
what `evaluate` gives for fewer weeks; any change of the rules changes their fingerprint."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from scoring import card_codec
from scoring.overrides import Override
from scoring.readings import History, Reading
from scoring.rules import Status
from scoring.scorecard import evaluate
from tests.scoring.builders import KEYS, account, rules

RULES = rules()
AS_OF = date(2026, 11, 24)
START = datetime(2026, 6, 1, 9, tzinfo=UTC)

histories = st.lists(
    st.tuples(st.sampled_from(KEYS), st.integers(0, 2), st.integers(0, 170 * 24),
              st.one_of(st.none(), st.text(max_size=20))),
    max_size=60,
)  # fmt: skip


def history(rows: list[tuple[str, int, int, str | None]]) -> History:
    return History(
        [Reading(k, v, START + timedelta(hours=h), author="U1", note=n) for k, v, h, n in rows]
    )


@given(histories, st.integers(0, 8), st.booleans(), st.sampled_from([None, date(2026, 5, 1)]))
def test_a_packed_card_unpacks_to_the_same_card(rows, weeks, overridden, signed_on):
    facts = account(signed_on=signed_on)
    card = evaluate(facts, history(rows), RULES, as_of=AS_OF, trend_weeks=weeks)
    if overridden:
        card = replace(card, override=Override(Status.AT_RISK, "they said so", "U2", START))
    assert card_codec.unpack(card_codec.pack(card), rules=RULES) == card  # its facts kept
    renamed = replace(facts, name="Renamed")
    assert card_codec.unpack(card_codec.pack(card), account=renamed, rules=RULES) == replace(
        card, account=renamed
    )


@given(histories, st.integers(0, 8))
def test_a_cut_trend_is_the_trend_of_fewer_weeks(rows, weeks):
    facts, seen = account(), history(rows)
    kept = card_codec.pack(evaluate(facts, seen, RULES, as_of=AS_OF, trend_weeks=8))
    cut = card_codec.unpack(kept, rules=RULES, trend_weeks=weeks)
    assert cut == evaluate(facts, seen, RULES, as_of=AS_OF, trend_weeks=weeks)


def test_the_fingerprint_follows_the_rules():
    assert card_codec.rules_key(RULES) == card_codec.rules_key(rules())
    assert card_codec.rules_key(RULES) != card_codec.rules_key(replace(RULES, stale_after_days=7))
    assert card_codec.rules_key(RULES) != card_codec.rules_key(replace(RULES, weights_version=2))
    assert card_codec.rules_key(RULES) != card_codec.rules_key(rules(holidays=frozenset({AS_OF})))
