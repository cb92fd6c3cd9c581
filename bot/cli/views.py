"""What the team reads: `scorecard`, `timeline`, `standup` and `digest` (dry run or posted now)."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from typing import Annotated, Any

import typer
from rich.console import Console

from bot.cli.base import (
    KPI_WINDOW,
    AsJson,
    AsOf,
    app,
    as_of_day,
    engine_for,
    fail,
    print_json,
    reading,
    refusals,
    runtime_of,
)
from bot.messages.wording import plural


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

    with reading(ctx, as_of) as read:
        row = portfolio.find_account(read.session, account)
        card = portfolio.scorecard(read.session, row, read.rules, as_of=read.day)
    if as_json:
        print_json(scorecard_json(card))
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

    from bot.cli.slackview import slack_to_rich
    from bot.messages.labels import kind_label, payload_text, value_text
    from bot.services import portfolio
    from bot.services import timeline as history
    from bot.store.db import session_scope

    if as_json and as_csv:
        fail("choose one of --json and --csv", code=2)
    runtime = runtime_of(ctx)
    with refusals():
        engine = engine_for(runtime.settings.database_url)
        with session_scope(engine, read_only=True) as session:
            row = portfolio.find_account(session, account)
            entries = history.timeline(session, row)
            signals = {s.key: s.label for s in runtime.config().rules.taxonomy.signals}
    if as_json:
        sys.stdout.write(history.as_json(row, entries) + "\n")
    elif as_csv:
        sys.stdout.write(history.as_csv(entries))
    else:
        table = Table(title=f"Timeline · {row.name}", title_justify="left")
        for column in ("when", "what", "who", "details"):
            table.add_column(column, overflow="fold")
        for e in entries:
            table.add_row(
                e.at.isoformat(timespec="minutes"),
                kind_label(e.kind),
                slack_to_rich(value_text("actor", e.actor)),
                slack_to_rich(payload_text(e.payload, signals)),
            )
        Console().print(table)


def print_json_lines(data: dict[str, Any]) -> None:
    """`data` as JSON on stdout, a line per key and per element of a list: what a portfolio
    view prints (thousands of accounts) is encoded by json's C encoder, which `indent` turns
    off (5 MB of standup: 0.2 s indented, 0.05 s this way), and still reads line by line."""
    encode = json.JSONEncoder(ensure_ascii=False).encode  # one encoder, not one per element
    lines = []
    for key, value in data.items():
        name = encode(key)
        if isinstance(value, list) and value:
            rows = ",\n    ".join(map(encode, value))
            lines.append(f"  {name}: [\n    {rows}\n  ]")
        else:
            lines.append(f"  {name}: {encode(value)}")
    sys.stdout.write("{\n" + ",\n".join(lines) + "\n}\n")


@app.command()
def standup(ctx: typer.Context, as_of: AsOf = None, as_json: AsJson = False) -> None:
    """Who needs help this week: ranked, each with an owner, a next step and a date."""
    from bot.services.portfolio import bulk

    with bulk():  # the portfolio is built, printed and freed before the collector resumes
        _standup(ctx, as_of, as_json)


def _standup(ctx: typer.Context, as_of: str | None, as_json: bool) -> None:
    from bot.cli.reports import standup_json
    from bot.cli.terminal import print_standup
    from bot.services.portfolio import load_portfolio
    from scoring.standup import focus

    with reading(ctx, as_of) as read:
        items = load_portfolio(read.session, read.rules, as_of=read.day, read_only=True).standup()
        split = focus(items, limit=read.config.standup.focus_limit)
    day, rules = read.day, read.rules
    if as_json:
        print_json_lines(standup_json(split, as_of=day, weights_version=rules.weights_version))
    else:
        print_standup(Console(), split, title=f"Standup · who needs help this week ({day})")


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
    """The weekly digest: the portfolio, who needs help, delays, broken promises, expansion."""
    from bot.services.portfolio import bulk

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
    with bulk():  # the portfolio is built, printed and freed before the collector resumes
        _digest_dry_run(ctx, channel, as_of, as_json)


def _digest_dry_run(
    ctx: typer.Context, channel: str | None, as_of: str | None, as_json: bool
) -> None:
    from bot.cli.reports import digest_json
    from bot.cli.terminal import print_digest
    from bot.services.outcomes import kpis_of
    from bot.services.portfolio import load_portfolio
    from scoring.kpis import Window

    with reading(ctx, as_of) as read:
        config, day, session, rules = read.config, read.day, read.session, read.rules
        result = load_portfolio(session, rules, as_of=day, with_previous_week=True, read_only=True)
        if channel is not None:
            from bot.services.digests import in_scope, spec_for

            result = result.narrowed(in_scope(spec_for(config, channel)))
        built = result.digest(focus_limit=config.standup.focus_limit)
        headline = kpis_of(session, rules, window=Window(day - KPI_WINDOW, day))
    if as_json:
        print_json_lines(digest_json(built, headline))
    else:
        print_digest(Console(), built, kpis=headline)


def _post_digest_now(ctx: typer.Context, channel: str, as_of: str | None) -> None:
    from bot.delivery.courier import Courier
    from bot.messages.fixes import fix_for
    from bot.scheduler.worker import courier_client
    from bot.services.backend import Backend
    from bot.services.digests import digest_chart, post_now

    runtime = runtime_of(ctx)
    if not runtime.settings.slack_bot_token:
        fail("SLACK_BOT_TOKEN is not set: copy the Bot User OAuth Token (xoxb-…)")
    with refusals():
        config = runtime.config()
        day = as_of_day(as_of, runtime, config)
        engine = engine_for(runtime.settings.database_url)
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
        f"Posted the {posted.week} digest to {channel}: "
        f"{plural(posted.delivered, 'message')} delivered ({posted.key}).",
        highlight=False,
    )
