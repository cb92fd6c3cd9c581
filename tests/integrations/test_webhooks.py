"""The webhooks against a real `rescuebot serve`: signed as the providers sign, redelivered,
out of order, unsigned or garbage, for an account not yet known, and a milestone that sets a
signal to 0 opening a rescue that the Slack double sees posted. The server answers and stores
(`received`); the test runs the worker's step (`apply`) to apply what it answered."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import col, select
from typer.testing import CliRunner

from bot.cli.main import app as cli
from bot.store.accounts import add_account
from bot.store.tables import Account, IntegrationEvent, Reading
from tests.conftest import DATABASES
from tests.integrations.applying import ANSWER_ONLY, Applying, applying
from tests.integrations.doubles import INTERCOM_SECRET, SEGMENT_SECRET, Intercom, Segment
from tests.slack.conftest import CSM, Served, serving

ROOM = "C0RESCUE"
CONFIG = """
rescue:
  channel: C0RESCUE
integrations:
  segment:
    events:
      "Data Import Finished": {signal: data_import, value: 2}
      "Data Import Failed": {signal: data_import, value: 0}
"""


@pytest.fixture(scope="module", params=DATABASES)
def served(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Served]:
    with pytest.MonkeyPatch.context() as env:
        env.setenv("SEGMENT_SHARED_SECRET", SEGMENT_SECRET)
        env.setenv("INTERCOM_CLIENT_SECRET", INTERCOM_SECRET)
        for name, value in ANSWER_ONLY.items():
            env.setenv(name, value)
        with serving(request.param, tmp_path_factory.mktemp("hooks"), CONFIG) as served:
            yield served


@pytest.fixture(scope="module")
def apply(served: Served, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Applying]:
    config = tmp_path_factory.mktemp("worker") / "rescuebot.yml"
    config.write_text(CONFIG, encoding="utf-8")
    with applying(served.database_url, config) as step:
        yield step


@pytest.fixture
def app(served: Served) -> Iterator[Served]:
    served.settle()
    served.double.reset()
    yield served
    served.double.assert_no_violations()


def account(app: Served, key: str, **ids: str) -> None:
    with app.db() as session:
        add_account(session, key=key, name=key.title(), segment="mid", csm=CSM, users=100)
        row = session.exec(select(Account).where(Account.key == key)).one()
        for column, value in ids.items():
            setattr(row, column, value)
        session.add(row)
        session.commit()


def events(app: Served, provider: str) -> list[IntegrationEvent]:
    with app.db() as session:
        return list(session.exec(
            select(IntegrationEvent).where(IntegrationEvent.provider == provider)
            .order_by(col(IntegrationEvent.id))
        ))  # fmt: skip


def env(app: Served) -> dict[str, str]:
    return {"DATABASE_URL": app.database_url}


NOW = datetime.now(UTC).replace(microsecond=0)


def test_a_redelivered_event_makes_one_reading(app: Served, apply: Applying) -> None:
    account(app, "redeliver", segment_group_id="grp_redeliver")
    event = Segment.track("Data Import Finished", "grp_redeliver", NOW - timedelta(hours=1))
    segment = Segment(app.url)
    first = segment.send(event)
    assert (first.status, first.json()["states"]) == (200, {"received": 1})
    assert app.readings("redeliver") == []  # answered, not applied yet
    assert apply() == {"applied": 1}
    again = segment.send({"batch": [event]})
    assert (again.status, again.json()["redelivered"]) == (200, 1)
    assert apply() == {}
    assert [(r.value, r.source) for r in app.readings("redeliver")] == [(2, "segment")]
    card = CliRunner().invoke(cli, ["scorecard", "redeliver", "--json"], env=env(app))
    assert card.exit_code == 0, card.output
    lines = {line["key"]: line for line in json.loads(card.stdout)["signals"]}
    assert (lines["data_import"]["source"], lines["data_import"]["value"]) == ("segment", 2)


def test_out_of_order_deliveries_end_at_the_latest_event(app: Served, apply: Applying) -> None:
    account(app, "order", segment_group_id="grp_order")
    segment = Segment(app.url)
    later = Segment.track("Data Import Finished", "grp_order", NOW - timedelta(hours=1))
    earlier = Segment.track("Data Import Failed", "grp_order", NOW - timedelta(hours=3),
                            in_properties=True)  # fmt: skip
    assert segment.send(later).status == 200
    assert segment.send(earlier).status == 200
    assert apply() == {"applied": 2}
    readings = app.readings("order")
    latest = max(readings, key=lambda r: (r.recorded_at, r.id))
    assert (len(readings), latest.value) == (2, 2)
    assert app.double.messages(ROOM) == []  # the 0 was history already: no rescue


def test_a_bad_or_missing_signature_is_refused(app: Served) -> None:
    event = Segment.track("Data Import Finished", "grp_x", NOW)
    assert Segment(app.url, secret="wrong").send(event).status == 401
    assert Segment(app.url).send(event, signature="").status == 401  # no header at all
    assert Intercom(app.url, secret="wrong").send(Intercom.notification("ping", {})).status == 401
    assert Intercom(app.url).send({}, signature="0" * 40).status == 401  # no sha1= prefix
    assert event["messageId"] not in {e.event_id for e in events(app, "segment")}


def test_signed_garbage_is_a_400(app: Served) -> None:
    segment, intercom = Segment(app.url), Intercom(app.url)
    assert segment.send(None, raw=b"not json {").status == 400
    assert segment.send(None, raw=b"\xff\xfe").status == 400
    assert segment.send([1, 2]).status == 400
    assert segment.send({"batch": [{"type": "track"}]}).status == 400
    assert intercom.send({"type": "something"}).status == 400
    broken = Intercom.notification("ticket.created", {"company_id": "c"})  # no id, no time
    assert intercom.send(broken).status == 400


def test_an_unknown_account_waits_then_applies_when_its_id_is_set(
    app: Served, apply: Applying
) -> None:
    account(app, "later")
    event = Segment.track("Data Import Failed", "grp_later", NOW - timedelta(minutes=30))
    assert Segment(app.url).send(event).json()["states"] == {"received": 1}
    assert apply() == {"unmatched": 1}
    runner = CliRunner()
    listed = runner.invoke(cli, ["integrations", "unmatched", "--json"], env=env(app))
    assert listed.exit_code == 0, listed.output
    assert [e["external_id"] for e in json.loads(listed.stdout)] == ["grp_later"]
    answer = app.command("/onboard", "set later segment_group_id:grp_later", user_id=CSM)
    assert "Segment group id grp_later" in json.dumps(answer)
    assert [e.state for e in events(app, "segment") if e.event_id == event["messageId"]] == [
        "applied"
    ]
    assert [(r.value, r.source) for r in app.readings("later")] == [(0, "segment")]
    listed = runner.invoke(cli, ["integrations", "unmatched", "--json"], env=env(app))
    assert "grp_later" not in listed.stdout


def test_a_milestone_at_zero_opens_a_rescue_in_slack(app: Served, apply: Applying) -> None:
    account(app, "zero", segment_group_id="grp_zero")
    event = Segment.track("Data Import Failed", "grp_zero", NOW - timedelta(minutes=5))
    assert Segment(app.url).send(event).json()["states"] == {"received": 1}
    assert apply() == {"applied": 1}
    # Queued to the outbox by the step here; the server's courier finds it on its next look.
    app.double.wait_for(lambda: app.double.messages(ROOM), timeout=20)
    assert "Zero" in app.double.messages(ROOM)[0].text
    app.double.wait_for(lambda: app.double.messages(CSM), timeout=20)
    assert "opened by a Segment event" in app.double.messages(CSM)[0].text


def test_intercom_tickets_count_once_and_feed_ticket_trend(app: Served, apply: Applying) -> None:
    account(app, "tickets", intercom_company_id="ic_tickets")
    intercom = Intercom(app.url)
    assert intercom.send(Intercom.notification("ping", {"message": "hi"})).status == 200
    monday = (NOW - timedelta(days=NOW.weekday())).replace(hour=12, minute=0, second=0)
    for n in (5, 4, 3, 2, 1):  # one ticket in each of the five complete weeks before this one
        item = Intercom.ticket(f"tk{n}", "ic_tickets", monday - timedelta(weeks=n, days=-1))
        assert intercom.send(Intercom.notification("ticket.created", item)).status == 200
    # The same ticket from the other topic, and an import of it, add nothing.
    item = Intercom.ticket("tk1", "ic_tickets", monday - timedelta(weeks=1, days=-1))
    intercom.send(Intercom.notification("conversation.user.created", item))
    doctor_env = {**env(app), "SLACK_API_URL": app.double.api_url,
                  "SLACK_BOT_TOKEN": app.double.token}  # fmt: skip
    waiting = CliRunner().invoke(cli, ["integrations", "status", "--json"], env=env(app))
    (row,) = [p for p in json.loads(waiting.stdout)["providers"] if p["provider"] == "intercom"]
    assert row["received"] == 7 and row["oldest_received_at"]
    doctor = CliRunner().invoke(cli, ["doctor"], env=doctor_env)
    assert "✓ intercom events: 7 events answered and waiting to be applied" in doctor.stdout
    assert apply() == {"ignored": 1, "applied": 6}
    trend = [r for r in app.readings("tickets") if r.signal == "ticket_trend"]
    latest = max(trend, key=lambda r: (r.recorded_at, r.id))
    assert (latest.value, latest.source) == (1, "intercom")  # one a week, as before
    status = CliRunner().invoke(cli, ["integrations", "status"], env=env(app))
    assert status.exit_code == 0 and "intercom" in status.stdout
    doctor = CliRunner().invoke(cli, ["doctor"], env=doctor_env)
    assert "✓ intercom: last event" in doctor.stdout
    assert "intercom events" not in doctor.stdout


def test_a_tickets_import_through_the_cli(app: Served, tmp_path: Path) -> None:
    account(app, "imported")
    monday = (NOW - timedelta(days=NOW.weekday())).replace(hour=12, minute=0, second=0)
    rows = [f"imported,{(monday - timedelta(weeks=n)).isoformat()},imp{n}" for n in (5, 4, 3, 2)]
    path = tmp_path / "tickets.csv"
    path.write_text("account,opened_at,id\n" + "\n".join(rows) + "\n", encoding="utf-8")
    runner = CliRunner()
    first = runner.invoke(cli, ["tickets", "import", str(path), "--json"], env=env(app))
    assert first.exit_code == 0, first.output
    assert json.loads(first.stdout)["created"] == 4
    again = runner.invoke(cli, ["tickets", "import", str(path), "--json"], env=env(app))
    assert json.loads(again.stdout)["unchanged"] == 4
    trend = [r for r in app.readings("imported") if r.signal == "ticket_trend"]
    latest = max(trend, key=lambda r: (r.recorded_at, r.id))
    assert (latest.value, latest.source) == (2, "import")  # none last week: better
    bad = tmp_path / "bad.csv"
    bad.write_text("account,opened_at,id\nnobody,2026-01-01,x\n", encoding="utf-8")
    refused = runner.invoke(cli, ["tickets", "import", str(bad)], env=env(app))
    assert refused.exit_code == 1 and "row 2" in refused.output
    with app.db() as session:
        assert session.exec(select(Reading).where(Reading.source == "import")).first()
