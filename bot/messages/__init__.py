"""Messages: plain values rendered as Slack text and Block Kit, from jinja2 templates, and charts.

By subject: `scorecard`, `standup`, `lists`, `home`, `account_modals`, `overrides`, `rescue`,
`weights`, `digest`, `charts/`; over the shared pieces in `kit` (text objects, buttons, modals,
inputs), `limits` (Block Kit's limits), `text` (escaping, formatting) and `ids` (action ids).
`blocks` gathers the builders callers use as `ui`. Builders import `scoring`, the store's records
and `slack_sdk`'s models, never a use case or the Slack surface (an import-linter contract).
"""
