"""The app's Web API client: any base URL, and retries on 5xx and 429 without posting twice."""

from __future__ import annotations

import pytest

from bot.config import Settings
from bot.slack.app import web_client
from tests.slack_double import SlackDouble


@pytest.fixture
def double():
    with SlackDouble() as double:
        yield double


@pytest.mark.parametrize("slash", ["", "/"])
def test_slack_api_url_works_with_or_without_a_trailing_slash(double, slash):
    url = double.api_url.rstrip("/") + slash
    client = web_client(Settings(slack_bot_token=double.token, slack_api_url=url))
    assert client.auth_test()["ok"]


def test_server_errors_and_rate_limits_are_retried_and_the_message_lands_once(double):
    client = web_client(Settings(slack_bot_token=double.token, slack_api_url=double.api_url))
    double.fail_next(2, status=500, method="chat.postMessage")
    double.rate_limit_next(1, retry_after=0, method="chat.postMessage")
    assert client.chat_postMessage(channel="C0GENERAL", text="standup")["ok"]
    assert [m.text for m in double.messages("C0GENERAL")] == ["standup"]
    assert len(double.failed_calls) == 3
