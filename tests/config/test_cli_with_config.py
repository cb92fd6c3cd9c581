"""The CLI with a config file: PRODUCT.md's example as ./rescuebot.yml runs the demo and the
standup, and `--config` works before or after the subcommand."""

from __future__ import annotations

import pytest

from tests.cli.conftest import Rescuebot
from tests.config.conftest import PRODUCT_EXAMPLE

AS_OF = "2026-11-24"


def test_the_demo_runs_with_product_md_s_example_as_rescuebot_yml(rescuebot: Rescuebot) -> None:
    rescuebot.write("rescuebot.yml", PRODUCT_EXAMPLE.read_text(encoding="utf-8"))
    result = rescuebot("demo", "--as-of", AS_OF)
    assert result.code == 0, result.err
    assert "Standup" in result.out and "accounts onboarding" in result.out
    assert (rescuebot.cwd / "rescuebot-demo.db").exists()


def test_the_standup_runs_with_product_md_s_example_as_rescuebot_yml(loaded: Rescuebot) -> None:
    loaded.write("rescuebot.yml", PRODUCT_EXAMPLE.read_text(encoding="utf-8"))
    text = loaded("standup", "--as-of", AS_OF)
    assert text.code == 0, text.err
    assert "Globex" in text.out
    listed = loaded("standup", "--as-of", AS_OF, "--json")
    assert listed.code == 0 and "globex" in {item["account"] for item in listed.json()["items"]}


COMMANDS = {
    "demo": ["demo", "--as-of", AS_OF, "--database-url", "sqlite:///demo.db"],
    "standup": ["standup", "--as-of", AS_OF, "--json"],
    "scorecard": ["scorecard", "acme", "--as-of", AS_OF, "--json"],
    "digest": ["digest", "--dry-run", "--as-of", AS_OF, "--json"],
    "accounts import": ["accounts", "import", "a.csv", "--json"],
}
PLACES = {
    "before": lambda command, option: [*option, *command],
    "after": lambda command, option: [*command, *option],
    "between": lambda command, option: [command[0], *option, *command[1:]],
}


@pytest.mark.parametrize("place", PLACES)
@pytest.mark.parametrize("name", COMMANDS)
def test_config_is_read_wherever_the_option_stands(loaded: Rescuebot, name: str, place: str):
    loaded.write("bad.yml", "stale_after_days: true\n")
    for option in (["--config", "bad.yml"], ["--config=bad.yml"]):
        refused = loaded(*PLACES[place](COMMANDS[name], option))
        assert refused.code == 1, refused.out
        assert "bad.yml, line 1: stale_after_days: must be a whole number" in refused.err


@pytest.mark.parametrize("place", PLACES)
def test_a_config_given_after_the_subcommand_takes_effect(loaded: Rescuebot, place: str):
    loaded.write("weights.yml", "signals:\n  data_import: {weight: 4}\n")
    card = loaded(*PLACES[place](COMMANDS["scorecard"], ["--config", "weights.yml"]))
    assert card.code == 0, card.err
    assert card.json()["score"] == 7.2  # (2+2+4×1+1+2+2) / (2×9) × 10, as configured
    assert loaded(*COMMANDS["scorecard"]).json()["score"] != 7.2  # not the default weights


def test_the_same_output_whichever_side_the_option_is_on(loaded: Rescuebot) -> None:
    loaded.write("team.yml", PRODUCT_EXAMPLE.read_text(encoding="utf-8"))
    for name in ("standup", "digest", "scorecard"):
        before = loaded(*PLACES["before"](COMMANDS[name], ["--config", "team.yml"]))
        after = loaded(*PLACES["after"](COMMANDS[name], ["--config", "team.yml"]))
        assert before.code == after.code == 0, (before.err, after.err)
        assert before.out == after.out


def test_an_option_value_after_a_double_dash_is_an_argument(loaded: Rescuebot) -> None:
    result = loaded("scorecard", "--", "--config")
    assert result.code == 1 and "--config" in result.err  # looked up as an account name


def test_config_without_a_path_says_it_needs_one(loaded: Rescuebot) -> None:
    result = loaded("standup", "--config")
    assert result.code == 2 and "needs a path" in result.err
