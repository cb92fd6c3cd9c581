"""The jinja2 environment for message templates and the filters they share."""

from __future__ import annotations

from datetime import date
from functools import cache
from typing import TYPE_CHECKING

from scoring.rules import Status

if TYPE_CHECKING:
    import jinja2

STATUS_EMOJI = {
    Status.HEALTHY: ":large_green_circle:",
    Status.WATCH: ":large_yellow_circle:",
    Status.AT_RISK: ":red_circle:",
}


def escape_mrkdwn(text: object) -> str:
    """Slack's three control characters, escaped as Slack asks."""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def mention(user: str | None) -> str:
    return f"<@{user}>" if user else "_nobody_"


def signed(delta: float | None) -> str:
    if delta is None:
        return ""
    return f"+{delta:.1f}" if delta > 0 else ("±0.0" if delta == 0 else f"−{abs(delta):.1f}")


def change(n: int) -> str:
    return f"+{n}" if n > 0 else ("±0" if n == 0 else f"−{abs(n)}")


def short_date(day: date | None) -> str:
    return day.strftime("%a %-d %b") if day else "—"


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"


def days(value: float | None) -> str:
    return "—" if value is None else f"{value:g} {'day' if value == 1 else 'days'}"


def hours(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f} h"


def score(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"


@cache
def environment() -> jinja2.Environment:
    import jinja2  # here, not at import: the CLI's text-only commands never render a template

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("bot.messages", "templates"),
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters.update(
        esc=escape_mrkdwn,
        mention=mention,
        signed=signed,
        change=change,
        short_date=short_date,
        score=score,
        percent=percent,
        days=days,
        hours=hours,
    )
    env.globals.update(STATUS_EMOJI=STATUS_EMOJI, Status=Status)
    return env


def render(template: str, **context: object) -> str:
    return environment().get_template(template).render(**context).strip()
