"""Messages: domain values rendered as Slack text and Block Kit, from jinja2 templates."""
