"""The use cases: each function owns one action and its transaction, and takes `now` explicitly.

Each asks the policy (`policy.authorize`) before it changes anything and writes the messages
its change causes to the outbox in the same transaction. May import `bot.store`,
`bot.messages`, `bot.config` and `scoring`; never a Slack client, the courier or the surface.
"""
