"""Properties of the score that hold for every history: bounded, monotone, order-free."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from scoring.readings import History, Reading
from scoring.rules import Status
from scoring.scorecard import evaluate
from tests.scoring.builders import KEYS, account, rules

RULES = rules()
AS_OF = date(2026, 11, 24)
START = datetime(2026, 9, 1, tzinfo=UTC)

histories = st.lists(
    st.tuples(st.sampled_from(KEYS), st.integers(0, 2), st.integers(0, 80 * 24 * 60)),
    max_size=40,
    unique_by=lambda t: t[2],  # distinct moments: the latest reading is well defined
).map(lambda rows: [Reading(k, v, START + timedelta(minutes=m)) for k, v, m in rows])


def score_of(readings: list[Reading]) -> float | None:
    return evaluate(account(), History(readings), RULES, as_of=AS_OF).score


@given(histories)
def test_score_is_between_zero_and_ten_with_one_decimal(readings):
    score = score_of(readings)
    assert score is None or (0 <= score <= 10 and round(score * 10) == score * 10)
    assert (score is None) == (not readings)


@given(histories, st.randoms())
def test_score_does_not_depend_on_the_order_readings_arrive_in(readings, rnd):
    shuffled = list(readings)
    rnd.shuffle(shuffled)
    assert score_of(shuffled) == score_of(readings)


@given(histories, st.sampled_from(KEYS), st.integers(0, 1))
def test_raising_any_current_reading_never_lowers_the_score(readings, key, low):
    later = START + timedelta(days=82)
    lower = score_of([*readings, Reading(key, low, later)])
    higher = score_of([*readings, Reading(key, low + 1, later)])
    assert lower is not None and higher is not None
    assert higher >= lower


@given(histories, st.sampled_from(KEYS), st.integers(0, 1))
def test_raising_a_reading_never_worsens_the_status(readings, key, low):
    later = START + timedelta(days=82)

    def severity(value: int) -> int:
        card = evaluate(account(), History([*readings, Reading(key, value, later)]), RULES,
                        as_of=AS_OF)  # fmt: skip
        return card.status.severity

    assert severity(low + 1) <= severity(low)
    assert Status.AT_RISK.severity > Status.WATCH.severity > Status.HEALTHY.severity
