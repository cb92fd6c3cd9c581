"""The `rescuebot` command line: every command group registered on the one root app.

Each group lives in its own module (`data`, `views`, `analytics`, `processes`, `outbox`); this
module only puts them together, in the order `--help` lists them.
"""

from __future__ import annotations

# isort: off
# Importing a group registers its commands; `--help` lists them in this order.
from bot.cli import views
from bot.cli import analytics
from bot.cli import processes
from bot.cli import data

# isort: on
from bot.cli.base import app
from bot.cli.integrations import integrations_app
from bot.cli.outbox import outbox_app
from bot.cli.tickets import tickets_app

app.add_typer(data.accounts_app, name="accounts")
app.add_typer(data.signals_app, name="signals")
app.add_typer(data.db_app, name="db")
app.add_typer(analytics.kpis_app, name="kpis")
app.add_typer(analytics.weights_app, name="weights")
app.add_typer(outbox_app, name="outbox")
app.add_typer(tickets_app, name="tickets")
app.add_typer(integrations_app, name="integrations")

__all__ = ["app", "main", "processes", "views"]  # the groups are imported for their commands


def main() -> None:
    app()


if __name__ == "__main__":
    main()
