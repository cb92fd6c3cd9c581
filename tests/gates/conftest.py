"""The CLI tests' `rescuebot` fixture, for the gate and risk CLI tests here."""

from tests.cli.conftest import rescuebot  # noqa: F401 - a fixture, used by name
