"""The schedule: which jobs exist (from the config), when each fires, and which run is due.

Each process builds its schedule in memory from the config at start; nothing about it is stored
or shared (APScheduler's job stores must never be shared between schedulers). What makes a run
happen once is the database claim on the run's key, so the key is decided here: a channel's
digest per ISO week, the recompute per day, the calibration per quarter, each reminder per due
time.

Every cron trigger gets an explicit zone: a channel's own, else the team's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger

from bot.config import Config, DigestSpec
from scoring.weeks import week_label

DIGEST, RECOMPUTE, REMINDERS, STALE = "digest", "recompute", "reminders", "stale"
CALIBRATION = "calibration"
# The quarterly calibration: 07:00 (team timezone) on the first day of each quarter, after the
# night's recompute, so its proposal is waiting for the approvers when the quarter starts.
CALIBRATION_CRON = "0 7 1 1,4,7,10 *"


@dataclass(frozen=True)
class Job:
    """One scheduled job: `id` is stable across processes, `digest` set for digest jobs."""

    id: str
    kind: str
    trigger: BaseTrigger
    zone: tzinfo
    digest: DigestSpec | None = None

    def fires_between(self, start: datetime, end: datetime) -> list[datetime]:
        """The fire times in (start, end], oldest first."""
        times: list[datetime] = []
        previous = None
        moment = self.trigger.get_next_fire_time(None, start + timedelta(microseconds=1))
        while moment is not None and moment <= end:
            times.append(moment)
            previous = moment
            moment = self.trigger.get_next_fire_time(previous, moment + timedelta(microseconds=1))
        return times

    def due(self, now: datetime, grace: timedelta) -> datetime | None:
        """The latest fire time at or before `now` and at most `grace` ago: a run missed while
        no process was up still happens, once (coalesced), if it is not too late."""
        times = self.fires_between(now - grace, now)
        return times[-1] if times else None

    def run_key(self, fired_at: datetime) -> str:
        local = fired_at.astimezone(self.zone)
        if self.kind == DIGEST:
            assert self.digest is not None
            return f"digest:{self.digest.channel}:{week_label(local.date())}"
        if self.kind in (RECOMPUTE, STALE):
            return f"{self.kind}:{local.date().isoformat()}"
        if self.kind == CALIBRATION:
            return f"{self.kind}:{local.year}-Q{(local.month - 1) // 3 + 1}"
        return f"{self.kind}:{fired_at.astimezone(UTC).isoformat()}"


@dataclass(frozen=True)
class Schedule:
    jobs: tuple[Job, ...]
    grace: timedelta

    def job(self, job_id: str) -> Job:
        return next(job for job in self.jobs if job.id == job_id)


def cron(expression: str, zone: tzinfo) -> CronTrigger:
    return CronTrigger.from_crontab(expression, timezone=zone)


def build_schedule(config: Config) -> Schedule:
    """Every job the config asks for; digest channels each get their own cron and zone."""
    team = config.rules.team_timezone
    spec = config.schedule
    assert spec.recompute_cron and spec.stale_reminder_cron and spec.reminder_every_minutes
    assert spec.misfire_grace_minutes
    jobs = [
        Job(RECOMPUTE, RECOMPUTE, cron(spec.recompute_cron, team), team),
        Job(STALE, STALE, cron(spec.stale_reminder_cron, team), team),
        Job(CALIBRATION, CALIBRATION, cron(CALIBRATION_CRON, team), team),
        Job(
            REMINDERS,
            REMINDERS,
            CronTrigger(minute=f"*/{spec.reminder_every_minutes}", timezone=UTC),
            UTC,
        ),
    ]
    for digest in config.digests:
        zone = digest_zone(config, digest)
        jobs.append(Job(f"digest:{digest.channel}", DIGEST, cron(digest.cron, zone), zone, digest))
    return Schedule(tuple(jobs), timedelta(minutes=spec.misfire_grace_minutes))


def digest_zone(config: Config, digest: DigestSpec) -> tzinfo:
    return ZoneInfo(digest.timezone) if digest.timezone else config.rules.team_timezone
