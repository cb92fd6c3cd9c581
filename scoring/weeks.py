"""ISO-week arithmetic: week labels and the Sundays that end them."""

from __future__ import annotations

from datetime import date, timedelta


def week_label(day: date) -> str:
    """`2026-W47` for any day of ISO week 47 of ISO year 2026."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def week_end(day: date) -> date:
    """The Sunday that ends the ISO week containing `day`."""
    return day + timedelta(days=7 - day.isoweekday())


def previous_week_end(day: date) -> date:
    """The Sunday that ended the ISO week before the one containing `day`."""
    return day - timedelta(days=day.isoweekday())


def week_start(day: date) -> date:
    """The Monday that starts the ISO week containing `day`."""
    return day - timedelta(days=day.isoweekday() - 1)
