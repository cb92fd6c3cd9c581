"""Global options (`--config`) before or after the subcommand, as PRODUCT.md's CLI contract says.

Click reads a group's options only before its subcommand; the root group here first moves every
global option in front, so `rescuebot scorecard acme --config F` is `rescuebot --config F
scorecard acme`, and the option keeps a single definition (the app's callback).
"""

from __future__ import annotations

import typer
from typer.core import TyperGroup

GLOBAL_OPTIONS = ("--config",)  # each takes a value


GLOBAL_OPTIONS = ("--config",)  # each takes a value


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


class GlobalOptionsAnywhere(TyperGroup):
    """The root command: global options work before or after the subcommand."""

    def parse_args(self, ctx: typer.Context, args: list[str]) -> list[str]:
        return super().parse_args(ctx, global_options_first(args))
