"""Benchmark: the Monday digests of 500 channels over 10,000 accounts, rendered and delivered
through the Slack double with Slack's rate limits simulated.

Run by hand (not a test), from the repository root:

    python benchmarks/bench_digests.py [--accounts 10000] [--channels 500] [--database-url URL]
                                       [--workspace-limit RATE:BURST] [--threads 16]

1. Fills a fresh database (a SQLite file by default; with `--database-url` a PostgreSQL database,
   in a schema of its own dropped at the end) with N accounts × 6 signals × 52 weeks of readings,
   over three segments and `--csms` CSMs, and configures `--channels` digest channels on one cron
   (Monday 09:00 UTC) with different scopes: one for every account, one per segment, the rest per
   CSM or per CSM and segment (several channels may share a scope, like team channels).
2. Render: `ScheduledWork.sweep()` at Monday 09:00:30 (one portfolio load, every digest, every
   chart, queued into the outbox), timed as a whole and per chart, with its peak RSS.
3. Delivery: `Courier.run` in a thread, on a clock that moves at real speed, against the Slack
   double in a child process (so that the double's work does not compete with the courier for
   this process's GIL, as Slack's servers wouldn't), with chat.postMessage limited per channel
   (`--per-channel`, `--burst`: a token bucket answering 429 + Retry-After) and optionally a
   workspace-wide limit per method (`--workspace-limit`, see below). Timed from the first
   courier round until every delivery is delivered.
4. The ideal time the limits allow: per channel, (its chat.postMessage calls − burst) / rate,
   the slowest channel; with a workspace limit, per limited method, (its calls − burst) / rate;
   the largest of those. Printed against the actual time, with the 429s received, and a check
   that every delivery reached Slack exactly once (no message missing, none duplicated, every
   thread reply in its parent's thread).

On a workspace-wide limit: Slack documents chat.postMessage as "1 per second per channel, short
bursts allowed", "while also maintaining a workspace-wide limit" whose figure it does not
publish; files.getUploadURLExternal and files.completeUploadExternal are Tier 4 ("100+ per
minute", generous bursts), per method per workspace. The default run applies only the documented
per-channel limit; `--workspace-limit 1.67:20` adds the Tier 4 floor (100/min, burst 20) to
`--workspace-methods` (default: files.getUploadURLExternal and files.completeUploadExternal),
which makes the uploads of 500 charts the bottleneck (about five minutes).
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import logging
import multiprocessing
import multiprocessing.connection
import resource
import shutil
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, delete, make_url, text
from sqlmodel import select

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests.slack_double

from bench_store import fill

import bot.scheduler.jobs as scheduled_module
import bot.services.digests as digests_module
from bot.config import DigestScope, DigestSpec, Settings, load_config
from bot.delivery.courier import Courier, Pacing
from bot.scheduler.jobs import ScheduledWork
from bot.scheduler.schedule import DIGEST, Schedule, build_schedule
from bot.scheduler.worker import courier_client
from bot.services.backend import Backend
from bot.services.digests import digest_chart
from bot.store import deliveries
from bot.store.db import make_engine, session_scope
from bot.store.tables import Delivery

FIRED = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # a Monday
NOW = FIRED + timedelta(seconds=30)
AS_OF = FIRED.date()
WEEKS = 52
SEGMENTS = ("smb", "mid", "enterprise")
SIGNALS = ("kickoff", "admin_trained", "data_import", "first_value", "ticket_trend", "exec_update")
FILE_METHODS = ("files.getUploadURLExternal", "files.completeUploadExternal")


# ---- the data --------------------------------------------------------------------------------


def csm_id(n: int) -> str:
    return f"U0CSM{n:04d}"


def _fill_child(url: str, n: int, csms: int, out: multiprocessing.connection.Connection) -> None:
    out.send(fill(url, n, as_of=AS_OF, csm=lambda i: csm_id(i % csms)))


def channel_id(n: int) -> str:
    return f"C0DIG{n:05d}"  # Slack's shape: [CGDZ][A-Z0-9]{8,}


def digest_specs(channels: int, csms: int) -> list[DigestSpec]:
    """Channel 0 sees every account, the next three one segment each; the rest cycle through
    every CSM, then every (segment, CSM) pair."""
    scopes: list[DigestScope] = [DigestScope()]
    scopes += [DigestScope(segment=s) for s in SEGMENTS]  # type: ignore[arg-type]
    cycle = [DigestScope(csm=csm_id(c)) for c in range(csms)]
    cycle += [DigestScope(segment=s, csm=csm_id(c)) for s in SEGMENTS for c in range(csms)]  # type: ignore[arg-type]
    while len(scopes) < channels:
        scopes.append(cycle[(len(scopes) - 4) % len(cycle)])
    return [
        DigestSpec(channel=channel_id(i), cron="0 9 * * mon", timezone="UTC", scope=scope)
        for i, scope in enumerate(scopes[:channels])
    ]


# ---- the Slack double, in a child process -------------------------------------------------------


def _double_child(conn: multiprocessing.connection.Connection) -> None:
    from tests.slack_double import SlackDouble

    setup = conn.recv()
    with SlackDouble() as double:
        for channel in setup["channels"]:
            double.add_channel(channel, channel.lower(), is_member=True)
        double.limit_per_channel(setup["per_channel"], burst=setup["burst"])
        if setup["workspace"] is not None:
            rate, burst = setup["workspace"]
            double.limit_workspace(rate, burst, methods=setup["workspace_methods"])
        conn.send({"api_url": double.api_url, "token": double.token})
        while (command := conn.recv()) != "stop":
            assert command == "collect"
            with double._lock:
                messages = [
                    (m.channel, m.ts, m.thread_ts, m.text, m.source, [f["id"] for f in m.files])
                    for ms in double.workspace.messages.values()
                    for m in ms
                ]
                files = {
                    f.id: (f.channel, f.thread_ts, f.title, len(f.content or b""))
                    for f in double.workspace.files.values()
                    if f.completed
                }
            conn.send(
                {
                    "messages": messages,
                    "files": files,
                    "answered": Counter(c.method for c in double.calls),
                    "refused": Counter((c.method, c.status) for c in double.failed_calls),
                    "violations": len(double.violations),
                }
            )


# ---- measuring ---------------------------------------------------------------------------------


def vm_status(field: str) -> float:
    """A /proc/self/status figure in MiB (VmRSS, VmHWM); falls back to ru_maxrss."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def reset_peak_rss() -> bool:
    """Reset the kernel's peak-RSS mark (VmHWM) so that the next phase's own peak is read."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] if ordered else 0.0


class Timed:
    """Wraps a function; keeps each call's duration."""

    def __init__(self, function: Callable[..., Any]) -> None:
        self.function = function
        self.times: list[float] = []
        self.ended: list[float] = []  # perf_counter() at each call's end

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        began = time.perf_counter()
        try:
            return self.function(*args, **kwargs)
        finally:
            self.ended.append(time.perf_counter())
            self.times.append(self.ended[-1] - began)


def moving_clock(start: datetime) -> Callable[[], datetime]:
    """A clock that starts at `start` and moves at real speed."""
    origin = time.monotonic()
    return lambda: start + timedelta(seconds=time.monotonic() - origin)


# ---- the phases ---------------------------------------------------------------------------


def render(backend: Backend, schedule: Schedule, repeats: int) -> dict[str, Any]:
    """`sweep()` `repeats` times (the outbox and the claims emptied in between, except after
    the last): timings, per-chart times and peak RSS."""
    chart = Timed(digest_chart)
    load = Timed(digests_module.load_portfolio)
    kpis = Timed(digests_module.kpis_of)
    prepare = Timed(scheduled_module.prepare_digests)
    digests_module.load_portfolio = load  # type: ignore[assignment]
    digests_module.kpis_of = kpis  # type: ignore[assignment]
    scheduled_module.prepare_digests = prepare  # type: ignore[assignment]
    queue = Timed(digests_module.queue_digest)
    digests_module.queue_digest = queue  # type: ignore[assignment]
    sweeps: list[float] = []
    messages_queued: list[float] = []
    peaks: list[float] = []
    queued = 0
    try:
        for repeat in range(repeats):
            work = ScheduledWork(backend, schedule, chart=chart)
            queue.times.clear()
            queue.ended.clear()
            reset_peak_rss()
            began = time.perf_counter()
            ran = work.sweep()
            sweeps.append(time.perf_counter() - began)
            messages_queued.append(max(queue.ended) - began)
            peaks.append(vm_status("VmHWM"))
            queued = len(ran.runs)
            if repeat < repeats - 1:
                with session_scope(backend.engine) as session:
                    session.execute(delete(Delivery))
                    session.execute(text("DELETE FROM scheduled_run"))
    finally:
        digests_module.load_portfolio = load.function
        digests_module.kpis_of = kpis.function
        scheduled_module.prepare_digests = prepare.function
        digests_module.queue_digest = queue.function
    return {
        "sweeps": sweeps,
        "messages_queued": messages_queued,
        "load": load.times,
        "kpis": kpis.times,
        "prepare": prepare.times,
        "charts": chart.times,
        "queue": sum(queue.times),
        "digests": queued,
        "peak_rss": peaks,
    }


def deliver(
    engine: Any, clock: Callable[[], datetime], api_url: str, token: str, args: argparse.Namespace
) -> dict[str, Any]:
    """The courier's own loop in a thread until every delivery is delivered (or failed)."""
    client = courier_client(Settings(slack_bot_token=token, slack_api_url=api_url))
    courier = Courier(
        engine,
        client,
        clock,
        pacing=Pacing(per_channel_per_second=args.per_channel),
        threads=args.threads,
    )
    leases = Timed(deliveries.take_due)  # each lease of the courier
    deliveries.take_due = leases  # type: ignore[assignment]
    stop = threading.Event()
    thread = threading.Thread(target=courier.run, args=(stop,), name="courier-loop")
    started_at = clock()
    began = time.perf_counter()
    thread.start()
    deadline = began + args.timeout
    while time.perf_counter() < deadline:
        time.sleep(0.1)
        with session_scope(engine, read_only=True) as session:
            counts = deliveries.counts_by_state(session)
        if not counts.get(deliveries.PENDING) and not counts.get(deliveries.SENDING):
            break
    noticed = time.perf_counter() - began
    stop.set()
    courier.wake.set()
    thread.join()
    courier.close()
    deliveries.take_due = leases.function  # type: ignore[assignment]
    with session_scope(engine, read_only=True) as session:
        rows = list(session.exec(select(Delivery).order_by(Delivery.id)))  # type: ignore[arg-type]
    finished = max((d.delivered_at for d in rows if d.delivered_at), default=started_at)
    return {
        "actual": (finished - started_at).total_seconds(),
        "noticed": noticed,
        "leases": leases.times,
        "started_at": started_at,
        "rows": rows,
        "counts": Counter(d.state for d in rows),
    }


def ideal_seconds(rows: list[Delivery], args: argparse.Namespace) -> dict[str, float]:
    """What the simulated limits allow at best, whatever the sender does."""
    posts = Counter(d.channel for d in rows if d.method == "message")
    per_channel = max(
        (max(0, n - args.burst) / args.per_channel for n in posts.values()), default=0
    )
    ideal = {"per channel (slowest channel)": per_channel}
    if args.workspace_limit:
        rate, burst = args.workspace_limit
        calls = {
            "chat.postMessage": sum(posts.values()),
            "files.getUploadURLExternal": sum(d.method == "file" for d in rows),
            "files.completeUploadExternal": sum(d.method == "file" for d in rows),
        }
        for method in args.workspace_methods:
            ideal[f"workspace {method}"] = max(0, calls.get(method, 0) - burst) / rate
    return ideal


def verify(rows: list[Delivery], slack: dict[str, Any]) -> list[str]:
    """Every delivery reached Slack exactly once, in the right channel and thread."""
    problems: list[str] = []
    by_id = {d.id: d for d in rows}
    posted: dict[tuple[str, str], tuple[str | None, str, str]] = {}
    per_channel: Counter[tuple[str, str]] = Counter()
    for channel, ts, thread_ts, message_text, source, _files in slack["messages"]:
        posted[(channel, ts)] = (thread_ts, message_text, source)
        per_channel[(channel, source)] += 1
    expected: Counter[tuple[str, str]] = Counter()
    for d in rows:
        parent = by_id.get(d.parent_id) if d.parent_id else None
        if d.state != deliveries.DELIVERED:
            problems.append(f"{d.key}: {d.state} ({d.last_error})")
            continue
        if d.method == "message":
            expected[(d.channel, "chat.postMessage")] += 1
            found = posted.get((d.channel, d.ts or ""))
            if found is None:
                problems.append(f"{d.key}: no message {d.ts} in {d.channel}")
            elif found[1] != d.payload["text"]:
                problems.append(f"{d.key}: message {d.ts} has another text")
            elif parent is not None and found[0] != parent.ts:
                problems.append(f"{d.key}: not in its parent's thread")
        elif d.method == "file":
            expected[(d.channel, "files.completeUploadExternal")] += 1
            shared = [
                f for f in slack["files"].values()
                if f[0] == d.channel and f[2] == d.payload["title"]
            ]  # fmt: skip
            if len(shared) != 1:
                problems.append(f"{d.key}: {len(shared)} files shared in {d.channel}")
            elif parent is not None and shared[0][1] != parent.ts:
                problems.append(f"{d.key}: chart not in its parent's thread")
            elif shared[0][3] != len(d.content or b""):
                problems.append(f"{d.key}: chart bytes differ")
    for key in per_channel.keys() | expected.keys():
        if per_channel[key] != expected[key]:
            problems.append(
                f"{key[0]}: {per_channel[key]} {key[1]} messages in Slack, {expected[key]} queued"
            )
    if slack["violations"]:
        problems.append(f"{slack['violations']} Block Kit violations")
    return problems


# ---- main ---------------------------------------------------------------------------------


def rate_and_burst(value: str) -> tuple[float, int]:
    rate, _, burst = value.partition(":")
    return float(rate), int(burst or 1)


def fresh_database(url: str | None) -> tuple[str, Callable[[], None]]:
    """A SQLite file, or a new schema in the given PostgreSQL database (dropped by the
    returned cleanup)."""
    if url is None:
        directory = tempfile.mkdtemp(prefix="bench_digests_")
        return f"sqlite:///{Path(directory) / 'digests.db'}", lambda: shutil.rmtree(directory)
    schema = f"bench_digests_{uuid.uuid4().hex[:8]}"
    admin = create_engine(make_url(url).set(drivername="postgresql+psycopg"))
    with admin.begin() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    scoped = make_url(url).update_query_dict({"options": f"-csearch_path={schema}"})

    def drop() -> None:
        with admin.begin() as connection:
            connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()

    return scoped.render_as_string(hide_password=False), drop


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--accounts", type=int, default=10_000)
    parser.add_argument("--channels", type=int, default=500)
    parser.add_argument("--csms", type=int, default=50)
    parser.add_argument("--database-url", help="PostgreSQL URL (default: a new SQLite file)")
    parser.add_argument("--render-repeats", type=int, default=1, help="sweeps to time")
    parser.add_argument("--per-channel", type=float, default=1.0, help="posts/s per channel")
    parser.add_argument("--burst", type=int, default=1, help="per-channel burst")
    parser.add_argument(
        "--workspace-limit", type=rate_and_burst, metavar="RATE:BURST",
        help="also limit each of --workspace-methods across the workspace (e.g. 1.67:20)",
    )  # fmt: skip
    parser.add_argument(
        "--workspace-methods", nargs="+", default=list(FILE_METHODS), metavar="METHOD"
    )
    parser.add_argument("--threads", type=int, default=16, help="the courier's threads")
    parser.add_argument("--timeout", type=float, default=1800, help="give up delivering after")
    args = parser.parse_args()

    # Each 429 is logged as a retry; the table below counts them instead.
    logging.getLogger("rescuebot.courier").setLevel(logging.ERROR)
    spawn = multiprocessing.get_context("spawn")
    url, cleanup = fresh_database(args.database_url)
    try:
        began = time.perf_counter()
        receive, send = spawn.Pipe(duplex=False)
        filler = spawn.Process(target=_fill_child, args=(url, args.accounts, args.csms, send))
        filler.start()
        readings = receive.recv()
        filler.join()
        print(f"filled {args.accounts} accounts ({args.csms} CSMs), {readings} readings in "
              f"{time.perf_counter() - began:.1f}s")  # fmt: skip
        print(f"database: {make_url(url).render_as_string()}")

        specs = digest_specs(args.channels, args.csms)
        config = dataclasses.replace(load_config(None), digests=tuple(specs))
        full = build_schedule(config)
        schedule = Schedule(tuple(j for j in full.jobs if j.kind == DIGEST), full.grace)
        engine = make_engine(url)
        clock = moving_clock(NOW)
        backend = Backend(config=config, engine=engine, clock=clock)

        rss_before = vm_status("VmRSS")
        rendered = render(backend, schedule, args.render_repeats)
        print_render(rendered, rss_before)

        parent, child = spawn.Pipe()
        double = spawn.Process(target=_double_child, args=(child,), daemon=True)
        double.start()
        parent.send({
            "channels": [s.channel for s in specs], "per_channel": args.per_channel,
            "burst": args.burst, "workspace": args.workspace_limit,
            "workspace_methods": args.workspace_methods,
        })  # fmt: skip
        where = parent.recv()
        delivered = deliver(engine, clock, where["api_url"], where["token"], args)
        parent.send("collect")
        slack = parent.recv()
        parent.send("stop")
        double.join(timeout=10)
        engine.dispose()

        rows = delivered["rows"]
        ideal = ideal_seconds(rows, args)
        problems = verify(rows, slack)
        print_delivery(delivered, ideal, slack, problems, args)
    finally:
        cleanup()


def print_render(r: dict[str, Any], rss_before: float) -> None:
    sweeps, charts = r["sweeps"], r["charts"]
    peaks = ", ".join(f"{m:.0f}" for m in r["peak_rss"])
    print(f"\nRENDER  sweep() of {r['digests']} digests"
          f" ({len(sweeps)} run{'s' if len(sweeps) > 1 else ''})")  # fmt: skip
    rows = [
        ("sweep total, median", f"{statistics.median(sweeps):8.2f} s"),
        ("sweep total, p99 / max", f"{percentile(sweeps, 0.99):8.2f} s"),
        ("  portfolio load (per sweep)", f"{statistics.median(r['load']):8.2f} s"),
        ("  headline KPIs (per sweep)", f"{statistics.median(r['kpis']):8.2f} s"),
        ("  every message queued after", f"{statistics.median(r['messages_queued']):8.2f} s"),
        ("  prepare_digests (messages)", f"{statistics.median(r['prepare']):8.2f} s"),
        ("  charts, sum (last sweep)", f"{sum(charts[-r['digests']:]):8.2f} s"),
        ("  chart, median / p99", f"{statistics.median(charts) * 1000:8.1f} ms"
                                  f" / {percentile(charts, 0.99) * 1000:.1f} ms"),
        ("  queueing messages into the outbox", f"{r['queue']:8.2f} s"),
        ("RSS before the sweep", f"{rss_before:8.0f} MiB"),
        ("peak RSS during the sweep", f"{max(r['peak_rss']):8.0f} MiB"
                                      f"   (each sweep: {peaks})"),
    ]  # fmt: skip
    for name, value in rows:
        print(f"  {name:<32}{value}")


def print_delivery(
    d: dict[str, Any],
    ideal: dict[str, float],
    slack: dict[str, Any],
    problems: list[str],
    args: argparse.Namespace,
) -> None:
    rows: list[Delivery] = d["rows"]
    posts = Counter(r.channel for r in rows if r.method == "message")
    files = sum(r.method == "file" for r in rows)
    limits = f"chat.postMessage {args.per_channel:g}/s per channel, burst {args.burst}"
    if args.workspace_limit:
        rate, burst = args.workspace_limit
        limits += f"; {', '.join(args.workspace_methods)} {rate:g}/s workspace-wide, burst {burst}"
    best = max(ideal.values())
    refused = slack["refused"]
    rate_limited = sum(n for (_method, status), n in refused.items() if status == 429)
    by_method: dict[str, int] = defaultdict(int)
    for (method, status), n in refused.items():
        if status == 429:
            by_method[method] += n
    print(f"\nDELIVERY  {len(rows)} deliveries ({sum(posts.values())} messages, {files} charts)"
          f" to {len(posts)} channels; {limits}")  # fmt: skip
    print(f"  {'messages per channel':<32}max {max(posts.values())}, "
          f"median {statistics.median(posts.values()):g}")  # fmt: skip
    for name, seconds in ideal.items():
        print(f"  {'ideal, ' + name:<32}{seconds:8.2f} s")
    print(f"  {'IDEAL':<32}{best:8.2f} s")
    print(f"  {'ACTUAL (first round to last)':<32}{d['actual']:8.2f} s"
          f"   (noticed done after {d['noticed']:.2f} s)")  # fmt: skip
    ratio = d["actual"] / best if best else float("inf")
    verdict = "OK" if ratio <= 1.10 else "MISSED"
    print(f"  {'actual / ideal':<32}{ratio:8.3f}   target <= 1.10: {verdict}")
    done = sorted((r.delivered_at - d["started_at"]).total_seconds() for r in rows
                  if r.delivered_at)  # fmt: skip
    if done:
        at = {q: done[round(q * (len(done) - 1))] for q in (0.5, 0.9, 1.0)}
        print(f"  {'delivered by':<32}50%: {at[0.5]:.2f} s, 90%: {at[0.9]:.2f} s,"
              f" all: {at[1.0]:.2f} s")  # fmt: skip
    slowest = max(posts, key=lambda c: posts[c])
    times = sorted((r.delivered_at - d["started_at"]).total_seconds() for r in rows
                   if r.channel == slowest and r.method == "message"
                   and r.delivered_at)  # fmt: skip
    if len(times) > 1:
        gaps = [b - a for a, b in itertools.pairwise(times)]
        print(f"  {'slowest channel ' + slowest:<32}{len(times)} posts from {times[0]:.2f} s to"
              f" {times[-1]:.2f} s (gap median {statistics.median(gaps):.3f} s,"
              f" max {max(gaps):.3f} s)")  # fmt: skip
    leases = d["leases"]
    if leases:
        print(f"  {'leases (take_due calls)':<32}{len(leases)} (median"
              f" {statistics.median(leases) * 1000:.1f} ms,"
              f" max {max(leases) * 1000:.0f} ms)")  # fmt: skip
    again = [r for r in rows if r.attempts > 1]
    print(f"  {'deliveries sent more than once':<32}{len(again)} "
          f"({sum(r.attempts - 1 for r in again)} extra attempts)")  # fmt: skip
    print(f"  {'HTTP 429 received':<32}{rate_limited} {dict(by_method)}")
    others = {f"{m} {s}": n for (m, s), n in refused.items() if s != 429}
    if others:
        print(f"  {'other refusals':<32}{others}")
    print(f"  {'Slack calls answered':<32}{dict(slack['answered'])}")
    print(f"  {'states':<32}{dict(d['counts'])}")
    if problems:
        print(f"  EXACTLY ONCE: {len(problems)} problem(s)")
        for problem in problems[:20]:
            print(f"    - {problem}")
    else:
        print("  exactly once: every delivery is in Slack once, in its channel and thread")


if __name__ == "__main__":
    main()
