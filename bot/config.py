"""Configuration: secrets and URLs from the environment, the rules from one validated YAML file.

The YAML file is merged over the shipped defaults (`scoring/defaults.yml`) field by field, nested
sections too: `rescue: {checkpoint_days: {watch: 10}}` changes that one number. Every problem is
reported as `FILE, line N: dotted.path: problem` with what right looks like, and a bad file is
refused whole. The file is read with limits (`bot.safe_yaml`), numbers are strict (`true` and
`"3"` are not numbers), and Slack IDs must look like Slack IDs.
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

from bot import safe_yaml
from scoring.rules import Bands, RescuePolicy, Rules, Status
from scoring.signals import Category, Segment, Signal, Taxonomy

CONFIG_FILE_NAME = "rescuebot.yml"
SLACK_API_URL = "https://slack.com/api/"
DATABASE_URL_EXAMPLE = (
    "sqlite:///rescuebot.db or postgresql+psycopg://user:password@host:5432/rescuebot"
)
# The drivers installed with rescuebot (`postgres://` is rewritten to psycopg by the store).
_DATABASE_DRIVERS = ("sqlite", "sqlite+pysqlite", "postgres", "postgresql", "postgresql+psycopg")


def database_url_problem(url: str) -> str | None:
    """What is wrong with a database URL, or None when SQLAlchemy can use it."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        drivername = make_url(url).drivername
    except ArgumentError:
        return "is not a database URL"
    if drivername not in _DATABASE_DRIVERS:
        return f"names the driver `{drivername}`, which rescuebot does not have"
    return None


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

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, url: str) -> str:
        problem = database_url_problem(url)
        if problem:
            raise ValueError(problem)
        return url


class SettingsError(ValueError):
    """An environment variable is unusable; `problems` holds one line of text per variable."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def load_settings() -> Settings:
    """The settings from the environment, or `SettingsError` naming each bad variable."""
    try:
        return Settings()
    except ValidationError as exc:
        raise SettingsError([_explain_setting(error) for error in exc.errors()]) from exc


def _explain_setting(error: Any) -> str:
    name = ".".join(str(p) for p in error["loc"]).upper()
    message = error["msg"].removeprefix("Value error, ")
    if name == "DATABASE_URL":
        shown = str(error.get("input", ""))
        if "@" in shown:  # never echo a password
            shown = "…@" + shown.rsplit("@", 1)[1]
        return f"DATABASE_URL `{shown}` {message}; write it like {DATABASE_URL_EXAMPLE}"
    return f"{name}: {message}"


class ConfigError(ValueError):
    """The config file is unusable; `problems` holds one line of text per problem."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


# Strict: YAML's `true` is not 1 and `"3"` is not 3 (a whole number may stand for a float).
NonNegative = Annotated[int, Field(strict=True, ge=0)]
Weight = Annotated[float, Field(strict=True, ge=0, allow_inf_nan=False)]
Band = Annotated[float, Field(strict=True, ge=0, le=10)]
Flag = Annotated[bool, Field(strict=True)]
Window = NonNegative | None | dict[Segment, NonNegative | None]

_WINDOW_HELP = (
    "a window is whole days after signature (0 or more), null for never overdue, "
    "or one per segment like {smb: 30, mid: 45, enterprise: 60}"
)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SignalSpec(_Strict):
    label: str | None = None
    description: str | None = None
    category: Category | None = None
    weight: Weight | None = None
    window: Window = Field(default=None)
    retired: Flag | None = None

    @field_validator("window", mode="before")
    @classmethod
    def _window(cls, value: Any) -> Any:
        if isinstance(value, dict):
            if set(value) != {segment.value for segment in Segment}:
                raise ValueError(
                    "give every segment (smb, mid, enterprise) or one number of days for all"
                )
            days = list(value.values())
        else:
            days = [value]
        for day in days:
            if day is not None and (type(day) is not int or day < 0):
                raise ValueError(_WINDOW_HELP)
        return value


class BandsSpec(_Strict):
    healthy: Band | None = None
    watch: Band | None = None

    @field_validator("healthy", "watch")
    @classmethod
    def _one_decimal(cls, value: float | None) -> float | None:
        if value is not None and round(value * 10) != value * 10:
            raise ValueError("a band takes at most one decimal, like 7.5")
        return value


class StatusDays(_Strict):
    at_risk: NonNegative | None = None
    watch: NonNegative | None = None


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
    """`roles:` as written in the file; `Config.roles` is what the code reads."""

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
    reminder_every_minutes: Annotated[int, Field(strict=True, ge=1, le=60)] | None = None
    sla_warning_hours: Annotated[float, Field(strict=True, gt=0, le=72)] | None = None
    misfire_grace_minutes: Annotated[int, Field(strict=True, ge=1, le=10080)] | None = None


class ConfigFile(_Strict):
    """The YAML file's shape: every key optional, unknown keys refused."""

    team_timezone: str | None = None
    stale_after_days: NonNegative | None = None
    trend_weeks: Annotated[int, Field(strict=True, ge=1, le=104)] | None = None
    holidays: list[date] | None = None
    bands: BandsSpec | None = None
    signals: dict[str, SignalSpec] = Field(default_factory=dict)
    rescue: RescueSpec | None = None
    escalation: EscalationSpec | None = None
    digests: list[DigestSpec] | None = None
    schedule: ScheduleSpec | None = None
    roles: RolesSpec | None = None


@dataclass(frozen=True)
class ConfiguredRoles:
    """`roles:` in force: Slack member IDs (`U…`/`W…`) and user group IDs (`S…`).

    - `admins`, `admin_group`: the admins. Both empty means unset: the authorisation policy
      (`bot.services.policy`) then takes the escalation approvers as the admins.
    - `csms`, `csm_group`: the CSMs. Both empty means unset: every workspace member is a CSM.
    Group members are resolved by the policy through Slack, not here.
    """

    admins: frozenset[str] = frozenset()
    admin_group: str | None = None
    csms: frozenset[str] = frozenset()
    csm_group: str | None = None


@dataclass(frozen=True)
class Config:
    """The validated configuration in force. `escalation.approvers`/`approver_group` are the
    approvers; `roles` the admins and CSMs."""

    rules: Rules
    rescue_channel: str | None
    escalation: EscalationSpec
    digests: tuple[DigestSpec, ...]
    source: str
    schedule: ScheduleSpec
    roles: ConfiguredRoles


def load_config(path: Path | None = None) -> Config:
    """`path`, else `rescuebot.yml` in the working directory if present, else the defaults."""
    defaults_text = files("scoring").joinpath("defaults.yml").read_text(encoding="utf-8")
    defaults = _parse(defaults_text, "scoring/defaults.yml")
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
    return _build(defaults, _parse(text, str(path)), str(path))


KeyPath = tuple[str | int, ...]


@dataclass(frozen=True)
class _Parsed:
    spec: ConfigFile
    lines: dict[KeyPath, int]
    source: str

    def at(self, path: KeyPath) -> str:
        while path and path not in self.lines:
            path = path[:-1]
        line = self.lines.get(path)
        return f"{self.source}, line {line}" if line else self.source


def _parse(text: str, source: str) -> _Parsed:
    try:
        root = safe_yaml.compose(text)
        lines: dict[KeyPath, int] = {}
        problems: list[str] = []
        if root is not None:
            _index(root, (), lines, problems, source)
        if problems:
            raise ConfigError(problems)
        data = safe_yaml.construct(root)
    except safe_yaml.YamlRefused as exc:
        where = f"{source}, line {exc.line}" if exc.line else source
        raise ConfigError([f"{where}: {exc.problem}"]) from exc
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError([f"{source}: the file must be a mapping of keys like `bands:`"])
    parsed = _Parsed(ConfigFile.model_construct(), lines, source)
    try:
        spec = ConfigFile.model_validate(data)
    except ValidationError as exc:
        raise ConfigError([_explain(parsed, error) for error in exc.errors()]) from exc
    parsed = _Parsed(spec, lines, source)
    problems = _id_problems(parsed)
    if problems:
        raise ConfigError(problems)
    return parsed


def _index(
    node: yaml.Node,
    path: KeyPath,
    lines: dict[KeyPath, int],
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


# What right looks like, for pydantic's error types that would otherwise say it in its words.
_EXPECTED = {
    "int_type": "must be a whole number, like 14",
    "int_from_float": "must be a whole number, like 14",
    "float_type": "must be a number, like 1.5",
    "bool_type": "must be true or false",
    "string_type": "must be text",
    "list_type": "must be a list, like [a, b]",
    "dict_type": "must be a mapping of keys, like {key: value}",
    "model_type": "must be a mapping of keys, like {key: value}",
    "date_type": "must be a real date, written YYYY-MM-DD",
    "date_parsing": "must be a real date, written YYYY-MM-DD",
    "date_from_datetime_parsing": "must be a real date, written YYYY-MM-DD",
    "date_from_datetime_inexact": "must be a date without a time, written YYYY-MM-DD",
}


def _explain(parsed: _Parsed, error: Any) -> str:
    loc = tuple(p for p in error["loc"] if not (isinstance(p, str) and "[" in p))
    dotted = ".".join(str(p) for p in loc) or "(top level)"
    kind = error["type"]
    if kind == "extra_forbidden":
        message = f"unknown key `{loc[-1]}`; see scoring/defaults.yml for the keys"
    elif kind == "missing":
        message = "is missing and required here"
    else:
        said = _EXPECTED.get(kind) or error["msg"].removeprefix("Value error, ")
        shown = repr(error.get("input"))
        message = f"{said} (got {shown if len(shown) <= 60 else shown[:57] + '...'})"
    return f"{parsed.at(loc)}: {dotted}: {message}"


_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
_GROUP_ID = re.compile(r"^S[A-Z0-9]{2,}$")
_CHANNEL_ID = re.compile(r"^[CG][A-Z0-9]{2,}$")
_ID_HINTS = {
    _USER_ID: (
        "is not a Slack member ID; use the member ID, e.g. U0123ABCD: "
        "in Slack, open the profile → ⋯ → Copy member ID"
    ),
    _GROUP_ID: (
        "is not a Slack user group ID; use the group's ID, e.g. S0123ABCD "
        "(Slack's usergroups.list gives each group's id)"
    ),
    _CHANNEL_ID: (
        "is not a Slack channel ID; use the channel ID, e.g. C0123ABCD: in Slack, open the "
        "channel's details; the ID is at the bottom of About"
    ),
}


def _id_problems(parsed: _Parsed) -> list[str]:
    """Every configured Slack ID checked for its shape (`@morgan` and `#general` are names,
    which change and collide; Slack's API wants IDs)."""
    spec = parsed.spec
    wanted: list[tuple[KeyPath, str | None, re.Pattern[str]]] = []
    if spec.rescue:
        wanted.append((("rescue", "channel"), spec.rescue.channel, _CHANNEL_ID))
    if spec.escalation:
        wanted.append((("escalation", "channel"), spec.escalation.channel, _CHANNEL_ID))
        wanted += [
            (("escalation", "approvers", i), user, _USER_ID)
            for i, user in enumerate(spec.escalation.approvers)
        ]
        wanted.append((("escalation", "approver_group"), spec.escalation.approver_group, _GROUP_ID))
    if spec.roles:
        for name in ("admins", "csms"):
            wanted += [
                (("roles", name, i), user, _USER_ID)
                for i, user in enumerate(getattr(spec.roles, name))
            ]
        wanted.append((("roles", "admin_group"), spec.roles.admin_group, _GROUP_ID))
        wanted.append((("roles", "csm_group"), spec.roles.csm_group, _GROUP_ID))
    for i, digest in enumerate(spec.digests or ()):
        wanted.append((("digests", i, "channel"), digest.channel, _CHANNEL_ID))
        wanted.append((("digests", i, "scope", "csm"), digest.scope.csm, _USER_ID))
    return [
        f"{parsed.at(path)}: {'.'.join(map(str, path))}: `{value}` {_ID_HINTS[shape]}"
        for path, value, shape in wanted
        if value is not None and not shape.match(value)
    ]


_SIGNAL_KEY = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


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


def _build(defaults: _Parsed, user: _Parsed | None, source: str) -> Config:
    problems: list[str] = []
    base = defaults.spec
    spec: ConfigFile = _overlay(base, user.spec) if user else base
    at = user.at if user else defaults.at

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

    zone_name = spec.team_timezone or base.team_timezone or "UTC"
    zone = _zone(zone_name, at(("team_timezone",)), problems)
    bands = spec.bands
    assert bands is not None and bands.healthy is not None and bands.watch is not None
    if bands.healthy <= bands.watch:
        problems.append(
            f"{at(('bands',))}: bands: healthy ({bands.healthy}) must be above watch "
            f"({bands.watch}); the bands overlap"
        )
    digests = spec.digests or []
    for i, digest in enumerate(digests):
        if digest.timezone:
            _zone(digest.timezone, at(("digests", i, "timezone")), problems)
        _cron(digest.cron, f"{at(('digests', i, 'cron'))}: digests.{i}.cron", problems)
    schedule, rescue, escalation = spec.schedule, spec.rescue, spec.escalation
    assert schedule is not None and rescue is not None and escalation is not None
    for name in ("recompute_cron", "stale_reminder_cron"):
        _cron(getattr(schedule, name), f"{at(('schedule', name))}: schedule.{name}", problems)
    if problems:
        raise ConfigError(problems)

    sla, checkpoint = rescue.sla_business_days, rescue.checkpoint_days
    assert sla and checkpoint and None not in (sla.at_risk, sla.watch)
    assert None not in (checkpoint.at_risk, checkpoint.watch)
    rules = Rules(
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
    roles = spec.roles or RolesSpec()
    configured_roles = ConfiguredRoles(
        admins=frozenset(roles.admins),
        admin_group=roles.admin_group,
        csms=frozenset(roles.csms),
        csm_group=roles.csm_group,
    )
    return Config(
        rules, rescue.channel, escalation, tuple(digests), source, schedule, configured_roles
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
