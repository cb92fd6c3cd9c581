"""A scorecard as plain JSON values and back, so a computed scorecard can be kept and reused.

The encoding is positional (each dataclass a list of its fields in order), driven by the
dataclasses' own type hints, so a field added to `Scorecard` or its parts is kept with no change
here; `layout()` names that shape, and a kept card of another layout is not decoded but
recomputed. The account's facts are kept with the card (a change to the account's row changes
its kept state in the same transaction, like a reading does); the signals are not: each comes
from the rules in force, by key. `rules_key` fingerprints the rules
a card was computed with.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import marshal
import sys
import types
import typing
from collections.abc import Callable, Mapping
from datetime import date, datetime, tzinfo
from enum import Enum
from fractions import Fraction
from typing import Any

from scoring.accounts import AccountFacts
from scoring.rules import Rules
from scoring.scorecard import Scorecard
from scoring.signals import Signal, Taxonomy
from scoring.trend import Trend

Decoder = Callable[[Any, "Context"], Any]


@dataclasses.dataclass(frozen=True, slots=True)
class Context:
    """What a kept card is rebuilt with: the rules' signals, and the account's facts when the
    caller gives them (else the kept ones)."""

    account: AccountFacts | None
    signals: Mapping[str, Signal]


def encode(card: Scorecard) -> list[Any]:
    """`card` as JSON values (lists, strings, numbers, None)."""
    return _encode(card)


def pack(card: Scorecard) -> bytes:
    """`card` as bytes to keep: its encoding in `marshal`'s format, which reads back several
    times faster than JSON (a view reads thousands). The trend's past weeks are packed apart,
    inside, so a view that shows none never reads them; repeated strings are kept once. That
    format may change with the Python version, so `rules_key` names the version; the bytes are
    only ever ones `pack` wrote."""
    data = _encode(card)
    trend = data[_TREND]
    weekly = trend[_WEEKLY]
    if weekly:
        trend[_WEEKLY] = [marshal.dumps(weekly[:-1]), weekly[-1]]
    return marshal.dumps(data)


def unpack(
    data: bytes,
    *,
    rules: Rules,
    account: AccountFacts | None = None,
    trend_weeks: int | None = None,
) -> Scorecard:
    """The scorecard `pack` gave `data` for (see `decode`); the past weeks are read only when
    `trend_weeks` asks for some."""
    values = marshal.loads(data)
    trend = values[_TREND]
    weekly = trend[_WEEKLY]
    if weekly:
        past, latest = weekly
        kept = marshal.loads(past) if trend_weeks is None or trend_weeks else []
        if trend_weeks is not None:
            kept = kept[-trend_weeks:] if trend_weeks else []
        trend[_WEEKLY] = [*kept, latest]
    return typing.cast(Scorecard, _SCORECARD(values, Context(account, rules.taxonomy.by_key)))


def decode(
    data: list[Any],
    *,
    rules: Rules,
    account: AccountFacts | None = None,
    trend_weeks: int | None = None,
) -> Scorecard:
    """The scorecard `encode` gave `data` for, with `rules`' signals and `account`'s facts
    (the kept ones by default);
    with `trend_weeks`, only that many of the trend's past weeks (the latest), as `evaluate`
    would have given them (the rest are not decoded at all)."""
    if trend_weeks is not None:
        trend = list(data[_TREND])
        weekly = trend[_WEEKLY]
        if weekly:
            trend[_WEEKLY] = [*(weekly[:-1][-trend_weeks:] if trend_weeks else ()), weekly[-1]]
        data = [*data[:_TREND], trend, *data[_TREND + 1 :]]
    return typing.cast(Scorecard, _SCORECARD(data, Context(account, rules.taxonomy.by_key)))


def _encode(value: Any) -> Any:
    if isinstance(value, Enum):  # first: a StrEnum is a str, which marshal does not keep
        return value.value
    if isinstance(value, str):  # interned: marshal keeps a string repeated in a card once
        return sys.intern(value)
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, Signal):
        return value.key
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, tuple):
        return [_encode(v) for v in value]
    if dataclasses.is_dataclass(value):
        return [_encode(getattr(value, f.name)) for f in dataclasses.fields(value)]
    raise TypeError(f"cannot keep a {type(value).__name__} in a scorecard")


def _expression(hint: Any, source: str, env: dict[str, Any]) -> str:
    """Python source decoding the encoded value at `source` to type `hint` (`c` is the
    Context); what it needs from outside goes into `env`. Decoders are generated once per type,
    because a portfolio view decodes thousands of cards."""
    if hint is AccountFacts:
        name = f"_{len(env)}"
        env[name] = _dataclass_decoder(AccountFacts)
        return f"(c.account if c.account is not None else {name}({source}, c))"
    if hint is Signal:
        return f"c.signals[{source}]"
    origin = typing.get_origin(hint)
    if origin in (types.UnionType, typing.Union):
        (inner,) = (a for a in typing.get_args(hint) if a is not type(None))
        decoded = _expression(inner, source, env)
        return source if decoded == source else f"(None if {source} is None else {decoded})"
    if origin is tuple:
        item = _expression(typing.get_args(hint)[0], "x", env)
        return f"tuple({source})" if item == "x" else f"tuple([{item} for x in {source}])"
    if hint in (int, str, bool):
        return source
    if hint is float:
        return f"float({source})"
    name = f"_{len(env)}"
    if hint is datetime:
        env[name] = datetime.fromisoformat
    elif hint is date:
        env[name] = _DAYS.__getitem__
    elif isinstance(hint, type) and issubclass(hint, Enum):
        env[name] = hint._value2member_map_.__getitem__
    elif isinstance(hint, type) and dataclasses.is_dataclass(hint):
        env[name] = _dataclass_decoder(hint)
        return f"{name}({source}, c)"
    else:
        raise TypeError(f"cannot keep a {hint!r} in a scorecard")
    return f"{name}({source})"


class _Days(dict[str, date]):
    """ISO days parsed once each: a portfolio's cards share a few hundred (the day they are as
    of, signatures, due dates), and a hit is a dict lookup, not a parse. Bounded, though no
    portfolio comes near: past `LIMIT` days it starts again."""

    LIMIT = 100_000

    def __missing__(self, text: str) -> date:
        if len(self) >= self.LIMIT:
            self.clear()
        day = self[text] = date.fromisoformat(text)
        return day


_DAYS = _Days()


def _dataclass_decoder(cls: type) -> Decoder:
    """A slotted dataclass without `__post_init__` is filled through its slots, as its own
    `__init__` would fill them, without that call per object (a view builds a hundred
    thousand): by plain attribute stores into an object of a twin class with the same slots,
    which then becomes a `cls` (a frozen class refuses the stores; five times faster than its
    `__init__`, two and a half than calling each slot's setter)."""
    hints = typing.get_type_hints(cls)
    env: dict[str, Any] = {"_cls": cls, "_new": object.__new__}
    fields = dataclasses.fields(cls)
    values = [_expression(hints[f.name], f"v[{i}]", env) for i, f in enumerate(fields)]
    twin = _twin(cls, [f.name for f in fields])
    if hasattr(cls, "__post_init__") or twin is None:
        body = f"    return _cls({', '.join(values)})"
    else:
        env["_twin"] = twin
        stores = "".join(
            f"    o.{f.name} = {value}\n" for f, value in zip(fields, values, strict=True)
        )
        body = f"    o = _new(_twin)\n{stores}    o.__class__ = _cls\n    return o"
    # Generated from the dataclass's own type hints and field names, never from stored data.
    exec(f"def build(v, c):\n{body}", env)
    return typing.cast(Decoder, env["build"])


def _twin(cls: type, names: list[str]) -> type | None:
    """A class laid out as `cls` (the same slots, no others), whose objects may become `cls`
    objects; None when `cls` is not a plain slotted class of exactly its fields."""
    slots = cls.__dict__.get("__slots__")
    if cls.__bases__ != (object,) or slots is None or list(slots) != names:
        return None
    twin = type(f"{cls.__name__}Twin", (), {"__slots__": tuple(slots)})
    probe = object.__new__(twin)
    try:
        probe.__class__ = cls
    except TypeError:  # the interpreter finds the layouts differ after all
        return None
    return twin


def _shape(hint: Any) -> Any:
    """The names and types a value of type `hint` is encoded by, for `layout`."""
    if hint is Signal:
        return hint.__name__
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        hints = typing.get_type_hints(hint)
        return [hint.__name__, [[f.name, _shape(hints[f.name])] for f in dataclasses.fields(hint)]]
    args = typing.get_args(hint)
    if args:
        return [str(typing.get_origin(hint)), [_shape(a) for a in args]]
    return getattr(hint, "__name__", repr(hint))


def _canonical(value: Any) -> Any:
    """`value` as JSON values in an order that does not depend on the process."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Fraction | date | datetime):
        return str(value)
    if isinstance(value, tzinfo):
        return str(getattr(value, "key", value))
    if isinstance(value, Taxonomy):
        return _canonical(value.signals)
    if isinstance(value, Mapping):
        return sorted([_canonical(k), _canonical(v)] for k, v in value.items())
    if isinstance(value, set | frozenset):
        return sorted(_canonical(v) for v in value)
    if isinstance(value, tuple | list):
        return [_canonical(v) for v in value]
    if dataclasses.is_dataclass(value):
        return [[f.name, _canonical(getattr(value, f.name))] for f in dataclasses.fields(value)]
    raise TypeError(f"cannot fingerprint a {type(value).__name__}")


_SCORECARD = _dataclass_decoder(Scorecard)
_TREND = [f.name for f in dataclasses.fields(Scorecard)].index("trend")
_WEEKLY = [f.name for f in dataclasses.fields(Trend)].index("weekly")
LAYOUT = json.dumps(_shape(Scorecard))
FORMAT = 3  # how `pack` arranges the encoding: 3, with the account's facts, past weeks apart


_KEYS: dict[int, tuple[Rules, str]] = {}  # by id(rules), holding the rules so the id stays theirs


def rules_key(rules: Rules) -> str:
    """A fingerprint of `rules` and of the card layout: a kept card with another is stale.
    Computed once per Rules object (they are immutable): every rating's transaction asks."""
    known = _KEYS.get(id(rules))
    if known is not None and known[0] is rules:
        return known[1]
    text = json.dumps([_canonical(rules), LAYOUT, FORMAT, sys.version_info[:2], marshal.version])
    key = hashlib.sha256(text.encode()).hexdigest()[:32]
    if len(_KEYS) >= 64:
        _KEYS.clear()
    _KEYS[id(rules)] = (rules, key)
    return key
