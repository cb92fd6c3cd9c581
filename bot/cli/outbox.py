"""`rescuebot outbox`: what waits to be sent to Slack, what failed for good, and sending it again.

`list` shows the deliveries not yet delivered (or, with `--failed`, the failed ones) with Slack's
error and what to fix; `retry` makes failed deliveries pending again, with the thread replies
and edits that failed with them, so that a running courier (`rescuebot serve`, `socket` or
`worker`) sends them, in order, once the cause is fixed.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from bot.cli import base as cli
from bot.messages.fixes import fix_for
from bot.messages.wording import noun, plural
from bot.store import deliveries
from bot.store.db import session_scope
from bot.store.tables import Delivery

outbox_app = typer.Typer(
    help="The outbox of messages to Slack: list what waits or failed, retry after a fix.",
    no_args_is_help=True,
)

SHOWN = 200


@outbox_app.command("list")
def outbox_list(
    ctx: typer.Context,
    failed: Annotated[bool, typer.Option("--failed", help="Only the failed deliveries.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print only JSON on stdout.")] = False,
) -> None:
    """The deliveries waiting or failed (oldest first), each with its last error and fix."""

    runtime = cli.runtime_of(ctx)
    states = [deliveries.FAILED] if failed else [*deliveries.WAITING, deliveries.FAILED]
    with cli.refusals():
        engine = cli.engine_for(runtime.settings.database_url)
        try:
            with session_scope(engine, read_only=True) as session:
                rows = [_row(d) for d in deliveries.of_state(session, states, limit=SHOWN)]
        finally:
            engine.dispose()
    if as_json:
        cli.print_json(rows)
        return
    console = Console()
    if not rows:
        console.print("No failed deliveries." if failed else "The outbox is empty: all sent.")
        return
    table = Table("id", "state", "method", "to", "attempts", "last attempt", "key", "error")
    for row in rows:
        table.add_row(
            str(row["id"]), row["state"], row["method"], row["channel"], str(row["attempts"]),
            _when(row["attempted_at"]), row["key"], row["error"] or "",
        )  # fmt: skip
    console.print(table)
    if any(row["state"] == deliveries.FAILED for row in rows):
        console.print(
            "Fix the cause (see each one's fix with --json, or `rescuebot doctor`), then "
            "`rescuebot outbox retry ID` or `rescuebot outbox retry --all-failed`.",
            highlight=False,
        )


@outbox_app.command("retry")
def outbox_retry(
    ctx: typer.Context,
    delivery_id: Annotated[
        int | None, typer.Argument(metavar="ID", help="The failed delivery (see `outbox list`).")
    ] = None,
    all_failed: Annotated[
        bool, typer.Option("--all-failed", help="Every failed delivery.")
    ] = False,
) -> None:
    """Make a failed delivery (or every one) pending again, with the replies and edits that
    failed with it; the running courier sends them in order."""

    if (delivery_id is None) == (not all_failed):
        cli.fail(
            "say which to retry: `rescuebot outbox retry ID` (an id from `rescuebot outbox list "
            "--failed`) or `rescuebot outbox retry --all-failed`, not both",
            code=2,
        )
    runtime = cli.runtime_of(ctx)
    with cli.refusals():
        engine = cli.engine_for(runtime.settings.database_url)
        try:
            with session_scope(engine) as session:
                problem = _not_retryable(session, delivery_id) if delivery_id else None
                if problem:
                    cli.fail(problem)
                ids = [delivery_id] if delivery_id is not None else deliveries.failed_ids(session)
                revived = deliveries.retry(session, ids, now=runtime.now)
        finally:
            engine.dispose()
    if not revived:
        typer.echo("Nothing has failed: nothing to retry.")
        return
    roots = len(ids)
    with_them = len(revived) - roots
    typer.echo(
        f"{plural(roots, 'delivery', 'deliveries')} pending again"
        + (
            f", with {plural(with_them, 'reply or edit', 'replies or edits')} waiting for "
            f"{noun(roots, 'it', 'them')}"
            if with_them
            else ""
        )
        + ". A running `rescuebot serve`, `socket` or `worker` sends them now; if Slack "
        "refuses again, `rescuebot outbox list --failed` says why."
    )


def _not_retryable(session: Any, delivery_id: int) -> str | None:
    """Why this delivery cannot be retried, or None."""
    delivery = session.get(Delivery, delivery_id)
    if delivery is None:
        return (f"there is no delivery {delivery_id}; `rescuebot outbox list --failed` shows "
                "the failed ones and their ids")  # fmt: skip
    if delivery.state != deliveries.FAILED:
        return (f"delivery {delivery_id} ({delivery.key}) is {delivery.state}, not failed: "
                "nothing to retry")  # fmt: skip
    return None


def _row(delivery: Delivery) -> dict[str, Any]:
    failed = delivery.state == deliveries.FAILED
    return {
        "id": delivery.id,
        "key": delivery.key,
        "state": delivery.state,
        "method": delivery.method,
        "channel": delivery.channel,
        "parent_id": delivery.parent_id,
        "attempts": delivery.attempts,
        "created_at": delivery.created_at.isoformat(),
        "attempted_at": delivery.attempted_at.isoformat() if delivery.attempted_at else None,
        "next_attempt_at": None if failed else delivery.next_attempt_at.isoformat(),
        "error": delivery.last_error,
        "fix": fix_for(delivery.last_error) if failed else None,
    }


def _when(moment: str | None) -> str:
    if moment is None:
        return "never"
    return datetime.fromisoformat(moment).strftime("%Y-%m-%d %H:%M:%S")
