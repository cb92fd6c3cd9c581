"""The background worker inside `serve`, `socket` and `worker`: APScheduler firing the schedule,
a periodic sweep, the courier delivering the outbox, and the appliers of integration events
(received webhook events; HubSpot company creations waiting for their CRM read).

APScheduler keeps each process's jobs in memory, built from the config at start; every cron
trigger carries its zone. The scheduler only says *when* to look: whether a run happens, and
that it happens once, is decided by the database claim in `ScheduledWork`.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import UTC

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger
from slack_sdk import WebClient

from bot.config import Settings
from bot.delivery.courier import Courier
from bot.delivery.hubspot import HubspotSender
from bot.hubspot.api import Hubspot
from bot.scheduler.hubspot import HubspotApplier
from bot.scheduler.integrations import IntegrationApplier
from bot.scheduler.jobs import ScheduledWork
from bot.scheduler.schedule import Schedule, build_schedule
from bot.services import live_standup
from bot.services.backend import Backend
from bot.services.digests import ChartRenderer
from bot.services.policy import Directory
from bot.store.runs import worker_name

log = logging.getLogger("rescuebot.worker")


def courier_client(settings: Settings) -> WebClient:
    """A Web API client that never retries by itself: the courier owns retries."""
    token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None
    # A few seconds: an unanswered send is looked for in Slack before it is sent again.
    client = WebClient(token=token, base_url=settings.slack_api_url, timeout=10)
    client.retry_handlers = []
    return client


def hubspot_api(settings: Settings) -> Hubspot | None:
    """The CRM client when HUBSPOT_TOKEN is set (at HUBSPOT_API_URL), else None."""
    if settings.hubspot_token is None:
        return None
    return Hubspot(settings.hubspot_token.get_secret_value(), settings.hubspot_api_url)


class Worker:
    """Starts and stops the scheduler, the sweep and the courier of one process."""

    def __init__(
        self,
        backend: Backend,
        client: WebClient,
        *,
        directory: Directory | None = None,
        schedule: Schedule | None = None,
        scheduler: bool = True,
        chart: ChartRenderer | None = None,
        hubspot: Hubspot | None = None,
        apply_events: bool = True,
    ) -> None:
        self.backend = backend
        self.schedule = schedule or build_schedule(backend.config)
        self.courier = Courier(
            backend.engine, client, backend.clock,
            render=lambda delivery: live_standup.render(backend, delivery),
        )  # fmt: skip
        # With HUBSPOT_TOKEN: notes to HubSpot, and company creations read from its CRM.
        self.hubspot = HubspotApplier(backend, hubspot) if hubspot and apply_events else None
        if hubspot is not None:
            self.courier.send_notes_with(HubspotSender(hubspot))
        # Webhook events answered (here or by another process) applied here, unless
        # APPLY_INTEGRATION_EVENTS=false leaves that to other processes.
        self.integrations = (
            IntegrationApplier(backend, on_pending=self.hubspot.wake if self.hubspot else None)
            if apply_events
            else None
        )
        # Use cases ring the backend's bell after committing: it wakes this courier.
        self.courier.wake = backend.outbox_bell
        self.work = ScheduledWork(
            backend,
            self.schedule,
            worker=worker_name(),
            directory=directory,
            chart=chart,
            queued=self.courier.wake.set,
        )
        self.with_scheduler = scheduler
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._scheduler: BackgroundScheduler | None = None

    def start(self) -> None:
        self._spawn("courier", lambda: self.courier.run(self._stop))
        if self.integrations is not None:
            self.integrations.start()
        if self.hubspot is not None:
            self.hubspot.start()
        if not self.with_scheduler:
            log.info("scheduler off: this process only delivers the outbox")
            return
        grace = int(self.schedule.grace.total_seconds())
        scheduler = BackgroundScheduler(
            timezone=UTC,
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": grace},
        )
        for job in self.schedule.jobs:
            scheduler.add_job(self._fire, trigger=job.trigger, args=[job.id], id=job.id)
        minutes = self.backend.config.schedule.reminder_every_minutes or 10
        scheduler.add_job(
            self._sweep, trigger=IntervalTrigger(minutes=minutes, timezone=UTC), id="sweep"
        )
        scheduler.start()
        self._scheduler = scheduler
        # A late start: whatever was due while no process was up runs now, once.
        self._spawn("catch-up", self._sweep)
        log.info(
            "scheduler started: %s",
            ", ".join(f"{j.id} (next {j.trigger.get_next_fire_time(None, self.backend.now())})"
                      for j in self.schedule.jobs),
        )  # fmt: skip

    def stop(self) -> None:
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=True)
        self._stop.set()
        self.courier.wake.set()
        if self.integrations is not None:
            self.integrations.stop()
        if self.hubspot is not None:
            self.hubspot.stop()
        for thread in self._threads:
            thread.join(timeout=30)
        self.courier.close()

    def _spawn(self, name: str, target: Callable[[], None]) -> None:
        thread = threading.Thread(target=target, name=name, daemon=True)
        thread.start()
        self._threads.append(thread)

    def _fire(self, job_id: str) -> None:
        try:
            self.work.fire(job_id)
        except Exception:
            log.exception("scheduled job %s failed; the next sweep tries again", job_id)

    def _sweep(self) -> None:
        try:
            self.work.sweep()
        except Exception:
            log.exception("sweep failed; the next one tries again")
