"""What an admin should do about a message Slack refused for good, in words they can act on.

Shown by `rescuebot doctor`, `rescuebot outbox list`, the courier's log and the App Home.
"""

from __future__ import annotations

FIXES = {
    "channel_not_found": "the channel id is wrong or the channel was deleted; fix it in the config",
    "not_in_channel": "invite the bot to the channel with `/invite @Onboarding Rescue`",
    "is_archived": "the channel is archived; unarchive it or point the config elsewhere",
    "invalid_blocks": "the message's blocks break a Block Kit limit: a bug to report",
    "msg_too_long": "the message is longer than Slack allows: a bug to report",
    "message_not_found": "the message to edit was deleted in Slack; nothing to edit any more",
    "invalid_auth": "SLACK_BOT_TOKEN is wrong; copy the Bot User OAuth Token again",
    "token_revoked": "the app was uninstalled or its token revoked; reinstall it",
    "account_inactive": "the app was uninstalled or its token revoked; reinstall it",
    "missing_scope": "reinstall the app so it gets the scopes in manifest.yml",
}


def fix_for(error: str | None) -> str:
    """What to do about a delivery's permanent error, in words an admin can act on."""
    for name, fix in FIXES.items():
        if error and name in error:
            return fix
    return "see Slack's error reference for this method"
