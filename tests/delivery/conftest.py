"""The outbox against the Slack double: the scheduling fixtures (a database, the double, a
courier on the test's clock) and the CLI runner, shared here."""

from tests.cli.conftest import loaded, rescuebot
from tests.scheduling.conftest import double, scheduled

__all__ = ["double", "loaded", "rescuebot", "scheduled"]
