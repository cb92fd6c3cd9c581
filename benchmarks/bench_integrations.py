"""Benchmark: the webhook endpoints under a mixed load of Segment, Intercom and HubSpot deliveries.

Run by hand from the repository, on PostgreSQL (not part of the test suite; all on 127.0.0.1):

    . .venv/bin/activate
    BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test \\
        python benchmarks/bench_integrations.py [--rate 500] [--seconds 30] [--accounts 200]

One run creates a fresh schema in that database, `--accounts` accounts carrying a Segment group,
an Intercom company and a HubSpot company id, starts the Slack and HubSpot doubles in a child
process (so their work does not hold the load generator's GIL) and the real app (`python -m bot
serve`). It then sends `--rate` deliveries a second for `--seconds`, open loop and evenly spaced
(each handed to a sender thread at its time whatever happened to earlier ones; a fresh HTTP
connection each), cycling the providers: a Segment `track` ("Data Import Finished"), an Intercom
`ticket.created`, and a HubSpot array of 10 events (`company.propertyChange` of
numberofemployees/annualrevenue with rising `occurredAt`; every 25th array also a
`company.creation` of a new company, read from the HubSpot double after the answer). Every
delivery is signed as its provider signs; every event id is new. A delivery not answered 2xx
is sent again after the run, as the providers redeliver.

The answer only stores the events (`received`); the server's worker applies them afterwards.
So the run then waits (bounded by --settle-seconds) until the worker has drained them and
checks each was applied exactly once: one integration_event per event id, each settled
(`applied`, or `ignored` as older than a change of the same property applied first), none
received, pending or failed; one ticket per Intercom ticket; each created company's account
exists once. It prints how long the drain took after the load ended, and the worker's rate.

Printed: how closely the sender kept its schedule, answer time (send start to full answer)
median / p90 / p99 / max overall and per provider, answers that were not 2xx (and how their
redelivery went), the exactly-once checks, CPU seconds and peak RSS (VmHWM) of the server, and
the load generator's own peak RSS. Exits 0 only when p99 is under 200 ms and every event was
applied exactly once.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import http.client
import json
import multiprocessing
import os
import resource
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SIGNING_SECRET = "bench-signing-secret"
SEGMENT_SECRET = "bench-segment"
INTERCOM_SECRET = "bench-intercom"
HUBSPOT_SECRET = "bench-hubspot"
P99_TARGET_MS = 200.0
STARTUP_SECONDS = 60
CREATION_EVERY = 25  # every 25th HubSpot array also creates a company
CONFIG = """
integrations:
  segment:
    events:
      "Data Import Finished": {signal: data_import, value: 2}
  hubspot:
    properties: {annualrevenue: arr, numberofemployees: users}
"""


def from_repository() -> None:
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))


def serve_doubles(conn: Connection, companies: list[str]) -> None:
    """The child process: the Slack double and the HubSpot double (with `companies` to read)."""
    from_repository()
    from tests.integrations.hubspot_double import HubspotDouble
    from tests.slack_double import SlackDouble

    with SlackDouble() as slack, HubspotDouble() as crm:
        for company in companies:
            crm.add_company(company, name=f"Bench new company {company}", numberofemployees="10")
        conn.send({"slack_url": slack.api_url, "slack_token": slack.token,
                   "crm_url": crm.api_url, "crm_token": crm.token, "pid": os.getpid()})  # fmt: skip
        while conn.poll(1800):
            try:
                op = conn.recv()
            except EOFError:
                return
            if op == "stop":
                conn.send(len(crm.calls))
                return


@dataclass
class Delivery:
    provider: str
    path: str
    body: bytes
    ids: list[str]  # the event ids it carries
    headers: dict[str, str]
    at: float = 0.0  # scheduled offset from the start, seconds
    started: float = 0.0
    latency_ms: float = 0.0
    lag_ms: float = 0.0  # how late its sender thread started it, behind the schedule
    status: int = 0


def hmac_sha1(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha1).hexdigest()


def hubspot_headers(url: str, body: bytes) -> dict[str, str]:
    stamp = str(int(time.time() * 1000))
    source = b"POST" + url.encode() + body + stamp.encode()
    digest = hmac.new(HUBSPOT_SECRET.encode(), source, hashlib.sha256).digest()
    return {"X-HubSpot-Signature-v3": base64.b64encode(digest).decode(),
            "X-HubSpot-Request-Timestamp": stamp}  # fmt: skip


def plan(rate: int, seconds: int, accounts: int) -> tuple[list[Delivery], list[str]]:
    """The deliveries in order, and the companies the HubSpot creations name."""
    total = rate * seconds
    now = datetime.now(UTC)
    run = uuid.uuid4().hex[:8]
    deliveries: list[Delivery] = []
    creations: list[str] = []
    for n in range(total):
        account = n % accounts
        kind = ("segment", "intercom", "hubspot")[n % 3]
        if kind == "segment":
            event_id = f"{run}-seg-{n}"
            body = json.dumps({"type": "track", "event": "Data Import Finished",
                               "messageId": event_id, "userId": "u1",
                               "timestamp": now.isoformat().replace("+00:00", "Z"),
                               "context": {"groupId": f"grp_{account}"},
                               "properties": {}}).encode()  # fmt: skip
            delivery = Delivery(kind, "/integrations/segment", body, [event_id],
                                {"X-Signature": hmac_sha1(SEGMENT_SECRET, body)})  # fmt: skip
        elif kind == "intercom":
            event_id = f"{run}-ic-{n}"
            body = json.dumps({"type": "notification_event", "id": event_id,
                               "topic": "ticket.created", "created_at": int(now.timestamp()),
                               "data": {"type": "notification_event_data", "item": {
                                   "type": "ticket", "id": f"{run}-tk-{n}",
                                   "company_id": f"ic_{account}",
                                   "created_at": int(now.timestamp())}}}).encode()  # fmt: skip
            signature = f"sha1={hmac_sha1(INTERCOM_SECRET, body)}"
            delivery = Delivery(kind, "/integrations/intercom", body, [event_id],
                                {"X-Hub-Signature": signature})  # fmt: skip
        else:
            events = []
            for k in range(10):
                occurred = int((now + timedelta(milliseconds=n * 10 + k)).timestamp() * 1000)
                name = ("numberofemployees", "annualrevenue")[k % 2]
                events.append({"eventId": f"{run}{n:06}{k}", "subscriptionId": 1,
                               "portalId": 1, "appId": 1, "occurredAt": occurred,
                               "subscriptionType": "company.propertyChange",
                               "attemptNumber": 0, "objectId": 900000 + account,
                               "propertyName": name, "propertyValue": str(100 + n + k),
                               "changeSource": "CRM_UI"})  # fmt: skip
            if (n // 3) % CREATION_EVERY == 0:
                company = str(800000 + n)
                creations.append(company)
                events[-1] = {**events[-1], "subscriptionType": "company.creation",
                              "objectId": int(company)}  # fmt: skip
                events[-1].pop("propertyName")
                events[-1].pop("propertyValue")
            body = json.dumps(events).encode()
            delivery = Delivery(kind, "/integrations/hubspot", body,
                                [str(e["eventId"]) for e in events], {})  # fmt: skip
        delivery.at = n / rate
        deliveries.append(delivery)
    return deliveries, creations


def send(port: int, delivery: Delivery, timeout: float) -> None:
    if delivery.provider == "hubspot":  # signed just before sending: the window is 5 minutes
        delivery.headers = hubspot_headers(f"http://127.0.0.1:{port}{delivery.path}",
                                           delivery.body)  # fmt: skip
    delivery.started = time.perf_counter()
    try:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        headers = {"Content-Type": "application/json", **delivery.headers}
        connection.request("POST", delivery.path, body=delivery.body, headers=headers)
        answer = connection.getresponse()
        answer.read()
        delivery.status = answer.status
        connection.close()
    except OSError:
        delivery.status = -1
    delivery.latency_ms = (time.perf_counter() - delivery.started) * 1000


def redeliver(port: int, delivery: Delivery, timeout: float, until: float) -> None:
    if time.monotonic() < until:
        send(port, delivery, timeout)


def drive(port: int, deliveries: list[Delivery], timeout: float) -> float:
    """Send each delivery at its time; the worst lag of the scheduler behind it, in ms. A
    delivery's own `lag_ms` is how late a sender thread was free to start it."""
    lag = 0.0
    with ThreadPoolExecutor(max_workers=256) as pool:
        start = time.perf_counter()

        def timed(delivery: Delivery) -> None:
            delivery.lag_ms = (time.perf_counter() - start - delivery.at) * 1000
            send(port, delivery, timeout)

        for delivery in deliveries:
            wait = start + delivery.at - time.perf_counter()
            if wait > 0:
                time.sleep(wait)
            lag = max(lag, (time.perf_counter() - start - delivery.at) * 1000)
            pool.submit(timed, delivery)
    return lag


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def proc_status(pid: int, name: str) -> str:
    with suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(f"{name}:"):
                return line.split(":", 1)[1].strip()
    return "n/a"


def cpu_seconds(pid: int) -> float:
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until_healthy(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("rescuebot serve exited:\n" + log.read_text()[-3000:])
        health = f"http://127.0.0.1:{port}/healthz"
        with suppress(OSError), urllib.request.urlopen(health, timeout=1) as answer:
            if json.load(answer)["status"] == "ok":
                return
        time.sleep(0.1)
    raise RuntimeError("rescuebot serve did not become healthy")


def settle(engine: Any, expected: int, deadline: float) -> dict[str, int]:
    """Events by state once every expected one is stored and none waits to be applied
    (`received`) or for its CRM read (`pending`); bounded by `deadline`."""
    from sqlmodel import Session, func, select

    from bot.store.tables import IntegrationEvent

    while True:
        with Session(engine) as session:
            states = dict(session.exec(
                select(IntegrationEvent.state, func.count()).group_by(IntegrationEvent.state)
            ).all())  # fmt: skip
        drained = not states.get("received") and not states.get("pending")
        if (sum(states.values()) >= expected and drained) or time.monotonic() > deadline:
            return states
        time.sleep(0.5)


def report_answers(deliveries: list[Delivery], lag: float, args: Any, load: Any) -> float:
    """The answer-time figures of the load itself (printed before redelivery and settling, so a
    run cut short still says them); returns p99."""
    latencies = [d.latency_ms for d in deliveries]
    by_provider = {p: [d.latency_ms for d in deliveries if d.provider == p]
                   for p in ("segment", "intercom", "hubspot")}  # fmt: skip
    expected = sum(len(d.ids) for d in deliveries)
    p99 = percentile(latencies, 99)
    print(f"load average at start: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} "
          f"({os.cpu_count()} cores; other people's work shares them)")  # fmt: skip
    print(f"{len(deliveries)} deliveries ({expected} events) at {args.rate}/s for "
          f"{args.seconds} s; worst sender lag {lag:.0f} ms")  # fmt: skip
    lags = [d.lag_ms for d in deliveries]
    print(
        f"sender start behind schedule ms: median {percentile(lags, 50):.0f}  p99 "
        f"{percentile(lags, 99):.0f} (open loop: past 256 threads busy, requests queue here)"
    )
    print(f"answer time ms: median {percentile(latencies, 50):.1f}  p90 "
          f"{percentile(latencies, 90):.1f}  p99 {p99:.1f}  max {max(latencies):.1f}")  # fmt: skip
    for provider, values in by_provider.items():
        print(f"  {provider:9} n={len(values):5}  median {percentile(values, 50):.1f}  "
              f"p99 {percentile(values, 99):.1f}  max {max(values):.1f}")  # fmt: skip
    answered = Counter(d.status for d in deliveries)
    print(f"answers: {dict(sorted(answered.items()))} (-1: no answer within --timeout)")
    sys.stdout.flush()
    return p99


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--rate", type=int, default=500)
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--accounts", type=int, default=200)
    parser.add_argument("--timeout", type=float, default=5.0, help="seconds, as a provider")
    parser.add_argument("--redeliver-seconds", type=float, default=300.0)
    parser.add_argument("--settle-seconds", type=float, default=1800.0,
                        help="how long to wait for the worker to apply every event")  # fmt: skip
    args = parser.parse_args()
    base = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL")
    if not base or not base.startswith("postgresql"):
        print("set BENCH_DATABASE_URL to a PostgreSQL URL (the benchmark is for PostgreSQL)")
        return 2
    from_repository()
    from sqlalchemy import text
    from sqlalchemy.engine import make_url
    from sqlmodel import Session, func, select

    from bot.store.db import make_engine, upgrade
    from bot.store.tables import Account, IntegrationEvent, Reading, Ticket

    schema = f"bench_{uuid.uuid4().hex[:12]}"
    admin = make_engine(base)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
    database_url = url.render_as_string(hide_password=False)
    engine = make_engine(database_url)
    directory = Path(tempfile.mkdtemp(prefix="bench-integrations-"))
    parent, child = multiprocessing.Pipe()
    doubles = None
    try:
        upgrade(engine)
        with Session(engine) as session:
            for n in range(args.accounts):
                session.add(Account(key=f"bench-{n}", name=f"Bench {n}", segment="mid",
                                    users=100 + n, segment_group_id=f"grp_{n}",
                                    intercom_company_id=f"ic_{n}",
                                    hubspot_id=str(900000 + n)))  # fmt: skip
            session.commit()
        port = free_port()
        deliveries, creations = plan(args.rate, args.seconds, args.accounts)
        doubles = multiprocessing.Process(target=serve_doubles, args=(child, creations))
        doubles.start()
        urls = parent.recv()
        config = directory / "rescuebot.yml"
        config.write_text(CONFIG, encoding="utf-8")
        env = {**os.environ, "DATABASE_URL": database_url, "SLACK_API_URL": urls["slack_url"],
               "SLACK_BOT_TOKEN": urls["slack_token"], "SLACK_SIGNING_SECRET": SIGNING_SECRET,
               "SEGMENT_SHARED_SECRET": SEGMENT_SECRET, "INTERCOM_CLIENT_SECRET": INTERCOM_SECRET,
               "HUBSPOT_CLIENT_SECRET": HUBSPOT_SECRET, "HUBSPOT_TOKEN": urls["crm_token"],
               "HUBSPOT_API_URL": urls["crm_url"], "RESCUEBOT_CONFIG": str(config),
               "LOG_LEVEL": "WARNING"}  # fmt: skip
        log = directory / "serve.log"
        with log.open("wb") as stderr:
            server = subprocess.Popen(
                [sys.executable, "-m", "bot", "serve", "--host", "127.0.0.1", "--port", str(port)],
                env=env, cwd=directory, stdout=subprocess.DEVNULL, stderr=stderr,
            )  # fmt: skip
            try:
                wait_until_healthy(port, server, log)
                cpu_before = cpu_seconds(server.pid)
                load = os.getloadavg()
                lag = drive(port, deliveries, args.timeout)
                load_ended = time.monotonic()
                cpu_used = cpu_seconds(server.pid) - cpu_before
                p99 = report_answers(deliveries, lag, args, load)
                retried = [d for d in deliveries if not 200 <= d.status < 300]
                first_statuses = Counter(d.status for d in retried)
                # As the providers redeliver what was not answered 2xx: a few passes, each
                # concurrent, the whole bounded by --redeliver-seconds.
                until = time.monotonic() + args.redeliver_seconds
                for _ in range(3):
                    again = [d for d in retried if not 200 <= d.status < 300]
                    if not again or time.monotonic() > until:
                        break
                    with ThreadPoolExecutor(max_workers=64) as pool:
                        for delivery in again:
                            pool.submit(redeliver, port, delivery, args.timeout, until)
                expected = sum(len(d.ids) for d in deliveries)
                states = settle(engine, expected, load_ended + args.settle_seconds)
                drain_seconds = time.monotonic() - load_ended
                drain_cpu = cpu_seconds(server.pid) - cpu_before - cpu_used
                peak_rss = proc_status(server.pid, "VmHWM")
                after_load = os.getloadavg()
            finally:
                server.terminate()
                try:
                    server.wait(timeout=30)
                except subprocess.TimeoutExpired:  # still working through a backlog
                    server.kill()
                    server.wait(timeout=30)
        with Session(engine) as session:
            stored = session.exec(select(func.count()).select_from(IntegrationEvent)).one()
            both = IntegrationEvent.provider + IntegrationEvent.event_id
            distinct = session.exec(select(func.count(func.distinct(both)))).one()
            segment_readings = session.exec(
                select(func.count()).select_from(Reading).where(Reading.source == "segment")
            ).one()  # fmt: skip
            tickets = session.exec(select(func.count()).select_from(Ticket)).one()
            created = session.exec(
                select(func.count()).select_from(Account)
                .where(Account.name.startswith("Bench new company"))  # type: ignore[union-attr]
            ).one()  # fmt: skip
        parent.send("stop")
        crm_calls = parent.recv()
    finally:
        with suppress(Exception):
            engine.dispose()
            with admin.begin() as connection:
                connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()
        if doubles is not None:
            doubles.join(timeout=10)

    n_segment = sum(1 for d in deliveries if d.provider == "segment")
    n_intercom = sum(1 for d in deliveries if d.provider == "intercom")
    expected = sum(len(d.ids) for d in deliveries)
    print(f"not 2xx at first: {sum(first_statuses.values())} {dict(first_statuses)}; "
          f"after redelivery still not 2xx: "
          f"{sum(1 for d in deliveries if not 200 <= d.status < 300)}")  # fmt: skip
    print(f"events stored {stored} (distinct {distinct}) of {expected}; by state {states}")
    # A Segment event repeating the value in force adds no reading: at most one each.
    print(f"segment readings {segment_readings} (at most {n_segment}); tickets {tickets} of "
          f"{n_intercom}; companies created {created} of {len(creations)}; "
          f"HubSpot double calls {crm_calls}")  # fmt: skip
    own_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"server CPU {cpu_used:.1f} s during the load; server peak RSS {peak_rss}; "
          f"load generator peak RSS {own_rss} kB")  # fmt: skip
    waiting = states.get("received", 0) + states.get("pending", 0)
    print(f"worker drain: {'done' if not waiting else f'NOT done, {waiting} still waiting'} "
          f"{drain_seconds:.0f} s after the load ended (redelivery included), server CPU "
          f"{drain_cpu:.1f} s meanwhile; {expected - waiting} events settled, "
          f"{(expected - waiting) / max(args.seconds + drain_seconds, 1):.0f}/s over the run; "
          "load average then " + " ".join(f"{n:.2f}" for n in after_load))  # fmt: skip
    # Settled once each: applied, or ignored because a later change of the same property was
    # applied first; never received, pending, failed or twice.
    settled = states.get("applied", 0) + states.get("ignored", 0)
    once = (stored == distinct == expected and settled == expected
            and tickets == n_intercom
            and created == len(creations))  # fmt: skip
    fast = p99 < P99_TARGET_MS
    print(f"every event applied exactly once: {'yes' if once else 'NO'}; "
          f"p99 under {P99_TARGET_MS:.0f} ms: {'yes' if fast else 'NO'}")  # fmt: skip
    return 0 if once and p99 < P99_TARGET_MS else 1


if __name__ == "__main__":
    raise SystemExit(main())
