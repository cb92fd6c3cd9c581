"""`rescuebot --help`: every command listed, every value with a real placeholder."""

from __future__ import annotations

import re

import click
import pytest
import typer
from typer.testing import CliRunner

from bot.cli.main import app

TYPER_TYPES = re.compile(r"<(str|bool|int|float|path|text)>", re.IGNORECASE)


def _commands(group: click.Command, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = [path]
    for name, sub in getattr(group, "commands", {}).items():
        found += _commands(sub, (*path, name))
    return found


EVERY_COMMAND = _commands(typer.main.get_command(app))


def _help(*path: str) -> str:
    result = CliRunner().invoke(app, [*path, "--help"], env={"COLUMNS": "120"})
    assert result.exit_code == 0, result.output
    return result.stdout


def test_the_root_help_lists_every_command():
    root = _help()
    for name in typer.main.get_command(app).commands:  # type: ignore[attr-defined]
        assert re.search(rf"│ {re.escape(name)}\s", root), name
    assert {"report", "kpis", "demo", "digest", "standup"} <= set(
        typer.main.get_command(app).commands  # type: ignore[attr-defined]
    )


@pytest.mark.parametrize("path", EVERY_COMMAND, ids=lambda p: " ".join(p) or "rescuebot")
def test_every_help_shows_real_placeholders(path):
    text = _help(*path)
    assert not TYPER_TYPES.search(text), TYPER_TYPES.search(text)
    assert "Monday digest" not in text
    for flag in ("--help", "--json", "--skip-bad", "--dry-run", "--fresh"):
        line = next((line for line in text.splitlines() if f" {flag} " in line), None)
        if line is not None:  # a flag takes no value: no placeholder after it
            after = line.split(flag, 1)[1].split()
            assert not after or not re.fullmatch(r"[A-Z_]{2,}", after[0]), line


def test_dates_urls_and_files_are_named_as_such():
    assert "--as-of        DATE" in _help("standup")
    assert "--database-url" in _help("demo") and " URL " in _help("demo")
    assert "ACCOUNT" in _help("scorecard") and "FILE" in _help("accounts", "import")
