"""Configuration: secrets and URLs from the environment, the rules from one validated YAML file.

The YAML file is merged over the shipped defaults (`scoring/defaults.yml`); every problem is
reported with the file, the line and what right looks like, and a bad file is refused whole.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from importlib.resources import files
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from apscheduler.triggers.cron import CronTrigger
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from scoring.rules import Bands, RescuePolicy, Rules, Status
from scoring.signals import Category, Segment, Signal, Taxonomy

CONFIG_FILE_NAME = "rescuebot.yml"
SLACK_API_URL = "https://slack.com/api/"


class Settings(BaseSettings):
    """Environment variables (and `.env`): secrets, URLs and where the config file is."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    database_url: str = "sqlite:///rescuebot.db"
    slack_bot_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_api_url: str = SLACK_API_URL
    slack_team_id: str | None = None
    rescuebot_config: Path | None = None
    log_level: str = "INFO"

    @field_validator("slack_api_url")
    @classmethod
    def _trailing_slash(cls, url: str) -> str:
        return url.rstrip("/") + "/"


class ConfigError(ValueError):
    """The config file is unusable; `problems` holds one line of text per problem."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


NonNegative = Annotated[int, Field(ge=0)]
Window = NonNegative | None | dict[Segment, NonNegative | None]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SignalSpec(_Strict):
    label: str | None = None
    description: str | None = None
    category: Category | None = None
    weight: Annotated[float, Field(ge=0, allow_inf_nan=False)] | None = None
    window: Window = Field(default=None)
    retired: bool | None = None


class BandsSpec(_Strict):
    healthy: Annotated[float, Field(ge=0, le=10)]
    watch: Annotated[float, Field(ge=0, le=10)]

    @field_validator("healthy", "watch")
    @classmethod
    def _one_decimal(cls, value: float) -> float:
        if round(value * 10) != value * 10:
            raise ValueError("a band takes at most one decimal, like 7.5")
        return value


class StatusDays(_Strict):
    at_risk: NonNegative
    watch: NonNegative


class RescueSpec(_Strict):
    channel: str | None = None
    sla_business_days: StatusDays | None = None
    checkpoint_days: StatusDays | None = None


class EscalationSpec(_Strict):
    channel: str | None = None
    approvers: list[str] = Field(default_factory=list)
    approver_group: str | None = None
    two_approvals_from_arr: NonNegative | None = None


class RolesSpec(_Strict):
    """`roles:` — who may do what (see `bot.services.policy`). Unset admins: the escalation
    approvers are the admins; unset CSMs: every member of the workspace is one."""

    admins: list[str] = Field(default_factory=list)
    admin_group: str | None = None
    csms: list[str] = Field(default_factory=list)
    csm_group: str | None = None


class DigestScope(_Strict):
    segment: Segment | None = None
    csm: str | None = None


class DigestSpec(_Strict):
    channel: str
    cron: str = "0 9 * * mon"
    timezone: str | None = None
    scope: DigestScope = Field(default_factory=DigestScope)


class ScheduleSpec(_Strict):
    recompute_cron: str | None = None
    stale_reminder_cron: str | None = None
    reminder_every_minutes: Annotated[int, Field(ge=1, le=60)] | None = None
    sla_warning_hours: Annotated[float, Field(gt=0, le=72)] | None = None
    misfire_grace_minutes: Annotated[int, Field(ge=1, le=10080)] | None = None


class ConfigFile(_Strict):
    """The YAML file's shape: every key optional, unknown keys refused."""

    team_timezone: str | None = None
    stale_after_days: NonNegative | None = None
    trend_weeks: Annotated[int, Field(ge=1, le=104)] | None = None
    holidays: list[date] | None = None
    bands: BandsSpec | None = None
    signals: dict[str, SignalSpec] = Field(default_factory=dict)
    rescue: RescueSpec | None = None
    escalation: EscalationSpec | None = None
    digests: list[DigestSpec] | None = None
    schedule: ScheduleSpec | None = None
    roles: RolesSpec | None = None


@dataclass(frozen=True)
class Config:
    """The validated configuration in force."""

    rules: Rules
    rescue_channel: str | None
    escalation: EscalationSpec
    digests: tuple[DigestSpec, ...]
    source: str
    schedule: ScheduleSpec
    roles: RolesSpec = RolesSpec()


def load_config(path: Path | None = None) -> Config:
    """`path`, else `rescuebot.yml` in the working directory if present, else the defaults."""
    defaults_text = files("scoring").joinpath("defaults.yml").read_text(encoding="utf-8")
    defaults = _parse(defaults_text, "scoring/defaults.yml")
    if path is None and Path(CONFIG_FILE_NAME).is_file():
        path = Path(CONFIG_FILE_NAME)
    if path is None:
        return _build(defaults, None, "shipped defaults")
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise ConfigError([f"{path}: no such config file"]) from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError([f"{path}: cannot be read ({exc})"]) from exc
    return _build(defaults, _parse(text, str(path)), str(path))


@dataclass(frozen=True)
class _Parsed:
    spec: ConfigFile
    lines: dict[tuple[str | int, ...], int]
    source: str

    def at(self, path: tuple[str | int, ...]) -> str:
        while path and path not in self.lines:
            path = path[:-1]
        line = self.lines.get(path)
        return f"{self.source}, line {line}" if line else self.source


def _parse(text: str, source: str) -> _Parsed:
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{source}, line {mark.line + 1}" if mark else source
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError([f"{where}: not valid YAML ({problem})"]) from exc
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError([f"{source}: the file must be a mapping of keys like `bands:`"])
    lines: dict[tuple[str | int, ...], int] = {}
    problems: list[str] = []
    if root is not None:
        _index(root, (), lines, problems, source)
    if problems:
        raise ConfigError(problems)
    parsed = _Parsed(ConfigFile.model_construct(), lines, source)
    try:
        spec = ConfigFile.model_validate(data)
    except ValidationError as exc:
        raise ConfigError([_explain(parsed, error) for error in exc.errors()]) from exc
    return _Parsed(spec, lines, source)


def _index(
    node: yaml.Node,
    path: tuple[str | int, ...],
    lines: dict[tuple[str | int, ...], int],
    problems: list[str],
    source: str,
) -> None:
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = key_node.value
            child = (*path, key)
            if key in seen:
                problems.append(
                    f"{source}, line {key_node.start_mark.line + 1}: "
                    f"`{'.'.join(map(str, child))}` is given twice; keep one"
                )
            seen.add(key)
            lines[child] = key_node.start_mark.line + 1
            _index(value_node, child, lines, problems, source)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            lines[(*path, i)] = item.start_mark.line + 1
            _index(item, (*path, i), lines, problems, source)


def _explain(parsed: _Parsed, error: Any) -> str:
    loc = tuple(p for p in error["loc"] if not (isinstance(p, str) and "[" in p))
    dotted = ".".join(str(p) for p in loc) or "(top level)"
    kind = error["type"]
    if kind == "extra_forbidden":
        message = f"unknown key `{loc[-1]}`; see scoring/defaults.yml for the keys"
    elif kind == "missing":
        message = "is missing and required here"
    else:
        message = f"{error['msg'].removeprefix('Value error, ')} (got {error.get('input')!r})"
    return f"{parsed.at(loc)}: {dotted}: {message}"


_SIGNAL_KEY = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


def _build(defaults: _Parsed, user: _Parsed | None, source: str) -> Config:
    problems: list[str] = []
    base, over = defaults.spec, user.spec if user else ConfigFile()
    at = user.at if user else defaults.at

    signals: list[Signal] = []
    for key, spec in base.signals.items():
        merged = (
            spec.model_copy(update=over.signals[key].model_dump(exclude_unset=True))
            if (key in over.signals)
            else spec
        )
        signals.append(_signal(key, merged))
    for key, spec in over.signals.items():
        if key in base.signals:
            continue
        if not _SIGNAL_KEY.match(key):
            problems.append(
                f"{at(('signals', key))}: signals.{key}: a signal key is lower-case letters, "
                "digits and `_`, starting with a letter"
            )
            continue
        missing = [f for f in ("label", "category", "weight") if getattr(spec, f) is None]
        if missing:
            problems.append(
                f"{at(('signals', key))}: signals.{key}: unknown signal `{key}`; a new signal "
                f"needs {', '.join(missing)} (known signals: {', '.join(base.signals)})"
            )
            continue
        signals.append(_signal(key, spec))
    for key, spec in over.signals.items():
        if isinstance(spec.window, dict) and set(spec.window) != set(Segment):
            problems.append(
                f"{at(('signals', key, 'window'))}: signals.{key}.window: give every segment "
                "(smb, mid, enterprise) or one number of days for all"
            )

    zone_name = over.team_timezone or base.team_timezone or "UTC"
    zone = _zone(zone_name, at(("team_timezone",)), problems)
    bands = over.bands or base.bands
    assert bands is not None
    if bands.healthy <= bands.watch:
        problems.append(
            f"{at(('bands',))}: bands: healthy ({bands.healthy}) must be above watch "
            f"({bands.watch}); the bands overlap"
        )
    digests = over.digests if over.digests is not None else base.digests or []
    for i, digest in enumerate(digests):
        if digest.timezone:
            _zone(digest.timezone, at(("digests", i, "timezone")), problems)
        _cron(digest.cron, f"{at(('digests', i, 'cron'))}: digests.{i}.cron", problems)
    schedule = _merge(base.schedule, over.schedule)
    assert isinstance(schedule, ScheduleSpec)
    for name in ("recompute_cron", "stale_reminder_cron"):
        _cron(getattr(schedule, name), f"{at(('schedule', name))}: schedule.{name}", problems)
    if problems:
        raise ConfigError(problems)

    rescue = _merge(base.rescue, over.rescue)
    escalation = _merge(base.escalation, over.escalation)
    assert isinstance(rescue, RescueSpec) and isinstance(escalation, EscalationSpec)
    assert rescue.sla_business_days and rescue.checkpoint_days
    rules = Rules(
        taxonomy=Taxonomy(signals),
        bands=Bands(round(bands.healthy * 10), round(bands.watch * 10)),
        stale_after_days=_first(over.stale_after_days, base.stale_after_days, 14),
        rescue=RescuePolicy(
            sla_business_days={
                Status.AT_RISK: rescue.sla_business_days.at_risk,
                Status.WATCH: rescue.sla_business_days.watch,
            },
            checkpoint_days={
                Status.AT_RISK: rescue.checkpoint_days.at_risk,
                Status.WATCH: rescue.checkpoint_days.watch,
            },
        ),
        team_timezone=zone,
        holidays=frozenset(over.holidays or base.holidays or ()),
        trend_weeks=_first(over.trend_weeks, base.trend_weeks, 12),
    )
    roles = over.roles or base.roles or RolesSpec()
    return Config(rules, rescue.channel, escalation, tuple(digests), source, schedule, roles)


def _first(*values: int | None) -> int:
    return next(v for v in values if v is not None)


def _merge(base: BaseModel | None, over: BaseModel | None) -> BaseModel | None:
    if base is None or over is None:
        return over or base
    return base.model_copy(update=over.model_dump(exclude_unset=True))


def _zone(name: str, where: str, problems: list[str]) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        problems.append(
            f"{where}: `{name}` is not a time zone; use an IANA name like Europe/London"
        )
        return ZoneInfo("UTC")


def _cron(expression: str | None, where: str, problems: list[str]) -> None:
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
