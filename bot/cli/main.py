"""The `rescuebot` command line: the composition root for scripts, the demo and the database.

Settings, config, engine and clock are built here and handed to the services; nothing is
created at import time. Every refusal is one clear message on stderr and a non-zero exit.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import Progress

from bot.cli.options import GlobalOptionsAnywhere
from bot.cli.outbox import outbox_app
from bot.config import (
    Config,
    ConfigError,
    Settings,
    SettingsError,
    database_url_problem,
    load_config,
    load_settings,
)
from scoring.calibration import Calibration
from scoring.errors import DomainError, UnknownName

app = typer.Typer(
    name="rescuebot",
    cls=GlobalOptionsAnywhere,
    help="Onboarding Rescue: score customer onboarding, run the standup, rescue drifting accounts.",
    no_args_is_help=True,
    rich_markup_mode="rich",
    pretty_exceptions_enable=False,
)
accounts_app = typer.Typer(help="Manage accounts.", no_args_is_help=True)
signals_app = typer.Typer(help="Manage signal readings.", no_args_is_help=True)
db_app = typer.Typer(help="Manage the database schema.", no_args_is_help=True)
kpis_app = typer.Typer(help="Onboarding KPIs and their baseline.")
weights_app = typer.Typer(help="The weights in force and their approved versions.")
app.add_typer(accounts_app, name="accounts")
app.add_typer(signals_app, name="signals")
app.add_typer(db_app, name="db")
app.add_typer(kpis_app, name="kpis")
app.add_typer(weights_app, name="weights")
app.add_typer(outbox_app, name="outbox")

PROGRESS_FROM_ROWS = 500
DEMO_DATABASE_URL = "sqlite:///rescuebot-demo.db"
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
        hint = f" Did you mean: {', '.join(exc.candidates)}?" if exc.candidates else ""
        fail(f"{exc}.{hint}")
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


def _runtime(ctx: typer.Context) -> Runtime:
    return ctx.find_root().obj  # type: ignore[no-any-return]


def _as_of(text: str | None, runtime: Runtime, config: Config) -> date:
    if text is None:
        return runtime.today(config)
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        fail(f"--as-of `{text}` is not a date; write it as YYYY-MM-DD", code=2)


def _engine(url: str, *, migrate: bool = False) -> Any:
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


def _print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")


@db_app.command("upgrade")
def db_upgrade(ctx: typer.Context) -> None:
    """Apply the database migrations (DATABASE_URL, default sqlite:///rescuebot.db)."""
    from bot.store.db import current_revision, make_engine, upgrade

    runtime = _runtime(ctx)
    with refusals():
        engine = make_engine(runtime.settings.database_url)
        upgrade(engine)
        typer.echo(f"Database at revision {current_revision(engine)}.")


def _import(
    ctx: typer.Context,
    path: Path,
    what: str,
    run: Callable[..., Any],
    *,
    skip_bad: bool,
    as_json: bool,
) -> None:
    from bot.store.db import session_scope

    runtime = _runtime(ctx)
    with refusals():
        config = runtime.config()
        engine = _engine(runtime.settings.database_url)
        with Progress(console=Console(stderr=True), transient=True) as progress:
            task = progress.add_task(f"Importing {path.name}", total=None, visible=False)

            done = 0

            def advance(n: int) -> None:
                nonlocal done
                done += n
                progress.update(task, advance=n, visible=done >= PROGRESS_FROM_ROWS)

            with session_scope(engine) as session:
                report = run(session, config, path, runtime.now, skip_bad, advance)
    if as_json:
        _print_json(report.as_dict())
        return
    console = Console()
    console.print(
        f"{what}: {report.created} new, {report.updated} updated, "
        f"{report.unchanged} unchanged, from {report.rows} row(s) of {path.name}."
    )
    for problem in report.skipped:
        console.print(f"  [yellow]skipped[/yellow] {problem}", highlight=False)


@accounts_app.command("import")
def accounts_import(
    ctx: typer.Context,
    file: Annotated[
        Path,
        typer.Argument(
            help="CSV or JSON: key, name, segment, csm, signed_on, "
            "arr, users, channel, hand-off answers."
        ),
    ],
    skip_bad: SkipBad = False,
    as_json: AsJson = False,
) -> None:
    """Import accounts; rows match existing accounts by key, so re-importing changes nothing."""
    from bot.services.imports import import_accounts

    _import(
        ctx, file, "Accounts",
        lambda s, _c, p, now, skip, adv: import_accounts(
            s, p, actor="import", now=now, skip_bad=skip, progress=adv
        ),
        skip_bad=skip_bad, as_json=as_json,
    )  # fmt: skip


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


@app.command()
def scorecard(
    ctx: typer.Context,
    account: Annotated[str, typer.Argument(help="Account key or an unambiguous name prefix.")],
    as_of: AsOf = None,
    as_json: AsJson = False,
) -> None:
    """One account's scorecard: score, breakdown, stale and overdue signals, trend."""
    from bot.cli.reports import scorecard_json
    from bot.cli.terminal import print_scorecard
    from bot.services import portfolio
    from bot.services.weights import rules_in_force
    from bot.store.db import session_scope

    runtime = _runtime(ctx)
    with refusals():
        config = runtime.config()
        day = _as_of(as_of, runtime, config)
        engine = _engine(runtime.settings.database_url)
        with session_scope(engine, read_only=True) as session:
            row = portfolio.find_account(session, account)
            card = portfolio.scorecard(session, row, rules_in_force(session, config), as_of=day)
    if as_json:
        _print_json(scorecard_json(card))
    else:
        print_scorecard(Console(), card)


@app.command()
def timeline(
    ctx: typer.Context,
    account: Annotated[str, typer.Argument(help="Account key or an unambiguous name prefix.")],
    as_json: AsJson = False,
    as_csv: Annotated[bool, typer.Option("--csv", help="Print CSV on stdout.")] = False,
) -> None:
    """The account's full history: readings, changes, rescue events, plans and decisions."""
    from rich.table import Table

    from bot.services import portfolio
    from bot.services import timeline as history
    from bot.store.db import session_scope

    if as_json and as_csv:
        fail("choose one of --json and --csv", code=2)
    runtime = _runtime(ctx)
    with refusals():
        engine = _engine(runtime.settings.database_url)
        with session_scope(engine, read_only=True) as session:
            row = portfolio.find_account(session, account)
            entries = history.timeline(session, row)
    if as_json:
        sys.stdout.write(history.as_json(row, entries) + "\n")
    elif as_csv:
        sys.stdout.write(history.as_csv(entries))
    else:
        table = Table(title=f"Timeline · {row.name}", title_justify="left")
        for column in history.COLUMNS:
            table.add_column(column, overflow="fold")
        for e in entries:
            table.add_row(
                e.at.isoformat(timespec="minutes"),
                e.kind,
                e.actor,
                json.dumps(e.payload, ensure_ascii=False),
            )
        Console().print(table)


REPORTS = {
    "needs-help": ("needs_help", "Which customers need help this week"),
    "delays": ("delays", "Which onboarding step creates the most delays"),
    "promises": ("promises", "Which promises made in the sale are hard to keep"),
    "expansion": ("expansion", "Which accounts are ready for an expansion conversation"),
}


@app.command()
def report(
    ctx: typer.Context,
    question: Annotated[str, typer.Argument(help="needs-help, delays, promises or expansion.")],
    as_of: AsOf = None,
    as_json: AsJson = False,
) -> None:
    """One of the four weekly questions, with the evidence behind the answer."""
    from bot.cli.reports import digest_json
    from bot.services.portfolio import load_portfolio
    from bot.services.weights import rules_in_force
    from bot.store.db import session_scope

    if question not in REPORTS:
        fail(f"`{question}` is not a report; choose one of {', '.join(REPORTS)}", code=2)
    key, title = REPORTS[question]
    runtime = _runtime(ctx)
    with refusals():
        config = runtime.config()
        day = _as_of(as_of, runtime, config)
        engine = _engine(runtime.settings.database_url)
        with session_scope(engine, read_only=True) as session:
            built = load_portfolio(session, rules_in_force(session, config), as_of=day).digest()
    answer = digest_json(built)[key]
    if as_json:
        _print_json({"question": question, "as_of": day.isoformat(), "answer": answer})
        return
    console = Console()
    console.print(f"[bold]{title}[/bold] (as of {day})")
    if not answer:
        console.print("  Nobody: nothing to report.")
    for row in answer:
        console.print(
            "  " + " · ".join(f"{k}: {v}" for k, v in row.items() if v not in (None, [])),
            highlight=False,
        )


def _kpi_window(since: str | None, as_of: str | None, runtime: Runtime, config: Config) -> Any:
    from scoring.kpis import Window

    end = _as_of(as_of, runtime, config)
    start = _as_of(since, runtime, config) if since else end - KPI_WINDOW
    if start > end:
        fail("--since must not be after --as-of", code=2)
    return Window(start, end)


Since = Annotated[str | None, typer.Option("--since", help="First day (default: 90 days ago).")]


@kpis_app.callback(invoke_without_command=True)
def kpis_command(
    ctx: typer.Context, since: Since = None, as_of: AsOf = None, as_json: AsJson = False
) -> None:
    """Onboarding KPIs over a window, against the latest baseline, with week 4 / 8 movement."""
    if ctx.invoked_subcommand is not None:
        return
    from bot.services.outcomes import kpi_report
    from bot.services.weights import rules_in_force
    from bot.store.db import session_scope

    runtime = _runtime(ctx)
    with refusals():
        config = runtime.config()
        window = _kpi_window(since, as_of, runtime, config)
        engine = _engine(runtime.settings.database_url)
        with session_scope(engine, read_only=True) as session:
            result = kpi_report(session, rules_in_force(session, config), window=window)
    if as_json:
        _print_json(result.as_json())
        return
    console = Console()
    console.print(
        f"[bold]KPIs {window.start} → {window.end}[/bold]"
        + (
            ""
            if result.baseline is None
            else f" (baseline {result.baseline.window_start} → {result.baseline.window_end})"
        )
    )
    for name, value in result.current.values().items():
        change = result.change.get(name)
        console.print(
            f"  {name.replace('_', ' ')}: {_kpi(name, value)}"
            + ("" if change is None else f"  ({change:+.3g} vs baseline)")
        )
    for moved in result.movement:
        status = (
            "not reached yet"
            if moved.kpis is None
            else ", ".join(
                f"{k.replace('_', ' ')} {v:+.3g}" for k, v in moved.deltas.items() if v is not None
            )
            or "no change measurable"
        )
        console.print(f"  week {moved.week}: {status}")
    if result.baseline is None:
        console.print("  No baseline yet: `rescuebot kpis baseline` captures one.")


def _kpi(name: str, value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:.1%}" if name.endswith("rate") else f"{value:g}"


@kpis_app.command("baseline")
def kpis_baseline(ctx: typer.Context, since: Since = None, as_of: AsOf = None) -> None:
    """Capture this window's KPIs as the baseline later reports compare against."""
    from bot.services.outcomes import capture_baseline
    from bot.store.db import session_scope

    runtime = _runtime(ctx)
    with refusals():
        config = runtime.config()
        window = _kpi_window(since, as_of, runtime, config)
        engine = _engine(runtime.settings.database_url)
        with session_scope(engine) as session:
            baseline = capture_baseline(
                session, config.rules, window=window, actor="cli", now=runtime.now
            )
    Console().print(f"Baseline {baseline.id} captured for {window.start} → {window.end}.")


@app.command()
def calibrate(
    ctx: typer.Context,
    since: Annotated[
        str | None, typer.Option("--since", help="Onboardings signed from this day.")
    ] = None,
    as_of: AsOf = None,
    as_json: AsJson = False,
    plot: Annotated[
        Path | None,
        typer.Option("--plot", help="Also draw the reliability and ROC plot into this PNG file."),
    ] = None,
) -> None:
    """How well day-30/60 scorecards predicted bad outcomes, per signal and for the model."""
    from bot.services.outcomes import calibration_of
    from bot.services.weights import rules_in_force
    from bot.store.db import session_scope

    if plot is not None:
        _check_png_path(plot)
    runtime = _runtime(ctx)
    with refusals():
        config = runtime.config()
        today = _as_of(as_of, runtime, config)
        start = _as_of(since, runtime, config) if since else None
        engine = _engine(runtime.settings.database_url)
        with session_scope(engine, read_only=True) as session:
            rules = rules_in_force(session, config)
            result = calibration_of(session, rules, today=today, since=start)
    if plot is not None:
        _write_calibration_plot(plot, result, config, quiet=as_json)
    data = {**result.as_json(), "weights_version": rules.weights_version}
    if as_json:
        _print_json(data)
        return
    from bot.cli.terminal import print_calibration

    console = Console()
    print_calibration(console, data, version=rules.weights_version)
    _print_proposal_and_overrides(console, result)


def _print_proposal_and_overrides(console: Console, result: Calibration) -> None:
    """Whether there is a proposal for an approver, and whose calls the outcomes bore out."""
    from scoring.weights import proposal_problem

    problem = proposal_problem(result)
    console.print(
        f"  proposal: {problem}"
        if problem
        else f"  proposal: held-out AUC {result.proposal.auc_before:.3f} → "
        f"{result.proposal.auc_after:.3f}; `/onboard weights propose` puts it to an approver",
        highlight=False,
    )
    if not result.overrides:
        console.print("  overrides: none was in force at day 30 or day 60")
    for check in result.overrides:
        computed = check.computed.label if check.computed else "unscored"
        console.print(
            f"  override {check.key} day {check.day}: computed {computed}, overridden to "
            f"{check.override.label} · {'bad' if check.bad else 'good'} outcome · "
            + ("[green]right[/green]" if check.right else "[red]wrong[/red]"),
            highlight=False,
        )


def _check_png_path(path: Path) -> None:
    if path.suffix.lower() != ".png":
        fail(f"--plot `{path}` must name a .png file", code=2)
    if not path.parent.is_dir():
        fail(f"--plot: the directory `{path.parent}` does not exist", code=2)


def _write_calibration_plot(
    path: Path, result: Calibration, config: Config, *, quiet: bool
) -> None:
    """Draw the calibration plot into `path`; say where on stderr when stdout is JSON."""
    from bot.messages.charts import calibration_chart

    if result.accounts == 0:
        fail("no finished onboardings to plot: record outcomes first "
             "(`/onboard outcome`, or outcome columns in `rescuebot accounts import`)")  # fmt: skip
    try:
        path.write_bytes(calibration_chart(result, bands=config.rules.bands))
    except OSError as exc:
        fail(f"--plot: cannot write `{path}` ({exc.strerror})")
    Console(stderr=quiet).print(
        f"Calibration plot of {result.accounts} finished onboardings written to {path}",
        highlight=False,
    )


@weights_app.callback(invoke_without_command=True)
def weights_command(ctx: typer.Context, as_json: AsJson = False) -> None:
    """The weights in force, signal by signal, every approved version, and any proposal
    awaiting a decision."""
    if ctx.invoked_subcommand is not None:
        return
    from bot.services.weights import weights_overview
    from bot.store.db import session_scope

    runtime = _runtime(ctx)
    with refusals():
        config = runtime.config()
        engine = _engine(runtime.settings.database_url)
        with session_scope(engine, read_only=True) as session:
            overview = weights_overview(session, config)
    data = overview.as_json()
    if as_json:
        _print_json(data)
        return
    console = Console()
    in_force = data["in_force"]
    console.print(f"[bold]Weights in force: v{in_force['version']}[/bold]")
    for key, weight in in_force["weights"].items():
        console.print(f"  {key}: {weight:g}", highlight=False)
    if in_force["retired"]:
        console.print(f"  retired: {', '.join(in_force['retired'])}", highlight=False)
    for version in data["versions"]:
        console.print(
            f"  v{version['version']} {version['created_at'][:10]} from {version['source']}, "
            f"approved by {', '.join(version['approved_by']) or 'nobody'}",
            highlight=False,
        )
    if not data["versions"]:
        console.print("  No version approved yet: the weights are as configured.")
    if data["pending_proposal"]:
        console.print(f"  Proposal #{data['pending_proposal']['id']} awaits a decision in Slack.")


@weights_app.command("reset")
def weights_reset(ctx: typer.Context) -> None:
    """Put the configured weights back in force, as a new version (the history stays)."""
    from bot.services.weights import reset_to_config
    from bot.store.db import session_scope

    runtime = _runtime(ctx)
    with refusals():
        config = runtime.config()
        engine = _engine(runtime.settings.database_url)
        with session_scope(engine) as session:
            version = reset_to_config(session, config, actor="cli", now=runtime.now)
    Console().print(f"Weights v{version.version} in force: the configured weights.")


@app.command()
def standup(ctx: typer.Context, as_of: AsOf = None, as_json: AsJson = False) -> None:
    """Who needs help this week: ranked, each with an owner, a next step and a date."""
    from bot.cli.reports import standup_json
    from bot.cli.terminal import print_standup
    from bot.services.portfolio import load_portfolio
    from bot.services.weights import rules_in_force
    from bot.store.db import session_scope

    runtime = _runtime(ctx)
    with refusals():
        config = runtime.config()
        day = _as_of(as_of, runtime, config)
        engine = _engine(runtime.settings.database_url)
        with session_scope(engine, read_only=True) as session:
            rules = rules_in_force(session, config)
            items = load_portfolio(session, rules, as_of=day).standup()
    if as_json:
        _print_json(standup_json(items, as_of=day, weights_version=rules.weights_version))
    else:
        print_standup(Console(), items, title=f"Standup · who needs help this week ({day})")


@app.command()
def digest(
    ctx: typer.Context,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Render the digest here instead of posting it.")
    ] = False,
    channel: Annotated[
        str | None,
        typer.Option("--channel", help="The channel to post to (its configured scope applies)."),
    ] = None,
    now: Annotated[
        bool, typer.Option("--now", help="Post it now, by hand, instead of waiting for its cron.")
    ] = False,
    as_of: AsOf = None,
    as_json: AsJson = False,
) -> None:
    """The Monday digest: the portfolio, who needs help, delays, broken promises, expansion."""
    from bot.cli.reports import digest_json
    from bot.cli.terminal import print_digest
    from bot.services.outcomes import kpis_of
    from bot.services.portfolio import load_portfolio
    from bot.services.weights import rules_in_force
    from bot.store.db import session_scope
    from scoring.kpis import Window

    if dry_run and now:
        fail("choose one: --dry-run renders the digest here, --now posts it", code=2)
    if now:
        if channel is None:
            fail("--now needs --channel C0123456789: the channel to post the digest to", code=2)
        _post_digest_now(ctx, channel, as_of)
        return
    if not dry_run:
        fail("say what to do: `--dry-run` renders the digest here, "
             "`--channel C… --now` posts it to Slack", code=2)  # fmt: skip
    runtime = _runtime(ctx)
    with refusals():
        config = runtime.config()
        day = _as_of(as_of, runtime, config)
        engine = _engine(runtime.settings.database_url)
        with session_scope(engine, read_only=True) as session:
            rules = rules_in_force(session, config)
            result = load_portfolio(session, rules, as_of=day, with_previous_week=True)
            if channel is not None:
                from bot.services.digests import in_scope, spec_for

                result = result.narrowed(in_scope(spec_for(config, channel)))
            built = result.digest()
            headline = kpis_of(session, rules, window=Window(day - KPI_WINDOW, day))
    if as_json:
        _print_json(digest_json(built, headline))
    else:
        print_digest(Console(), built, kpis=headline)


def _post_digest_now(ctx: typer.Context, channel: str, as_of: str | None) -> None:
    from bot.delivery.courier import Courier
    from bot.delivery.policy import fix_for
    from bot.scheduler.worker import courier_client
    from bot.services.backend import Backend
    from bot.services.digests import digest_chart, post_now

    runtime = _runtime(ctx)
    if not runtime.settings.slack_bot_token:
        fail("SLACK_BOT_TOKEN is not set: copy the Bot User OAuth Token (xoxb-…)")
    with refusals():
        config = runtime.config()
        day = _as_of(as_of, runtime, config)
        engine = _engine(runtime.settings.database_url)
        backend = Backend(config=config, engine=engine, clock=lambda: datetime.now(UTC))
        courier = Courier(engine, courier_client(runtime.settings), backend.clock)
        try:
            posted = post_now(backend, courier.deliver_due, channel, as_of=day, chart=digest_chart)
        finally:
            courier.close()
    if posted.failed:
        fail(
            f"the digest for <#{channel}> was not posted: {posted.failed} "
            f"({fix_for(posted.failed)})"
        )
    if posted.pending:
        fail(
            f"Slack did not accept the digest for {channel} yet ({posted.pending}); it stays "
            "queued and `rescuebot serve` or `rescuebot worker` will deliver it"
        )
    Console().print(
        f"Posted the {posted.week} digest to {channel}: {posted.delivered} message(s) "
        f"delivered ({posted.key}).",
        highlight=False,
    )


@app.command()
def demo(
    ctx: typer.Context,
    database_url: Annotated[
        str, typer.Option("--database-url", help="Where the demo portfolio lives.")
    ] = DEMO_DATABASE_URL,
    fresh: Annotated[bool, typer.Option("--fresh", help="Rebuild the demo data.")] = False,
    as_of: AsOf = None,
) -> None:
    """Seed a realistic sample portfolio, then print the standup and the Monday digest.

    The demo database is reused when it was seeded for the same day, rebuilt otherwise.
    """
    from bot.cli.terminal import print_digest, print_standup
    from bot.services.demo import seed_demo, seeded_on
    from bot.services.outcomes import kpis_of
    from bot.services.portfolio import load_portfolio
    from bot.store import accounts as account_rows
    from bot.store.db import session_scope, sqlite_path
    from scoring.kpis import Window

    runtime = _runtime(ctx)
    console = Console()
    problem = database_url_problem(database_url)
    if problem:
        fail(f"--database-url `{escape(database_url)}` {problem}; write it like "
             "sqlite:///rescuebot-demo.db", code=2)  # fmt: skip
    with refusals():
        config = runtime.config()
        day = _as_of(as_of, runtime, config)
        path = sqlite_path(database_url)
        if path is not None and path.exists():
            seeded_for = _demo_day(database_url)
            if seeded_for is not None and (fresh or seeded_for != day):
                path.unlink()  # only ever a file the demo itself seeded
        engine = _engine(database_url, migrate=True)
        with session_scope(engine) as session:
            reused = seeded_on(session) == day
            if not reused and account_rows.list_accounts(session):
                fail(f"{database_url} already holds accounts that are not the demo's; "
                     "give the demo its own --database-url")  # fmt: skip
            if not reused:
                seed_demo(session, config.rules, today=day)
        with session_scope(engine, read_only=True) as session:
            result = load_portfolio(session, config.rules, as_of=day, with_previous_week=True)
            items, built = result.standup(), result.digest()
            headline = kpis_of(session, config.rules, window=Window(day - KPI_WINDOW, day))
    console.print(
        f"[bold]Onboarding Rescue demo[/bold] · {built.total} accounts onboarding · "
        f"{'reused' if reused else 'seeded'} {database_url}\n"
    )
    print_standup(console, items, title=f"Standup · who needs help this week ({day})")
    console.print()
    print_digest(console, built, kpis=headline)
    example = items[0].account if items else "acme"
    console.print(
        f"\nExplore one account: [cyan]DATABASE_URL={database_url} "
        f"rescuebot scorecard {example}[/cyan]"
    )


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
    engine = _engine(runtime.settings.database_url)
    return Backend(config=config, engine=engine, clock=lambda: datetime.now(UTC))


def _worker(runtime: Runtime, backend: Any, *, scheduler: bool) -> Any:
    """The scheduler and the outbox courier of this process."""
    from bot.scheduler.worker import Worker, courier_client
    from bot.services.digests import digest_chart
    from bot.slack.app import web_client
    from bot.slack.directory import SlackDirectory

    if not runtime.settings.slack_bot_token:
        fail("SLACK_BOT_TOKEN is not set: copy the Bot User OAuth Token (xoxb-…)")
    # Reminders go to the approvers in force, their user group resolved through Slack.
    directory = SlackDirectory(web_client(runtime.settings), backend.clock)
    return Worker(
        backend, courier_client(runtime.settings), directory=directory, scheduler=scheduler,
        chart=digest_chart,
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

    from bot.slack.http import create_web_app

    runtime = _runtime(ctx)
    with refusals():
        backend, bolt = _slack_backend(runtime)
        web = create_web_app(bolt, backend.engine)
        background = _worker(runtime, backend, scheduler=not no_scheduler)
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

    runtime = _runtime(ctx)
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

    runtime = _runtime(ctx)
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

    runtime = _runtime(ctx)
    findings = examine(runtime.settings, runtime.config_path, courier_client(runtime.settings))
    console = Console()
    for finding in findings:
        mark = "[green]✓[/green]" if finding.ok else "[red]✗[/red]"
        console.print(f"{mark} {finding.check}: {finding.detail}", highlight=False)
        if finding.fix:
            console.print(f"    → {finding.fix}", highlight=False)
    if not all(f.ok for f in findings):
        raise typer.Exit(1)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
