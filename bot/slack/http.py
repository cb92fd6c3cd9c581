"""The HTTP surface: Slack's requests at POST /slack/events, and GET /healthz.

The Bolt app is synchronous, so each Slack request is dispatched on a worker thread: the event
loop never waits on a listener or the database, and acks go back as soon as a listener acks.
"""

from __future__ import annotations

import logging

from slack_bolt import App, BoltRequest
from sqlalchemy import Engine, text
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

MAX_BODY_BYTES = 1_000_000
log = logging.getLogger("rescuebot.http")


def create_web_app(bolt: App, engine: Engine) -> Starlette:
    async def slack_events(request: Request) -> Response:
        if int(request.headers.get("content-length") or 0) > MAX_BODY_BYTES:
            return Response("request too large", status_code=413)
        body = await request.body()
        if len(body) > MAX_BODY_BYTES:
            return Response("request too large", status_code=413)
        bolt_request = BoltRequest(
            body=body.decode("utf-8", errors="replace"),
            query=request.url.query,
            headers=dict(request.headers.items()),
        )
        answer = await run_in_threadpool(bolt.dispatch, bolt_request)
        return Response(
            content=answer.body,
            status_code=answer.status,
            headers=answer.first_headers_without_set_cookie(),
        )

    async def healthz(_: Request) -> JSONResponse:
        healthy = await run_in_threadpool(database_ok, engine)
        return JSONResponse(
            {"status": "ok" if healthy else "unavailable",
             "database": "ok" if healthy else "unreachable"},
            status_code=200 if healthy else 503,
        )  # fmt: skip

    return Starlette(
        routes=[
            Route("/slack/events", slack_events, methods=["POST"]),
            Route("/healthz", healthz, methods=["GET"]),
        ]
    )


def database_ok(engine: Engine) -> bool:
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return True
    except Exception:
        log.exception("health check: the database is unreachable")
        return False
