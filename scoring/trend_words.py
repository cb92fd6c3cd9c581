"""The trend in words, as people read it beside a sparkline: "down 1.2 since last week, third
drop in a row", "up 0.4 since last week", "no change since last week", "first week rated".

The words are made from the same one-decimal numbers the trend compares, so they never say
more (or less) than the numbers shown.
"""

from __future__ import annotations

from scoring.trend import Trend

ORDINALS = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth",
            "ninth", "tenth")  # fmt: skip


def ordinal(n: int) -> str:
    """`3` → "third"; past ten, "11th", "12th", "21st" …"""
    if 1 <= n <= len(ORDINALS):
        return ORDINALS[n - 1]
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def trend_words(trend: Trend, *, now_tenths: int | None) -> str:
    """What the week did to the score, in words; a run of drops is named from the second on."""
    if now_tenths is None:
        return "no score yet"
    delta = trend.delta_tenths
    if delta is None:
        return "first week rated"
    if delta == 0:
        return "no change since last week"
    amount = f"{abs(delta) / 10:.1f}"
    if delta > 0:
        return f"up {amount} since last week"
    words = f"down {amount} since last week"
    if trend.falling_weeks >= 2:
        words += f", {ordinal(trend.falling_weeks)} drop in a row"
    return words
