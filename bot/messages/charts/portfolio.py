"""The Monday digest's picture: accounts per status week by week, and the accounts that need
help this week as bars of their scores."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from statistics import median

from matplotlib.axes import Axes
from matplotlib.ticker import MaxNLocator

from bot.messages.charts import canvas
from bot.messages.charts.canvas import INK, MUTED, STATUS_COLOURS
from scoring.rules import Bands, Status

WEEKS_SHOWN = 8
HELP_SHOWN = 15
MIN_ROWS = 8
NAME_CHARS = 30
STACK_ORDER = (Status.AT_RISK, Status.WATCH, Status.HEALTHY)


@dataclass(frozen=True, slots=True)
class WeekScores:
    """One ISO week of the portfolio (`week` like "2026-W47"): the one-decimal scores of the
    accounts that had one at the end of the week, and how many accounts had each status then
    (floors and unscored accounts included, so counts may exceed the scores)."""

    week: str
    scores: tuple[float, ...]
    counts: Mapping[Status, int]


@dataclass(frozen=True, slots=True)
class HelpBar:
    """One account that needs help this week: its name, its score (None: unscored), its status."""

    account: str
    score: float | None
    status: Status


def portfolio_chart(
    weeks: Sequence[WeekScores],
    needs_help: Sequence[HelpBar],
    *,
    bands: Bands = canvas.DEFAULT_BANDS,
    limit: int = HELP_SHOWN,
) -> bytes:
    """The digest's picture, as PNG bytes. Left: accounts per status for each of the last 8
    `weeks` (oldest first), with each week's median score. Right: the first `limit` accounts of
    `needs_help` (in the order given — the standup's ranking — top first) as bars of their scores
    coloured by status, the `bands` thresholds drawn, and "+K not shown" for the rest."""
    if limit < 1:
        raise ValueError("limit must be at least 1")
    drawing = canvas.figure()
    left = drawing.add_axes((0.06, 0.17, 0.42, 0.77))
    right = drawing.add_axes((0.655, 0.1, 0.33, 0.84))  # room on its left for account names
    _weekly_statuses(left, list(weeks)[-WEEKS_SHOWN:])
    _help_bars(right, needs_help, bands, limit)
    return canvas.png(drawing)


def _weekly_statuses(ax: Axes, weeks: Sequence[WeekScores]) -> None:
    ax.set_title("Portfolio by status, week by week", loc="left", fontweight="bold", color=INK)
    if not weeks:
        ax.set_xticks([])
        ax.set_yticks([])
        canvas.empty(ax, "No weekly snapshots yet")
        canvas.tidy(ax)
        return
    positions = range(len(weeks))
    totals = [sum(w.counts.get(s, 0) for s in STACK_ORDER) for w in weeks]
    tallest = max(totals) or 1
    bottoms = [0] * len(weeks)
    for status in STACK_ORDER:
        heights = [w.counts.get(status, 0) for w in weeks]
        bars = ax.bar(
            positions,
            heights,
            0.7,
            bottom=bottoms,
            color=STATUS_COLOURS[status],
            label=status.label,
            edgecolor="white",
            linewidth=0.6,
        )
        ax.bar_label(
            bars,
            labels=[str(h) if h >= 0.06 * tallest else "" for h in heights],
            label_type="center",
            color="white" if status is not Status.WATCH else INK,
            fontsize=8,
            fontweight="bold",
        )
        bottoms = [b + h for b, h in zip(bottoms, heights, strict=True)]
    for x, (week, total) in enumerate(zip(weeks, totals, strict=True)):
        middle = f"med {median(week.scores):.1f}" if week.scores else "no score"
        ax.annotate(
            f"{total}\n{middle}",
            (x, total),
            xytext=(0, 3),
            textcoords="offset points",
            ha="center",
            va="bottom",
            fontsize=7.5,
            color=MUTED,
        )
    ax.set_xticks(positions, _week_ticks([w.week for w in weeks]), fontsize=8)
    ax.get_xticklabels()[-1].set_fontweight("bold")
    ax.set_xlim(-0.5, WEEKS_SHOWN - 0.5)  # bars keep their width with fewer weeks
    ax.set_ylim(0, tallest * 1.22)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylabel("accounts", color=MUTED)
    ax.legend(loc="upper left", ncols=3, fontsize=8, frameon=False, reverse=True)
    ax.set_xlabel(_this_week(weeks), color=INK, fontsize=9)
    canvas.tidy(ax)
    ax.grid(axis="y", color="#eceff1")
    ax.set_axisbelow(True)


def _week_ticks(labels: Sequence[str]) -> list[str]:
    """ISO week labels ("2026-W47") shortened to the week, the year shown under the first week
    and where it changes; other labels are shown as given."""
    ticks, year = [], None
    for label in labels:
        head, sep, week = label.partition("-W")
        if sep and head.isdigit() and week.isdigit():
            ticks.append(f"W{week}" + ("" if head == year else f"\n{head}"))
            year = head
        else:
            ticks.append(canvas.drawable(label, NAME_CHARS))
    return ticks


def _this_week(weeks: Sequence[WeekScores]) -> str:
    now, before = weeks[-1], (weeks[-2] if len(weeks) > 1 else None)
    parts = []
    for status in STACK_ORDER:
        n = now.counts.get(status, 0)
        change = "" if before is None else f" ({n - before.counts.get(status, 0):+d})"
        parts.append(f"{n} {status.label}{change}".replace("-", "−"))
    return f"{canvas.drawable(now.week, NAME_CHARS)}: " + " · ".join(parts)


def _help_bars(ax: Axes, needs_help: Sequence[HelpBar], bands: Bands, limit: int) -> None:
    shown = list(needs_help[:limit])
    more = len(needs_help) - len(shown)
    ax.set_title(
        f"Needs help this week: {len(needs_help)}", loc="left", fontweight="bold", color=INK
    )
    if more > 0:
        ax.set_title(f"+{more} not shown", loc="right", fontsize=9, color=INK)
    canvas.band_backdrop(ax, bands)
    ax.set_xlim(0, 10)
    ax.set_xlabel("score (0–10)", color=MUTED)
    if not shown:
        ax.set_yticks([])
        canvas.empty(ax, "Nobody needs help this week")
        canvas.tidy(ax)
        return
    rows = range(len(shown))
    scores = [0.0 if bar.score is None else bar.score for bar in shown]
    colours = [STATUS_COLOURS[Status(bar.status)] for bar in shown]
    ax.barh(rows, scores, 0.66, color=colours)
    for y, bar in zip(rows, shown, strict=True):
        if bar.score is None:
            ax.text(0.1, y, "unscored", va="center", fontsize=8, color=MUTED, style="italic")
        else:
            ax.text(bar.score + 0.1, y, f"{bar.score:.1f}", va="center", fontsize=8, color=INK)
    ax.set_yticks(rows, [canvas.drawable(bar.account, NAME_CHARS) for bar in shown], fontsize=8.5)
    # the first account on top, under the band names; a few accounts keep the usual thickness
    ax.set_ylim(max(len(shown), MIN_ROWS) - 0.5, -1.2)
    canvas.tidy(ax)
