"""The Slack surface: the Bolt app factory, the HTTP and Socket Mode entry points, listeners,
slash-command parsing, and the cached directory of user groups and members.

May import `bot.services`, `bot.messages`, `bot.config` and `scoring`. Never `bot.delivery`:
every message the product posts goes through the outbox, written by a use case; only the
immediate answer to the person who typed or clicked (the ack, `response_url`, `views.open`)
goes straight to Slack from here. Listeners open no transaction of their own.
"""
