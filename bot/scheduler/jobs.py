"""Scheduled work, run once across every process: digests, the recompute, reminders and the
quarterly calibration.

`fire(job_id)` is what the scheduler calls when a job's trigger fires; `sweep()` runs every job
whose latest fire time is due within the misfire grace period, which is how a process started
late (down at 09:00 Monday) still runs a missed digest, once. Each run is claimed in the database
first: the claim, not the scheduler, is what makes a run happen once across replicas and
restarts. A claim whose process died before finishing is taken over once its lease runs out.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from bot.scheduler.schedule import (
    CALIBRATION,
    DIGEST,
    RECOMPUTE,
    REMINDERS,
    STALE,
    Job,
    Schedule,
)
from bot.services import weight_actions
from bot.services.backend import AlreadyHandled, Backend
from bot.services.digests import ChartRenderer, prepare_digests, queue_prepared
from bot.services.integrations import judge_finished_weeks
from bot.services.policy import Directory, NoDirectory, roles_in_force
from bot.services.recompute import recompute
from bot.services.reminders import due_reminders, queue_reminders, stale_reminders
from bot.store.db import session_scope
from bot.store.runs import claim_run, finish_run, finished_keys, last_finished, worker_name
from scoring.errors import DomainError

log = logging.getLogger("rescuebot.scheduled")
LEASE = timedelta(minutes=15)


@dataclass
class Ran:
    """The runs this call claimed and did (keys), and what it queued."""

    runs: list[str] = field(default_factory=list)
    reminders: list[str] = field(default_factory=list)


class ScheduledWork:
    def __init__(
        self,
        backend: Backend,
        schedule: Schedule,
        *,
        worker: str | None = None,
        directory: Directory | None = None,
        chart: ChartRenderer | None = None,
        queued: Callable[[], None] = lambda: None,
    ) -> None:
        self.backend = backend
        self.schedule = schedule
        self.worker = worker or worker_name()
        # Who the approvers are now (user group included): they are reminded of lapsed SLAs
        # and overdue decisions.
        self.directory = directory or NoDirectory()
        self.chart = chart
        self.queued = queued  # told when deliveries were queued (wakes the courier)

    def fire(self, job_id: str) -> Ran:
        """The job's trigger fired: run what is due for it now."""
        return self._run([self.schedule.job(job_id)])

    def sweep(self) -> Ran:
        """Every job's due run that nobody has done: for a late start and a periodic check."""
        return self._run(list(self.schedule.jobs))

    def _run(self, jobs: list[Job]) -> Ran:
        now = self.backend.now()
        ran = Ran()
        due = [(job, fired) for job in jobs if (fired := job.due(now, self.schedule.grace))]
        # Runs already done are the common case for hours after a fire time (every sweep
        # within the grace period sees them): one read spares a write transaction for each.
        with self.backend.session() as session:
            done = finished_keys(
                session, [job.run_key(fired) for job, fired in due if job.kind != REMINDERS]
            )
        digests: list[tuple[Job, datetime]] = []
        for job, fired in due:
            if job.kind != REMINDERS and job.run_key(fired) in done:
                continue
            if job.kind == DIGEST:
                digests.append((job, fired))
            elif job.kind == RECOMPUTE:
                self._recompute(job, fired, ran)
            elif job.kind == STALE:
                self._stale(job, fired, ran)
            elif job.kind == CALIBRATION:
                self._calibrate(job, fired, ran)
            elif job.kind == REMINDERS:
                self._remind(ran)
        if digests:
            self._digests(digests, ran)
        if ran.runs or ran.reminders:
            self.queued()
        return ran

    def _claim(self, job: Job, fired: datetime) -> str | None:
        key = job.run_key(fired)
        now = self.backend.now()
        with session_scope(self.backend.engine) as session:
            claimed = claim_run(
                session,
                key=key,
                job=job.kind,
                due_at=fired,
                now=now,
                by=self.worker,
                stale_before=now - LEASE,
            )
        return key if claimed else None

    def _digests(self, due: list[tuple[Job, datetime]], ran: Ran) -> None:
        by_day: dict[date, list[tuple[Job, str]]] = defaultdict(list)
        for job, fired in due:
            key = self._claim(job, fired)
            if key is not None:
                by_day[fired.astimezone(job.zone).date()].append((job, key))
        for day, claimed in by_day.items():
            specs = [job.digest for job, _ in claimed if job.digest is not None]
            with self.backend.session() as session:
                prepared = prepare_digests(
                    session, self.backend.config, specs, as_of=day, chart=self.chart
                )
            keys = [key for _, key in claimed]
            queue_prepared(
                self.backend.engine,
                list(zip(prepared, keys, strict=True)),
                clock=self.backend.now,
                queued=self.queued,
            )
            ran.runs += keys
            log.info("%d digests queued: %s", len(keys), ", ".join(keys))

    def _recompute(self, job: Job, fired: datetime, ran: Ran) -> None:
        key = self._claim(job, fired)
        if key is None:
            return
        today = fired.astimezone(job.zone).date()
        with self.backend.session() as session:
            previous = last_finished(session, job=RECOMPUTE)
        done = recompute(
            self.backend.engine,
            self.backend.config,
            today=today,
            since=previous.claimed_at if previous is not None else None,
            now=self.backend.now(),
            run_key=key,
        )
        weeks = judge_finished_weeks(self.backend)  # ticket weeks that ended with no ticket
        with session_scope(self.backend.engine) as session:
            finish_run(session, key=key, at=self.backend.now())
        ran.runs.append(key)
        log.info("recompute %s: %d ticket_trend readings for weeks just ended", key, weeks)
        log.info(
            "recompute %s: %d snapshots, %d rescues opened, %d triggers on open rescues",
            key, done.snapshots, len(done.opened), len(done.triggered),
        )  # fmt: skip

    def _remind(self, ran: Ran) -> None:
        now = self.backend.now()
        roles = roles_in_force(self.backend.config, self.directory)
        with self.backend.session() as session:
            found = due_reminders(session, self.backend.config, now=now, approvers=roles.approvers)
        ran.reminders += queue_reminders(self.backend.engine, found, now=now, worker=self.worker)

    def _stale(self, job: Job, fired: datetime, ran: Ran) -> None:
        key = self._claim(job, fired)
        if key is None:
            return
        today = fired.astimezone(job.zone).date()
        with self.backend.session() as session:
            found = stale_reminders(session, self.backend.config, today=today)
        ran.reminders += queue_reminders(
            self.backend.engine, found, now=self.backend.now(), worker=self.worker
        )
        with session_scope(self.backend.engine) as session:
            finish_run(session, key=key, at=self.backend.now())
        ran.runs.append(key)

    def _calibrate(self, job: Job, fired: datetime, ran: Ran) -> None:
        """The quarter's calibration: its weight proposal goes to the leadership channel for an
        approver, as `/onboard weights propose` would; nothing worth proposing is logged."""
        key = self._claim(job, fired)
        if key is None:
            return
        channel = self.backend.config.escalation.channel
        if not channel:
            log.warning("calibration %s: no escalation.channel to put a proposal to", key)
        else:
            try:
                proposal = weight_actions.propose_quarterly(
                    self.backend, channel=channel, run_key=key
                )
                log.info("calibration %s: weight proposal #%s posted", key, proposal.id)
            except AlreadyHandled:
                log.info("calibration %s: its proposal was made before a restart", key)
            except DomainError as exc:
                log.info("calibration %s: no proposal (%s)", key, exc)
        with session_scope(self.backend.engine) as session:
            finish_run(session, key=key, at=self.backend.now())
        ran.runs.append(key)
