"""Keeping App Home tabs current after the data behind them changes.

Publishing a home tab means scoring the person's whole book, so it is not done inside each
request: listeners mark people as needing a refresh, and one background thread renders each of
them at most once per interval and queues it to the outbox (a views.publish delivery, which the
courier sends and retries like any message). A burst of ratings costs one publish per person,
and the listeners (and the acks queued behind them) stay fast.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable

from bot.services import home
from bot.services.backend import Backend
from bot.services.policy import Directory, roles_in_force

log = logging.getLogger("rescuebot.home")
REFRESH_INTERVAL_SECONDS = 2.0


def publish_home(backend: Backend, directory: Directory, user: str) -> None:
    """Queue `user`'s home tab to the outbox (views.publish), rendered as things stand."""
    home.publish(backend, roles_in_force(backend.config, directory), user)


class HomeRefresher:
    """Republishes the home tabs of people whose accounts changed, in the background."""

    def __init__(
        self,
        backend: Backend,
        directory: Directory,
        *,
        interval: float = REFRESH_INTERVAL_SECONDS,
    ) -> None:
        self._backend, self._interval = backend, interval
        self._directory = directory
        self._dirty: set[str] = set()
        self._wake = threading.Condition()
        self._thread: threading.Thread | None = None

    def publish(self, user: str) -> None:
        """Publish `user`'s home now (they just opened it)."""
        publish_home(self._backend, self._directory, user)

    def request(self, users: Iterable[str | None]) -> None:
        wanted = {u for u in users if u}
        if not wanted:
            return
        with self._wake:
            self._dirty |= wanted
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="home-refresh", daemon=True)
                self._thread.start()
            self._wake.notify()

    def _run(self) -> None:
        while True:
            with self._wake:
                self._wake.wait_for(lambda: bool(self._dirty))
                batch, self._dirty = sorted(self._dirty), set()
            for user in batch:
                try:
                    self.publish(user)
                except Exception:
                    log.exception("home not refreshed for %s", user)
            # Pace the next batch whatever arrives meanwhile: requests only add to it.
            time.sleep(self._interval)
