"""A small client for the CRM v3 calls rescuebot makes, with the documented JSON over httpx
(`hubspot-api-client`'s generated clients each carry their own exception classes and retry by
themselves through urllib3; the courier and the job own retries, so plain calls are simpler to
classify).

Every call has connect and read timeouts. A failure is a `HubspotError` saying whether it is
worth retrying (`transient`), whether HubSpot may have done it anyway (`maybe_done`: a timeout
after the request went out, a dropped connection, a 5xx) and, for a 429, how long to wait.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx

NOTE_TO_COMPANY = 190  # HubSpot-defined association type: note → company
# How far a company's notes are looked through for a marker: pages of associated note ids,
# whose notes are read 100 at a time (HubSpot's most per batch read).
ASSOCIATION_PAGES, ASSOCIATIONS_PER_PAGE, READ_BATCH = 10, 500, 100
TIMEOUT = httpx.Timeout(5.0, connect=3.0)


class HubspotError(Exception):
    """A call that did not succeed, and what that means for trying again."""

    def __init__(
        self, message: str, *, status: int | None = None, transient: bool = True,
        maybe_done: bool = False, retry_after: float | None = None,
    ) -> None:  # fmt: skip
        super().__init__(message)
        self.status = status
        self.transient = transient
        self.maybe_done = maybe_done
        self.retry_after = retry_after


@dataclass(frozen=True)
class Company:
    id: str
    properties: dict[str, Any]


class Hubspot:
    """CRM v3 calls with a private app's token, against `base_url` (HubSpot's, or a double)."""

    def __init__(
        self, token: str, base_url: str = "https://api.hubapi.com", *,
        timeout: httpx.Timeout = TIMEOUT, transport: httpx.BaseTransport | None = None,
    ) -> None:  # fmt: skip
        self._http = httpx.Client(
            base_url=base_url.rstrip("/"), timeout=timeout, transport=transport,
            headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
        )  # fmt: skip

    def close(self) -> None:
        self._http.close()

    # ---- companies ----------------------------------------------------------------------------

    def company(self, company_id: str, properties: list[str]) -> Company:
        """`GET /crm/v3/objects/companies/{id}?properties=…`."""
        found = self._call(
            "GET", f"/crm/v3/objects/companies/{company_id}",
            params={"properties": ",".join(properties)},
        )  # fmt: skip
        return Company(str(found["id"]), dict(found.get("properties") or {}))

    def companies(
        self, properties: list[str], *, after: str | None = None, limit: int = 100
    ) -> tuple[list[Company], str | None]:
        """One page of `GET /crm/v3/objects/companies`, and the `after` of the next (None at
        the end)."""
        params: dict[str, Any] = {"limit": limit, "properties": ",".join(properties)}
        if after is not None:
            params["after"] = after
        page = self._call("GET", "/crm/v3/objects/companies", params=params)
        companies = [
            Company(str(c["id"]), dict(c.get("properties") or {})) for c in page.get("results", [])
        ]
        following = ((page.get("paging") or {}).get("next") or {}).get("after")
        return companies, str(following) if following else None

    def all_companies(self, properties: list[str]) -> Iterator[Company]:
        after: str | None = None
        while True:
            page, after = self.companies(properties, after=after)
            yield from page
            if after is None:
                return

    # ---- notes --------------------------------------------------------------------------------

    def create_note(self, company_id: str, body: str, at: datetime) -> str:
        """`POST /crm/v3/objects/notes`, associated with the company; the note's id."""
        created = self._call("POST", "/crm/v3/objects/notes", json={
            "properties": {"hs_timestamp": _ms(at), "hs_note_body": body},
            "associations": [{
                "to": {"id": company_id},
                "types": [{"associationCategory": "HUBSPOT_DEFINED",
                           "associationTypeId": NOTE_TO_COMPANY}],
            }],
        })  # fmt: skip
        return str(created["id"])

    def find_note(self, company_id: str, marker: str) -> str | None:
        """The id of the company's note whose body holds `marker`, if any: the notes
        associated with the company (`GET /crm/v4/objects/companies/{id}/associations/notes`)
        read in batches (`POST /crm/v3/objects/notes/batch/read`). Not HubSpot's search: its
        index lags seconds behind a note just written, and a note it misses is written twice."""
        for ids in self._note_ids(company_id):
            for start in range(0, len(ids), READ_BATCH):
                page = self._call("POST", "/crm/v3/objects/notes/batch/read", json={
                    "properties": ["hs_note_body"],
                    "inputs": [{"id": id_} for id_ in ids[start : start + READ_BATCH]],
                })  # fmt: skip
                for note in page.get("results", []):
                    if marker in str((note.get("properties") or {}).get("hs_note_body") or ""):
                        return str(note["id"])
        return None

    def _note_ids(self, company_id: str) -> Iterator[list[str]]:
        """The ids of the company's notes, a page at a time (ASSOCIATION_PAGES at most)."""
        after: str | None = None
        for _ in range(ASSOCIATION_PAGES):
            params: dict[str, Any] = {"limit": ASSOCIATIONS_PER_PAGE}
            if after is not None:
                params["after"] = after
            page = self._call(
                "GET", f"/crm/v4/objects/companies/{company_id}/associations/notes", params=params
            )
            yield [str(r["toObjectId"]) for r in page.get("results", [])]
            after = ((page.get("paging") or {}).get("next") or {}).get("after")
            if not after:
                return

    # ---- one call -----------------------------------------------------------------------------

    def _call(
        self, method: str, path: str, *, params: dict[str, Any] | None = None,
        json: dict[str, Any] | None = None,
    ) -> dict[str, Any]:  # fmt: skip
        try:
            response = self._http.request(method, path, params=params, json=json)
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
            raise HubspotError(f"cannot reach HubSpot: {exc}") from exc  # certainly not sent
        except httpx.HTTPError as exc:
            raise HubspotError(
                f"no answer from HubSpot: {type(exc).__name__}: {exc}", maybe_done=True
            ) from exc
        status = response.status_code
        if status < 300:
            try:
                answer = response.json()
            except ValueError as exc:
                raise HubspotError("HubSpot answered with no JSON", maybe_done=True) from exc
            return answer if isinstance(answer, dict) else {}
        message = _message(response)
        if status == 429:
            raise HubspotError(message, status=status, retry_after=_retry_after(response))
        if status >= 500:
            raise HubspotError(message, status=status, maybe_done=True)
        raise HubspotError(message, status=status, transient=False)


def _ms(at: datetime) -> int:
    return int(at.timestamp() * 1000)


def _message(response: httpx.Response) -> str:
    try:
        detail = response.json().get("message")
    except (ValueError, AttributeError):
        detail = None
    return f"HubSpot HTTP {response.status_code}" + (f": {detail}" if detail else "")


def _retry_after(response: httpx.Response) -> float:
    # HubSpot's 429s name their window (per second / per 10 seconds) rather than a Retry-After.
    try:
        return max(1.0, float(response.headers.get("Retry-After", "")))
    except ValueError:
        return 10.0 if "TEN_SECONDLY" in response.text else 1.0
