"""The courier's retry policy: what Slack's answer to one attempt means for the delivery next.

Pure: an `Answer` (what the gateway heard), the attempt count and the clock's reading in, a
`Next` (delivered, due again at a time, or failed for good) out. Transient trouble is retried
forever with a capped exponential backoff, a 429 after its `Retry-After`; an attempt whose
outcome is unknown (it may have been posted) is remembered, so that the gateway looks for it in
Slack before sending it again. Also the admin-facing fix for each permanent error.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta


class Outcome(enum.Enum):
    ACCEPTED = "accepted"  # posted, edited or shared (or found already there)
    RATE_LIMITED = "rate_limited"  # HTTP 429: not done; again after Retry-After
    NOT_SENT = "not_sent"  # transient, and certainly not done (connection refused, …)
    UNKNOWN = "unknown"  # transient, and maybe done: timeout, connection lost, 5xx
    REFUSED = "refused"  # permanent: Slack will refuse it again until someone fixes something


@dataclass(frozen=True)
class Answer:
    """What the gateway heard from Slack for one attempt."""

    outcome: Outcome
    ts: str | None = None  # the message's ts, when accepted
    error: str | None = None
    retry_after: timedelta | None = None  # for RATE_LIMITED
    file_id: str | None = None  # a file uploaded whose sharing went unanswered
    found: bool = False  # accepted because an earlier attempt was found in Slack's history


@dataclass(frozen=True)
class Backoff:
    """Waiting after the n-th transient failure in a row: first, doubling, up to cap."""

    first: timedelta = timedelta(seconds=2)
    cap: timedelta = timedelta(minutes=5)

    def after(self, attempts: int) -> timedelta:
        # Retried forever: the exponent stops growing long before 2**n would overflow.
        return min(self.cap, self.first * 2 ** min(30, max(0, attempts - 1)))


DELIVERED, RETRY, FAILED = "delivered", "retry", "failed"


@dataclass(frozen=True)
class Next:
    """What becomes of the delivery: `state` DELIVERED (with `ts`), RETRY at `at` (with
    `uncertain_since` when the attempt may have been posted, and `pause` when Slack asked the
    sender to slow down), or FAILED with `error`."""

    state: str
    ts: str | None = None
    at: datetime | None = None
    error: str | None = None
    uncertain_since: datetime | None = None
    file_id: str | None = None
    pause: timedelta | None = None


def decide(
    answer: Answer, *, attempts: int, started: datetime, now: datetime, backoff: Backoff
) -> Next:
    """The next state after an attempt begun at `started` (the `attempts`-th) was answered."""
    if answer.outcome is Outcome.ACCEPTED:
        return Next(DELIVERED, ts=answer.ts)
    if answer.outcome is Outcome.REFUSED:
        return Next(FAILED, error=answer.error or "refused")
    if answer.outcome is Outcome.RATE_LIMITED:
        pause = answer.retry_after or timedelta(seconds=1)
        return Next(RETRY, at=now + pause, error=answer.error, pause=pause)
    unknown = answer.outcome is Outcome.UNKNOWN
    return Next(
        RETRY,
        at=now + backoff.after(attempts),
        error=answer.error,
        uncertain_since=started if unknown else None,
        file_id=answer.file_id if unknown else None,
    )
