"""A bare Bolt app that only acks, served exactly as `rescuebot serve` serves the real one.

The baseline for `benchmarks/bench_ack.py`: the same `bot.slack.http.create_web_app` under uvicorn,
with listeners for `/signal` and the scorecard select that call `ack()` and nothing else, so
the difference in ack latency is what our listeners cost. It is Bolt's App as it comes (acking
from its listener pool and polling for the ack every 10 ms), the baseline issue 11's targets were
set against; the real app acks commands and clicks before their listener runs
(`bot.slack.app.AcksFirst`). Run by the benchmark as a subprocess:

    python benchmarks/bare_app.py --port 3001

It reads SLACK_API_URL, SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET from the environment (Bolt
calls auth.test there at startup); /healthz checks an in-memory SQLite database.
"""

from __future__ import annotations

import argparse
import logging
import os

import uvicorn
from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.messages.ids import ActionId
from bot.slack.http import create_web_app
from bot.store.db import make_engine


def bare_app() -> App:
    # The token goes on the client: Bolt ignores `token=` when given a client (and then
    # refuses to start without one), as `bot.slack.app.create_app` does it.
    client = WebClient(token=os.environ["SLACK_BOT_TOKEN"], base_url=os.environ["SLACK_API_URL"])
    app = App(
        signing_secret=os.environ["SLACK_SIGNING_SECRET"],
        client=client,
        raise_error_for_unhandled_request=False,
    )

    @app.command("/signal")
    def signal(ack: Ack) -> None:
        ack()

    @app.action(ActionId.SIGNAL_SELECT)
    def signal_selected(ack: Ack) -> None:
        ack()

    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    logging.basicConfig(level=os.environ.get("LOG_LEVEL", "WARNING").upper())
    secret = os.environ["SLACK_SIGNING_SECRET"]
    web = create_web_app(bare_app(), make_engine("sqlite://"), signing_secret=secret)
    uvicorn.run(web, host=args.host, port=args.port, log_config=None, access_log=False)


if __name__ == "__main__":
    main()
