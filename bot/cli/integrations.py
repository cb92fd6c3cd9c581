"""`rescuebot integrations`: what the webhooks brought in. `status` gives, per provider, when
its last event came and its events by state; `unmatched` lists the events still waiting for an
account to be given their external id (`/onboard set <account> segment_group_id:…`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import typer
from rich.console import Console
from rich.table import Table
from sqlmodel import Session

from bot.cli import base as cli
from bot.services import integrations
from bot.store.db import session_scope

integrations_app = typer.Typer(
    help="The integrations' events: status per provider, the events waiting for an account.",
    no_args_is_help=True,
)


def _read(ctx: typer.Context, what: Callable[[Session], Any]) -> Any:
    runtime = cli.runtime_of(ctx)
    with cli.refusals():
        engine = cli.engine_for(runtime.settings.database_url)
        try:
            with session_scope(engine, read_only=True) as session:
                return what(session)
        finally:
            engine.dispose()


@integrations_app.command("unmatched")
def unmatched(ctx: typer.Context, as_json: cli.AsJson = False) -> None:
    """The events waiting for an account with their external id, oldest first."""
    rows = _read(ctx, integrations.unmatched)
    if as_json:
        cli.print_json(rows)
        return
    console = Console()
    if not rows:
        console.print("No event is waiting: every event found its account.")
        return
    table = Table("provider", "received", "waits for", "event", "id")
    for row in rows:
        table.add_row(row["provider"], row["received_at"][:16].replace("T", " "),
                      row["waits_for"], row["what"], row["event_id"])  # fmt: skip
    console.print(table)
    console.print("Set the id on its account, e.g. `/onboard set acme segment_group_id:grp_123`, "
                  "and the events waiting for it are applied.", highlight=False)  # fmt: skip


@integrations_app.command("status")
def status(ctx: typer.Context, as_json: cli.AsJson = False) -> None:
    """Per provider: the last event received, events by state (received: answered, waiting to
    be applied), how many wait unmatched."""
    found = _read(ctx, integrations.status)
    if as_json:
        cli.print_json(found)
        return
    # "to apply": answered and stored, waiting for the worker (state `received`).
    table = Table("provider", "last event", "to apply", "applied", "unmatched", "ignored",
                  "failed", "pending", collapse_padding=True, show_edge=False)  # fmt: skip
    for row in found["providers"]:
        by_state = row["by_state"]
        last = row["last_event_at"]
        table.add_row(
            row["provider"], last[:16].replace("T", " ") if last else "never",
            *(str(by_state.get(state, 0)) for state in ("received", "applied", "unmatched",
                                                         "ignored", "failed", "pending")),
        )  # fmt: skip
    console = Console()
    console.print(table)
    for row in found["providers"]:
        notes = row.get("notes")
        if notes:
            console.print(
                f"HubSpot notes: {notes.get('delivered', 0)} written, "
                f"{notes.get('pending', 0) + notes.get('sending', 0)} waiting, "
                f"{notes.get('failed', 0)} failed", highlight=False,
            )  # fmt: skip
        for failed in row.get("failed_notes", []):
            console.print(
                f"  note {failed['id']} to company {failed['company']} failed: "
                f"{failed['error']} (`rescuebot outbox retry {failed['id']}` after the fix)",
                highlight=False,
            )
