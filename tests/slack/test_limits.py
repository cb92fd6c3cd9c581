"""Big portfolios stay inside Block Kit's limits; concurrent identical clicks record once."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from typer.testing import CliRunner

from bot.cli.main import app as cli
from tests.slack.conftest import CHANNEL, CSM, Served

ACCOUNTS = 45


def import_accounts(served: Served, tmp_path: Path) -> None:
    rows = ["name,segment,csm,signed_on,arr"]
    rows += [f"Bulk {n:02d},mid,{CSM},2026-08-01,{1000 * n}" for n in range(ACCOUNTS)]
    accounts = tmp_path / "bulk.csv"
    accounts.write_text("\n".join(rows) + "\n", encoding="utf-8")
    readings = tmp_path / "bulk-readings.csv"
    readings.write_text(
        "account,signal,value,recorded_at\n"
        + "".join(f"bulk-{n:02d},import,0,2026-11-02\n" for n in range(ACCOUNTS)),
        encoding="utf-8",
    )
    env = {"DATABASE_URL": served.database_url}
    runner = CliRunner()
    for command in (["accounts", "import", str(accounts)], ["signals", "import", str(readings)]):
        result = runner.invoke(cli, command, env=env, catch_exceptions=False)
        assert result.exit_code == 0, result.stderr


def test_a_long_standup_continues_in_a_thread_within_block_limits(app: Served, tmp_path: Path):
    import_accounts(app, tmp_path)
    app.slack.command("/standup", "", channel_id=CHANNEL)
    app.double.wait_for(lambda: len(app.double.messages(CHANNEL)) == 1, timeout=10)
    [parent] = app.double.messages(CHANNEL)
    app.double.wait_for(lambda: app.double.messages(CHANNEL, thread_ts=parent.ts), timeout=10)
    replies = app.double.messages(CHANNEL, thread_ts=parent.ts)
    pages = [parent, *replies]
    assert all(len(page.blocks) <= 50 for page in pages)
    focus = [b["block_id"] for b in parent.blocks
             if str(b.get("block_id", "")).startswith("standup|")]  # fmt: skip
    assert len(focus) == 10 == len(set(focus))  # standup.focus_limit's default
    assert focus[0] == "standup|bulk-44"  # all tied on tier: the highest ARR first
    everything = str([page.blocks for page in pages])
    assert all(f"Bulk {n:02d}" in everything for n in range(ACCOUNTS))  # the rest in the thread
    app.double.assert_no_violations()


def test_home_and_list_stay_within_limits_for_a_big_book(app: Served, tmp_path: Path):
    import_accounts(app, tmp_path)  # idempotent: the same rows again change nothing
    app.slack.event({"type": "app_home_opened", "user": CSM, "tab": "home"})
    app.double.wait_for(lambda: CSM in app.double.views.home, timeout=10)
    home = app.double.views.home[CSM]
    assert len(home.blocks) <= 100
    assert "more: `/onboard list mine`" in str(home.blocks)
    listing = app.command("/onboard", "list mine")
    assert len(listing["blocks"]) <= 50
    assert f"{ACCOUNTS} accounts" in listing["text"]


def test_simultaneous_identical_clicks_record_one_reading(app: Served):
    app.command("/onboard", "add Race Condition")
    card = app.command("/scorecard", "race-condition")
    message = {"ts": "1700000000.000900", "blocks": card["blocks"]}

    def click(_: int) -> int:
        return app.slack.block_action(
            "scorecard.signal_select", block_id="signal|race-condition|admin_trained",
            selected_option="1", message=message,
        ).status  # fmt: skip

    with ThreadPoolExecutor(max_workers=6) as pool:
        statuses = list(pool.map(click, range(6)))
    assert statuses == [200] * 6
    app.double.wait_for(lambda: len(app.double.responses) >= 7, timeout=15)
    assert [(r.signal, r.value) for r in app.readings("race-condition")] == [("admin_trained", 1)]
