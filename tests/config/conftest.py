"""`rescuebot` in-process for the config tests, and the configuration files the docs show."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

from tests.cli.conftest import ACCOUNTS_CSV, READINGS_CSV, Rescuebot

REPO = Path(__file__).resolve().parents[2]
PRODUCT_MD = REPO.parent / "shared" / "PRODUCT.md"
PRODUCT_EXAMPLE = Path(__file__).with_name("product_example.yml")


def product_md_example(text: str) -> str:
    """The YAML block of PRODUCT.md's "The configuration file" bullet, de-indented as a user
    pastes it into rescuebot.yml."""
    lines = text.splitlines()
    bullet = next(i for i, line in enumerate(lines) if "**The configuration file**" in line)
    fence = next(i for i in range(bullet, len(lines)) if lines[i].strip() == "```yaml")
    end = next(i for i in range(fence + 1, len(lines)) if lines[i].strip() == "```")
    indent = len(lines[fence]) - len(lines[fence].lstrip())
    return "\n".join(line[indent:] for line in lines[fence + 1 : end]) + "\n"


def readme_yaml_blocks() -> list[str]:
    """Every ```yaml block in README.md, de-indented."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"^([ \t]*)```ya?ml[ \t]*\n(.*?)^[ \t]*```[ \t]*$", text, re.M | re.S)
    return [textwrap.dedent(body) for _, body in blocks]


@pytest.fixture
def rescuebot(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Rescuebot:
    monkeypatch.setenv("COLUMNS", "200")
    return Rescuebot(database_url, tmp_path, monkeypatch)


@pytest.fixture
def loaded(rescuebot: Rescuebot) -> Rescuebot:
    """Three accounts with some history (the CLI tests' portfolio)."""
    assert rescuebot("accounts", "import", str(rescuebot.write("a.csv", ACCOUNTS_CSV))).code == 0
    assert rescuebot("signals", "import", str(rescuebot.write("r.csv", READINGS_CSV))).code == 0
    return rescuebot


@pytest.fixture
def offline(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Rescuebot:
    """`rescuebot` on a SQLite file that refusals never reach: for the config's own checks."""
    monkeypatch.setenv("COLUMNS", "200")
    return Rescuebot(f"sqlite:///{tmp_path / 'unused.db'}", tmp_path, monkeypatch)
