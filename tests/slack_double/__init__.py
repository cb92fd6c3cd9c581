"""A local, faithful test double of Slack for Onboarding Rescue's tests (no network needed).

Two halves, both over real HTTP on 127.0.0.1:

* `SlackDouble` plays Slack's servers: the Web API (`double.api_url`), response URLs and file
  upload URLs. It checks tokens, applies Slack's rules and errors, validates Block Kit, records
  every call, and can fail on purpose (5xx, 429 with Retry-After, outages, per-channel limits).
* `SlackRequests` plays Slack calling the app: signed slash commands, block actions, view
  submissions, events and url_verification, with response URLs and trigger_ids from the double.

Typical use in a test module (pytest puts `tests/` on sys.path while `tests/` has no
`__init__.py`, so the package imports as `slack_double`; it would be `tests.slack_double` once
`tests/` became a package)::

    import pytest
    from slack_sdk import WebClient
    from slack_double import ManualClock, SlackDouble, SlackRequests

    @pytest.fixture
    def slack():
        with SlackDouble(clock=ManualClock()) as double:
            yield double
            double.assert_no_violations()      # every block the app sent was valid

    def test_posts_digest(slack, monkeypatch):
        monkeypatch.setenv("SLACK_API_URL", slack.api_url)   # or WebClient(base_url=...)
        client = WebClient(token=slack.token, base_url=slack.api_url)
        ...                                    # run the code under test with `client`
        [digest] = slack.messages("C0GENERAL")
        assert "Acme" in digest.text

    def test_signal_command(slack, app_url):   # app_url: where the app serves /slack/events
        requests = SlackRequests(app_url, signing_secret="secret", double=slack)
        assert requests.command("/signal", "acme kickoff 2").status == 200
        slack.wait_for(lambda: slack.responses)            # the app answered via response_url

The workspace starts with the bot (`U0BOT`), a person (`U0USER`, "alex", America/New_York)
and `#general` (`C0GENERAL`); add more with `add_user`, `add_channel`, `add_usergroup`. Pass a
`ManualClock` and call `advance()` instead of sleeping: it drives rate limits, trigger_id
expiry (3 s) and response_url expiry (30 min). `double.reset()` clears recorded state between
tests when one double is shared.
"""

from .clock import ManualClock
from .records import (
    Call,
    Channel,
    Ephemeral,
    FileRecord,
    Message,
    ResponsePost,
    User,
    ViewRecord,
    Views,
    Violation,
)
from .server import DEFAULT_CHANNEL_ID, DEFAULT_TOKEN, DEFAULT_USER_ID, SlackDouble
from .signed import HttpResponse, SlackRequests, signature

__all__ = [
    "DEFAULT_CHANNEL_ID",
    "DEFAULT_TOKEN",
    "DEFAULT_USER_ID",
    "Call",
    "Channel",
    "Ephemeral",
    "FileRecord",
    "HttpResponse",
    "ManualClock",
    "Message",
    "ResponsePost",
    "SlackDouble",
    "SlackRequests",
    "User",
    "ViewRecord",
    "Views",
    "Violation",
    "signature",
]
