"""manifest.yml installs the Slack app in one step: it is a valid manifest (Slack's own JSON
Schema), registers every slash command of the product once, sends everything to the one
`/slack/events` endpoint, and asks for exactly the bot scopes the code needs: derived from the
Web API methods the code calls, so a new call without its scope, or a scope nothing uses, fails.

Slack's schema and PRODUCT.md live in `../shared`, beside the repository. Without it the tests
that need it skip on a laptop, and fail in CI (`CI=true`).
"""

import ast
import json
import os
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
import yaml
from jsonschema import Draft7Validator
from slack_sdk import WebClient
from slack_sdk.web.base_client import BaseClient

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
SCHEMA = SHARED / "slack" / "manifest.schema.1.0.0.json"
PRODUCT = SHARED / "PRODUCT.md"

# The slash commands of PRODUCT.md, "The Slack surface" (names are a contract).
COMMANDS = {"/onboard", "/scorecard", "/signal", "/standup", "/rescue", "/escalate", "/risk"}
# Commands PRODUCT.md writes outside "The Slack surface": in "Phase gates and the living risk
# register".
REGISTER_COMMANDS = {"/risk"}

# The bot scopes each Web API method needs (Slack's method reference), for the channels the app
# works in: public and private channels, and DMs to people. A method the code calls that is not
# here fails the test: add it with its scopes (an empty set when it needs none), and say why in
# the README's "Why each scope".
SCOPES_OF_METHOD: dict[str, set[str]] = {
    "auth_test": set(),
    "apps_connections_open": set(),  # the app-level token's connections:write, not a bot scope
    "views_open": set(),
    "views_publish": set(),
    "views_update": set(),
    "views_push": set(),
    "chat_getPermalink": set(),
    # .public: digests and rescue threads go to configured channels the bot was not invited to
    "chat_postMessage": {"chat:write", "chat:write.public"},
    "chat_postEphemeral": {"chat:write"},
    "chat_update": {"chat:write"},
    "chat_delete": {"chat:write"},
    "conversations_info": {"channels:read", "groups:read"},
    "conversations_history": {"channels:history", "groups:history", "im:history"},
    "conversations_replies": {"channels:history", "groups:history", "im:history"},
    "conversations_open": {"im:write"},
    "files_getUploadURLExternal": {"files:write"},
    "files_completeUploadExternal": {"files:write"},
    "files_upload_v2": {"files:write"},
    "usergroups_list": {"usergroups:read"},
    "usergroups_users_list": {"usergroups:read"},
    "users_info": {"users:read"},
    "users_list": {"users:read"},
}
WEB_API_METHODS = set(dir(WebClient)) - set(dir(BaseClient))

EVENTS_PATH = "/slack/events"


@pytest.fixture(scope="module")
def manifest() -> dict[str, Any]:
    return yaml.safe_load((REPO / "manifest.yml").read_text(encoding="utf-8"))


def _commands(manifest: dict[str, Any]) -> list[dict[str, Any]]:
    return manifest["features"]["slash_commands"]


def _shared(path: Path) -> Path:
    """A file of ../shared: skipped without it on a laptop, a failure in CI."""
    if not path.is_file():
        if os.environ.get("CI", "").lower() in ("true", "1"):
            pytest.fail(f"{path} is missing: CI must check out ../shared beside the repository")
        pytest.skip(f"{path} is not available (../shared beside the repository)")
    return path


def called_methods() -> dict[str, list[str]]:
    """Every Web API method the product code calls, with where: `client.chat_postMessage(…)`,
    or `client.api_call("chat.postMessage", …)`."""
    found: dict[str, list[str]] = {}
    for path in sorted((REPO / "bot").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                continue
            name = node.func.attr
            if name == "api_call" and node.args and isinstance(node.args[0], ast.Constant):
                name = str(node.args[0].value).replace(".", "_")
            if name in WEB_API_METHODS:
                found.setdefault(name, []).append(f"{path.relative_to(REPO)}:{node.lineno}")
    return found


def test_manifest_is_valid_against_slacks_schema(manifest):
    schema = json.loads(_shared(SCHEMA).read_text(encoding="utf-8"))
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
    text = _shared(PRODUCT).read_text(encoding="utf-8")
    surface = text.split("## The Slack surface", 1)[1]
    grammar = surface.split("```", 2)[1]
    named = set(re.findall(r"(?m)^(/[a-z]+)\b", grammar))
    assert named | REGISTER_COMMANDS == COMMANDS
    gates = text.split("## Phase gates and the living risk register", 1)[1]
    assert all(f"`{command} <account>" in gates for command in REGISTER_COMMANDS)


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


def test_the_method_scan_sees_the_calls_the_app_is_built_on():
    methods = called_methods()
    assert {"chat_postMessage", "chat_update", "views_open", "auth_test"} <= set(methods)


def test_bot_scopes_are_exactly_those_the_code_needs(manifest):
    methods = called_methods()
    unknown = {m: where for m, where in methods.items() if m not in SCOPES_OF_METHOD}
    assert not unknown, f"add these methods and their scopes to SCOPES_OF_METHOD: {unknown}"
    needed = {"commands"} if _commands(manifest) else set()
    for method in methods:
        needed |= SCOPES_OF_METHOD[method]
    scopes = manifest["oauth_config"]["scopes"]
    asked = scopes["bot"]
    assert len(asked) == len(set(asked)), "a scope is asked for twice"
    missing = {
        scope: sorted(m for m in methods if scope in SCOPES_OF_METHOD[m])
        for scope in sorted(needed - set(asked))
    }
    extra = sorted(set(asked) - needed)
    assert not missing, f"the manifest lacks scopes these calls need: {missing}"
    assert not extra, f"the manifest asks for scopes no call needs: {extra}"
    assert not scopes.get("user"), "the app needs no user-token scopes"


def test_the_readme_says_why_each_scope(manifest):
    why = (REPO / "README.md").read_text(encoding="utf-8").split("### Why each scope", 1)[1]
    why = why.split("\n#", 1)[0]
    unexplained = [s for s in manifest["oauth_config"]["scopes"]["bot"] if f"`{s}`" not in why]
    assert not unexplained, f"add these scopes to the README's 'Why each scope': {unexplained}"


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


def test_a_missing_shared_file_fails_in_ci_and_skips_elsewhere(monkeypatch, tmp_path):
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match=r"CI must check out \.\./shared"):
        _shared(tmp_path / "absent.json")
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception):
        _shared(tmp_path / "absent.json")
