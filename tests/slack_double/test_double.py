"""Tests of the Slack double itself, driven through real clients over real HTTP.

slack_sdk's WebClient and WebhookClient talk to `SlackDouble`; `SlackRequests` talks to a
capturing receiver and to a real slack_bolt App served by Bolt's WSGI adapter.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from socketserver import ThreadingMixIn
from types import SimpleNamespace
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest
from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry import builtin_handlers
from slack_sdk.http_retry.builtin_handlers import (
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.builtin_interval_calculators import FixedValueRetryIntervalCalculator
from slack_sdk.signature import SignatureVerifier
from slack_sdk.webhook import WebhookClient

from . import DEFAULT_CHANNEL_ID, DEFAULT_USER_ID, ManualClock, SlackDouble, SlackRequests

SECRET = "test-signing-secret"
SECTION = {"type": "section", "text": {"type": "mrkdwn", "text": "*Acme* is drifting"}}
BUTTON_BLOCK = {
    "type": "actions",
    "block_id": "rescue",
    "elements": [
        {
            "type": "button",
            "action_id": "open_rescue",
            "text": {"type": "plain_text", "text": "Open rescue"},
            "value": "acme",
        }
    ],
}


def modal(title: str = "Log action", **extra: Any) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": "log_action",
        "title": {"type": "plain_text", "text": title},
        "blocks": [SECTION],
        **extra,
    }


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def double(clock: ManualClock) -> Iterator[SlackDouble]:
    with SlackDouble(clock=clock) as running:
        yield running


@pytest.fixture
def client(double: SlackDouble) -> WebClient:
    return WebClient(token=double.token, base_url=double.api_url)


def api_error(call: Any, **kwargs: Any) -> dict[str, Any]:
    """Call a WebClient method expected to fail; return Slack's JSON answer."""
    with pytest.raises(SlackApiError) as raised:
        call(**kwargs)
    return dict(raised.value.response.data)


def error_of(call: Any, **kwargs: Any) -> str:
    """Call a WebClient method expected to fail; return Slack's error name."""
    return str(api_error(call, **kwargs)["error"])


# ---- Web API ---------------------------------------------------------------------------------


def test_post_update_thread_and_read_back(double: SlackDouble, client: WebClient) -> None:
    posted = client.chat_postMessage(channel=DEFAULT_CHANNEL_ID, text="Acme", blocks=[SECTION])
    assert posted["channel"] == DEFAULT_CHANNEL_ID
    assert posted["message"]["blocks"] == [SECTION]
    reply = client.chat_postMessage(
        channel=DEFAULT_CHANNEL_ID, text="owner?", thread_ts=posted["ts"]
    )
    nested = client.chat_postMessage(channel=DEFAULT_CHANNEL_ID, text="me", thread_ts=reply["ts"])
    client.chat_update(channel=DEFAULT_CHANNEL_ID, ts=posted["ts"], text="Acme (updated)")

    [top] = double.messages(DEFAULT_CHANNEL_ID)
    assert (top.ts, top.text, top.blocks, top.edited) == (
        posted["ts"],
        "Acme (updated)",
        [SECTION],
        True,
    )
    assert top.history == [{"text": "Acme", "blocks": [SECTION]}]
    replies = double.messages(DEFAULT_CHANNEL_ID, thread_ts=posted["ts"])
    assert [m.ts for m in replies] == [reply["ts"], nested["ts"]]
    assert {m.thread_ts for m in replies} == {posted["ts"]}

    link = client.chat_getPermalink(channel=DEFAULT_CHANNEL_ID, message_ts=reply["ts"])
    assert link["permalink"].endswith(f"?thread_ts={posted['ts']}&cid={DEFAULT_CHANNEL_ID}")
    client.chat_delete(channel=DEFAULT_CHANNEL_ID, ts=nested["ts"])
    assert len(double.messages(DEFAULT_CHANNEL_ID, thread_ts=posted["ts"])) == 1
    error = api_error(client.chat_update, channel=DEFAULT_CHANNEL_ID, ts="1.000001", text="x")
    assert error["error"] == "message_not_found"
    assert [c.method for c in double.calls_to("chat.postMessage")] == ["chat.postMessage"] * 3
    assert double.calls_to("chat.update")[0].headers["authorization"] == f"Bearer {double.token}"


def test_form_encoded_calls_and_json_string_blocks(double: SlackDouble, client: WebClient) -> None:
    answer = client.api_call(
        "chat.postMessage",
        data={"channel": DEFAULT_CHANNEL_ID, "text": "form", "blocks": json.dumps([SECTION])},
    )
    assert answer["ok"] and double.messages(DEFAULT_CHANNEL_ID)[0].blocks == [SECTION]
    assert double.calls[-1].params["blocks"] == json.dumps([SECTION])
    ephemeral = client.chat_postEphemeral(
        channel=DEFAULT_CHANNEL_ID, user=DEFAULT_USER_ID, text="psst"
    )
    assert double.ephemerals[0].message_ts == ephemeral["message_ts"]
    dm = client.chat_postMessage(channel=DEFAULT_USER_ID, text="your accounts")
    assert (
        dm["channel"].startswith("D")
        and double.messages(DEFAULT_USER_ID)[0].text == "your accounts"
    )
    double.assert_no_violations()


def test_tokens_are_checked(double: SlackDouble) -> None:
    assert error_of(WebClient(base_url=double.api_url).auth_test) == "not_authed"
    bad = WebClient(token="xoxb-wrong", base_url=double.api_url)
    assert error_of(bad.chat_postMessage, channel=DEFAULT_CHANNEL_ID, text="x") == ("invalid_auth")
    assert double.messages() == []
    double.add_token("xoxb-second")
    assert WebClient(token="xoxb-second", base_url=double.api_url).auth_test()["user_id"] == "U0BOT"


def test_unknown_method(client: WebClient) -> None:
    assert error_of(client.api_call, api_method="chat.postMesage") == "unknown_method"


def test_users_channels_and_groups(double: SlackDouble, client: WebClient) -> None:
    double.add_user("U0PRIYA", "priya", real_name="Priya Shah", tz="Europe/Berlin")
    double.add_channel("C0ARCHIVE", "old", is_archived=True)
    double.add_channel("C0OUTSIDE", "leadership", is_member=False, members=["U0PRIYA"])
    double.add_usergroup("S0CSM", ["U0PRIYA", DEFAULT_USER_ID])

    user = client.users_info(user="U0PRIYA")["user"]
    assert (user["tz"], user["real_name"], user["is_bot"]) == ("Europe/Berlin", "Priya Shah", False)
    assert error_of(client.users_info, user="U0NOBODY") == "user_not_found"
    assert client.users_info(user="U0BOT")["user"]["is_bot"] is True

    assert client.conversations_info(channel="C0OUTSIDE")["channel"]["is_member"] is False
    assert error_of(client.conversations_info, channel="C0MISSING") == "channel_not_found"
    for channel, error in [("C0ARCHIVE", "is_archived"), ("C0OUTSIDE", "not_in_channel")]:
        assert error_of(client.chat_postMessage, channel=channel, text="x") == error
    assert error_of(client.conversations_join, channel="C0ARCHIVE") == "is_archived"
    assert client.conversations_join(channel="C0OUTSIDE")["channel"]["is_member"] is True
    assert client.chat_postMessage(channel="C0OUTSIDE", text="now in")["ok"]
    assert client.conversations_join(channel="C0OUTSIDE")["warning"] == "already_in_channel"

    first = client.conversations_members(channel="C0OUTSIDE", limit=1)
    cursor = first["response_metadata"]["next_cursor"]
    rest = client.conversations_members(channel="C0OUTSIDE", limit=1, cursor=cursor)
    assert first["members"] + rest["members"] == ["U0PRIYA", "U0BOT"]
    assert client.usergroups_users_list(usergroup="S0CSM")["users"] == ["U0PRIYA", DEFAULT_USER_ID]
    assert error_of(client.usergroups_users_list, usergroup="S0NONE") == "no_such_subteam"


def test_files_upload_v2_shares_into_a_thread(double: SlackDouble, client: WebClient) -> None:
    parent = client.chat_postMessage(channel=DEFAULT_CHANNEL_ID, text="weekly digest")
    client.files_upload_v2(
        channel=DEFAULT_CHANNEL_ID,
        thread_ts=parent["ts"],
        content="account,score\nacme,7.0\n",
        filename="scorecard.csv",
        title="Scorecard",
        initial_comment="Attached",
    )
    [uploaded] = double.files
    assert uploaded.content == b"account,score\nacme,7.0\n"
    assert (uploaded.title, uploaded.channel, uploaded.thread_ts) == (
        "Scorecard",
        DEFAULT_CHANNEL_ID,
        parent["ts"],
    )
    [share] = double.messages(DEFAULT_CHANNEL_ID, thread_ts=parent["ts"])
    assert share.text == "Attached" and share.files[0]["name"] == "scorecard.csv"
    assert [c.method for c in double.calls] == [
        "chat.postMessage",
        "files.getUploadURLExternal",
        "file_upload",
        "files.completeUploadExternal",
    ]
    with pytest.warns(UserWarning, match="files_upload_v2"):
        assert error_of(client.files_upload, content="x") == "method_deprecated"


# ---- faults ------------------------------------------------------------------------------------


@pytest.fixture
def retry_sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Record the rate-limit handler's waits instead of sleeping them."""
    sleeps: list[float] = []
    monkeypatch.setattr(builtin_handlers, "time", SimpleNamespace(sleep=sleeps.append))
    return sleeps


def retrying_client(double: SlackDouble) -> WebClient:
    no_wait = FixedValueRetryIntervalCalculator(0.0)
    return WebClient(
        token=double.token,
        base_url=double.api_url,
        retry_handlers=[
            # slack_sdk counts attempts across handlers: allow 3 retries in all
            RateLimitErrorRetryHandler(max_retry_count=3),
            ServerErrorRetryHandler(max_retry_count=3, interval_calculator=no_wait),
        ],
    )


def test_retry_handlers_survive_failures_and_post_once(
    double: SlackDouble, retry_sleeps: list[float]
) -> None:
    double.fail_next(1, status=500, method="chat.postMessage")
    double.rate_limit_next(1, retry_after=3, method="chat.postMessage")
    double.fail_next(1, status=503, method="chat.postMessage")

    answer = retrying_client(double).chat_postMessage(channel=DEFAULT_CHANNEL_ID, text="once")

    assert answer["ok"]
    assert [m.text for m in double.messages(DEFAULT_CHANNEL_ID)] == ["once"]
    assert [c.status for c in double.failed_calls] == [500, 429, 503]
    assert double.failed_calls[1].response == {"ok": False, "error": "ratelimited"}
    assert len(retry_sleeps) == 1 and retry_sleeps[0] >= 3
    assert len(double.calls_to("chat.postMessage")) == 1


def test_without_retry_handlers_a_500_surfaces_and_stores_nothing(
    double: SlackDouble, client: WebClient
) -> None:
    double.fail_next()
    with pytest.raises(SlackApiError) as raised:
        client.chat_postMessage(channel=DEFAULT_CHANNEL_ID, text="lost")
    assert raised.value.response.status_code == 500
    assert raised.value.response["error"] == "fatal_error"
    assert double.messages() == [] and double.calls == []


def test_rate_limit_answer_has_retry_after_header(double: SlackDouble, client: WebClient) -> None:
    double.rate_limit_next(retry_after=7)
    with pytest.raises(SlackApiError) as raised:
        client.chat_postMessage(channel=DEFAULT_CHANNEL_ID, text="x")
    assert raised.value.response.status_code == 429
    assert raised.value.response.headers["retry-after"] == "7"


def test_fail_ratio_is_repeatable_with_a_seed(double: SlackDouble, client: WebClient) -> None:
    def run() -> list[bool]:
        outcomes = []
        for n in range(30):
            try:
                client.chat_postMessage(channel=DEFAULT_CHANNEL_ID, text=str(n))
                outcomes.append(True)
            except SlackApiError:
                outcomes.append(False)
        return outcomes

    double.fail_ratio(0.3, seed=42)
    first = run()
    stored = [m.text for m in double.messages(DEFAULT_CHANNEL_ID)]
    double.reset()
    double.fail_ratio(0.3, seed=42)
    assert run() == first
    assert 0 < first.count(False) < 30
    assert stored == [str(n) for n, ok in enumerate(first) if ok]


def test_per_channel_rate_limit_uses_the_injected_clock(
    double: SlackDouble, client: WebClient, clock: ManualClock
) -> None:
    double.add_channel("C0OTHER", "other")
    double.limit_per_channel(per_second=1.0, burst=2)
    for text in ("one", "two"):
        client.chat_postMessage(channel=DEFAULT_CHANNEL_ID, text=text)
    with pytest.raises(SlackApiError) as raised:
        client.chat_postMessage(channel=DEFAULT_CHANNEL_ID, text="three")
    assert raised.value.response.status_code == 429
    assert raised.value.response.headers["retry-after"] == "1"
    assert client.chat_postMessage(channel="C0OTHER", text="elsewhere")["ok"]
    clock.advance(1.0)
    assert client.chat_postMessage(channel=DEFAULT_CHANNEL_ID, text="three")["ok"]
    assert [m.text for m in double.messages(DEFAULT_CHANNEL_ID)] == ["one", "two", "three"]
    assert len(double.failed_calls) == 1


def test_going_down_refuses_connections_then_recovers(
    double: SlackDouble, client: WebClient
) -> None:
    port = double.port
    double.go_down()
    no_retries = WebClient(token=double.token, base_url=double.api_url, retry_handlers=[])
    with pytest.raises(urllib.error.URLError):
        no_retries.chat_postMessage(channel=DEFAULT_CHANNEL_ID, text="lost")
    double.come_up()
    assert double.port == port
    assert client.chat_postMessage(channel=DEFAULT_CHANNEL_ID, text="back")["ok"]

    double.go_down(refuse=False)
    with pytest.raises(SlackApiError) as raised:
        client.chat_postMessage(channel=DEFAULT_CHANNEL_ID, text="lost")
    assert raised.value.response.status_code == 503
    double.come_up()
    assert [m.text for m in double.messages(DEFAULT_CHANNEL_ID)] == ["back"]
    assert [c.status for c in double.failed_calls] == [503]


# ---- response URLs -----------------------------------------------------------------------------


def test_response_url_takes_five_posts(double: SlackDouble) -> None:
    url = double.new_response_url(channel=DEFAULT_CHANNEL_ID, user=DEFAULT_USER_ID)
    webhook = WebhookClient(url)
    double.fail_next(method="response_url")
    assert webhook.send(text="lost in an outage").status_code == 500  # does not count
    statuses = [webhook.send(text=f"update {n}").status_code for n in range(6)]
    assert statuses == [200] * 5 + [404]
    assert [r.ok for r in double.responses] == [True] * 5 + [False]
    assert double.responses[-1].error == "used_url"
    assert [e.text for e in double.ephemerals] == [f"update {n}" for n in range(5)]
    assert len(double.calls_to("response_url")) == 6
    assert [c.method for c in double.failed_calls] == ["response_url"]


def test_response_url_in_channel_replace_and_expiry(
    double: SlackDouble, clock: ManualClock
) -> None:
    webhook = WebhookClient(
        double.new_response_url(channel=DEFAULT_CHANNEL_ID, user=DEFAULT_USER_ID)
    )
    assert webhook.send(text="Acme: 7.0", response_type="in_channel").status_code == 200
    assert webhook.send(text="Acme: 8.0", replace_original=True).status_code == 200
    [message] = double.messages(DEFAULT_CHANNEL_ID)
    assert (message.text, message.source, message.edited) == ("Acme: 8.0", "response_url", True)
    assert webhook.send(text="", blocks=[]).status_code == 400
    clock.advance(30 * 60 + 1)
    late = webhook.send(text="too late")
    assert (late.status_code, json.loads(late.body)["error"]) == (404, "expired_url")


# ---- Block Kit -----------------------------------------------------------------------------------


def test_violations_are_detected_and_refused(double: SlackDouble, client: WebClient) -> None:
    too_many = [{"type": "divider"}] * 51
    post = client.chat_postMessage
    assert error_of(post, channel=DEFAULT_CHANNEL_ID, text="x", blocks=too_many) == "invalid_blocks"
    no_text = {"type": "section", "block_id": "empty"}
    assert (
        error_of(post, channel=DEFAULT_CHANNEL_ID, text="x", blocks=[no_text]) == "invalid_blocks"
    )
    trigger = double.new_trigger_id(DEFAULT_USER_ID)
    long_title = modal("A title of twenty-five ch")
    assert error_of(client.views_open, trigger_id=trigger, view=long_title) == "invalid_arguments"
    assert double.messages() == [] and double.views.modals == []

    problems = [str(v) for v in double.violations]
    assert problems == [
        "chat.postMessage: /blocks: 51 blocks, no more than 50 allowed",
        "chat.postMessage: /blocks/0: text or fields attribute must be specified",
        "views.open: /view/title/text: 25 characters, no more than 24 allowed",
    ]
    with pytest.raises(AssertionError, match=r"3 Block Kit violation\(s\):\n  - chat.postMessage"):
        double.assert_no_violations()


def test_more_violations_and_lenient_mode(clock: ManualClock) -> None:
    with SlackDouble(clock=clock, strict_blocks=False) as double:
        client = WebClient(token=double.token, base_url=double.api_url)
        typo = {"type": "section", "text": {"type": "mrkdwn", "text": "x"}, "acessory": {}}
        long_text = {"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}
        client.chat_postMessage(channel=DEFAULT_CHANNEL_ID, text="x", blocks=[typo, long_text])
        client.api_call(
            "chat.postMessage",
            data={"channel": DEFAULT_CHANNEL_ID, "text": "x", "blocks": json.dumps(SECTION)},
        )
        WebhookClient(double.new_response_url(channel=DEFAULT_CHANNEL_ID)).send(
            text="x", blocks=[{"type": "header", "text": {"type": "plain_text", "text": ""}}]
        )
        client.views_publish(
            user_id=DEFAULT_USER_ID, view={"type": "home", "blocks": [SECTION] * 101}
        )
        assert len(double.messages(DEFAULT_CHANNEL_ID)) == 2  # lenient: stored anyway
        assert [str(v) for v in double.violations] == [
            "chat.postMessage: /blocks/1: text attribute cannot exceed 3000 characters",
            "chat.postMessage: /blocks: blocks must be a list of objects, got dict",
            "response_url: /blocks/0/text/text: text must not be empty",
            "views.publish: /view/blocks: 101 blocks, no more than 100 allowed",
        ]


def test_unknown_fields_are_violations(double: SlackDouble, client: WebClient) -> None:
    typo = {"type": "section", "text": {"type": "mrkdwn", "text": "x"}, "acessory": {"a": 1}}
    api_error(client.chat_postMessage, channel=DEFAULT_CHANNEL_ID, text="x", blocks=[typo])
    assert [str(v) for v in double.violations] == [
        "chat.postMessage: /blocks/0/acessory: unknown field 'acessory'"
    ]


# ---- views ---------------------------------------------------------------------------------------


def test_views_need_fresh_triggers_and_track_state(
    double: SlackDouble, client: WebClient, clock: ManualClock
) -> None:
    assert error_of(client.views_open, trigger_id="", view=modal()) == "invalid_arguments"
    bogus = api_error(client.views_open, trigger_id="1.2.bogus", view=modal())
    assert bogus["response_metadata"] == {"messages": ["invalid `trigger_id`"]}
    stale = double.new_trigger_id(DEFAULT_USER_ID)
    clock.advance(3.5)
    expired = api_error(client.views_open, trigger_id=stale, view=modal())
    assert expired["response_metadata"]["messages"][0].startswith("expired `trigger_id`")

    trigger = double.new_trigger_id(DEFAULT_USER_ID)
    opened = client.views_open(trigger_id=trigger, view=modal())["view"]
    assert opened["id"].startswith("V") and opened["callback_id"] == "log_action"
    assert error_of(client.views_open, trigger_id=trigger, view=modal()) == ("invalid_arguments")
    stale_hash = {"view_id": opened["id"], "hash": "stale", "view": modal()}
    assert error_of(client.views_update, **stale_hash) == "hash_conflict"
    client.views_update(view_id=opened["id"], hash=opened["hash"], view=modal("Saved"))
    [record] = double.views.modals
    assert (record.user_id, record.title, len(record.history)) == (DEFAULT_USER_ID, "Saved", 1)
    assert record.blocks == [SECTION] and record.callback_id == "log_action"

    pushed = client.views_push(trigger_id=double.new_trigger_id(DEFAULT_USER_ID), view=modal())
    assert pushed["view"]["previous_view_id"] == opened["id"]
    assert pushed["view"]["root_view_id"] == opened["id"]

    home = {"type": "home", "blocks": [SECTION]}
    client.views_publish(user_id=DEFAULT_USER_ID, view=home)
    again = client.views_publish(user_id=DEFAULT_USER_ID, view=home)["view"]
    assert double.views.home[DEFAULT_USER_ID].id == again["id"]
    assert double.views.get(again["id"]) is double.views.home[DEFAULT_USER_ID]
    assert error_of(client.views_update, view_id="V404", view=modal()) == "not_found"


# ---- signed requests ----------------------------------------------------------------------------


class _Capture(BaseHTTPRequestHandler):
    """Answers 200 and keeps the raw request, to check what went over the wire."""

    server: Any

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"])).decode()
        self.server.captured.append(({k.lower(): v for k, v in self.headers.items()}, body))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        """Keep test output quiet."""


@pytest.fixture
def receiver() -> Iterator[Any]:
    server: Any = ThreadingHTTPServer(("127.0.0.1", 0), _Capture)
    server.captured = []
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join()


def test_signatures_verify_and_forgeries_do_not(double: SlackDouble, receiver: Any) -> None:
    url = f"http://127.0.0.1:{receiver.server_address[1]}/slack/events"
    slack = SlackRequests(url, signing_secret=SECRET, double=double)
    verifier = SignatureVerifier(SECRET)

    sent = slack.command("/signal", "acme kickoff 2")
    slack.event({"type": "app_mention", "text": "hi"}, retry_num=2, retry_reason="http_error")
    slack.command(secret="forged")
    slack.command(timestamp=int(time.time()) - 600)
    slack.command(signed=False)
    (good, form), (event, e_body), (forged, f_body), (stale, s_body), (unsigned, _) = (
        receiver.captured
    )

    assert verifier.is_valid_request(form, good)
    assert verifier.is_valid_request(sent.request_body, sent.request_headers)
    assert verifier.is_valid_request(e_body, event)
    assert event["x-slack-retry-num"] == "2" and event["x-slack-retry-reason"] == "http_error"
    assert not verifier.is_valid_request(f_body, forged)
    assert not verifier.is_valid_request(s_body, stale)
    assert "x-slack-signature" not in unsigned


def test_payload_shapes(double: SlackDouble, receiver: Any, client: WebClient) -> None:
    url = f"http://127.0.0.1:{receiver.server_address[1]}/slack/events"
    slack = SlackRequests(url, signing_secret=SECRET, double=double)
    posted = client.chat_postMessage(channel=DEFAULT_CHANNEL_ID, text="x", blocks=[BUTTON_BLOCK])
    slack.command("/signal", "acme kickoff 2")
    slack.block_action("open_rescue", message_ts=posted["ts"])
    slack.view_submission("log_action", values={"note": {"text": "called the sponsor"}})
    slack.url_verification("c-123")

    captured = receiver.captured
    (_, command_body), (_, action_body), (_, submit_body), (verify_headers, verify_body) = captured
    command = dict(urllib.parse.parse_qsl(command_body))
    assert set(command) == {
        "token", "team_id", "team_domain", "channel_id", "channel_name", "user_id", "user_name",
        "command", "text", "api_app_id", "is_enterprise_install", "response_url", "trigger_id",
    }  # fmt: skip
    assert (command["channel_name"], command["user_name"]) == ("general", "alex")
    action = json.loads(dict(urllib.parse.parse_qsl(action_body))["payload"])
    assert action["type"] == "block_actions"
    assert action["container"] == {
        "type": "message",
        "message_ts": posted["ts"],
        "channel_id": DEFAULT_CHANNEL_ID,
        "is_ephemeral": False,
    }
    assert action["message"]["blocks"] == [BUTTON_BLOCK]
    assert action["actions"][0] | {"action_ts": ""} == {
        "action_id": "open_rescue",
        "block_id": "rescue",
        "type": "button",
        "text": {"type": "plain_text", "text": "Open rescue"},
        "value": "acme",
        "action_ts": "",
    }
    assert action["response_url"].startswith(double.base_url)
    submission = json.loads(dict(urllib.parse.parse_qsl(submit_body))["payload"])
    assert submission["view"]["state"]["values"] == {
        "note": {"text": {"type": "plain_text_input", "value": "called the sponsor"}}
    }
    assert verify_headers["content-type"] == "application/json"
    assert json.loads(verify_body)["challenge"] == "c-123"


# ---- a real Bolt app, end to end -----------------------------------------------------------


class _QuietWsgiHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        """Keep test output quiet."""


class _ThreadingWsgiServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


@pytest.fixture
def bolt_url(double: SlackDouble) -> Iterator[str]:
    """A minimal Bolt app, served by Bolt's WSGI adapter, whose Web API is the double."""
    app = App(
        client=WebClient(token=double.token, base_url=double.api_url),
        signing_secret=SECRET,
    )

    @app.command("/ping")
    def ping(ack: Any, respond: Any, say: Any, command: dict[str, Any]) -> None:
        ack("pong")
        respond(f"pong for <@{command['user_id']}>")
        say(text="someone pinged", blocks=[BUTTON_BLOCK])

    @app.action("open_rescue")
    def open_rescue(ack: Any, body: dict[str, Any], client: WebClient, respond: Any) -> None:
        ack()
        client.views_open(trigger_id=body["trigger_id"], view=modal())
        respond(text="rescue opened", replace_original=True)

    @app.view("log_action")
    def log_action(ack: Any, view: dict[str, Any]) -> None:
        note = view["state"]["values"]["note"]["text"]["value"]
        ack(response_action="errors", errors={"note": "too short"}) if len(note) < 3 else ack()

    server = make_server(
        "127.0.0.1",
        0,
        SlackRequestHandler(app),
        server_class=_ThreadingWsgiServer,
        handler_class=_QuietWsgiHandler,
    )
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/slack/events"
    server.shutdown()
    server.server_close()
    thread.join()


def test_bolt_app_acks_a_signed_command_end_to_end(double: SlackDouble, bolt_url: str) -> None:
    slack = SlackRequests(bolt_url, signing_secret=SECRET, double=double)

    acked = slack.command("/ping")
    assert (acked.status, acked.text) == (200, "pong")
    double.wait_for(lambda: double.responses and double.messages(DEFAULT_CHANNEL_ID))
    assert double.responses[0].body["text"] == f"pong for <@{DEFAULT_USER_ID}>"
    [said] = double.messages(DEFAULT_CHANNEL_ID)
    assert said.text == "someone pinged"

    assert slack.command("/ping", secret="forged").status == 401
    assert slack.command("/ping", timestamp=int(time.time()) - 600).status == 401
    assert slack.command("/ping", signed=False).status == 401
    assert slack.url_verification("c-1").json() == {"challenge": "c-1"}
    double.assert_no_violations()


def test_bolt_app_handles_a_button_and_a_modal(double: SlackDouble, bolt_url: str) -> None:
    slack = SlackRequests(bolt_url, signing_secret=SECRET, double=double)
    client = WebClient(token=double.token, base_url=double.api_url)
    posted = client.chat_postMessage(channel=DEFAULT_CHANNEL_ID, text="Acme", blocks=[BUTTON_BLOCK])

    assert slack.block_action("open_rescue", message_ts=posted["ts"]).status == 200
    double.wait_for(lambda: double.responses)
    [message] = double.messages(DEFAULT_CHANNEL_ID)
    assert (message.text, message.edited) == ("rescue opened", True)
    [opened] = double.views.modals

    refused = slack.view_submission(view_id=opened.id, values={"note": {"text": "ok"}})
    assert refused.json() == {"response_action": "errors", "errors": {"note": "too short"}}
    accepted = slack.view_submission("log_action", values={"note": {"text": "called"}})
    assert (accepted.status, accepted.body) == (200, b"")
    double.assert_no_violations()


def test_a_trigger_id_lasts_three_seconds(
    double: SlackDouble, client: WebClient, clock: ManualClock
) -> None:
    trigger = double.new_trigger_id(DEFAULT_USER_ID)
    clock.advance(2.9)
    assert client.views_open(trigger_id=trigger, view=modal())["ok"]


def test_wait_for_times_out(double: SlackDouble) -> None:
    with pytest.raises(TimeoutError):
        double.wait_for(lambda: double.responses, timeout=0.05)


def test_a_channel_can_be_archived_mid_test(double: SlackDouble, client: WebClient) -> None:
    assert client.chat_postMessage(channel=DEFAULT_CHANNEL_ID, text="before")["ok"]
    double.channel(DEFAULT_CHANNEL_ID).is_archived = True
    assert error_of(client.chat_postMessage, channel=DEFAULT_CHANNEL_ID, text="after") == (
        "is_archived"
    )
    assert [m.text for m in double.messages("#general")] == ["before"]


def test_reset_clears_records_but_keeps_configuration(
    double: SlackDouble, client: WebClient
) -> None:
    double.add_channel("C0KEPT", "kept")
    client.chat_postMessage(channel="C0KEPT", text="x")
    double.fail_next(5)
    double.reset()
    assert double.calls == [] and double.messages() == [] and double.failed_calls == []
    assert client.chat_postMessage(channel="C0KEPT", text="y")["ok"]


def test_raw_http_without_a_client(double: SlackDouble) -> None:
    request = urllib.request.Request(
        double.api_url + "auth.test",
        data=b"token=" + double.token.encode(),
        method="POST",
    )
    with urllib.request.urlopen(request) as answer:
        assert json.loads(answer.read())["team_id"] == "T0DOUBLE"
    with pytest.raises(urllib.error.HTTPError) as raised:
        urllib.request.urlopen(double.base_url + "/nowhere")
    with raised.value as not_found:
        assert not_found.code == 404
