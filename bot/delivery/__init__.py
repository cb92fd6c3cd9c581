"""Delivery: the outbox courier and the one gateway that calls Slack's write APIs.

Use cases write deliveries to the outbox in their own transaction (`bot.store.deliveries`); the
courier here leases them, sends them through the gateway and records Slack's answers. Nothing
else in the product posts, edits or uploads to Slack. May import `bot.store` and `bot.config`.
"""
