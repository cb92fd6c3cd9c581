"""Global options (`--config`) before or after the subcommand, as PRODUCT.md's CLI contract says.

Click reads a group's options only before its subcommand; the root group here first moves every
global option in front, so `rescuebot scorecard acme --config F` is `rescuebot --config F
scorecard acme`, and the option keeps a single definition (the app's callback).
"""

from __future__ import annotations

import click
import typer
from typer.core import TyperArgument, TyperGroup

GLOBAL_OPTIONS = ("--config",)  # each takes a value
# What `--help` shows for a value, by parameter name, instead of Typer's `<str>`; a flag shows
# nothing (it takes no value), any other value its name in capitals.
PLACEHOLDERS = {
    "as_of": "DATE", "since": "DATE", "config": "PATH", "database_url": "URL",
    "channel": "CHANNEL", "plot": "FILE.png", "host": "HOST", "port": "PORT", "file": "FILE",
    "account": "ACCOUNT", "xlsx": "FILE.xlsx", "pdf": "FILE.pdf",
}  # fmt: skip


def global_options_first(args: list[str]) -> list[str]:
    """`args` with the global options moved in front of the subcommand, so that
    `rescuebot scorecard acme --config F` means `rescuebot --config F scorecard acme`.
    Nothing after `--` moves: that is an argument, whatever it looks like."""
    moved: list[str] = []
    rest: list[str] = []
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "--":
            rest += args[i:]
            break
        if arg in GLOBAL_OPTIONS:
            if i + 1 == len(args):
                raise typer.BadParameter(f"needs a path, like {arg} rescuebot.yml", param_hint=arg)
            moved += args[i : i + 2]
            i += 2
            continue
        (moved if arg.split("=", 1)[0] in GLOBAL_OPTIONS else rest).append(arg)
        i += 1
    return moved + rest


def _no_type(ctx: click.Context) -> None:
    return None


def show_placeholders(command: click.Command, ctx: click.Context) -> None:
    """Give every parameter of `command` and its subcommands a real placeholder in `--help`:
    none for a flag, DATE, PATH, URL… for a value (see PLACEHOLDERS)."""
    help_option = command.get_help_option(ctx)
    for param in [*command.params, *([help_option] if help_option else [])]:
        if getattr(param, "is_flag", False):
            param.metavar = ""
        elif param.metavar is None and param.name:
            param.metavar = PLACEHOLDERS.get(param.name, param.name.upper())
        if isinstance(param, TyperArgument):
            # An argument's placeholder is its name column already; Typer would add `<str>`.
            param.display_type_rich = _no_type  # type: ignore[method-assign]
    for sub in getattr(command, "commands", {}).values():
        show_placeholders(sub, ctx)


class GlobalOptionsAnywhere(TyperGroup):
    """The root command: global options work before or after the subcommand, and `--help`
    shows real placeholders."""

    def parse_args(self, ctx: typer.Context, args: list[str]) -> list[str]:
        show_placeholders(self, ctx)
        return super().parse_args(ctx, global_options_first(args))
