"""`rescuebot serve` with PRODUCT.md's configuration example as ./rescuebot.yml: it starts and
answers Slack (a CSM the example names adds an account)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.config.conftest import PRODUCT_EXAMPLE
from tests.conftest import DATABASES, fresh_database
from tests.slack.conftest import free_port, wait_until_healthy
from tests.slack_double import SlackDouble, SlackRequests

SECRET = "config-test-signing-secret"


@pytest.mark.parametrize("kind", DATABASES)
def test_serve_runs_with_product_md_s_example(tmp_path: Path, kind: str) -> None:
    shutil.copy(PRODUCT_EXAMPLE, tmp_path / "rescuebot.yml")
    with fresh_database(kind, tmp_path) as database_url, SlackDouble() as double:
        for channel in ("C0RESCUE", "C0LEADERS", "C0CSTEAM"):
            double.add_channel(channel, channel.lower(), is_member=True)
        for user in ("U0ADMIN1", "U0ALICE", "U0MANAGER1"):
            double.add_user(user, user.lower())
        env = {**os.environ, "DATABASE_URL": database_url, "SLACK_API_URL": double.api_url,
               "SLACK_BOT_TOKEN": double.token, "SLACK_SIGNING_SECRET": SECRET,
               "LOG_LEVEL": "WARNING"}  # fmt: skip
        env.pop("RESCUEBOT_CONFIG", None)
        port = free_port()
        process = subprocess.Popen(
            [sys.executable, "-m", "bot", "serve", "--host", "127.0.0.1", "--port", str(port),
             "--no-scheduler"],
            env=env, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )  # fmt: skip
        url = f"http://127.0.0.1:{port}"
        try:
            wait_until_healthy(url, process)
            slack = SlackRequests(f"{url}/slack/events", signing_secret=SECRET, double=double)
            answered = len(double.responses)
            response = slack.command("/onboard", "add Acme Corp", user_id="U0ALICE")
            assert response.status == 200, response.text
            double.wait_for(lambda: len(double.responses) > answered, timeout=10)
            assert "acme-corp" in str(double.responses[answered].body)
        finally:
            process.terminate()
            process.wait(timeout=10)
