"""`rescuebot tickets import FILE`: support tickets counted offline, for teams without Intercom
webhooks, exactly as Intercom's would be (an id counted before adds nothing)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from bot.cli import base as cli
from bot.messages.wording import plural
from bot.services.integrations import import_tickets
from bot.store.db import session_scope

tickets_app = typer.Typer(
    help="Support tickets, counted for the ticket trend signal.", no_args_is_help=True
)


@tickets_app.command("import")
def tickets_import(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="CSV or JSON: account, opened_at, id.")],
    skip_bad: cli.SkipBad = False,
    as_json: cli.AsJson = False,
) -> None:
    """Count tickets (`opened_at` ISO 8601, UTC without a zone); each complete week they change
    gets its `ticket_trend` reading."""
    runtime = cli.runtime_of(ctx)
    with cli.refusals():
        config = runtime.config()
        engine = cli.engine_for(runtime.settings.database_url)
        try:
            with session_scope(engine) as session:
                report = import_tickets(session, config, file, now=runtime.now,
                                        skip_bad=skip_bad)  # fmt: skip
        finally:
            engine.dispose()
    if as_json:
        cli.print_json(report.as_dict())
        return
    console = Console()
    console.print(f"Tickets: {report.created} new, {report.unchanged} already counted, from "
                  f"{plural(report.rows, 'row')} of {file.name}; "
                  f"{plural(report.readings, 'weekly ticket trend reading')}.",
                  highlight=False)  # fmt: skip
    for problem in report.skipped:
        console.print(f"  [yellow]skipped[/yellow] {problem}", highlight=False)
