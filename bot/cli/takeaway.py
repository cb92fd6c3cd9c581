"""`rescuebot report kpis --xlsx FILE` and `rescuebot report brief --pdf FILE`: the take-away
reports written to a file (the layout is `bot.messages.reports`, the gathering
`bot.services.reports`)."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from bot.cli.base import fail, reading

TAKEAWAYS = {
    "kpis": ("--xlsx", ".xlsx", "KPI workbook"),
    "brief": ("--pdf", ".pdf", "one-page brief"),
}


def _target(option: str, suffix: str, path: Path | None) -> Path:
    if path is None:
        fail(f"`{option} FILE` is missing: where to write it, e.g. {option} report{suffix}", code=2)
    if path.suffix.lower() != suffix:
        fail(f"{option} `{path}` must name a {suffix} file", code=2)
    if not path.parent.is_dir():
        fail(f"{option}: the directory `{path.parent}` does not exist", code=2)
    return path


def write_takeaway(
    ctx: typer.Context, name: str, *, xlsx: Path | None, pdf: Path | None, as_of: str | None
) -> None:
    """Write the workbook (`kpis`) or the brief (`brief`) as of `--as-of`."""
    from bot.services.reports import brief_bytes, workbook_bytes

    option, suffix, title = TAKEAWAYS[name]
    given, other = (xlsx, pdf) if name == "kpis" else (pdf, xlsx)
    if other is not None:
        fail(f"`report {name}` writes {suffix} only: use {option} FILE", code=2)
    path = _target(option, suffix, given)
    with reading(ctx, as_of) as read:
        build = workbook_bytes if name == "kpis" else brief_bytes
        content = build(read.session, read.rules, as_of=read.day)
    try:
        path.write_bytes(content)
    except OSError as exc:
        fail(f"{option}: cannot write `{path}` ({exc.strerror})")
    Console(stderr=True).print(f"The {title} as of {read.day} written to {path}", highlight=False)
