"""manifest.yml installs the Slack app in one step: it is a valid manifest (Slack's own JSON
Schema), registers every slash command of the product once, sends everything to the one
`/slack/events` endpoint, and asks for exactly the minimal bot scopes."""

import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
import yaml
from jsonschema import Draft7Validator

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(__file__).resolve().parents[2] / "shared"
SCHEMA = SHARED / "slack" / "manifest.schema.1.0.0.json"
PRODUCT = SHARED / "PRODUCT.md"

# The slash commands of PRODUCT.md, "The Slack surface" (names are a contract).
COMMANDS = {"/onboard", "/scorecard", "/signal", "/standup", "/rescue", "/escalate"}

# Adding a scope is a deliberate change: update this set, and the README's "Why each scope".
BOT_SCOPES = {
    "commands",
    "chat:write",
    "chat:write.public",
    "users:read",
    "channels:read",
    "groups:read",
    "usergroups:read",
    "files:write",
    "channels:history",
    "groups:history",
    "im:history",
    "im:write",
}

EVENTS_PATH = "/slack/events"


@pytest.fixture(scope="module")
def manifest() -> dict[str, Any]:
    return yaml.safe_load((REPO / "manifest.yml").read_text(encoding="utf-8"))


def _commands(manifest: dict[str, Any]) -> list[dict[str, Any]]:
    return manifest["features"]["slash_commands"]


def test_manifest_is_valid_against_slacks_schema(manifest):
    if not SCHEMA.is_file():
        pytest.skip(f"Slack's manifest JSON Schema is not available at {SCHEMA}")
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    Draft7Validator.check_schema(schema)
    errors = sorted(Draft7Validator(schema).iter_errors(manifest), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{'/'.join(map(str, e.path))}: {e.message}" for e in errors)


def test_display_information_fits_slacks_limits(manifest):
    info = manifest["display_information"]
    assert info["name"] == "Onboarding Rescue"
    assert 1 <= len(info["description"]) <= 140
    assert len(info["long_description"]) >= 175
    # The schema's pattern for this field uses a non-standard keyword, so check it here.
    assert re.fullmatch(r"#[0-9a-fA-F]{3}([0-9a-fA-F]{3})?", info["background_color"])


def test_every_product_command_is_registered_once_with_description_and_hint(manifest):
    names = [command["command"] for command in _commands(manifest)]
    assert sorted(names) == sorted(COMMANDS), "each command exactly once, and no others"
    for command in _commands(manifest):
        name = command["command"]
        assert command.get("description", "").strip(), f"{name} has no description"
        assert command.get("usage_hint", "").strip(), f"{name} has no usage hint"
        # Mentions and channels arrive as <@U…> / <#C…>, which the command grammar relies on.
        assert command.get("should_escape") is True, f"{name} must set should_escape: true"


def test_the_commands_are_those_product_md_names():
    if not PRODUCT.is_file():
        pytest.skip(f"PRODUCT.md is not available at {PRODUCT}")
    text = PRODUCT.read_text(encoding="utf-8")
    surface = text.split("## The Slack surface", 1)[1]
    grammar = surface.split("```", 2)[1]
    named = set(re.findall(r"(?m)^(/[a-z]+)\b", grammar))
    assert named == COMMANDS


def test_every_request_url_is_the_one_slack_events_endpoint(manifest):
    settings = manifest["settings"]
    urls = [command["url"] for command in _commands(manifest)]
    urls.append(settings["interactivity"]["request_url"])
    urls.append(settings["event_subscriptions"]["request_url"])
    assert len(set(urls)) == 1, f"one URL for everything, got {sorted(set(urls))}"
    url = urlparse(urls[0])
    assert url.scheme == "https"
    assert url.path == EVENTS_PATH
    assert settings["interactivity"]["is_enabled"] is True


def test_bot_scopes_are_exactly_the_minimal_set(manifest):
    scopes = manifest["oauth_config"]["scopes"]
    assert sorted(scopes["bot"]) == sorted(BOT_SCOPES), "no missing, extra or repeated scope"
    assert not scopes.get("user"), "the app needs no user-token scopes"


def test_app_home_is_enabled_and_its_event_subscribed(manifest):
    app_home = manifest["features"]["app_home"]
    assert app_home["home_tab_enabled"] is True
    assert app_home["messages_tab_enabled"] is False
    assert "app_home_opened" in manifest["settings"]["event_subscriptions"]["bot_events"]
    bot_user = manifest["features"]["bot_user"]
    assert bot_user == {"display_name": "Onboarding Rescue", "always_online": True}


def test_http_mode_by_default(manifest):
    settings = manifest["settings"]
    assert settings["socket_mode_enabled"] is False
    assert settings["org_deploy_enabled"] is False
    assert settings["token_rotation_enabled"] is False
