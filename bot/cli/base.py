"""Shared plumbing of the `rescuebot` command line: the root Typer app, the global options, the
runtime built once per invocation, and how refusals are printed (one clear message, non-zero exit).

Settings, config, engine and clock are built here and handed to the services; nothing is created
at import time.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape

from bot.cli.options import GlobalOptionsAnywhere
from bot.config import (
    Config,
    ConfigError,
    Settings,
    SettingsError,
    load_config,
    load_settings,
)
from scoring.errors import DomainError, UnknownName

app = typer.Typer(
    name="rescuebot",
    cls=GlobalOptionsAnywhere,
    help="Onboarding Rescue: score customer onboarding, run the standup, rescue drifting accounts.",
    no_args_is_help=True,
    rich_markup_mode="rich",
    pretty_exceptions_enable=False,
)


# The window KPIs cover by default, in reports and the digest.
KPI_WINDOW = timedelta(days=90)

AsOf = Annotated[
    str | None,
    typer.Option("--as-of", help="Evaluate as if today were this date (YYYY-MM-DD)."),
]
AsJson = Annotated[bool, typer.Option("--json", help="Print only JSON on stdout.")]
SkipBad = Annotated[
    bool, typer.Option("--skip-bad", help="Import the good rows, report the bad ones, exit 0.")
]


@dataclass
class Runtime:
    """What a command needs, built once from the environment and the options."""

    settings: Settings
    config_path: Path | None
    now: datetime

    def config(self) -> Config:
        return load_config(self.config_path or self.settings.rescuebot_config)

    def today(self, config: Config) -> date:
        return self.now.astimezone(config.rules.team_timezone).date()


def fail(message: str, *, code: int = 1) -> NoReturn:
    Console(stderr=True).print(f"[bold red]Error:[/bold red] {message}", highlight=False)
    raise typer.Exit(code)


def _refuse_lines(title: str, problems: list[str]) -> NoReturn:
    """The problems one per line under `title` (a single one on its own), never wrapped, since
    each starts `FILE, line N:`, and printed as written: `[@morgan]` is text, not markup."""
    lines = [escape(problem) for problem in problems]
    text = lines[0] if len(lines) == 1 else title + "".join(f"\n  {line}" for line in lines)
    console = Console(stderr=True, soft_wrap=True)
    console.print(f"[bold red]Error:[/bold red] {text}", highlight=False)
    raise typer.Exit(1)


@contextmanager
def refusals() -> Iterator[None]:
    """Turn every known refusal into one clear message and a non-zero exit."""
    from sqlalchemy.exc import OperationalError

    from bot.services.errors import ImportRefused

    try:
        yield
    except ConfigError as exc:
        _refuse_lines("the configuration is not valid:", exc.problems)
    except SettingsError as exc:
        _refuse_lines("the environment is not valid:", exc.problems)
    except ImportRefused as exc:
        fail(f"{exc}:\n  " + "\n  ".join(exc.problems))
    except UnknownName as exc:
        hint = exc.hint()
        fail(escape(f"{str(exc).rstrip('.')}." + (f" {hint}" if hint else "")))
    except DomainError as exc:
        fail(str(exc))
    except OperationalError as exc:
        fail(f"the database cannot be used ({exc.orig}). Check DATABASE_URL.")


@app.callback()
def main_options(
    ctx: typer.Context,
    config: Annotated[
        Path | None,
        typer.Option("--config", help="The YAML config file (default: ./rescuebot.yml)."),
    ] = None,
) -> None:
    """Onboarding Rescue: transparent onboarding health scores, standups and rescues."""
    with refusals():
        ctx.obj = Runtime(settings=load_settings(), config_path=config, now=datetime.now(UTC))


def runtime_of(ctx: typer.Context) -> Runtime:
    return ctx.find_root().obj  # type: ignore[no-any-return]


def as_of_day(text: str | None, runtime: Runtime, config: Config) -> date:
    if text is None:
        return runtime.today(config)
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        fail(f"--as-of `{text}` is not a date; write it as YYYY-MM-DD", code=2)


def engine_for(url: str, *, migrate: bool = False) -> Any:
    """An engine on a migrated database: a fresh one is created, an outdated one refused
    (or, with `migrate`, as for the demo's own database, brought up to date)."""
    from bot.store.db import current_revision, head_revision, make_engine, upgrade

    engine = make_engine(url)
    revision = current_revision(engine)
    if revision is None or migrate:
        upgrade(engine)
    elif revision != head_revision():
        fail(f"the database is at revision {revision}, not {head_revision()}: "
             "run `rescuebot db upgrade` first")  # fmt: skip
    return engine


@dataclass(frozen=True)
class Reading:
    """What a reporting command reads with: the config, the day it is evaluated as of, a
    read-only session, and the rules in force, loaded once for the whole command."""

    config: Config
    day: date
    session: Any
    rules: Any


@contextmanager
def reading(ctx: typer.Context, as_of: str | None) -> Iterator[Reading]:
    """A read-only look at the database as of `--as-of` (today by default), with every refusal
    (bad config, bad date, missing database) turned into one clear message."""
    from bot.services.weights import rules_in_force
    from bot.store.db import session_scope

    runtime = runtime_of(ctx)
    with refusals():
        config = runtime.config()
        day = as_of_day(as_of, runtime, config)
        engine = engine_for(runtime.settings.database_url)
        with session_scope(engine, read_only=True) as session:
            yield Reading(config, day, session, rules_in_force(session, config))


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
