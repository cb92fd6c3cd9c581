"""`rescuebot --help`: every command listed, every value with a real placeholder."""

from __future__ import annotations

import re
from pathlib import Path

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


def _readme_commands() -> list[str]:
    """The lines of the README's command list (the block that ends with `--config PATH`)."""
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    block = readme.split("rescuebot --config PATH")[0].rsplit("```", 1)[1]
    return [line.split("  #")[0].strip() for line in block.splitlines()
            if line.startswith("rescuebot ")]  # fmt: skip


def _named(line: str) -> list[tuple[tuple[str, ...], list[str]]]:
    """Each command a README line names (`serve … | socket …` names two), with its flags."""
    named = []
    for part in line.removeprefix("rescuebot ").split(" | "):
        words, path = part.split(), ()
        while words and (*path, words[0]) in EVERY_COMMAND:
            path, words = (*path, words[0]), words[1:]
        named.append((path, re.findall(r"--[a-z][a-z-]*", " ".join(words))))
    return named


def test_the_readme_lists_every_command_with_options_it_has():
    listed = {path for line in _readme_commands() for path, _ in _named(line)}
    group = typer.main.get_command(app)

    def leaf(path: tuple[str, ...]) -> bool:
        command = group
        for name in path:
            command = command.commands[name]  # type: ignore[attr-defined]
        return not hasattr(command, "commands")

    assert {path for path in EVERY_COMMAND if path and leaf(path)} <= listed
    for line in _readme_commands():
        for path, flags in _named(line):
            assert path, line  # a command (`kpis` is one, and a group too)
            text = _help(*path)
            assert all(f" {flag} " in text for flag in flags), (line, text)
