"""Onboarding Rescue's Slack app, store, scheduler and CLI."""
