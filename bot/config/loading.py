"""Loading the config in force: the shipped defaults, the user's file merged over them field by
field, and the checks that need the whole picture (weights, bands, zones, cron lines)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from fractions import Fraction
from importlib.resources import files
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel

from bot.config import safe_yaml
from bot.config.parsing import KeyPath, Parsed, parse_file
from bot.config.schema import (
    Config,
    ConfigError,
    ConfigFile,
    ConfiguredRoles,
    IntegrationsSpec,
    RolesSpec,
    SignalSpec,
    StandupSpec,
)
from scoring.gates import GateItem, GatePhase, Gates
from scoring.rules import Bands, RescuePolicy, Rules, Status
from scoring.signals import Segment, Signal, Taxonomy

CONFIG_FILE_NAME = "rescuebot.yml"
_SIGNAL_KEY = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


def load_config(path: Path | None = None) -> Config:
    """`path`, else `rescuebot.yml` in the working directory if present, else the defaults."""
    defaults_text = files("scoring").joinpath("defaults.yml").read_text(encoding="utf-8")
    defaults = parse_file(defaults_text, "scoring/defaults.yml")
    if path is None and Path(CONFIG_FILE_NAME).is_file():
        path = Path(CONFIG_FILE_NAME)
    if path is None:
        return _build(defaults, None, "shipped defaults")
    try:
        text = safe_yaml.read_text(Path(path))
    except FileNotFoundError as exc:
        raise ConfigError([f"{path}: no such config file"]) from exc
    except safe_yaml.YamlRefused as exc:
        raise ConfigError([f"{path}: {exc.problem}"]) from exc
    except OSError as exc:
        raise ConfigError([f"{path}: cannot be read ({exc.strerror or exc})"]) from exc
    return _build(defaults, parse_file(text, str(path)), str(path))


def _overlay(base: Any, over: Any) -> Any:
    """`over` on top of `base`: for models, only the fields `over` was given, each merged the
    same way; for mappings (signals), key by key; anything else is replaced. A section given
    as null keeps the defaults; a value given as null is null (no channel, never overdue)."""
    if isinstance(base, BaseModel) and isinstance(over, BaseModel):
        update = {
            name: _overlay(getattr(base, name), getattr(over, name))
            for name in over.model_fields_set
            if not (getattr(over, name) is None and isinstance(getattr(base, name), BaseModel))
        }
        return base.model_copy(update=update)
    if isinstance(base, dict) and isinstance(over, dict):
        return {**base, **{key: _overlay(base.get(key), value) for key, value in over.items()}}
    return over


def _build(defaults: Parsed, user: Parsed | None, source: str) -> Config:
    problems: list[str] = []
    base = defaults.spec
    spec: ConfigFile = _overlay(base, user.spec) if user else base
    at = user.at if user else defaults.at
    signals = _signals(spec, base, at, problems)
    zone_name = spec.team_timezone or base.team_timezone or "UTC"
    zone = _zone(zone_name, at(("team_timezone",)), problems)
    _check_bands_and_schedules(spec, at, problems)
    _check_integrations(spec, signals, at, problems)
    gates = _gates(spec, signals, at, problems)
    if problems:
        raise ConfigError(problems)
    assert spec.rescue is not None and spec.escalation is not None and spec.schedule is not None
    roles = spec.roles or RolesSpec()
    return Config(
        rules=replace(_rules(spec, base, signals, zone), gates=gates),
        rescue_channel=spec.rescue.channel,
        escalation=spec.escalation,
        digests=tuple(spec.digests or []),
        source=source,
        schedule=spec.schedule,
        roles=ConfiguredRoles(
            admins=frozenset(roles.admins),
            admin_group=roles.admin_group,
            csms=frozenset(roles.csms),
            csm_group=roles.csm_group,
        ),
        integrations=spec.integrations or IntegrationsSpec(),
        standup=spec.standup or StandupSpec(),
    )


def _check_integrations(
    spec: ConfigFile, signals: list[Signal], at: Callable[[KeyPath], str], problems: list[str]
) -> None:
    """Each Segment event sets a signal in use."""
    if spec.integrations is None:
        return
    in_use = sorted(signal.key for signal in signals if not signal.retired)
    for name, event in spec.integrations.segment.events.items():
        if event.signal not in in_use:
            path = ("integrations", "segment", "events", name, "signal")
            problems.append(
                f"{at(path)}: integrations.segment.events.{name}.signal: `{event.signal}` is "
                f"not a signal in use; use one of {', '.join(in_use)}"
            )


def _gates(
    spec: ConfigFile, signals: list[Signal], at: Callable[[KeyPath], str], problems: list[str]
) -> Gates:
    """Each phase's checklist: item keys like signal keys, unique across phases; a new item needs
    a label; a linked signal must be in use."""
    if spec.gates is None:
        return Gates()
    in_use = sorted(signal.key for signal in signals if not signal.retired)
    items: list[GateItem] = []
    seen: dict[str, GatePhase] = {}
    for phase in GatePhase:
        for key, item in getattr(spec.gates, phase.value).items():
            if item is None:
                continue
            path = ("gates", phase.value, key)
            where = f"{at(path)}: gates.{phase.value}.{key}"
            if not _SIGNAL_KEY.match(key):
                problems.append(
                    f"{where}: a gate item key is lower-case letters, digits and `_`, starting "
                    "with a letter"
                )
                continue
            if key in seen:
                problems.append(
                    f"{where}: `{key}` is already an item of gates.{seen[key].value}; "
                    "give each item its own key"
                )
                continue
            if not (item.label or "").strip():
                problems.append(f'{where}: a gate item needs a label, like label: "SSO tested"')
                continue
            if item.signal is not None and item.signal not in in_use:
                problems.append(
                    f"{where}.signal: `{item.signal}` is not a signal in use; use one of "
                    f"{', '.join(in_use)}"
                )
                continue
            if item.unit is not None and item.target is None:
                problems.append(f'{where}: a unit needs a target, like target: 95, unit: "%"')
                continue
            seen[key] = phase
            items.append(
                GateItem(
                    key=key,
                    label=item.label.strip(),
                    phase=phase,
                    target=item.target,
                    unit=item.unit or "",
                    signal=item.signal,
                )
            )
    return Gates(tuple(items))


def _signals(
    spec: ConfigFile, base: ConfigFile, at: Callable[[KeyPath], str], problems: list[str]
) -> list[Signal]:
    """The taxonomy: the defaults with the file's changes, and the new signals it defines."""
    signals: list[Signal] = []
    for key, signal_spec in spec.signals.items():
        if key not in base.signals:
            if not _SIGNAL_KEY.match(key):
                problems.append(
                    f"{at(('signals', key))}: signals.{key}: a signal key is lower-case "
                    "letters, digits and `_`, starting with a letter"
                )
                continue
            missing = [
                f for f in ("label", "category", "weight") if getattr(signal_spec, f) is None
            ]
            if missing:
                problems.append(
                    f"{at(('signals', key))}: signals.{key}: unknown signal `{key}`; a new signal "
                    f"needs {', '.join(missing)} (known signals: {', '.join(base.signals)})"
                )
                continue
        signals.append(_signal(key, signal_spec))
    scored = [signal for signal in signals if not signal.retired]
    if not scored:
        problems.append(f"{at(('signals',))}: signals: every signal is retired; keep one scored")
    elif not any(signal.weight for signal in scored):
        problems.append(
            f"{at(('signals',))}: signals: every signal in use has weight 0, so nothing can be "
            "scored; give at least one non-retired signal a weight above 0, like 1"
        )
    return signals


def _check_bands_and_schedules(
    spec: ConfigFile, at: Callable[[KeyPath], str], problems: list[str]
) -> None:
    bands = spec.bands
    assert bands is not None and bands.healthy is not None and bands.watch is not None
    if bands.healthy <= bands.watch:
        problems.append(
            f"{at(('bands',))}: bands: healthy ({bands.healthy}) must be above watch "
            f"({bands.watch}); the bands overlap"
        )
    for i, digest in enumerate(spec.digests or []):
        if digest.timezone:
            _zone(digest.timezone, at(("digests", i, "timezone")), problems)
        _cron(digest.cron, f"{at(('digests', i, 'cron'))}: digests.{i}.cron", problems)
    assert spec.schedule is not None
    for name in ("recompute_cron", "stale_reminder_cron"):
        cron = getattr(spec.schedule, name)
        _cron(cron, f"{at(('schedule', name))}: schedule.{name}", problems)


def _rules(spec: ConfigFile, base: ConfigFile, signals: list[Signal], zone: ZoneInfo) -> Rules:
    bands, rescue = spec.bands, spec.rescue
    assert bands is not None and bands.healthy is not None and bands.watch is not None
    assert rescue is not None
    sla, checkpoint = rescue.sla_business_days, rescue.checkpoint_days
    assert sla and checkpoint and None not in (sla.at_risk, sla.watch)
    assert None not in (checkpoint.at_risk, checkpoint.watch)
    return Rules(
        taxonomy=Taxonomy(signals),
        bands=Bands(round(bands.healthy * 10), round(bands.watch * 10)),
        stale_after_days=_first(spec.stale_after_days, base.stale_after_days, 14),
        rescue=RescuePolicy(
            sla_business_days={Status.AT_RISK: sla.at_risk, Status.WATCH: sla.watch},  # type: ignore[dict-item]
            checkpoint_days={
                Status.AT_RISK: checkpoint.at_risk,  # type: ignore[dict-item]
                Status.WATCH: checkpoint.watch,  # type: ignore[dict-item]
            },
        ),
        team_timezone=zone,
        holidays=frozenset(spec.holidays or ()),
        trend_weeks=_first(spec.trend_weeks, base.trend_weeks, 12),
    )


def _first(*values: int | None) -> int:
    return next(v for v in values if v is not None)


def _zone(name: str, where: str, problems: list[str]) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        problems.append(
            f"{where}: `{name}` is not a time zone; use an IANA name like Europe/London"
        )
        return ZoneInfo("UTC")


def _cron(expression: str | None, where: str, problems: list[str]) -> None:
    # Imported only for a configured schedule: apscheduler brings asyncio into every CLI start.
    from apscheduler.triggers.cron import CronTrigger

    try:
        if expression is None or len(expression.split()) != 5:
            raise ValueError("not five fields")
        CronTrigger.from_crontab(expression, timezone="UTC")
    except ValueError:
        problems.append(
            f"{where}: `{expression}` is not a five-field cron expression "
            '(minute hour day month weekday) like "0 9 * * mon"'
        )


def _signal(key: str, spec: SignalSpec) -> Signal:
    window = spec.window
    by_segment = (
        {segment: window.get(segment) for segment in Segment}
        if isinstance(window, dict)
        else dict.fromkeys(Segment, window)
    )
    assert spec.label is not None and spec.category is not None and spec.weight is not None
    return Signal(
        key=key,
        label=spec.label,
        category=spec.category,
        weight=Fraction(str(spec.weight)),
        window=by_segment,
        description=spec.description or "",
        retired=bool(spec.retired),
    )
