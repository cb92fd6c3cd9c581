"""`rescuebot doctor`: is this installation able to do its job, and if not, what to fix.

It checks, in order: the config file, the database and its revision, the bot token
(auth.test), that the bot is a member of every channel it posts to, and the outbox (deliveries
waiting, and the ones that failed for good, with their errors, what to fix, and the
`rescuebot outbox retry` that sends them after the fix), and each integration that sent events
(its last event, the ones waiting for an account, the ones that failed).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackRequestError

from bot.config import Config, ConfigError, Settings, load_config
from bot.messages.fixes import fix_for
from bot.messages.wording import noun, plural
from bot.services import integrations
from bot.store import deliveries
from bot.store.db import current_revision, head_revision, make_engine, session_scope

SHOWN_FAILURES = 10


@dataclass(frozen=True)
class Finding:
    check: str
    ok: bool
    detail: str
    fix: str | None = None


def examine(settings: Settings, config_path: Path | None, client: WebClient) -> list[Finding]:
    findings: list[Finding] = []
    config = _config(settings, config_path, findings)
    database_ok = _database(settings, findings)
    token_ok = _token(settings, client, findings)
    if config is not None and token_ok:
        _channels(config, client, findings)
    if database_ok:
        _outbox(settings, findings)
        _integrations(settings, findings)
    return findings


def _integrations(settings: Settings, findings: list[Finding]) -> None:
    """Per provider that sent events: when the last came, what waits, what failed."""
    engine = make_engine(settings.database_url)
    try:
        with session_scope(engine, read_only=True) as session:
            providers = integrations.status(session)["providers"]
    finally:
        engine.dispose()
    for row in providers:
        if row["provider"] == "hubspot":
            _hubspot_notes(row, findings)
        if row["last_event_at"] is None:
            continue
        if row["received"]:
            _not_applied_yet(row, findings)
        failed, waiting = row["by_state"].get("failed", 0), row["unmatched"]
        fix = ("`rescuebot integrations status`; each failed event keeps its error" if failed
               else "`rescuebot integrations unmatched` lists them; give the account its id "
               "with `/onboard set`" if waiting else None)  # fmt: skip
        findings.append(Finding(
            row["provider"], not failed,
            f"last event {row['last_event_at'][:16].replace('T', ' ')} UTC; "
            f"{row['by_state'].get('applied', 0)} applied, {waiting} unmatched, {failed} failed",
            fix,
        ))  # fmt: skip


# Answered events normally wait seconds for the worker; this long means none is applying them.
APPLY_LATE = timedelta(minutes=10)


def _not_applied_yet(row: dict, findings: list[Finding]) -> None:
    """Answered events waiting for the worker to apply them, failing when the oldest has
    waited long enough that no process seems to be applying them."""
    since = datetime.fromisoformat(row["oldest_received_at"])
    late = datetime.now(UTC) - since > APPLY_LATE
    findings.append(Finding(
        f"{row['provider']} events", not late,
        f"{plural(row['received'], 'event')} answered and waiting to be applied, the oldest "
        f"since {row['oldest_received_at'][:16].replace('T', ' ')} UTC",
        "run `rescuebot serve`, `socket` or `worker` with APPLY_INTEGRATION_EVENTS unset or "
        "true: it applies them, oldest first" if late else None,
    ))  # fmt: skip


def _config(settings: Settings, path: Path | None, findings: list[Finding]) -> Config | None:
    try:
        config = load_config(path or settings.rescuebot_config)
    except ConfigError as exc:
        findings.append(
            Finding("config", False, "; ".join(exc.problems), "fix the lines named above")
        )
        return None
    findings.append(
        Finding("config", True, f"{config.source}: {len(config.digests)} digest channel(s)")
    )
    return config


def _database(settings: Settings, findings: list[Finding]) -> bool:
    engine = make_engine(settings.database_url)
    try:
        revision = current_revision(engine)
    except Exception as exc:
        findings.append(
            Finding(
                "database", False, f"cannot connect ({type(exc).__name__}: {exc})",
                "check DATABASE_URL and that the database server is running",
            )
        )  # fmt: skip
        return False
    finally:
        engine.dispose()
    head = head_revision()
    if revision != head:
        findings.append(
            Finding(
                "database", False, f"at revision {revision or 'none'}, the code needs {head}",
                "run `rescuebot db upgrade`",
            )
        )  # fmt: skip
        return False
    findings.append(Finding("database", True, f"at revision {head} (current)"))
    return True


def _token(settings: Settings, client: WebClient, findings: list[Finding]) -> bool:
    if not settings.slack_bot_token:
        findings.append(
            Finding(
                "token", False, "SLACK_BOT_TOKEN is not set",
                "copy the Bot User OAuth Token (xoxb-…) from OAuth & Permissions",
            )
        )  # fmt: skip
        return False
    try:
        answer = client.auth_test()
    except SlackApiError as exc:
        error = exc.response.get("error")
        findings.append(Finding("token", False, f"auth.test refused it: {error}", fix_for(error)))
        return False
    except (SlackRequestError, OSError) as exc:
        findings.append(
            Finding(
                "token", False, f"Slack cannot be reached ({exc})",
                "check the network, or SLACK_API_URL if you set it",
            )
        )  # fmt: skip
        return False
    findings.append(
        Finding("token", True, f"bot {answer.get('user')} in workspace {answer.get('team')}")
    )
    return True


def _channels(config: Config, client: WebClient, findings: list[Finding]) -> None:
    wanted: dict[str, str] = {}
    for digest in config.digests:
        wanted.setdefault(digest.channel, "digest")
    if config.rescue_channel:
        wanted.setdefault(config.rescue_channel, "rescue threads")
    if config.escalation.channel:
        wanted.setdefault(config.escalation.channel, "recovery plans")
    for channel, purpose in wanted.items():
        name = f"channel {channel} ({purpose})"
        try:
            info = client.conversations_info(channel=channel)["channel"]
        except SlackApiError as exc:
            error = exc.response.get("error")
            findings.append(Finding(name, False, f"conversations.info: {error}", fix_for(error)))
            continue
        if info.get("is_archived"):
            findings.append(Finding(name, False, "archived", fix_for("is_archived")))
        elif not info.get("is_member"):
            findings.append(
                Finding(name, False, "the bot is not a member", fix_for("not_in_channel"))
            )
        else:
            findings.append(Finding(name, True, f"#{info.get('name', channel)}, bot is a member"))


def _hubspot_notes(row: dict, findings: list[Finding]) -> None:
    """HubSpot's other direction: company creations waiting for their CRM read, and the notes
    written to companies, the ones failed for good each with its retry."""
    if row["pending"]:
        findings.append(Finding(
            "hubspot", False,
            f"{plural(row['pending'], 'company creation')} waiting for the CRM read",
            "check HUBSPOT_TOKEN (scope crm.objects.companies.read) and HUBSPOT_API_URL; "
            "`rescuebot serve` reads them again every minute",
        ))  # fmt: skip
    notes = row["notes"]
    if notes:
        findings.append(Finding(
            "hubspot notes", not row["failed_notes"],
            f"{notes.get('delivered', 0)} written, "
            f"{notes.get('pending', 0) + notes.get('sending', 0)} waiting, "
            f"{notes.get('failed', 0)} failed",
        ))  # fmt: skip
    for failed in row["failed_notes"]:
        findings.append(Finding(
            f"hubspot note {failed['id']}", False,
            f"to company {failed['company']} failed for good: {failed['error']}",
            "check HUBSPOT_TOKEN's scopes (crm.objects.companies.write and "
            "crm.objects.contacts.write, which notes need) and the company; then "
            f"`rescuebot outbox retry {failed['id']}`",
        ))  # fmt: skip


def _outbox(settings: Settings, findings: list[Finding]) -> None:
    engine = make_engine(settings.database_url)
    try:
        with session_scope(engine, read_only=True) as session:
            counts = deliveries.counts_by_state(session)
            waiting = deliveries.of_state(session, deliveries.WAITING, limit=1)
            failures = deliveries.failed_for_admins(session, limit=SHOWN_FAILURES)
    finally:
        engine.dispose()
    pending = counts.get(deliveries.PENDING, 0) + counts.get(deliveries.SENDING, 0)
    if pending:
        oldest = waiting[0]
        age = datetime.now(UTC) - oldest.created_at
        findings.append(
            Finding(
                "outbox",
                age.total_seconds() < 600,
                f"{plural(pending, 'delivery', 'deliveries')} waiting; the oldest for "
                f"{int(age.total_seconds() // 60)} min (attempt {oldest.attempts}, "
                f"last error: {oldest.last_error or 'none'})",
                None
                if age.total_seconds() < 600
                else "make sure `rescuebot serve` or `rescuebot worker` is running",
            )
        )
    else:
        findings.append(
            Finding("outbox", True, f"nothing waiting; {counts.get('delivered', 0)} delivered")
        )
    failed = counts.get(deliveries.FAILED, 0)
    for failure in failures:
        children = (
            f" ({plural(failure.waiting_children, 'reply or edit', 'replies or edits')}"
            f" {noun(failure.waiting_children, 'waits', 'wait')} for it)"
            if failure.waiting_children
            else ""
        )
        findings.append(
            Finding(
                f"delivery {failure.id} ({failure.key})",
                False,
                f"to {failure.channel} failed for good: {failure.error}{children}",
                f"{fix_for(failure.error)}; then `rescuebot outbox retry {failure.id}`",
            )
        )
    shown = len(failures) + sum(f.waiting_children for f in failures)
    if failed > shown:
        findings.append(
            Finding(
                "outbox", False, f"…and {failed - shown} more failed deliveries",
                "`rescuebot outbox list --failed` lists them all",
            )
        )  # fmt: skip
