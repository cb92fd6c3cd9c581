"""A background look: a thread that does one look for work when woken, at start and every
`every` seconds, until stopped; a look that fails is logged and tried again at the next."""

from __future__ import annotations

import logging
import threading


class BackgroundLook:
    """Subclasses give `_look()`, the thread's name and what a failed look says."""

    name = "look"
    failed = "a background look failed; trying again shortly"

    def __init__(self, log: logging.Logger, *, every: float) -> None:
        self.every = every
        self._log = log
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def wake(self) -> None:
        self._wake.set()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=30)

    def _look(self) -> None:
        raise NotImplementedError

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()  # before looking: a wake while looking is not lost
            try:
                self._look()
            except Exception:
                self._log.exception(self.failed)
            self._wake.wait(self.every)
