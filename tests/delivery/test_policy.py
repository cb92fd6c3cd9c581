"""The retry policy as a pure function: each kind of answer and the state it leads to."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.delivery.policy import (
    DELIVERED,
    FAILED,
    RETRY,
    Answer,
    Backoff,
    Next,
    Outcome,
    decide,
)
from bot.messages.fixes import fix_for

STARTED = datetime(2026, 12, 1, 9, tzinfo=UTC)
NOW = STARTED + timedelta(seconds=3)
BACKOFF = Backoff(first=timedelta(seconds=2), cap=timedelta(minutes=5))


def next_for(answer: Answer, attempts: int = 1) -> Next:
    return decide(answer, attempts=attempts, started=STARTED, now=NOW, backoff=BACKOFF)


def test_accepted_is_delivered_with_its_ts() -> None:
    assert next_for(Answer(Outcome.ACCEPTED, ts="1.2")).state == DELIVERED
    assert next_for(Answer(Outcome.ACCEPTED, ts="1.2")).ts == "1.2"


def test_refused_fails_for_good_with_the_reason_and_its_fix() -> None:
    result = next_for(Answer(Outcome.REFUSED, error="not_in_channel"), attempts=1)
    assert (result.state, result.error) == (FAILED, "not_in_channel")
    assert "/invite" in fix_for(result.error)


def test_429_waits_retry_after_and_pauses_the_sender() -> None:
    result = next_for(Answer(Outcome.RATE_LIMITED, retry_after=timedelta(seconds=30)))
    assert (result.state, result.at, result.pause) == (RETRY, NOW + timedelta(seconds=30),
                                                       timedelta(seconds=30))  # fmt: skip
    assert result.uncertain_since is None


def test_transient_failures_back_off_exponentially_up_to_the_cap_forever() -> None:
    waits = [next_for(Answer(Outcome.NOT_SENT), attempts=n).at - NOW for n in (1, 2, 3, 20, 500)]
    assert waits == [timedelta(seconds=s) for s in (2, 4, 8, 300, 300)]


def test_an_unknown_outcome_is_remembered_from_when_the_attempt_began() -> None:
    result = next_for(Answer(Outcome.UNKNOWN, error="fatal_error", file_id="F1"))
    assert (result.state, result.uncertain_since, result.file_id) == (RETRY, STARTED, "F1")
    assert next_for(Answer(Outcome.NOT_SENT, file_id="F1")).uncertain_since is None
