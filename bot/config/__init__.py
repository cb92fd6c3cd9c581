"""Configuration: secrets and URLs from the environment, the rules from one validated YAML file.

The YAML file is merged over the shipped defaults (`scoring/defaults.yml`) field by field, nested
sections too: `rescue: {checkpoint_days: {watch: 10}}` changes that one number. Every problem is
reported as `FILE, line N: dotted.path: problem` with what right looks like, and a bad file is
refused whole. The file is read with limits (`safe_yaml`), numbers are strict (`true` and `"3"`
are not numbers), and Slack IDs must look like Slack IDs.

- `settings`: the environment; `schema`: the file's shape and the `Config` in force;
  `parsing`: reading the file and explaining errors by line; `loading`: defaults, merge, checks.
"""

from bot.config.loading import CONFIG_FILE_NAME, load_config
from bot.config.schema import (
    Config,
    ConfigError,
    ConfigFile,
    ConfiguredRoles,
    DigestScope,
    DigestSpec,
    EscalationSpec,
    RescueSpec,
    RolesSpec,
    ScheduleSpec,
    SignalSpec,
)
from bot.config.settings import (
    DATABASE_URL_EXAMPLE,
    SLACK_API_URL,
    Settings,
    SettingsError,
    database_url_problem,
    load_settings,
)

__all__ = [
    "CONFIG_FILE_NAME",
    "DATABASE_URL_EXAMPLE",
    "SLACK_API_URL",
    "Config",
    "ConfigError",
    "ConfigFile",
    "ConfiguredRoles",
    "DigestScope",
    "DigestSpec",
    "EscalationSpec",
    "RescueSpec",
    "RolesSpec",
    "ScheduleSpec",
    "Settings",
    "SettingsError",
    "SignalSpec",
    "database_url_problem",
    "load_config",
    "load_settings",
]
