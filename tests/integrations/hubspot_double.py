"""A local stand-in for HubSpot, both ways.

- `HubspotWebhooks` signs and sends webhook requests as HubSpot's webhooks v3 docs say:
  `X-HubSpot-Signature-v3` = base64(HMAC-SHA256(client secret, method + URI + body +
  timestamp)), with `X-HubSpot-Request-Timestamp` in Unix ms; the body is a JSON array of
  events shaped like HubSpot's (`eventId`, `subscriptionId`, `portalId`, `appId`,
  `occurredAt`, `subscriptionType`, `attemptNumber`, `objectId`, `changeSource`,
  `propertyName`, `propertyValue`).
- `HubspotDouble` serves the CRM v3 calls rescuebot makes, with the documented JSON: companies
  (one by id, and pages with `paging.next.after`), notes (create with associations, and search
  by `associations.company` and `hs_timestamp`). It checks the bearer token, records every call,
  and injects faults: an HTTP status for the next calls of a path, or a lost answer (the work is
  done, then the connection is closed without an answer).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from itertools import count
from typing import Any
from urllib.parse import parse_qs, urlparse

from tests.integrations.doubles import Answer, post

HUBSPOT_SECRET = "hubspot-client-secret"
HUBSPOT_TOKEN = "pat-na1-test-token"
_ids = count(1_000)


def v3_signature(secret: str, method: str, uri: str, body: bytes, timestamp: str) -> str:
    source = method.encode() + uri.encode() + body + timestamp.encode()
    return base64.b64encode(hmac.new(secret.encode(), source, hashlib.sha256).digest()).decode()


def ms(at: datetime) -> int:
    return int(at.timestamp() * 1000)


class HubspotWebhooks:
    """HubSpot's webhook sender, pointed at `{server}/integrations/hubspot`."""

    def __init__(self, server: str, secret: str = HUBSPOT_SECRET) -> None:
        self.url = f"{server}/integrations/hubspot"
        self.secret = secret

    @staticmethod
    def creation(company: str, at: datetime, *, event_id: int | None = None) -> dict[str, Any]:
        return {"eventId": event_id or next(_ids), "subscriptionId": 11, "portalId": 62515,
                "appId": 1160452, "occurredAt": ms(at), "subscriptionType": "company.creation",
                "attemptNumber": 0, "objectId": int(company), "changeFlag": "CREATED",
                "changeSource": "CRM_UI", "sourceId": "userId:1"}  # fmt: skip

    @staticmethod
    def change(company: str, name: str, value: str, at: datetime, *,
               event_id: int | None = None) -> dict[str, Any]:  # fmt: skip
        return {"eventId": event_id or next(_ids), "subscriptionId": 12, "portalId": 62515,
                "appId": 1160452, "occurredAt": ms(at),
                "subscriptionType": "company.propertyChange", "attemptNumber": 0,
                "objectId": int(company), "propertyName": name, "propertyValue": value,
                "changeSource": "CRM_UI", "sourceId": "userId:1"}  # fmt: skip

    def send(self, events: Any, *, at: datetime, raw: bytes | None = None,
             signature: str | None = None, uri: str | None = None,
             timestamp: str | None = None) -> Answer:  # fmt: skip
        body = raw if raw is not None else json.dumps(events).encode()
        stamp = timestamp if timestamp is not None else str(ms(at))
        signed = v3_signature(self.secret, "POST", uri or self.url, body, stamp)
        headers = {"X-HubSpot-Signature-v3": signature if signature is not None else signed,
                   "X-HubSpot-Request-Timestamp": stamp}  # fmt: skip
        return post(self.url, body, headers)


@dataclass
class Note:
    id: str
    body: str
    timestamp: int
    companies: list[str]
    indexed: bool = True  # found by the search: HubSpot's search index lags behind writes


@dataclass
class Faults:
    statuses: dict[str, list[int]] = field(default_factory=dict)  # path prefix → next statuses
    lost: dict[str, int] = field(default_factory=dict)  # path prefix → answers to lose
    held: dict[str, threading.Event] = field(default_factory=dict)  # path prefix → until set


class HubspotDouble:
    """CRM v3 on 127.0.0.1; `api_url` is HUBSPOT_API_URL for rescuebot."""

    def __init__(self, token: str = HUBSPOT_TOKEN) -> None:
        self.token = token
        self.companies: dict[str, dict[str, Any]] = {}
        self.notes: list[Note] = []
        self.calls: list[tuple[str, str]] = []
        self.faults = Faults()
        self.search_lags = False
        self.changed = threading.Condition()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self.api_url = f"http://127.0.0.1:{self._server.server_address[1]}"

    # ---- set-up and faults --------------------------------------------------------------------

    def add_company(self, company_id: str, **properties: Any) -> None:
        self.companies[company_id] = {"hs_object_id": company_id, **properties}

    def fail(self, path: str, *statuses: int) -> None:
        """Answer the next calls whose path starts with `path` with these statuses."""
        with self.changed:
            self.faults.statuses.setdefault(path, []).extend(statuses)

    def lose_answers(self, path: str, n: int = 1) -> None:
        """Do the next `n` calls of `path`, then close the connection without answering."""
        with self.changed:
            self.faults.lost[path] = self.faults.lost.get(path, 0) + n

    def hold(self, path: str) -> threading.Event:
        """Keep the calls of `path` waiting (no answer) until the returned event is set."""
        release = threading.Event()
        with self.changed:
            self.faults.held[path] = release
        return release

    def lag_search(self) -> None:
        """Notes written from now on are not found by the search (until `index_notes`), as
        HubSpot's search index lags seconds behind a write; reads and associations see them."""
        with self.changed:
            self.search_lags = True

    def index_notes(self) -> None:
        with self.changed:
            self.search_lags = False
            for note in self.notes:
                note.indexed = True

    def heal(self) -> None:
        with self.changed:
            for release in self.faults.held.values():
                release.set()
            self.faults = Faults()

    def reset(self) -> None:
        with self.changed:
            self.heal()
            self.notes.clear()
            self.calls.clear()
            self.search_lags = False

    def notes_of(self, company_id: str) -> list[Note]:
        with self.changed:
            return [n for n in self.notes if company_id in n.companies]

    def wait_for(self, predicate: Any, timeout: float = 20.0) -> None:
        """Until `predicate()` (which may read the database) holds: re-checked after every call
        the double answers, and every 50 ms for what the server commits after its last call."""
        deadline = time.monotonic() + timeout
        with self.changed:
            while not predicate():
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError("not seen in time: " + getattr(predicate, "__doc__", ""))
                self.changed.wait(min(left, 0.05))

    # ---- serving ------------------------------------------------------------------------------

    def __enter__(self) -> HubspotDouble:
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *_: Any) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _fault(self, path: str) -> tuple[int | None, bool]:
        with self.changed:
            for prefix, statuses in self.faults.statuses.items():
                if path.startswith(prefix) and statuses:
                    return statuses.pop(0), False
            for prefix, n in self.faults.lost.items():
                if path.startswith(prefix) and n:
                    self.faults.lost[prefix] = n - 1
                    return None, True
        return None, False

    def _answer(self, method: str, path: str, query: dict[str, list[str]],
                body: Any) -> tuple[int, Any]:  # fmt: skip
        if path.startswith("/crm/v3/objects/companies/") and method == "GET":
            company_id = path.rsplit("/", 1)[1]
            found = self.companies.get(company_id)
            if found is None:
                return 404, {"status": "error", "message": "Object not found. objectId are "
                             "usually numeric.", "category": "OBJECT_NOT_FOUND"}  # fmt: skip
            return 200, self._company(company_id, query)
        if path == "/crm/v3/objects/companies" and method == "GET":
            ids = sorted(self.companies, key=int)
            limit = int(query.get("limit", ["10"])[0])
            after = query.get("after", [None])[0]
            start = ids.index(after) if after in ids else 0
            page = ids[start : start + limit]
            answer: dict[str, Any] = {"results": [self._company(i, query) for i in page]}
            if start + limit < len(ids):
                following = ids[start + limit]
                answer["paging"] = {"next": {"after": following, "link": f"?after={following}"}}
            return 200, answer
        if path == "/crm/v3/objects/notes" and method == "POST":
            companies = [
                str(a["to"]["id"])
                for a in body.get("associations", [])
                if any(t.get("associationTypeId") == 190 for t in a.get("types", []))
            ]
            props = body["properties"]
            note = Note(str(next(_ids)), props["hs_note_body"], int(props["hs_timestamp"]),
                        companies, indexed=not self.search_lags)  # fmt: skip
            self.notes.append(note)
            return 201, {"id": note.id, "properties": {"hs_note_body": note.body,
                         "hs_timestamp": str(note.timestamp)}, "archived": False}  # fmt: skip
        if path == "/crm/v3/objects/notes/search" and method == "POST":
            filters = {
                f["propertyName"]: str(f["value"])
                for g in body.get("filterGroups", [])
                for f in g.get("filters", [])
            }
            found = [n for n in self.notes if n.indexed
                     and filters.get("associations.company") in n.companies
                     and ("hs_timestamp" not in filters
                          or str(n.timestamp) == filters["hs_timestamp"])]  # fmt: skip
            return 200, {"total": len(found), "results": [
                {"id": n.id, "properties": {"hs_note_body": n.body,
                                            "hs_timestamp": str(n.timestamp)}}
                for n in found]}  # fmt: skip
        if (path.startswith("/crm/v4/objects/companies/") and path.endswith("/associations/notes")
                and method == "GET"):  # fmt: skip
            company_id = path.split("/")[5]
            ids = [n.id for n in self.notes if company_id in n.companies]
            limit = int(query.get("limit", ["500"])[0])
            start = int(query.get("after", ["0"])[0])
            answer = {"results": [{"toObjectId": int(i), "associationTypes": [
                {"category": "HUBSPOT_DEFINED", "typeId": 190, "label": None}]}
                for i in ids[start : start + limit]]}  # fmt: skip
            if start + limit < len(ids):
                answer["paging"] = {"next": {"after": str(start + limit)}}
            return 200, answer
        if path == "/crm/v3/objects/notes/batch/read" and method == "POST":
            wanted = {str(i["id"]) for i in body.get("inputs", [])}
            return 200, {"status": "COMPLETE", "results": [
                {"id": n.id, "properties": {"hs_note_body": n.body,
                                            "hs_timestamp": str(n.timestamp)}}
                for n in self.notes if n.id in wanted]}  # fmt: skip
        return 404, {"status": "error", "message": f"no route {method} {path}"}

    def _company(self, company_id: str, query: dict[str, list[str]]) -> dict[str, Any]:
        wanted = [p for p in ",".join(query.get("properties", [])).split(",") if p]
        properties = self.companies[company_id]
        return {"id": company_id, "archived": False,
                "createdAt": "2026-11-01T10:00:00.000Z", "updatedAt": "2026-11-02T10:00:00.000Z",
                "properties": {p: properties.get(p) for p in wanted} | {
                    "hs_object_id": company_id}}  # fmt: skip

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        double = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_: Any) -> None:
                pass

            def _serve(self, method: str) -> None:
                url = urlparse(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                with double.changed:
                    double.calls.append((method, url.path))
                if self.headers.get("Authorization") != f"Bearer {double.token}":
                    return self._send(401, {"status": "error", "message": "Authentication "
                                            "credentials not found.", "category":
                                            "INVALID_AUTHENTICATION"})  # fmt: skip
                with double.changed:
                    held = [e for p, e in double.faults.held.items() if url.path.startswith(p)]
                for release in held:
                    release.wait(timeout=60)
                status, lost = double._fault(url.path)
                if status is not None:
                    return self._send(status, {"status": "error", "message": f"injected {status}",
                                               "category": "INTERNAL_ERROR"})  # fmt: skip
                with double.changed:
                    code, answer = double._answer(method, url.path, parse_qs(url.query),
                                                  json.loads(raw) if raw else {})  # fmt: skip
                    double.changed.notify_all()
                if lost:
                    self.close_connection = True
                    self.connection.shutdown(2)
                    return None
                return self._send(code, answer)

            def _send(self, status: int, answer: Any) -> None:
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json;charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                self._serve("GET")

            def do_POST(self) -> None:
                self._serve("POST")

        return Handler


@contextmanager
def hubspot_double() -> Iterator[HubspotDouble]:
    with HubspotDouble() as double:
        yield double
