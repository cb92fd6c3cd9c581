"""`rescuebot accounts import --from hubspot`: HubSpot's companies as accounts, with a progress
bar over the CRM's pages (HUBSPOT_TOKEN, HUBSPOT_API_URL)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from bot.cli.base import engine_for, fail, print_json, refusals, runtime_of
from bot.hubspot.api import Company, Hubspot, HubspotError
from bot.messages.wording import plural
from bot.services.backend import Backend
from bot.services.integrations.hubspot import mapped
from bot.services.integrations.hubspot_import import import_companies


def import_from_hubspot(ctx: typer.Context, *, as_json: bool) -> None:
    runtime = runtime_of(ctx)
    token = runtime.settings.hubspot_token
    if token is None:
        fail("HUBSPOT_TOKEN is not set: create a private app in HubSpot (Settings → "
             "Integrations → Private Apps) with crm.objects.companies.read, copy its "
             "token")  # fmt: skip
    with refusals():
        config = runtime.config()
        engine = engine_for(runtime.settings.database_url)
        backend = Backend(config=config, engine=engine, clock=lambda: datetime.now(UTC),
                          hubspot_notes=True)  # fmt: skip
        api = Hubspot(token.get_secret_value(), runtime.settings.hubspot_api_url)
        properties = sorted({"domain", *mapped(config)})
        progress = Progress(
            SpinnerColumn(), TextColumn("{task.description}"), TextColumn("{task.completed} "
            "companies"), TimeElapsedColumn(), console=Console(stderr=True), transient=True,
        )  # fmt: skip
        try:
            with progress:
                task = progress.add_task("Importing HubSpot companies", total=None)

                def pages() -> Iterator[list[Company]]:
                    after: str | None = None
                    while True:
                        page, after = api.companies(properties, after=after)
                        yield page
                        if after is None:
                            return

                report = import_companies(
                    backend, pages(), progress=lambda n: progress.update(task, advance=n)
                )
        except HubspotError as error:
            fail(f"HubSpot refused or did not answer ({error}); the pages done are imported, "
                 "run it again to carry on")  # fmt: skip
        finally:
            api.close()
    if as_json:
        print_json(report.as_dict())
        return
    console = Console()
    console.print(
        f"Accounts: {report.created} new, {report.updated} updated, {report.unchanged} "
        f"unchanged, from {plural(report.rows, 'HubSpot company', 'HubSpot companies')}."
    )
    for problem in report.skipped:
        console.print(f"  [yellow]skipped[/yellow] {problem}", highlight=False)
