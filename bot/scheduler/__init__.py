"""Scheduled work: which jobs exist and when they fire (`schedule`), and the background worker
that runs APScheduler, the sweep and the courier inside `serve`, `socket` and `worker`.

Jobs are plain functions of `now` in `jobs`; exactly-once comes from the
database claim on each run's key, not from the scheduler. May import `bot.services`,
`bot.delivery`, `bot.config`.
"""
