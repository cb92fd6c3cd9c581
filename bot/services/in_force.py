"""The rules in force: the config's, with the latest approved weight version applied, loaded
once per transaction."""

from __future__ import annotations

from collections.abc import Collection

from sqlmodel import Session

from bot.config import Config
from bot.store import weights as weight_rows
from scoring.errors import DomainError
from scoring.rules import Rules
from scoring.weights import apply_version

# Where a transaction keeps the rules in force it loaded (`rules_in_force`).
RULES_IN_FORCE = "rescuebot.rules_in_force"


def rules_in_force(session: Session, config: Config) -> Rules:
    """The config's rules with the latest weight version applied (`weights_version` says which;
    0 when none was ever approved), loaded once per transaction however many scorecards it
    computes (or handed in by the request); a new version put in force clears it."""
    cached = session.info.get(RULES_IN_FORCE)
    if cached is not None and cached[0] is config:
        return cached[1]
    latest = weight_rows.latest_version(session)
    rules = (
        config.rules
        if latest is None
        else checked_version(config, latest.version, latest.weights, latest.retired)
    )
    session.info[RULES_IN_FORCE] = (config, rules)
    return rules


def checked_version(
    config: Config, version: int, weights: dict[str, float], retired: Collection[str]
) -> Rules:
    try:
        return apply_version(config.rules, version=version, weights=weights, retired=retired)
    except DomainError as exc:
        raise DomainError(
            f"weights v{version} do not fit the configuration in force: {exc}. Run "
            "`rescuebot weights reset` to go back to the configured weights"
        ) from exc
