"""The usage line for each command, shown with every error and in `/onboard help`.

Placeholders are written in capitals (`ACCOUNT`, `YYYY-MM-DD`), never `<account>`: Slack reads
`<…>` in mrkdwn as a link or mention and shows nothing of it. Usage lines are shown in mrkdwn
through `usage_line`, escaped like any other text.
"""

from __future__ import annotations

from bot.messages.text import escape_mrkdwn

USAGE: dict[str, str] = {
    "/onboard add": "/onboard add NAME [segment:smb|mid|enterprise] [csm:@user] "
    "[signed:YYYY-MM-DD] [arr:N] [users:N] [channel:#ch]",
    "/onboard handoff": "/onboard handoff ACCOUNT",
    "/onboard gate": "/onboard gate ACCOUNT   (the phase-gate checklist)",
    "/onboard set": '/onboard set ACCOUNT key:value …  (owner:@user next:"…" due:YYYY-MM-DD '
    "name: segment: csm: signed: arr: users: channel: problem: timeline: dependencies: "
    "decision: segment_group_id: intercom_company_id: hubspot_id:; the value none clears)",
    "/onboard outcome": "/onboard outcome ACCOUNT completed|churned|expanded [date:YYYY-MM-DD]",
    "/onboard override": '/onboard override ACCOUNT healthy|watch|risk reason:"…"   or   '
    "/onboard override ACCOUNT clear",
    "/onboard list": "/onboard list [mine|segment:smb|mid|enterprise|@user]",
    "/onboard kpis": "/onboard kpis",
    "/onboard weights": "/onboard weights [propose]",
    "/onboard survey": "/onboard survey ACCOUNT csat:1-5|nps:0-10 day:7|30",
    "/onboard report": "/onboard report   (the KPI workbook and the one-page brief, to your DM)",
    "/onboard help": "/onboard help",
    "/scorecard": "/scorecard ACCOUNT [share]",
    "/signal": "/signal ACCOUNT SIGNAL 0|1|2|healthy|watch|risk [note…]   or   "
    "/signal ACCOUNT SIGNAL=VALUE SIGNAL=VALUE … [note…]",
    "/standup": "/standup [mine|@user|segment:smb|mid|enterprise]",
    "/rescue": "/rescue ACCOUNT [owner:@user] [due:YYYY-MM-DD] [note…]",
    "/escalate": "/escalate ACCOUNT",
    "/risk": "/risk ACCOUNT add data|auth|cutover|comms|compliance|other TEXT… [owner:@user] "
    '[mitigation:"…"] [due:YYYY-MM-DD] [impact:high|medium|low]   or   '
    "/risk ACCOUNT reviewed CATEGORY   or   /risk ACCOUNT   (the register)",
}


def usage_for(command: str | None, text: str | None) -> str | None:
    """The usage of `/onboard SUB` when the sub-command is known, else of the command."""
    if not command:
        return None
    sub = (text or "").strip().split(maxsplit=1)
    specific = f"{command} {sub[0].lower()}" if sub else None
    if specific in USAGE:
        return USAGE[specific]
    if command == "/onboard":
        return "\n".join(v for k, v in USAGE.items() if k.startswith("/onboard "))
    return USAGE.get(command)


def usage_line(usage: str) -> str:
    """A usage line as mrkdwn: in code, escaped."""
    return f"`{escape_mrkdwn(usage)}`"


def usage_text(command: str | None, text: str | None) -> str | None:
    """`usage_for` as mrkdwn, one line of code per usage; None when there is none."""
    usage = usage_for(command, text)
    return "\n".join(usage_line(line) for line in usage.split("\n")) if usage else None


def help_text(signals: list[str]) -> str:
    lines = ["*Onboarding Rescue* keeps onboarding from quietly failing. Commands:"]
    lines += [f"• {usage_line(usage)}" for usage in USAGE.values()]
    lines.append(
        "Accounts: key or an unambiguous prefix of key or name. Signals: "
        + ", ".join(f"`{key}`" for key in signals)
        + " (prefixes work, like `import`)."
    )
    return "\n".join(lines)
