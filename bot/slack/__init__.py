"""The Slack surface: the Bolt app factory, the HTTP and Socket Mode entry points, listeners,
slash-command parsing and the action/block/callback ids.

May import `bot.services`, `bot.messages`, `bot.config` and `scoring`; never `bot.store`
directly for writes (use cases own transactions) and never `bot.delivery` (every message to
Slack goes through the outbox, except the immediate answer to the person who typed or clicked).
"""
