"""The usage line for each command, shown with every error and in `/onboard help`."""

from __future__ import annotations

USAGE: dict[str, str] = {
    "/onboard add": "/onboard add <name> [segment:smb|mid|enterprise] [csm:@user] "
    "[signed:YYYY-MM-DD] [arr:N] [users:N] [channel:#ch]",
    "/onboard handoff": "/onboard handoff <account>",
    "/onboard set": '/onboard set <account> key:value …  (owner:@user next:"…" due:YYYY-MM-DD '
    "name: segment: csm: signed: arr: users: channel: problem: timeline: dependencies: "
    "decision:; `none` clears)",
    "/onboard outcome": "/onboard outcome <account> completed|churned|expanded [date:YYYY-MM-DD]",
    "/onboard override": '/onboard override <account> healthy|watch|risk reason:"…"   or   '
    "/onboard override <account> clear",
    "/onboard list": "/onboard list [mine|segment:smb|mid|enterprise|@user]",
    "/onboard kpis": "/onboard kpis",
    "/onboard weights": "/onboard weights [propose]",
    "/onboard help": "/onboard help",
    "/scorecard": "/scorecard <account> [share]",
    "/signal": "/signal <account> <signal> <0|1|2|healthy|watch|risk> [note…]   or   "
    "/signal <account> <signal>=<value> <signal>=<value> … [note…]",
    "/standup": "/standup [mine|@user|segment:smb|mid|enterprise]",
    "/rescue": "/rescue <account> [owner:@user] [due:YYYY-MM-DD] [note…]",
    "/escalate": "/escalate <account>",
}


def usage_for(command: str | None, text: str | None) -> str | None:
    """The usage of `/onboard <sub>` when the sub-command is known, else of the command."""
    if not command:
        return None
    sub = (text or "").strip().split(maxsplit=1)
    specific = f"{command} {sub[0].lower()}" if sub else None
    if specific in USAGE:
        return USAGE[specific]
    if command == "/onboard":
        return "\n".join(v for k, v in USAGE.items() if k.startswith("/onboard "))
    return USAGE.get(command)


def help_text(signals: list[str]) -> str:
    lines = ["*Onboarding Rescue* keeps onboarding from quietly failing. Commands:"]
    lines += [f"• `{usage}`" for usage in USAGE.values()]
    lines.append(
        "Accounts: key or an unambiguous prefix of key or name. Signals: "
        + ", ".join(signals)
        + " (prefixes work, like `import`)."
    )
    return "\n".join(lines)
