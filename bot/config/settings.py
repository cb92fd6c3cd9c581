"""Settings from the environment (and `.env`): secrets, URLs, the database and where the config
file is, each refused with the variable's name and an example when it is unusable."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

SLACK_API_URL = "https://slack.com/api/"
HUBSPOT_API_URL = "https://api.hubapi.com"
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
    segment_shared_secret: SecretStr | None = None  # signs POST /integrations/segment
    intercom_client_secret: SecretStr | None = None  # signs POST /integrations/intercom
    hubspot_client_secret: SecretStr | None = None  # signs POST /integrations/hubspot (v3)
    hubspot_token: SecretStr | None = None  # a private app's access token: CRM reads and notes
    hubspot_api_url: str = HUBSPOT_API_URL
    # The public URL HubSpot calls (behind a proxy): HubSpot signs this URL, not the one we see.
    public_base_url: str | None = None
    # false: this process answers webhooks and stores their events, and leaves applying them
    # to the processes where it is true (`rescuebot worker`, another replica).
    apply_integration_events: bool = True
    rescuebot_config: Path | None = None
    log_level: str = "INFO"

    @field_validator("hubspot_token", "hubspot_client_secret", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: Any) -> Any:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("hubspot_api_url", "public_base_url")
    @classmethod
    def _no_trailing_slash(cls, url: str | None) -> str | None:
        return url.rstrip("/") if url else url

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
