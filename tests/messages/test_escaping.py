"""Text shown in mrkdwn never carries a raw `<` or `>` that Slack would read as markup: usage
lines and help write placeholders as `ACCOUNT`, and every user text is escaped, then cut."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from bot.config import load_config
from bot.messages.limits import cut, fit
from bot.messages.rescue import mistake_reply
from bot.messages.usage import USAGE, help_text, usage_line, usage_text
from tests.messages.markup import raw_markup

BOT = Path(__file__).resolve().parents[2] / "bot"
# `<account>`, `<0|1|2>`: a placeholder in angle brackets, which Slack swallows.
PLACEHOLDER = re.compile(r"<[a-z0-9][a-z0-9 _|.…-]*>")


def test_the_token_pattern_keeps_what_slack_reads_and_nothing_else():
    text = "<@U0ALICE> <#C0CHAN|general> <!here> <!date^1^{date}|x> <https://a.b/c|site> <name>"
    assert raw_markup(text) == ["<name>"]


@pytest.mark.parametrize("command", sorted(USAGE))
def test_every_usage_line_shows_whole_in_slack(command):
    line = usage_line(USAGE[command])
    assert raw_markup(line) == [], line
    assert line.count("`") == 2, f"a backtick inside the usage ends its code early: {line}"


@pytest.mark.parametrize(
    ("command", "text"),
    [(c.split()[0], " ".join(c.split()[1:])) for c in USAGE] + [("/onboard", "frobnicate")],
)
def test_the_usage_under_every_error_shows_whole_in_slack(command, text):
    shown = usage_text(command, text)
    assert shown is not None
    assert raw_markup(shown) == [], shown
    assert all(line.startswith("`") and line.endswith("`") for line in shown.split("\n"))


def test_the_help_text_shows_whole_in_slack():
    keys = [s.key for s in load_config(None).rules.taxonomy.active]
    shown = help_text(keys)
    assert raw_markup(shown) == [], shown
    for usage in USAGE.values():
        assert usage_line(usage) in shown


def _shown_strings(path: Path) -> list[tuple[int, str]]:
    """Every string literal of a module, f-string parts included, docstrings left out."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
        and id(node) not in docstrings
    ]  # fmt: skip


def test_no_string_in_the_source_holds_a_placeholder_slack_would_swallow():
    found = [
        f"{path.relative_to(BOT.parent)}:{line}: {text!r}"
        for path in sorted(BOT.rglob("*.py"))
        if path.name != "hubspot.py"  # HubSpot note bodies are HTML for HubSpot, never Slack text
        for line, text in _shown_strings(path)
        if PLACEHOLDER.search(text)
    ]
    assert found == [], "write placeholders as ACCOUNT, or escape < and >:\n" + "\n".join(found)


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [
        ("Smith & Sons <UK>", 100, "Smith &amp; Sons &lt;UK&gt;"),
        ("&&&&", 12, "&amp;&amp;…"),  # never `&am…`
        ("&&&&", 10, "&amp;…"),
        ("a<b", 3, "a…"),
        ("e\u0301e\u0301e\u0301", 4, "e\u0301…"),  # an accent stays with its letter
        ("👍🏽👍🏽", 3, "👍🏽…"),  # a skin tone stays with its emoji
        ("👩\u200d💻👩\u200d💻", 4, "👩\u200d💻…"),  # a joined emoji stays whole
        ("short", 5, "short"),
    ],
)
def test_fit_escapes_then_cuts_on_a_boundary(text, limit, expected):
    assert fit(text, limit) == expected
    assert len(fit(text, limit)) <= limit


def test_cut_never_splits_a_slack_token():
    assert cut("hi <@U0ALICE> there", 8) == "hi …"
    assert cut("see <https://example.com/x|the plan>", 20) == "see …"


def test_the_reply_of_a_rescue_opened_by_mistake_names_who_corrected_it():
    assert mistake_reply("U0BOB") == (
        ":leftwards_arrow_with_hook: Closed: opened by mistake — the rating was corrected by "
        "<@U0BOB>."
    )
