"""`rescuebot db`, `accounts import` and `signals import`: the schema and bulk imports."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeRemainingColumn,
)
from rich.text import Text

from bot.cli.base import (
    AsJson,
    SkipBad,
    engine_for,
    fail,
    print_json,
    refusals,
    runtime_of,
)
from bot.messages.wording import plural

db_app = typer.Typer(help="Manage the database schema.", no_args_is_help=True)
accounts_app = typer.Typer(help="Manage accounts.", no_args_is_help=True)
signals_app = typer.Typer(help="Manage signal readings.", no_args_is_help=True)
PROGRESS_FROM_ROWS = 500  # smaller files import before a bar would be worth drawing


class RowRate(ProgressColumn):
    """How many rows a second the import is going at."""

    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text("" if speed is None else f"{speed:,.0f} rows/s", style="progress.data.speed")


def import_progress(console: Console, clock: Callable[[], float] | None = None) -> Progress:
    """The import's progress bar: what, the bar, rows done of all, the rate and the time left
    (`clock`, seconds, is the real one unless a test gives its own)."""
    return Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        RowRate(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
        get_time=clock,
    )


@db_app.command("upgrade")
def db_upgrade(ctx: typer.Context) -> None:
    """Apply the database migrations (DATABASE_URL, default sqlite:///rescuebot.db)."""
    from bot.store.db import current_revision, make_engine, upgrade

    runtime = runtime_of(ctx)
    with refusals():
        engine = make_engine(runtime.settings.database_url)
        upgrade(engine)
        typer.echo(f"Database at revision {current_revision(engine)}.")


@db_app.command("rebuild-state")
def db_rebuild_state(ctx: typer.Context) -> None:
    """Recompute every onboarding account's kept current state as of today, as the daily
    recompute does (after a restore, or a change made outside rescuebot)."""
    from bot.services import current_state
    from bot.services.in_force import rules_in_force

    runtime = runtime_of(ctx)
    with refusals():
        config = runtime.config()
        engine = engine_for(runtime.settings.database_url)
        rebuilt = current_state.rebuild(
            engine, lambda session: rules_in_force(session, config),
            today=runtime.today(config), now=runtime.now,
        )  # fmt: skip
    typer.echo(
        f"Kept the state of {plural(rebuilt.kept, 'account')} as of {runtime.today(config)}; "
        f"dropped {plural(rebuilt.dropped, 'outdated state')}."
    )


def _import(
    ctx: typer.Context,
    path: Path,
    what: str,
    run: Callable[..., Any],
    *,
    skip_bad: bool,
    as_json: bool,
) -> None:
    from bot.services import current_state
    from bot.services.in_force import rules_in_force
    from bot.store.db import session_scope

    runtime = runtime_of(ctx)
    with refusals():
        config = runtime.config()
        engine = engine_for(runtime.settings.database_url)
        with import_progress(Console(stderr=True)) as progress:
            task = progress.add_task(f"Importing {path.name}", total=None, visible=False)

            def advance(n: int, total: int) -> None:
                progress.update(task, advance=n, total=total, visible=total >= PROGRESS_FROM_ROWS)

            with session_scope(engine) as session:
                report = run(session, config, path, runtime.now, skip_bad, advance)
                # The imported accounts' kept states recomputed before the import commits, as
                # a rating's are, instead of dropped until the next daily rebuild.
                current_state.keep(
                    session, lambda: rules_in_force(session, config),
                    today=runtime.today(config), now=runtime.now,
                )  # fmt: skip
    if as_json:
        print_json(report.as_dict())
        return
    console = Console()
    console.print(
        f"{what}: {report.created} new, {report.updated} updated, "
        f"{report.unchanged} unchanged, from {plural(report.rows, 'row')} of {path.name}."
    )
    for problem in report.skipped:
        console.print(f"  [yellow]skipped[/yellow] {problem}", highlight=False)


@accounts_app.command("import")
def accounts_import(
    ctx: typer.Context,
    file: Annotated[
        Path | None,
        typer.Argument(
            help="CSV or JSON: key, name, segment, csm, signed_on, "
            "arr, users, channel, hand-off answers."
        ),
    ] = None,
    source: Annotated[
        str | None,
        typer.Option("--from", help="`hubspot`: every HubSpot company (HUBSPOT_TOKEN), no FILE."),
    ] = None,
    skip_bad: SkipBad = False,
    as_json: AsJson = False,
) -> None:
    """Import accounts; rows match existing accounts by key (HubSpot's companies by
    hubspot_id), so re-importing changes nothing."""
    from bot.services.imports import import_accounts
    from bot.services.integrations import apply_all_waiting

    if source is not None:
        if source != "hubspot" or file is not None:
            fail("give a FILE, or `--from hubspot` alone (HubSpot is the one source to import "
                 "from)")  # fmt: skip
        from bot.cli.hubspot import import_from_hubspot

        import_from_hubspot(ctx, as_json=as_json)
        return
    if file is None:
        fail("give the FILE to import, e.g. `rescuebot accounts import accounts.csv`, or "
             "`--from hubspot`")  # fmt: skip

    def run(s: Any, c: Any, p: Path, now: datetime, skip: bool, adv: Any) -> Any:
        report = import_accounts(s, p, actor="import", now=now, skip_bad=skip, progress=adv)
        apply_all_waiting(s, c, now=now)  # events waiting for an id the file set
        return report

    _import(ctx, file, "Accounts", run, skip_bad=skip_bad, as_json=as_json)


@signals_app.command("import")
def signals_import(
    ctx: typer.Context,
    file: Annotated[
        Path, typer.Argument(help="CSV or JSON: account, signal, value, recorded_at, note, author.")
    ],
    skip_bad: SkipBad = False,
    as_json: AsJson = False,
) -> None:
    """Import signal readings (history); readings already recorded are not added twice."""
    from bot.services.imports import import_readings

    _import(
        ctx, file, "Readings",
        lambda s, c, p, now, skip, adv: import_readings(
            s, c.rules, p, actor="import", now=now, skip_bad=skip, progress=adv
        ),
        skip_bad=skip_bad, as_json=as_json,
    )  # fmt: skip
