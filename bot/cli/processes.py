"""The long-running processes and their checks: `demo`, `serve`, `socket`, `worker`, `doctor`;
the composition root that builds the backend, the Bolt app and the worker."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

from bot.cli.base import (
    KPI_WINDOW,
    AsOf,
    Runtime,
    app,
    as_of_day,
    engine_for,
    fail,
    refusals,
    runtime_of,
)
from bot.config import (
    database_url_problem,
)

DEMO_DATABASE_URL = "sqlite:///rescuebot-demo.db"


@app.command()
def demo(
    ctx: typer.Context,
    database_url: Annotated[
        str, typer.Option("--database-url", help="Where the demo portfolio lives.")
    ] = DEMO_DATABASE_URL,
    fresh: Annotated[bool, typer.Option("--fresh", help="Rebuild the demo data.")] = False,
    as_of: AsOf = None,
) -> None:
    """Seed a realistic sample portfolio, then print the standup and the weekly digest.

    The demo database is reused when it was seeded for the same day, rebuilt otherwise.
    """
    from bot.cli.demo_view import Shown, show_demo
    from bot.services.demo import seed_demo, seeded_on
    from bot.services.outcomes import kpis_of
    from bot.services.portfolio import load_portfolio
    from bot.store import accounts as account_rows
    from bot.store.db import session_scope, sqlite_path
    from scoring.kpis import Window
    from scoring.standup import focus

    runtime = runtime_of(ctx)
    console = Console()
    problem = database_url_problem(database_url)
    if problem:
        fail(f"--database-url `{escape(database_url)}` {problem}; write it like "
             "sqlite:///rescuebot-demo.db", code=2)  # fmt: skip
    with refusals():
        config = runtime.config()
        day = as_of_day(as_of, runtime, config)
        path = sqlite_path(database_url)
        if path is not None and path.exists():
            seeded_for = _demo_day(database_url)
            if seeded_for is not None and (fresh or seeded_for != day):
                path.unlink()  # only ever a file the demo itself seeded
        engine = engine_for(database_url, migrate=True)
        with session_scope(engine) as session:
            reused = seeded_on(session) == day
            if not reused and account_rows.list_accounts(session):
                fail(f"{database_url} already holds accounts that are not the demo's; "
                     "give the demo its own --database-url")  # fmt: skip
            if not reused:
                seed_demo(session, config, today=day)
        with session_scope(engine, read_only=True) as session:
            result = load_portfolio(session, config.rules, as_of=day, with_previous_week=True)
            limit = config.standup.focus_limit
            split, built = focus(result.standup(), limit=limit), result.digest(focus_limit=limit)
            headline = kpis_of(session, config.rules, window=Window(day - KPI_WINDOW, day))
    show_demo(console, Shown(day, split, built, headline, database_url, reused))


def _demo_day(url: str) -> date | None:
    from bot.services.demo import seeded_on
    from bot.store.db import make_engine, session_scope

    try:
        with session_scope(make_engine(url), read_only=True) as session:
            return seeded_on(session)
    except Exception:  # an unreadable or foreign file is rebuilt like an outdated one
        return None


def _slack_backend(runtime: Runtime, *, socket_mode: bool = False) -> tuple[Any, Any]:
    """The backend and the Bolt app for `serve` and `socket`."""
    from bot.slack.app import MissingSecret, create_app

    backend = _backend(runtime)
    try:
        return backend, create_app(runtime.settings, backend, socket_mode=socket_mode)
    except MissingSecret as exc:
        fail(str(exc))


def _backend(runtime: Runtime) -> Any:
    from bot.logs import configure
    from bot.services.backend import Backend

    configure(runtime.settings.log_level)
    config = runtime.config()
    engine = engine_for(runtime.settings.database_url)
    return Backend(
        config=config, engine=engine, clock=lambda: datetime.now(UTC),
        hubspot_notes=runtime.settings.hubspot_token is not None,
    )  # fmt: skip


def _worker(runtime: Runtime, backend: Any, *, scheduler: bool) -> Any:
    """The scheduler and the outbox courier of this process."""
    from bot.scheduler.worker import Worker, courier_client, hubspot_api
    from bot.services.digests import digest_chart
    from bot.slack.app import web_client
    from bot.slack.directory import SlackDirectory

    if not runtime.settings.slack_bot_token:
        fail("SLACK_BOT_TOKEN is not set: copy the Bot User OAuth Token (xoxb-…)")
    # Reminders go to the approvers in force, their user group resolved through Slack.
    directory = SlackDirectory(web_client(runtime.settings), backend.clock)
    return Worker(
        backend, courier_client(runtime.settings), directory=directory, scheduler=scheduler,
        chart=digest_chart, hubspot=hubspot_api(runtime.settings),
        apply_events=runtime.settings.apply_integration_events,
    )  # fmt: skip


NoScheduler = Annotated[
    bool,
    typer.Option(
        "--no-scheduler",
        help="Run no scheduled jobs here (run `rescuebot worker` elsewhere); still deliver.",
    ),
]


@app.command()
def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "0.0.0.0",
    port: Annotated[int, typer.Option(help="Port to listen on.", min=1, max=65535)] = 3000,
    no_scheduler: NoScheduler = False,
) -> None:
    """Run the Slack app over HTTP: Slack's requests at /slack/events, health at /healthz;
    and the schedule (digests, recompute, reminders) with the delivery outbox."""
    import uvicorn

    from bot.integrations.webhooks import InFlight, integration_routes
    from bot.slack.http import create_web_app

    runtime = runtime_of(ctx)
    with refusals():
        backend, bolt = _slack_backend(runtime)
        background = _worker(runtime, backend, scheduler=not no_scheduler)
        # An event answered here is applied by this process's applier (when it runs one),
        # which gives way to the webhook requests being answered: they have a deadline.
        in_flight, wake = InFlight(), None
        if background.integrations is not None:
            wake = background.integrations.wake
            background.integrations.give_way_to(in_flight.busy)
        routes = integration_routes(backend, runtime.settings, on_received=wake,
                                    in_flight=in_flight)  # fmt: skip
        web = create_web_app(bolt, backend.engine, routes=routes)
    background.start()
    try:
        uvicorn.run(web, host=host, port=port, log_config=None, access_log=False)
    finally:
        background.stop()


@app.command()
def socket(ctx: typer.Context, no_scheduler: NoScheduler = False) -> None:
    """Run the Slack app over Socket Mode (no public URL needed; needs SLACK_APP_TOKEN)."""
    from slack_bolt.adapter.socket_mode import SocketModeHandler
    from slack_sdk.errors import SlackApiError

    runtime = runtime_of(ctx)
    token = runtime.settings.slack_app_token
    if token is None or not token.get_secret_value().startswith("xapp-"):
        fail("SLACK_APP_TOKEN is not set: create an app-level token (xapp-…) with the "
             "connections:write scope under Basic Information")  # fmt: skip
    with refusals():
        backend, bolt = _slack_backend(runtime, socket_mode=True)
        background = _worker(runtime, backend, scheduler=not no_scheduler)
    try:  # asked first: a refusal while connecting is only logged, then raised as a traceback
        bolt.client.apps_connections_open(app_token=token.get_secret_value())
    except SlackApiError as exc:
        fail(f"SLACK_APP_TOKEN was refused by Slack ({exc.response.get('error')}): use the "
             "app-level token (xapp-…) with connections:write")  # fmt: skip
    background.start()
    try:
        SocketModeHandler(bolt, token.get_secret_value(), web_client=bolt.client).start()
    finally:
        background.stop()


@app.command()
def worker(ctx: typer.Context) -> None:
    """Run the schedule and deliver the outbox without serving Slack's requests: for running
    scheduled work apart from the web replicas (which then take --no-scheduler)."""
    import signal
    import threading

    runtime = runtime_of(ctx)
    with refusals():
        backend = _backend(runtime)
        running = _worker(runtime, backend, scheduler=True)
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    running.start()
    Console(stderr=True).print("rescuebot worker running; Ctrl-C to stop.", highlight=False)
    stop.wait()
    running.stop()


@app.command()
def doctor(ctx: typer.Context) -> None:
    """Check the token, the bot's channels, the config, the database and the outbox; say what
    to fix. Exits 1 when something needs fixing."""
    from bot.cli.doctor import examine
    from bot.scheduler.worker import courier_client

    runtime = runtime_of(ctx)
    findings = examine(runtime.settings, runtime.config_path, courier_client(runtime.settings))
    console = Console()
    for finding in findings:
        mark = "[green]✓[/green]" if finding.ok else "[red]✗[/red]"
        console.print(f"{mark} {finding.check}: {finding.detail}", highlight=False)
        if finding.fix:
            console.print(f"    → {finding.fix}", highlight=False)
    if not all(f.ok for f in findings):
        raise typer.Exit(1)
