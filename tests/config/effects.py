"""`assert_takes_effect`: every value a config file sets is the value the loaded Config uses.

It reads the file's own data, so any documented example (PRODUCT.md's, the README's, the
shipped defaults) is checked key by key, and a key it does not know fails the test: a new
contract key must say here how it shows in the Config.
"""

from __future__ import annotations

from datetime import date
from fractions import Fraction
from typing import Any

from bot.config import Config
from bot.config.schema import IntegrationsSpec
from scoring.rules import Status
from scoring.signals import Segment

BY_STATUS = {"at_risk": Status.AT_RISK, "watch": Status.WATCH}


def assert_takes_effect(data: dict[str, Any], config: Config) -> None:
    rules = config.rules
    checks = {
        "team_timezone": lambda v: str(rules.team_timezone) == v,
        "stale_after_days": lambda v: rules.stale_after_days == v,
        "trend_weeks": lambda v: rules.trend_weeks == v,
        "holidays": lambda v: rules.holidays == {date.fromisoformat(str(d)) for d in v},
        "bands": lambda v: _bands(v, config),
        "signals": lambda v: all(_signal(key, spec, config) for key, spec in v.items()),
        "rescue": lambda v: _rescue(v, config),
        "escalation": lambda v: all(
            getattr(config.escalation, key) == value for key, value in v.items()
        ),
        "digests": lambda v: [_digest(d) for d in config.digests] == [_digest_data(d) for d in v],
        "schedule": lambda v: all(getattr(config.schedule, k) == x for k, x in v.items()),
        "roles": lambda v: _roles(v, config),
        "integrations": lambda v: config.integrations == IntegrationsSpec.model_validate(v),
        "gates": lambda v: _gates(v, config),
    }
    unknown = set(data) - set(checks)
    assert not unknown, f"no check says how {sorted(unknown)} show in the Config"
    for key, value in data.items():
        assert checks[key](value), f"`{key}: {value}` is not what the Config uses"


def _bands(value: dict[str, float], config: Config) -> bool:
    bands = config.rules.bands
    tenths = {"healthy": bands.healthy_tenths, "watch": bands.watch_tenths}
    return all(tenths[name] == round(band * 10) for name, band in value.items())


def _signal(key: str, spec: dict[str, Any], config: Config) -> bool:
    signal = config.rules.taxonomy.by_key[key]
    window = spec.get("window", "unset")
    expected_window = (
        {Segment(s): days for s, days in window.items()}
        if isinstance(window, dict)
        else dict.fromkeys(Segment, window)
    )
    return all(
        [
            signal.label == spec.get("label", signal.label),
            signal.description == spec.get("description", signal.description),
            signal.category == spec.get("category", signal.category),
            signal.weight == Fraction(str(spec.get("weight", signal.weight))),
            window == "unset" or signal.window == expected_window,
            signal.retired == spec.get("retired", signal.retired),
        ]
    )


def _rescue(value: dict[str, Any], config: Config) -> bool:
    policy = config.rules.rescue
    ok = config.rescue_channel == value.get("channel", config.rescue_channel)
    for name, in_force in (
        ("sla_business_days", policy.sla_business_days),
        ("checkpoint_days", policy.checkpoint_days),
    ):
        for status, days in value.get(name, {}).items():
            ok = ok and in_force[BY_STATUS[status]] == days
    return ok


def _digest(spec: Any) -> dict[str, Any]:
    return {
        "channel": spec.channel,
        "cron": spec.cron,
        "timezone": spec.timezone,
        "scope": {"segment": spec.scope.segment, "csm": spec.scope.csm},
    }


def _digest_data(data: dict[str, Any]) -> dict[str, Any]:
    scope = data.get("scope", {})
    return {
        "channel": data["channel"],
        "cron": data.get("cron", "0 9 * * mon"),
        "timezone": data.get("timezone"),
        "scope": {"segment": scope.get("segment"), "csm": scope.get("csm")},
    }


def _gates(value: dict[str, Any], config: Config) -> bool:
    """Each item given is in force in its phase with what it set; a null one is gone."""
    gates = config.rules.gates
    for phase, items in value.items():
        for key, spec in (items or {}).items():
            item = gates.get(key)
            if spec is None:
                if item is not None and item.phase.value == phase:
                    return False
                continue
            if item is None or item.phase.value != phase:
                return False
            if any(
                spec.get(name, getattr(item, name)) != getattr(item, name)
                for name in ("label", "target", "unit", "signal")
            ):
                return False
    return True


def _roles(value: dict[str, Any], config: Config) -> bool:
    roles = config.roles
    return all(
        [
            roles.admins == frozenset(value.get("admins", [])),
            roles.admin_group == value.get("admin_group"),
            roles.csms == frozenset(value.get("csms", [])),
            roles.csm_group == value.get("csm_group"),
        ]
    )
