"""Benchmark: how fast the Slack app acks `/signal` and scorecard select clicks under load.

Run by hand from the repository (not part of the test suite; everything stays on 127.0.0.1):

    . .venv/bin/activate
    python benchmarks/bench_ack.py [--rate 50] [--seconds 30] [--accounts 8] [--warmup 20]
                                   [--timeout 10] [--workers N]

One run starts the Slack double (tests/slack_double, in a child process so its work does not
hold the load generator's GIL), the real app (`python -m bot serve`, on a fresh SQLite database
in a temporary directory with `--accounts` imported accounts, all with one CSM) and a bare
ack-only Bolt app (`benchmarks/bare_app.py`: the same `bot.slack.http.create_web_app` under uvicorn,
listeners that only `ack()`), so the difference is what our listeners cost. It drives the bare
app, then the real app, with the same open-loop, evenly spaced load: `--rate` requests per
second for `--seconds`, alternating correctly signed `/signal` commands and
`scorecard.signal_select` clicks. Each request is handed to a sender thread at its scheduled
time whatever happened to earlier ones (enough threads for every request to wait `--timeout`);
each opens a fresh stdlib HTTP connection. Latency is from the start of sending (TCP connect
included) to the full HTTP response; bodies are built beforehand and signed just before
sending, outside the timed span. Everything shares this machine's cores, the double included.

Every request is a distinct (account, signal, value, author) rating, so the real app records a
reading for each instead of recognising a repeat; values cycle 0, 1, 2. The select clicks carry
the real scorecard blocks, fetched with `/scorecard` at setup. A short closed-loop warm-up
(`--warmup` requests) precedes each measured run and is left out of the figures. After the
real app's run the benchmark waits (bounded) until its post-ack work has stopped calling the
double, so the database count is final.

Printed: for each app, how closely the sender kept its schedule, p50/p99 per 5 s of schedule
(a queue building up shows here), CPU used by the server, the double and the load generator;
then for each app, kind and overall, count, p50/p90/p99/max in ms, failures (anything but HTTP
200) and how many took over Slack's 3 s deadline; the real/bare ratios of p50 and p99; whether
issue 11's targets are met (real p99 under 100 ms and within 1.2× of the bare app's, and the
server's CPU per request, post-ack work included, within 4.9× of the bare app's); the readings in
the real app's database; what the double received; peak RSS (VmHWM) of each process; and the
servers' log lines. Exits 0 only when nothing failed and the targets are met.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import hmac
import http.client
import json
import math
import multiprocessing
import os
import secrets
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import Counter
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SECRET = "bench-signing-secret"
CHANNEL = "C0GENERAL"
CSM = "U0USER"
EVENTS_PATH = "/slack/events"
FORM = "application/x-www-form-urlencoded"
SELECT = "scorecard.signal_select"
KINDS = ("signal", "select")
VALUES = (0, 1, 2)
STARTUP_SECONDS = 90  # a loaded machine can take a minute to import and start the app
DRAIN_SECONDS = 120
P99_TARGET_MS = 100.0
SLACK_DEADLINE_MS = 3000.0
WINDOW_SECONDS = 5.0
BARE_RATIO_TARGET = 1.2
CPU_RATIO_TARGET = 4.9
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


# ---- the Slack double, in its own process ---------------------------------------------------


def from_repository() -> None:
    """Make `tests.slack_double` importable (the package installs only `bot` and `scoring`)."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))


def serve_double(conn: Connection) -> None:
    """The child process: run a SlackDouble and answer the parent's requests over `conn`.

    Requests are tuples: ("add_users", ids), ("response_urls", [(user, message_ts)]),
    ("responses", start), ("summary",), ("stop",). Ends on "stop", on a closed pipe, or after
    ten idle minutes.
    """
    from_repository()
    from tests.slack_double import SlackDouble

    with SlackDouble() as double:
        conn.send({"api_url": double.api_url, "token": double.token, "pid": os.getpid()})
        while conn.poll(600):
            try:
                op, *args = conn.recv()
            except EOFError:
                return
            if op == "stop":
                conn.send(None)
                return
            if op == "add_users":
                for user_id in args[0]:
                    double.add_user(user_id, user_id.lower(), real_name=f"Bench {user_id}")
                conn.send(None)
            elif op == "response_urls":
                conn.send(
                    [
                        double.new_response_url(channel=CHANNEL, user=user, message_ts=ts)
                        for user, ts in args[0]
                    ]
                )
            elif op == "responses":
                conn.send([(r.status, r.body) for r in double.responses[args[0] :]])
            elif op == "summary":
                conn.send(double_summary(double))


def double_summary(double: Any) -> dict[str, Any]:
    answers: Counter[str] = Counter()
    for response in double.responses:
        text = str(response.body.get("text") or "")
        if response.status != 200:
            answers[f"refused ({response.error})"] += 1
        elif text.startswith(":x:"):
            answers["error answer (:x:)"] += 1
        elif text.startswith(":warning:"):
            answers["refusal answer (:warning:)"] += 1
        elif "already recorded" in text:
            answers["already recorded"] += 1
        else:
            answers["ok"] += 1
    return {
        "responses": len(double.responses),
        "calls_total": len(double.calls) + len(double.failed_calls),
        "last_call_at": max((c.at for c in [*double.calls, *double.failed_calls]), default=0.0),
        "answers": dict(answers),
        "calls": dict(Counter(c.method for c in double.calls)),
        "failed_calls": dict(
            Counter(f"{c.method} {c.status} {c.response.get('error')}" for c in double.failed_calls)
        ),
        "errors": dict(
            Counter(
                f"{c.method}: {c.response.get('error')}"
                for c in double.calls
                if isinstance(c.response, dict) and c.response.get("ok") is False
            )
        ),
        "violations": len(double.violations),
    }


class DoubleProcess:
    """The parent's handle on the double's process."""

    def __init__(self) -> None:
        context = multiprocessing.get_context("spawn")
        self.conn, child = context.Pipe()
        self.process = context.Process(target=serve_double, args=(child,), daemon=True)
        self.process.start()
        child.close()
        if not self.conn.poll(STARTUP_SECONDS):
            raise RuntimeError("the Slack double did not start")
        started = self.conn.recv()
        self.api_url: str = started["api_url"]
        self.token: str = started["token"]
        self.pid: int = started["pid"]
        self.lock = threading.Lock()

    def ask(self, *request: Any) -> Any:
        with self.lock:
            self.conn.send(request)
            if not self.conn.poll(60):
                raise RuntimeError(f"the Slack double did not answer {request[0]}")
            return self.conn.recv()

    def response_count(self) -> int:
        return int(self.ask("summary")["responses"])

    def wait_until_quiet(self, responses: int, timeout: float, quiet: float = 1.0) -> bool:
        """Wait for `responses` response_url posts, then for no new call for `quiet` s."""
        deadline = time.monotonic() + timeout
        if not self.wait_for_responses(responses, timeout):
            return False
        calls, since = -1, time.monotonic()
        while time.monotonic() < deadline:
            now_calls = self.ask("summary")["calls_total"]
            if now_calls != calls:
                calls, since = now_calls, time.monotonic()
            elif time.monotonic() - since >= quiet:
                return True
            time.sleep(0.1)
        return False

    def wait_for_responses(self, count: int, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.response_count() >= count:
                return True
            time.sleep(0.1)
        return self.response_count() >= count

    def close(self) -> None:
        with suppress(Exception):
            self.ask("stop")
        self.process.join(5)
        if self.process.is_alive():
            self.process.terminate()
            self.process.join(5)


# ---- requests --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Prepared:
    """One request, built ahead: its kind and its form body (signed only when sent)."""

    kind: str
    body: bytes


@dataclass
class Result:
    kind: str
    due: float
    started: float = 0.0
    finished: float = 0.0
    status: int | None = None
    error: str | None = None

    @property
    def latency_ms(self) -> float:
        return (self.finished - self.started) * 1000

    @property
    def lag_ms(self) -> float:
        return (self.started - self.due) * 1000


def request_builder() -> Any:
    """SlackRequests, made to hand back the body it would send instead of sending it."""
    from_repository()
    from tests.slack_double import SlackRequests

    class Builder(SlackRequests):
        def send(self, body: str, content_type: str, **options: Any) -> Any:
            assert content_type == FORM, content_type
            return body.encode()

    return Builder("http://127.0.0.1/unused", signing_secret=SECRET)


def slack_headers(body: bytes) -> dict[str, str]:
    """Slack's headers, with a v0 signature made now (Bolt refuses timestamps over 5 min old)."""
    timestamp = str(int(time.time()))
    base = b"v0:" + timestamp.encode() + b":" + body
    digest = hmac.new(SECRET.encode(), base, hashlib.sha256).hexdigest()
    return {
        "Content-Type": FORM,
        "User-Agent": "Slackbot 1.0 (+https://api.slack.com/robots)",
        "Accept": "*/*",
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": f"v0={digest}",
    }


def trigger_id() -> str:
    return f"{int(time.time())}.{secrets.randbelow(10**9)}.{secrets.token_hex(16)}"


def send(port: int, prepared: Prepared, result: Result, timeout: float) -> Result:
    """POST one request on a fresh connection; fills `result` (never raises)."""
    headers = slack_headers(prepared.body)
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    result.started = time.monotonic()
    try:
        connection.request("POST", EVENTS_PATH, prepared.body, headers)
        answer = connection.getresponse()
        answer.read()
        result.status = answer.status
    except (OSError, http.client.HTTPException) as exc:
        result.error = type(exc).__name__
    finally:
        result.finished = time.monotonic()
        connection.close()
    return result


def build_plan(
    builder: Any,
    double: DoubleProcess,
    accounts: Sequence[str],
    signals: Sequence[str],
    scorecards: dict[str, list[dict[str, Any]]],
    count: int,
) -> list[Prepared]:
    """`count` requests alternating /signal and select, each a distinct rating.

    Request j of a kind rates value j % 3 on account (j // 3) % A, signal (j // 3A) % S, by
    author j // 3AS (each kind has its own authors): consecutive requests spread over the
    accounts and the values, and no two are the same (account, signal, value, author).
    """
    per_author = len(VALUES) * len(accounts) * len(signals)
    per_kind = math.ceil(count / len(KINDS))
    authors = {
        kind: [f"U0B{kind[:2].upper()}{n:04d}" for n in range(math.ceil(per_kind / per_author))]
        for kind in KINDS
    }
    double.ask("add_users", [user for users in authors.values() for user in users])
    ratings = []
    for i in range(count):
        kind, j = KINDS[i % len(KINDS)], i // len(KINDS)
        value = VALUES[j % len(VALUES)]
        account = accounts[(j // len(VALUES)) % len(accounts)]
        signal = signals[(j // (len(VALUES) * len(accounts))) % len(signals)]
        ratings.append((kind, account, signal, value, authors[kind][j // per_author]))
    message_ts = {key: f"1700000000.{n:06d}" for n, key in enumerate(accounts, start=1)}
    urls = double.ask(
        "response_urls",
        [(user, None if kind == "signal" else message_ts[account])
         for kind, account, _, _, user in ratings],
    )  # fmt: skip
    plan = []
    for (kind, account, signal, value, user), url in zip(ratings, urls, strict=True):
        if kind == "signal":
            body = builder.command(
                "/signal", f"{account} {signal} {value}", user_id=user, channel_id=CHANNEL,
                response_url=url, trigger_id=trigger_id(),
            )  # fmt: skip
        else:
            body = builder.block_action(
                SELECT, block_id=f"signal|{account}|{signal}", selected_option=str(value),
                message={"type": "message", "ts": message_ts[account], "text": "",
                         "user": "U0BOT", "blocks": scorecards[account]},
                user_id=user, channel_id=CHANNEL, response_url=url, trigger_id=trigger_id(),
            )  # fmt: skip
        plan.append(Prepared(kind, body))
    return plan


# ---- load ------------------------------------------------------------------------------------


def warm_up(port: int, plan: Sequence[Prepared], timeout: float) -> list[Result]:
    """Closed loop, one at a time: loads code paths and caches before timing anything."""
    return [send(port, p, Result(p.kind, time.monotonic()), timeout) for p in plan]


def drive(
    port: int, plan: Sequence[Prepared], rate: float, workers: int, timeout: float
) -> list[Result]:
    """Open loop: request i is handed to a worker at start + i / rate, whatever came before."""
    results = [Result(p.kind, 0.0) for p in plan]
    start = time.monotonic() + 0.2
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="bench") as pool:
        for i, (prepared, result) in enumerate(zip(plan, results, strict=True)):
            result.due = start + i / rate
            delay = result.due - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            pool.submit(send, port, prepared, result, timeout)
    return results


# ---- processes -------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until_healthy(port: int, process: subprocess.Popen[bytes], name: str) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited with {process.returncode} at startup")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as answer:
                if json.load(answer)["status"] == "ok":
                    return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"{name} did not become healthy in {STARTUP_SECONDS} s")


@contextmanager
def server(
    name: str, command: list[str], env: dict[str, str], directory: Path
) -> Iterator[tuple[int, subprocess.Popen[bytes]]]:
    port = free_port()
    log = directory / f"{name}.log"
    with log.open("wb") as stderr:
        process = subprocess.Popen(
            [*command, "--host", "127.0.0.1", "--port", str(port)],
            env=env, cwd=directory, stdout=subprocess.DEVNULL, stderr=stderr,
        )  # fmt: skip
        try:
            try:
                wait_until_healthy(port, process, name)
            except RuntimeError as exc:
                tail = log.read_text(errors="replace").strip().splitlines()[-20:]
                raise RuntimeError(f"{exc}; its log ends:\n" + "\n".join(tail)) from None
            yield port, process
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


def proc_status(pid: int, field_name: str) -> str:
    with suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(f"{field_name}:"):
                return line.split(":", 1)[1].strip()
    return "n/a"


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of the process (all its threads) so far."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def log_lines(path: Path) -> Counter[str]:
    """The server's log lines by level and message (JSON lines; anything else as it is)."""
    lines: Counter[str] = Counter()
    for line in path.read_text(errors="replace").splitlines():
        try:
            entry = json.loads(line)
            lines[f"{entry['level']}: {entry['message'][:160]}"] += 1
        except (ValueError, KeyError, TypeError):
            lines[line[:160]] += 1
    return lines


# ---- figures ---------------------------------------------------------------------------------


def percentile(sorted_values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile of already sorted values."""
    if not sorted_values:
        return math.nan
    return sorted_values[max(0, math.ceil(p / 100 * len(sorted_values)) - 1)]


@dataclass
class Figures:
    count: int
    failures: int
    late: int
    p50: float
    p90: float
    p99: float
    max: float
    why: Counter[str] = field(default_factory=Counter)

    @classmethod
    def of(cls, results: Sequence[Result]) -> Figures:
        latencies = sorted(r.latency_ms for r in results)
        failed = [r for r in results if r.status != 200]
        return cls(
            count=len(results), failures=len(failed),
            late=sum(r.status != 200 or r.latency_ms > SLACK_DEADLINE_MS for r in results),
            p50=percentile(latencies, 50), p90=percentile(latencies, 90),
            p99=percentile(latencies, 99), max=latencies[-1] if latencies else math.nan,
            why=Counter(r.error or f"HTTP {r.status}" for r in failed),
        )  # fmt: skip


def figures_by_kind(results: Sequence[Result]) -> dict[str, Figures]:
    table = {kind: Figures.of([r for r in results if r.kind == kind]) for kind in KINDS}
    table["all"] = Figures.of(results)
    return table


@dataclass
class Run:
    """One app's measured run: the results and what it cost the machine."""

    name: str
    results: list[Result]
    cpu: dict[str, float]
    drain: str = ""

    @property
    def table(self) -> dict[str, Figures]:
        return figures_by_kind(self.results)

    def timeline(self) -> str:
        """p50/p99 of the requests due in each window: shows a queue building up."""
        first = min(r.due for r in self.results)
        windows: dict[int, list[float]] = {}
        for r in self.results:
            windows.setdefault(int((r.due - first) // WINDOW_SECONDS), []).append(r.latency_ms)
        cells = []
        for _, latencies in sorted(windows.items()):
            latencies.sort()
            cells.append(f"{percentile(latencies, 50):.0f}/{percentile(latencies, 99):.0f}")
        return " ".join(cells)

    def describe(self, rate: float) -> str:
        lags = sorted(r.lag_ms for r in self.results)
        starts = [r.started for r in self.results]
        span = max(starts) - min(starts)
        wall = max(r.finished for r in self.results) - min(starts)
        cpu = ", ".join(f"{who} {seconds:.1f} s" for who, seconds in self.cpu.items())
        per_request = self.cpu["server"] / len(self.results) * 1000
        return (
            f"{self.name}: sent {len(self.results)} in {span:.2f} s "
            f"({(len(self.results) - 1) / span:.1f} req/s, target {rate:g}); sender lag behind "
            f"schedule p50 {percentile(lags, 50):.2f} ms, p99 {percentile(lags, 99):.2f} ms, "
            f"max {lags[-1]:.2f} ms\n"
            f"{self.name}: p50/p99 ms by {WINDOW_SECONDS:g} s of schedule: {self.timeline()}\n"
            f"{self.name}: CPU over the run's {wall:.1f} s: {cpu} "
            f"(server {per_request:.1f} ms per request){self.drain}"
        )


def print_table(runs: Sequence[Run]) -> None:
    print(f"{'app':<5} {'kind':<7} {'count':>6} {'p50':>8} {'p90':>8} {'p99':>8} {'max':>8} "
          f"{'fail':>5} {'>3s':>5}   (latency in ms; >3s: late or failed, past Slack's "
          "deadline)")  # fmt: skip
    for run in runs:
        for kind, f in run.table.items():
            print(f"{run.name:<5} {kind:<7} {f.count:>6} {f.p50:>8.1f} {f.p90:>8.1f} "
                  f"{f.p99:>8.1f} {f.max:>8.1f} {f.failures:>5} {f.late:>5}")  # fmt: skip
            if f.why:
                print(f"{'':<14}failures: {dict(f.why)}")


# ---- the benchmark ---------------------------------------------------------------------------


def import_accounts(env: dict[str, str], directory: Path, count: int) -> list[str]:
    keys = [f"bench-{n}" for n in range(1, count + 1)]
    path = directory / "accounts.csv"
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["key", "name", "segment", "csm", "arr"])
        for n, key in enumerate(keys, start=1):
            writer.writerow([key, f"Bench {n}", ("smb", "mid", "enterprise")[n % 3], CSM,
                             20_000 * n])  # fmt: skip
    subprocess.run(
        [sys.executable, "-m", "bot", "accounts", "import", str(path)],
        env=env, cwd=directory, check=True, stdout=subprocess.DEVNULL, timeout=60,
    )  # fmt: skip
    return keys


def fetch_scorecards(
    port: int, double: DoubleProcess, builder: Any, accounts: Sequence[str]
) -> dict[str, list[dict[str, Any]]]:
    """Each account's scorecard blocks, as `/scorecard <key>` answers them."""
    cards = {}
    for key in accounts:
        before = double.response_count()
        [url] = double.ask("response_urls", [(CSM, None)])
        body = builder.command("/scorecard", key, user_id=CSM, channel_id=CHANNEL,
                               response_url=url, trigger_id=trigger_id())  # fmt: skip
        result = send(port, Prepared("scorecard", body), Result("scorecard", 0.0), 10.0)
        if result.status != 200 or not double.wait_for_responses(before + 1, 10):
            raise RuntimeError(f"/scorecard {key} failed: {result}")
        [(status, answer)] = double.ask("responses", before)
        if status != 200 or not answer.get("blocks"):
            raise RuntimeError(f"/scorecard {key} answered {status}: {answer}")
        cards[key] = answer["blocks"]
    return cards


def signal_keys(blocks: list[dict[str, Any]]) -> list[str]:
    """The signals a scorecard offers a select for (block_id signal|<account>|<signal>)."""
    ids = [str(b.get("block_id", "")) for b in blocks]
    return [i.split("|")[2] for i in ids if i.startswith("signal|")]


def readings_in(database: Path) -> dict[str, int]:
    with sqlite3.connect(database) as db:
        rows = db.execute("SELECT source, COUNT(*) FROM reading GROUP BY source").fetchall()
    return {str(source): int(n) for source, n in rows}


def verdict(ok: bool) -> str:
    return "met" if ok else "NOT met"


@dataclass
class Stack:
    """The running processes: the double, and each app's port and process."""

    double: DoubleProcess
    apps: dict[str, tuple[int, subprocess.Popen[bytes]]]
    database: Path

    def cpu(self, process: subprocess.Popen[bytes]) -> dict[str, float]:
        return {
            "server": cpu_seconds(process.pid),
            "double": cpu_seconds(self.double.pid),
            "load generator": cpu_seconds(os.getpid()),
        }


def measure(
    stack: Stack, name: str, warm: Sequence[Prepared], load: Sequence[Prepared], rate: float,
    workers: int, timeout: float,
) -> Run:  # fmt: skip
    """Warm `name` up, then drive it with `load`; for the real app, wait for its post-ack work."""
    port, process = stack.apps[name]
    double = stack.double
    answered_before = double.response_count()
    warmed = warm_up(port, warm, timeout)
    if name == "real":
        double.wait_until_quiet(answered_before + len(warmed), DRAIN_SECONDS)
    answered_before = double.response_count()
    cpu_before = stack.cpu(process)
    results = drive(port, load, rate, workers, timeout)
    last_answer = max(r.finished for r in results)
    drain = ""
    if name == "real":
        drained = double.wait_until_quiet(answered_before + len(results), DRAIN_SECONDS)
        summary = double.ask("summary")
        drain = (
            f"\nreal: post-ack work {'drained' if drained else 'NOT drained'}: "
            f"{summary['responses'] - answered_before} answers posted to response_urls for "
            f"{len(results)} requests; its last call to the double came "
            f"{summary['last_call_at'] - last_answer:.2f} s after the last HTTP answer"
        )
    cpu_after = stack.cpu(process)
    cpu = {who: cpu_after[who] - cpu_before[who] for who in cpu_after}
    return Run(name, results, cpu, drain)


def report(stack: Stack, runs: dict[str, Run], rate: float, sent_to_real: int) -> bool:
    """Print the figures; True when nothing failed and the targets are met."""
    for run in runs.values():
        print(run.describe(rate))
    print()
    print_table(list(runs.values()))
    print()
    real, bare = runs["real"].table, runs["bare"].table
    for kind in (*KINDS, "all"):
        print(f"real/bare {kind:<7} p50 {real[kind].p50 / bare[kind].p50:6.2f}×   "
              f"p99 {real[kind].p99 / bare[kind].p99:6.2f}×")  # fmt: skip
    real_p99, bare_p99 = real["all"].p99, bare["all"].p99
    under = real_p99 < P99_TARGET_MS
    close = real_p99 <= BARE_RATIO_TARGET * bare_p99
    print(f"target real p99 < {P99_TARGET_MS:g} ms: {real_p99:.1f} ms -> {verdict(under)}")
    print(f"target real p99 <= {BARE_RATIO_TARGET:g} × bare p99 "
          f"({BARE_RATIO_TARGET * bare_p99:.1f} ms): {real_p99:.1f} ms -> "
          f"{verdict(close)}")  # fmt: skip
    real_cpu, bare_cpu = (runs[name].cpu["server"] / len(runs[name].results) * 1000
                          for name in ("real", "bare"))  # fmt: skip
    cheap = real_cpu <= CPU_RATIO_TARGET * bare_cpu
    print(f"target real server CPU per request <= {CPU_RATIO_TARGET:g} × bare "
          f"({CPU_RATIO_TARGET * bare_cpu:.1f} ms): {real_cpu:.1f} ms "
          f"({real_cpu / bare_cpu:.2f}×) -> {verdict(cheap)}")  # fmt: skip
    failures = sum(run.table["all"].failures for run in runs.values())
    print(f"failures (not HTTP 200): {failures}")
    print()
    readings = readings_in(stack.database)
    print(f"readings in the real app's database: {sum(readings.values())} {readings} "
          f"(expected {sent_to_real}: one per /signal and select sent to it, warm-up "
          "included)")  # fmt: skip
    summary = stack.double.ask("summary")
    print(f"double: {summary['responses']} response_url posts {summary['answers']}; Web API "
          f"calls {summary['calls']}; refused {summary['failed_calls']}; error answers "
          f"{summary['errors']}; Block Kit violations {summary['violations']}")  # fmt: skip
    rss = {name: proc_status(process.pid, "VmHWM") for name, (_, process) in stack.apps.items()}
    rss["double"] = proc_status(stack.double.pid, "VmHWM")
    rss["load generator"] = proc_status(os.getpid(), "VmHWM")
    print("peak RSS (VmHWM): " + ", ".join(f"{who} {kb}" for who, kb in rss.items()))
    return failures == 0 and under and close and cheap


def run(args: argparse.Namespace) -> int:
    measured = round(args.rate * args.seconds)
    # Enough threads for every request that can be in flight when each waits the full timeout,
    # so a slow server never delays the schedule (the load stays open-loop).
    workers = args.workers or math.ceil(args.rate * (args.timeout + 1))
    builder = request_builder()
    double = DoubleProcess()
    try:
        with tempfile.TemporaryDirectory(prefix="bench-ack-") as tmp:
            directory = Path(tmp)
            database = directory / "bench.db"
            env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}",
                   "SLACK_API_URL": double.api_url, "SLACK_BOT_TOKEN": double.token,
                   "SLACK_SIGNING_SECRET": SECRET, "LOG_LEVEL": "WARNING"}  # fmt: skip
            env.pop("RESCUEBOT_CONFIG", None)
            accounts = import_accounts(env, directory, args.accounts)
            real_command = [sys.executable, "-m", "bot", "serve"]
            bare_command = [sys.executable, str(ROOT / "benchmarks" / "bare_app.py")]
            with (
                server("real", real_command, env, directory) as real,
                server("bare", bare_command, env, directory) as bare,
            ):
                stack = Stack(double, {"bare": bare, "real": real}, database)
                scorecards = fetch_scorecards(real[0], double, builder, accounts)
                signals = signal_keys(scorecards[accounts[0]])
                plan = build_plan(
                    builder, double, accounts, signals, scorecards, args.warmup + measured
                )
                warm, load = plan[: args.warmup], plan[args.warmup :]
                print(f"{args.rate:g} req/s for {args.seconds:g} s = {len(load)} requests per "
                      f"app (half /signal, half select), {len(accounts)} accounts × "
                      f"{len(signals)} signals, {len(warm)} warm-up requests each, "
                      f"{workers} sender threads, {args.timeout:g} s timeout, "
                      f"{os.cpu_count()} CPUs")  # fmt: skip
                runs = {
                    name: measure(stack, name, warm, load, args.rate, workers, args.timeout)
                    for name in ("bare", "real")
                }
                passed = report(stack, runs, args.rate, len(plan))
            for name in ("real", "bare"):
                lines = log_lines(directory / f"{name}.log")
                print(f"{name} server log: {sum(lines.values())} lines")
                for line, n in lines.most_common(5):
                    print(f"  {n} × {line}")
            return 0 if passed else 1
    finally:
        double.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=50.0, help="requests per second")
    parser.add_argument("--seconds", type=float, default=30.0, help="length of each run")
    parser.add_argument("--accounts", type=int, default=8, help="accounts in the database")
    parser.add_argument("--warmup", type=int, default=20, help="warm-up requests per app")
    parser.add_argument("--workers", type=int, default=0, help="sender threads (0: auto)")
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds per request")
    args = parser.parse_args()
    if min(args.rate, args.seconds, args.accounts, args.timeout) <= 0 or args.warmup < 0:
        parser.error("--rate, --seconds, --accounts and --timeout must be positive")
    sys.exit(run(args))


if __name__ == "__main__":
    main()
