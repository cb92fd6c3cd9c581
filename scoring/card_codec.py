"""A scorecard as plain JSON values and back, so a computed scorecard can be kept and reused.

The encoding is positional (each dataclass a list of its fields in order), driven by the
dataclasses' own type hints, so a field added to `Scorecard` or its parts is kept with no change
here; `layout()` names that shape, and a kept card of another layout is not decoded but
recomputed. The account's facts and the signals are not kept: the facts come from the account
as it is now and each signal from the rules in force, by key. `rules_key` fingerprints the rules
a card was computed with.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
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

Decoder = Callable[[Any, "Context"], Any]


@dataclasses.dataclass(frozen=True, slots=True)
class Context:
    """What a kept card is rebuilt with: the account's facts now and the rules' signals."""

    account: AccountFacts
    signals: Mapping[str, Signal]


def encode(card: Scorecard) -> list[Any]:
    """`card` as JSON values (lists, strings, numbers, None)."""
    return _encode(card)


def decode(data: list[Any], *, account: AccountFacts, rules: Rules) -> Scorecard:
    """The scorecard `encode` gave `data` for, with `account`'s facts and `rules`' signals."""
    return typing.cast(Scorecard, _SCORECARD(data, Context(account, rules.taxonomy.by_key)))


def _encode(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, AccountFacts):
        return None
    if isinstance(value, Signal):
        return value.key
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, tuple):
        return [_encode(v) for v in value]
    if dataclasses.is_dataclass(value):
        return [_encode(getattr(value, f.name)) for f in dataclasses.fields(value)]
    raise TypeError(f"cannot keep a {type(value).__name__} in a scorecard")


def _identity(value: Any, _: Context) -> Any:
    return value


def _decoder(hint: Any) -> Decoder:
    """A decoder for values of type `hint`, built once per type."""
    if hint is AccountFacts:
        return lambda _, context: context.account
    if hint is Signal:
        return lambda key, context: context.signals[key]
    origin = typing.get_origin(hint)
    if origin in (types.UnionType, typing.Union):
        (inner,) = (a for a in typing.get_args(hint) if a is not type(None))
        decode_inner = _decoder(inner)
        if decode_inner is _identity:
            return _identity
        return lambda v, c: None if v is None else decode_inner(v, c)
    if origin is tuple:
        decode_item = _decoder(typing.get_args(hint)[0])
        if decode_item is _identity:
            return lambda v, _: tuple(v)
        return lambda v, c: tuple(decode_item(x, c) for x in v)
    if hint in (int, str, bool):
        return _identity
    if hint is float:
        return lambda v, _: float(v)
    if hint is datetime:
        return lambda v, _: datetime.fromisoformat(v)
    if hint is date:
        return lambda v, _: date.fromisoformat(v)
    if isinstance(hint, type) and issubclass(hint, Enum):
        return lambda v, _: hint(v)
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return _dataclass_decoder(hint)
    raise TypeError(f"cannot keep a {hint!r} in a scorecard")


def _dataclass_decoder(cls: type) -> Decoder:
    hints = typing.get_type_hints(cls)
    fields = [_decoder(hints[f.name]) for f in dataclasses.fields(cls)]
    converted = [(i, d) for i, d in enumerate(fields) if d is not _identity]

    def build(values: list[Any], context: Context) -> Any:
        args = list(values)
        for i, decode_field in converted:
            args[i] = decode_field(args[i], context)
        return cls(*args)

    return build


def _shape(hint: Any) -> Any:
    """The names and types a value of type `hint` is encoded by, for `layout`."""
    if hint in (AccountFacts, Signal):
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
LAYOUT = json.dumps(_shape(Scorecard))


def rules_key(rules: Rules) -> str:
    """A fingerprint of `rules` and of the card layout: a kept card with another is stale."""
    text = json.dumps([_canonical(rules), LAYOUT], sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:32]
