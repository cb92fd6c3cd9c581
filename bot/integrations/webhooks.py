"""POST /integrations/segment, /integrations/intercom and /integrations/hubspot, on the same
server as Slack's endpoint.

Order of checks, as for Slack's requests: size (413), then the signature over the raw bytes
(401: missing, malformed or wrong; also when the provider's secret is not configured), then the
shape (400: signed but not JSON, or not what the provider sends). Only then are its events
stored, on a worker thread, as `received` (one small insert, committed; the deliveries that
arrive meanwhile share the next one: `GroupStore`) before the answer (200): an answered event
is never lost, and the answer never waits for applying it. The worker applies them afterwards
(`on_received` wakes it). An event that cannot be stored now (the database is down) is
answered 429 with Retry-After, which the providers retry, never a 5xx.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import anyio
from anyio import to_thread
from hubspot.utils.signature import Signature
from pydantic import SecretStr
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot.config import Settings
from bot.services import integrations
from bot.services.backend import Backend

MAX_BODY_BYTES = 1_000_000
# Groups of deliveries written at once: while one commits, the next gathers and another is
# written; each holds one of the pool's five connections.
WRITERS = 2
# Deliveries in one group at most (one INSERT of their events; HubSpot sends up to 100 each).
MAX_GROUP = 50
log = logging.getLogger("rescuebot.integrations")


def hmac_sha1(secret: str, body: bytes) -> str:
    """The hex HMAC-SHA1 of `body` keyed with `secret`: what both providers sign with."""
    return hmac.new(secret.encode(), body, hashlib.sha1).hexdigest()


def segment_unverified(secret: SecretStr | None, body: bytes, header: str | None) -> str | None:
    """Why a request is not verifiably Segment's (`X-Signature`: hex HMAC-SHA1 of the body
    with SEGMENT_SHARED_SECRET), or None when it is."""
    if secret is None:
        return "SEGMENT_SHARED_SECRET is not set here"
    if not header:
        return "missing X-Signature"
    expected = hmac_sha1(secret.get_secret_value(), body)
    return None if hmac.compare_digest(header.strip().lower(), expected) else "bad X-Signature"


def intercom_unverified(secret: SecretStr | None, body: bytes, header: str | None) -> str | None:
    """Why a request is not verifiably Intercom's (`X-Hub-Signature: sha1=<hex HMAC-SHA1 of the
    body with INTERCOM_CLIENT_SECRET>`), or None when it is."""
    if secret is None:
        return "INTERCOM_CLIENT_SECRET is not set here"
    if not header or not header.startswith("sha1="):
        return "missing X-Hub-Signature, or not sha1= and hex digits"
    expected = hmac_sha1(secret.get_secret_value(), body)
    given = header.removeprefix("sha1=").strip().lower()
    return None if hmac.compare_digest(given, expected) else "bad X-Hub-Signature"


HUBSPOT_WINDOW = timedelta(minutes=5)


def hubspot_unverified(
    secret: SecretStr | None, *, method: str, uri: str, body: bytes, signature: str | None,
    timestamp: str | None, now: datetime,
) -> str | None:  # fmt: skip
    """Why a request is not verifiably HubSpot's (webhooks v3: `X-HubSpot-Signature-v3` is the
    base64 HMAC-SHA256, keyed with HUBSPOT_CLIENT_SECRET, of method + URI + body + the
    `X-HubSpot-Request-Timestamp`, in ms, which must be at most 5 minutes old and not in the
    future), or None when it is. The HMAC is hubspot-api-client's `Signature`; the window is
    checked here against our clock (the library's check reads the wall clock and lets a
    future timestamp through)."""
    if secret is None:
        return "HUBSPOT_CLIENT_SECRET is not set here"
    if not signature or not timestamp:
        return "missing X-HubSpot-Signature-v3 or X-HubSpot-Request-Timestamp"
    if not timestamp.isdigit() or len(timestamp) > 15:
        return "X-HubSpot-Request-Timestamp is not Unix milliseconds"
    sent = datetime.fromtimestamp(int(timestamp) / 1000, now.tzinfo)
    if sent > now:
        return "X-HubSpot-Request-Timestamp is in the future"
    if now - sent > HUBSPOT_WINDOW:
        return "X-HubSpot-Request-Timestamp is more than 5 minutes old"
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return "the body is not UTF-8, which HubSpot signs"
    expected = Signature.get_signature(
        secret.get_secret_value(), text, "v3", http_uri=uri, http_method=method,
        timestamp=timestamp,
    )  # fmt: skip
    if not hmac.compare_digest(signature.strip(), expected):
        return "bad X-HubSpot-Signature-v3"
    return None


def signed_uri(request: Request, public_base_url: str | None) -> str:
    """The URI HubSpot signed: PUBLIC_BASE_URL + path + query behind a proxy, else the URL the
    request came to."""
    if not public_base_url:
        return str(request.url)
    query = request.url.query
    return public_base_url.rstrip("/") + request.url.path + (f"?{query}" if query else "")


Verify = Callable[[bytes, Request], str | None]
Check = Callable[[Any], integrations.Delivery]


class InFlight:
    """How many webhook requests this process is answering right now; read by the applier in
    the same process, which gives way to them (`IntegrationApplier.give_way_to`)."""

    def __init__(self) -> None:
        self.count = 0  # changed on the event loop only

    def busy(self) -> bool:
        return self.count > 0


class _Waiting:
    """A checked delivery waiting to be stored, then what storing it did (or the error)."""

    def __init__(self, delivery: integrations.Delivery) -> None:
        self.delivery = delivery
        self.taken = False  # in a group being written
        self.outcome: integrations.Received | Exception | None = None
        self.stored = anyio.Event()


class GroupStore:
    """Stores checked deliveries together: those that arrive while earlier ones are being
    written form the next group, one transaction (one INSERT, one commit) for all of it. Under
    load the database work per delivery shrinks instead of queueing; a lone delivery is written
    at once (nothing waits on a timer). Each is answered once its own group has committed."""

    def __init__(self, backend: Backend, writers: int = WRITERS) -> None:
        self.backend = backend
        self.writers = anyio.CapacityLimiter(writers)
        self.waiting: list[_Waiting] = []

    async def store(self, delivery: integrations.Delivery) -> integrations.Received:
        mine = _Waiting(delivery)
        self.waiting.append(mine)
        async with self.writers:
            while not mine.taken:  # whoever writes takes the oldest waiting, maybe not mine
                group, self.waiting = self.waiting[:MAX_GROUP], self.waiting[MAX_GROUP:]
                for waiting in group:
                    waiting.taken = True
                await self._write(group)
        await mine.stored.wait()
        if isinstance(mine.outcome, Exception):
            raise mine.outcome
        assert mine.outcome is not None
        return mine.outcome

    async def _write(self, group: list[_Waiting]) -> None:
        # Shielded: the others in the group wait on this write even if its request is gone.
        with anyio.CancelScope(shield=True):
            outcomes: list[integrations.Received | Exception]
            try:
                outcomes = list(await to_thread.run_sync(
                    integrations.store_deliveries, self.backend, [w.delivery for w in group]
                ))  # fmt: skip
            except Exception as error:
                outcomes = [error] if len(group) == 1 else await self._one_by_one(group)
        for waiting, outcome in zip(group, outcomes, strict=True):
            waiting.outcome = outcome
            waiting.stored.set()

    async def _one_by_one(self, group: list[_Waiting]) -> list[integrations.Received | Exception]:
        """The group failed: each delivery alone, so one the database refuses fails alone."""
        outcomes: list[integrations.Received | Exception] = []
        for waiting in group:
            try:
                (done,) = await to_thread.run_sync(
                    integrations.store_deliveries, self.backend, [waiting.delivery]
                )
                outcomes.append(done)
            except Exception as error:
                outcomes.append(error)
        return outcomes


def _endpoint(
    provider: str, verify: Verify, check: Check, storing: GroupStore,
    after: Callable[[integrations.Received], None], in_flight: InFlight,
) -> Callable[[Request], Any]:  # fmt: skip
    async def endpoint(request: Request) -> Response:
        in_flight.count += 1
        try:
            return await answer(request)
        finally:
            in_flight.count -= 1

    async def answer(request: Request) -> Response:
        length = request.headers.get("content-length") or "0"
        if not length.isdigit() or int(length) > MAX_BODY_BYTES:
            return Response("request too large", status_code=413)
        received = bytearray()
        async for chunk in request.stream():
            received += chunk
            if len(received) > MAX_BODY_BYTES:
                return Response("request too large", status_code=413)
        body = bytes(received)
        problem = verify(body, request)
        if problem is not None:
            log.warning("refused an unverified %s request: %s", provider, problem)
            return Response(f"unverified request: {problem}", status_code=401)
        try:
            delivery = check(json.loads(body.decode("utf-8")))
        except (UnicodeDecodeError, ValueError) as error:
            return Response(f"not JSON: {error}", status_code=400)
        except integrations.BadPayload as error:
            log.warning("refused a signed %s body of the wrong shape: %s", provider, error)
            return Response(f"not a {provider} event: {error}", status_code=400)
        try:
            done = await storing.store(delivery)
        except Exception:
            error_id = uuid.uuid4().hex[:8]
            log.exception("%s event not stored (error id %s)", provider, error_id)
            return Response(f"not stored, try again (error id {error_id})", status_code=429,
                            headers={"Retry-After": "5"})  # fmt: skip
        after(done)
        return JSONResponse(done.as_dict())

    return endpoint


def integration_routes(
    backend: Backend, settings: Settings, *, on_received: Callable[[], None] | None = None,
    in_flight: InFlight | None = None,
) -> list[Route]:  # fmt: skip
    """The webhook routes, each checking its provider's signature with its secret;
    `on_received` is called after answering a delivery that stored new events, `in_flight`
    counts the requests being answered."""
    in_flight = in_flight or InFlight()
    storing = GroupStore(backend)

    def segment(body: bytes, request: Request) -> str | None:
        header = request.headers.get("x-signature")
        return segment_unverified(settings.segment_shared_secret, body, header)

    def intercom(body: bytes, request: Request) -> str | None:
        header = request.headers.get("x-hub-signature")
        return intercom_unverified(settings.intercom_client_secret, body, header)

    def hubspot(body: bytes, request: Request) -> str | None:
        return hubspot_unverified(
            settings.hubspot_client_secret, method=request.method,
            uri=signed_uri(request, settings.public_base_url), body=body,
            signature=request.headers.get("x-hubspot-signature-v3"),
            timestamp=request.headers.get("x-hubspot-request-timestamp"), now=backend.now(),
        )  # fmt: skip

    def received(done: integrations.Received) -> None:
        if on_received is not None and done.new:
            on_received()

    return [
        Route("/integrations/segment", _endpoint("segment", segment,
              integrations.segment_delivery, storing, received, in_flight), methods=["POST"]),
        Route("/integrations/intercom", _endpoint("intercom", intercom,
              integrations.intercom_delivery, storing, received, in_flight), methods=["POST"]),
        Route("/integrations/hubspot", _endpoint("hubspot", hubspot,
              integrations.hubspot_delivery, storing, received, in_flight), methods=["POST"]),
    ]  # fmt: skip
