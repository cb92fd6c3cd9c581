"""Reading CSV and JSON files as numbered rows of text fields, refusing unknown columns."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from bot.messages.wording import noun, plural
from bot.services.errors import ImportRefused
from scoring.errors import DomainError, UnknownName

EXTRA = "__extra__"
WRONG_TYPE = "\0"


@dataclass(frozen=True)
class Row:
    """One data row; `number` is the CSV line (header is 1) or the JSON array position (from 1)."""

    number: int
    fields: dict[str, str]


def read_rows(path: Path, *, columns: Iterable[str], required: Iterable[str]) -> list[Row]:
    """The file's rows with every value as stripped text ('' when blank or null)."""
    known, needed = set(columns), list(required)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ImportRefused([f"{path}: cannot be read ({exc.strerror or exc})"]) from exc
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportRefused([f"{path}: is not UTF-8 text (byte {exc.start})"]) from exc
    if not text.strip():
        raise ImportRefused(
            [f"{path}: the file is empty; expected a header row with {_cols(needed)}"]
        )
    is_json = path.suffix.lower() == ".json" or text.lstrip()[:1] in "[{"
    rows = _json_rows(text, path) if is_json else _csv_rows(text)
    header = set().union(*(r.fields for r in rows)) - {EXTRA} if is_json else set(_csv_header(text))
    problems = []
    if unknown := sorted(header - known):
        problems.append(
            f"{path}: unknown {noun(len(unknown), 'column')} {_cols(unknown)}; "
            f"the columns are {_cols(columns)}"
        )
    if missing := [c for c in needed if c not in header]:
        problems.append(f"{path}: missing {noun(len(missing), 'column')} {_cols(missing)}")
    if problems:
        raise ImportRefused(problems)
    return rows


def _cols(names: Iterable[str]) -> str:
    return ", ".join(f"`{n}`" for n in names)


def _csv_header(text: str) -> list[str]:
    return [h.strip() for h in next(csv.reader(text.splitlines()[:1]), [])]


def _csv_rows(text: str) -> list[Row]:
    reader = csv.reader(text.splitlines())
    header = [h.strip() for h in next(reader)]
    rows = []
    for line in reader:
        if not any(cell.strip() for cell in line):
            continue
        fields = {name: (line[i].strip() if i < len(line) else "") for i, name in enumerate(header)}
        if len(line) > len(header):
            fields[EXTRA] = (
                f"{plural(len(line) - len(header), 'more cell', 'more cells')} than the header"
            )
        rows.append(Row(reader.line_num, fields))
    return rows


def _json_rows(text: str, path: Path) -> list[Row]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ImportRefused([f"{path}, line {exc.lineno}: not valid JSON ({exc.msg})"]) from exc
    if isinstance(data, dict) and len(data) == 1 and isinstance(next(iter(data.values())), list):
        data = next(iter(data.values()))
    if not isinstance(data, list):
        raise ImportRefused([f"{path}: expected a JSON array of objects, one per row"])
    rows = []
    for i, item in enumerate(data, start=1):
        if not isinstance(item, dict):
            rows.append(Row(i, {EXTRA: "is not an object with named fields"}))
            continue
        rows.append(Row(i, {str(k): _text(v) for k, v in item.items()}))
    return rows


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | str):
        return str(value).strip()
    return f"{WRONG_TYPE}{type(value).__name__}"


T = TypeVar("T")


def good_rows(
    rows: list[Row], parse: Callable[[Row], T], skipped: list[str], *, skip_bad: bool
) -> list[T]:
    """Each row parsed; a row `parse` refuses goes into `skipped` as `row N: why`. Unless
    `skip_bad`, one bad row refuses the whole file (ImportRefused names every bad row)."""
    good: list[T] = []
    for row in rows:
        try:
            good.append(parse(row))
        except DomainError as exc:
            hint = exc.hint() if isinstance(exc, UnknownName) else ""
            skipped.append(f"row {row.number}: {exc}" + (f". {hint}" if hint else ""))
    if skipped and not skip_bad:
        raise ImportRefused(skipped)
    return good
