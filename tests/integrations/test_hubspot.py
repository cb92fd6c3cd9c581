"""HubSpot against a real `rescuebot serve`, with the HubSpot double as the CRM and the Slack
double as Slack: webhooks v3 signed as the docs say (bad, stale and future ones refused),
company creations read from the CRM after the answer (retried when the read fails), property
changes out of order, and notes written to the company once each — through a 5xx and through a
lost answer — down to the whole flow: a Segment event opens a rescue in Slack and HubSpot gets
the note. The server answers and stores the events; the test runs the worker's step
(`app.apply()`: the events received, then the creations' CRM reads)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import col, select
from typer.testing import CliRunner

from bot.cli.main import app as cli
from bot.store.accounts import add_account
from bot.store.tables import Account, Delivery, IntegrationEvent
from tests.conftest import DATABASES
from tests.integrations.applying import ANSWER_ONLY, Applying, applying
from tests.integrations.doubles import SEGMENT_SECRET, Segment
from tests.integrations.hubspot_double import (
    HUBSPOT_SECRET,
    HubspotDouble,
    HubspotWebhooks,
    ms,
    v3_signature,
)
from tests.slack.conftest import CSM, Served, serving

ROOM = "C0RESCUE"
CONFIG = """
rescue:
  channel: C0RESCUE
integrations:
  segment:
    events:
      "Data Import Failed": {signal: data_import, value: 0}
  hubspot:
    properties: {annualrevenue: arr, numberofemployees: users}
"""


class Hub:
    def __init__(self, served: Served, crm: HubspotDouble, apply: Applying) -> None:
        self.served, self.crm, self.apply = served, crm, apply
        self.webhooks = HubspotWebhooks(served.url)

    def event_rows(self) -> list[IntegrationEvent]:
        with self.served.db() as session:
            return list(session.exec(
                select(IntegrationEvent).where(IntegrationEvent.provider == "hubspot")
                .order_by(col(IntegrationEvent.id))
            ))  # fmt: skip

    def wait_until_noted(self, company: str) -> None:
        """Wait until the company's first queued note is delivered."""
        self.crm.wait_for(lambda: (queued := self.notes_queued(company)) and
                          queued[0].state == "delivered")  # fmt: skip

    def by_company(self, company: str) -> Account | None:
        with self.served.db() as session:
            return session.exec(select(Account).where(Account.hubspot_id == company)).first()

    def event(self, event_id: int) -> IntegrationEvent:
        return next(e for e in self.event_rows() if e.event_id == str(event_id))

    def notes_queued(self, company: str) -> list[Delivery]:
        with self.served.db() as session:
            return list(session.exec(
                select(Delivery).where(Delivery.channel == f"hubspot:{company}")
                .order_by(col(Delivery.id))
            ))  # fmt: skip


@pytest.fixture(scope="module", params=DATABASES)
def hub(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    with HubspotDouble() as crm, pytest.MonkeyPatch.context() as env:
        env.setenv("HUBSPOT_CLIENT_SECRET", HUBSPOT_SECRET)
        env.setenv("HUBSPOT_TOKEN", crm.token)
        env.setenv("HUBSPOT_API_URL", crm.api_url)
        env.setenv("SEGMENT_SHARED_SECRET", SEGMENT_SECRET)
        for name, value in ANSWER_ONLY.items():
            env.setenv(name, value)
        config = tmp_path_factory.mktemp("worker") / "rescuebot.yml"
        config.write_text(CONFIG, encoding="utf-8")
        with (
            serving(request.param, tmp_path_factory.mktemp("hubspot"), CONFIG) as served,
            applying(served.database_url, config, crm=(crm.token, crm.api_url)) as apply,
        ):
            yield Hub(served, crm, apply)


@pytest.fixture
def app(hub: Hub) -> Iterator[Hub]:
    hub.served.settle()
    hub.served.double.reset()
    hub.crm.reset()
    yield hub
    hub.served.double.assert_no_violations()


def now() -> datetime:
    return datetime.now(UTC)


def test_a_company_creation_adds_the_account_read_from_the_crm(app: Hub) -> None:
    app.crm.add_company("5001", name="Globex", annualrevenue="1200000.40", numberofemployees="250")
    answer = app.webhooks.send([app.webhooks.creation("5001", now())], at=now())
    assert answer.status == 200, answer.text
    assert answer.json()["states"] == {"received": 1}
    assert app.apply() == {"pending": 1}  # then read from the CRM
    account = app.by_company("5001")
    assert account is not None
    assert (account.name, account.arr, account.users, account.csm) == ("Globex", 1200000, 250, None)
    assert ("GET", "/crm/v3/objects/companies/5001") in app.crm.calls


def test_a_redelivered_creation_adds_one_account(app: Hub) -> None:
    app.crm.add_company("5002", name="Initech")
    creation = app.webhooks.creation("5002", now())
    first = app.webhooks.send([creation], at=now())
    again = app.webhooks.send([{**creation, "attemptNumber": 1}], at=now())
    assert first.status == again.status == 200
    assert again.json() == {"new": 0, "redelivered": 1, "states": {}}
    assert app.apply() == {"pending": 1}
    with app.served.db() as session:
        assert len(session.exec(select(Account).where(Account.name == "Initech")).all()) == 1
    assert app.event(creation["eventId"]).state == "applied"


def test_property_changes_out_of_order_end_at_the_latest(app: Hub) -> None:
    app.crm.add_company("5003", name="Umbrella", annualrevenue="100")
    app.webhooks.send([app.webhooks.creation("5003", now() - timedelta(hours=2))], at=now())
    app.apply()
    later = app.webhooks.change("5003", "annualrevenue", "900000", now() + timedelta(seconds=1))
    earlier = app.webhooks.change("5003", "annualrevenue", "500000", now() - timedelta(minutes=1))
    users = app.webhooks.change("5003", "numberofemployees", "80", now())
    # One array, the later change first, as HubSpot may send them.
    answer = app.webhooks.send([later, earlier, users], at=now())
    assert answer.status == 200, answer.text
    assert answer.json()["states"] == {"received": 3}
    assert app.apply() == {"applied": 2, "ignored": 1}
    account = app.by_company("5003")
    assert account is not None and (account.arr, account.users) == (900000, 80)
    assert "before the change applied" in (app.event(earlier["eventId"]).error or "")


def test_a_change_before_the_creation_read_is_ignored(app: Hub) -> None:
    """A change that occurred before the CRM was read is already in what was read."""
    app.crm.add_company("5004", name="Hooli", numberofemployees="40")
    app.webhooks.send([app.webhooks.creation("5004", now() - timedelta(minutes=3))], at=now())
    app.apply()
    stale = app.webhooks.change("5004", "numberofemployees", "5", now() - timedelta(minutes=2))
    assert app.webhooks.send([stale], at=now()).json()["states"] == {"received": 1}
    assert app.apply() == {"ignored": 1}
    account = app.by_company("5004")
    assert account is not None and account.users == 40


def test_a_change_for_a_company_not_yet_known_waits_unmatched(app: Hub) -> None:
    change = app.webhooks.change("5999", "numberofemployees", "12", now())
    assert app.webhooks.send([change], at=now()).json()["states"] == {"received": 1}
    assert app.apply() == {"unmatched": 1}
    assert app.event(change["eventId"]).external_id == "5999"


@pytest.mark.parametrize(
    ("problem", "kwargs"),
    [
        ("bad signature", {"signature": "bm90IHRoZSBzaWduYXR1cmU="}),
        ("no signature", {"signature": ""}),
        ("signed by another secret", {}),
        ("stale timestamp", {"timestamp": "-6"}),  # minutes from now, computed when it runs
        ("future timestamp", {"timestamp": "+1"}),
        ("not a number", {"timestamp": "yesterday"}),
        ("signed for another URL", {"uri": "https://elsewhere.example/integrations/hubspot"}),
    ],
)
def test_unverified_requests_are_refused_and_store_nothing(
    app: Hub, problem: str, kwargs: dict[str, str]
) -> None:
    before = len(app.event_rows())
    sender = HubspotWebhooks(app.served.url, secret="someone-else") if problem.startswith(
        "signed by") else app.webhooks  # fmt: skip
    events = [app.webhooks.creation("5100", now())]
    kwargs = dict(kwargs)
    if kwargs.get("timestamp", "")[:1] in ("+", "-"):
        kwargs["timestamp"] = str(ms(now() + timedelta(minutes=int(kwargs["timestamp"]))))
    if "timestamp" in kwargs and kwargs["timestamp"].isdigit():
        # Correctly signed over that timestamp: only the window refuses it.
        body = json.dumps(events).encode()
        kwargs["signature"] = v3_signature(HUBSPOT_SECRET, "POST", app.webhooks.url, body,
                                           kwargs["timestamp"])  # fmt: skip
    answer = sender.send(events, at=now(), **kwargs)
    assert answer.status == 401, (problem, answer.text)
    assert len(app.event_rows()) == before


@pytest.mark.parametrize(
    "body",
    [b"not json", b"{}", b"[]", b'[{"eventId": 1}]', b'[{"eventId": 1, "subscriptionType": '
     b'"company.creation", "objectId": 5, "occurredAt": "soon"}]'],
)  # fmt: skip
def test_signed_garbage_is_400(app: Hub, body: bytes) -> None:
    before = len(app.event_rows())
    answer = app.webhooks.send(None, at=now(), raw=body)
    assert answer.status == 400, answer.text
    assert len(app.event_rows()) == before


def test_a_failing_crm_read_keeps_the_creation_pending_until_it_succeeds(app: Hub) -> None:
    app.crm.add_company("5005", name="Vandelay")
    app.crm.fail("/crm/v3/objects/companies/5005", 500, 502, 503)  # every try of one run
    creation = app.webhooks.creation("5005", now())
    assert app.webhooks.send([creation], at=now()).status == 200
    app.apply()
    assert "HubSpot HTTP 503" in (app.event(creation["eventId"]).error or "")
    assert app.event(creation["eventId"]).state == "pending"
    assert app.by_company("5005") is None
    # The next run (here: after the next creation) reads it again, and both are applied.
    app.crm.add_company("5006", name="Kramerica")
    app.webhooks.send([app.webhooks.creation("5006", now())], at=now())
    app.apply()
    assert app.by_company("5005") is not None and app.by_company("5006") is not None
    assert app.event(creation["eventId"]).state == "applied"


def test_a_company_hubspot_does_not_have_fails_with_the_reason(app: Hub) -> None:
    creation = app.webhooks.creation("5404", now())
    app.webhooks.send([creation], at=now())
    app.apply()
    assert app.event(creation["eventId"]).state == "failed"
    assert "HubSpot HTTP 404" in (app.event(creation["eventId"]).error or "")


# ---- outward: notes ---------------------------------------------------------------------------


def rescue_for(app: Hub, key: str, company: str) -> None:
    """An account with a HubSpot id whose Segment milestone fails: a rescue opens."""
    with app.served.db() as session:
        add_account(session, key=key, name=key.title(), segment="mid", csm=CSM, users=100)
        row = session.exec(select(Account).where(Account.key == key)).one()
        row.hubspot_id, row.segment_group_id = company, f"grp_{key}"
        session.add(row)
        session.commit()
    event = Segment.track("Data Import Failed", f"grp_{key}", now())
    assert Segment(app.served.url).send(event).status == 200
    assert app.apply() == {"applied": 1}


def test_the_whole_flow_event_in_rescue_in_slack_note_in_hubspot(app: Hub) -> None:
    rescue_for(app, "wayne", "6001")
    app.served.double.wait_for(
        lambda: any("Wayne" in m.text for m in app.served.double.messages(ROOM)), timeout=20
    )
    app.crm.wait_for(lambda: len(app.crm.notes_of("6001")) == 1)
    note = app.crm.notes_of("6001")[0]
    (delivery,) = app.notes_queued("6001")
    assert "Onboarding rescue opened" in note.body and "Wayne" in note.body
    assert f"[rescuebot:{delivery.id}]" in note.body
    app.wait_until_noted("6001")
    assert app.notes_queued("6001")[0].ts == note.id


def test_a_5xx_on_the_push_is_retried_and_the_note_written_once(app: Hub) -> None:
    app.crm.fail("/crm/v3/objects/notes", 503)
    rescue_for(app, "stark", "6002")
    app.wait_until_noted("6002")
    assert len(app.crm.notes_of("6002")) == 1
    # The 503 left its outcome unknown: the company's notes were looked through before the retry.
    assert ("GET", "/crm/v4/objects/companies/6002/associations/notes") in app.crm.calls


def test_a_lost_answer_is_found_among_the_notes_and_not_written_again(app: Hub) -> None:
    app.crm.lose_answers("/crm/v3/objects/notes", 1)
    rescue_for(app, "oscorp", "6003")
    app.wait_until_noted("6003")
    (note,) = app.crm.notes_of("6003")
    assert app.notes_queued("6003")[0].ts == note.id
    assert [c for c in app.crm.calls if c == ("POST", "/crm/v3/objects/notes")] == [
        ("POST", "/crm/v3/objects/notes")
    ]


def test_a_lost_answer_is_found_though_the_search_has_not_indexed_the_note(app: Hub) -> None:
    """HubSpot's search index lags behind writes: a note just written is looked for among the
    company's notes as they are, so it is not written a second time."""
    app.crm.lag_search()
    app.crm.lose_answers("/crm/v3/objects/notes", 1)
    rescue_for(app, "lexcorp", "6005")
    app.wait_until_noted("6005")
    (note,) = app.crm.notes_of("6005")
    assert app.notes_queued("6005")[0].ts == note.id


def test_a_refused_note_fails_for_good_and_shows_in_the_status(app: Hub) -> None:
    app.crm.fail("/crm/v3/objects/notes", 400)
    rescue_for(app, "cyberdyne", "6004")
    app.crm.wait_for(lambda: app.notes_queued("6004") and
                     app.notes_queued("6004")[0].state == "failed")  # fmt: skip
    assert app.crm.notes_of("6004") == []
    failed = app.notes_queued("6004")[0]
    assert "HubSpot HTTP 400" in (failed.last_error or "")
    env = {"DATABASE_URL": app.served.database_url}
    status = CliRunner().invoke(cli, ["integrations", "status", "--json"], env=env)
    hubspot = next(p for p in json.loads(status.stdout)["providers"] if p["provider"] == "hubspot")
    assert {"id": failed.id, "company": "6004", "error": failed.last_error} in hubspot[
        "failed_notes"]  # fmt: skip
    table = CliRunner().invoke(cli, ["integrations", "status"], env=env)
    assert f"note {failed.id} to company 6004 failed" in table.stdout
    doctor = CliRunner().invoke(cli, ["doctor"], env={
        **env, "SLACK_API_URL": app.served.double.api_url,
        "SLACK_BOT_TOKEN": app.served.double.token,
    })  # fmt: skip
    assert f"✗ hubspot note {failed.id}: to company 6004 failed for good" in doctor.stdout
    assert f"rescuebot outbox retry {failed.id}" in " ".join(doctor.stdout.split())


def test_no_note_for_an_account_without_a_hubspot_id(app: Hub) -> None:
    with app.served.db() as session:
        add_account(session, key="plain", name="Plain", segment="mid", csm=CSM, users=100)
        row = session.exec(select(Account).where(Account.key == "plain")).one()
        row.segment_group_id = "grp_plain"
        session.add(row)
        session.commit()
    Segment(app.served.url).send(Segment.track("Data Import Failed", "grp_plain", now()))
    assert app.apply() == {"applied": 1}
    app.served.double.wait_for(
        lambda: any("Plain" in m.text for m in app.served.double.messages(ROOM)), timeout=20
    )
    with app.served.db() as session:
        notes = session.exec(select(Delivery).where(Delivery.method == "hubspot_note")).all()
    assert all(not d.channel.endswith("plain") for d in notes)
    assert not any("Plain" in n.body for n in app.crm.notes)


def test_behind_a_proxy_the_signed_uri_is_public_base_url_plus_path_and_query() -> None:
    from pydantic import SecretStr
    from starlette.requests import Request

    from bot.integrations.webhooks import hubspot_unverified, signed_uri

    request = Request({"type": "http", "method": "POST", "scheme": "http", "path":
                       "/integrations/hubspot", "query_string": b"portal=62515",
                       "server": ("10.0.0.7", 3000), "headers": []})  # fmt: skip
    public = "https://rescue.example.com"
    assert signed_uri(request, public) == f"{public}/integrations/hubspot?portal=62515"
    assert signed_uri(request, None) == "http://10.0.0.7:3000/integrations/hubspot?portal=62515"
    body, at = b'[{"eventId": 1}]', now()
    stamp = str(ms(at))
    signature = v3_signature(HUBSPOT_SECRET, "POST", signed_uri(request, public), body, stamp)
    check = {"secret": SecretStr(HUBSPOT_SECRET), "method": "POST", "body": body,
             "signature": signature, "timestamp": stamp, "now": at}  # fmt: skip
    assert hubspot_unverified(uri=signed_uri(request, public), **check) is None
    assert hubspot_unverified(uri=signed_uri(request, None), **check) == (
        "bad X-HubSpot-Signature-v3"
    )
    five_minutes_on = at + timedelta(minutes=5, milliseconds=1)
    assert "more than 5 minutes old" in str(
        hubspot_unverified(uri=signed_uri(request, public), **{**check, "now": five_minutes_on})
    )
