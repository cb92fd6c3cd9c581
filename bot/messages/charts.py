"""Charts as PNG bytes: the calibration plot and the Monday digest's portfolio picture.

This module owns drawing only. Its inputs are plain values — a `scoring.calibration.Calibration`,
or the `WeekScores` and `HelpBar` records defined here — and its output is PNG bytes in memory;
it never reads the store or talks to Slack. Every chart is drawn on its own
`matplotlib.figure.Figure` with an Agg canvas, never through `pyplot` (which keeps global state),
so the scheduler can render charts from several worker threads at once. Each chart has a fixed
pixel size whatever its input, and text the font cannot draw is replaced rather than warned about.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from statistics import median

from matplotlib import font_manager
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator, PercentFormatter

from scoring.calibration import Calibration, Detection
from scoring.roc import reliability_bins, roc_points
from scoring.rules import Bands, Status

DEFAULT_BANDS = Bands()
WEEKS_SHOWN = 8
HELP_SHOWN = 15
MIN_ROWS = 8
NAME_CHARS = 30

SIZE_INCHES = (12.0, 5.5)
DPI = 120
"""Every chart is 1440 × 660 pixels."""

STATUS_COLOURS = {Status.HEALTHY: "#2e7d32", Status.WATCH: "#f2a900", Status.AT_RISK: "#d32f2f"}
STACK_ORDER = (Status.AT_RISK, Status.WATCH, Status.HEALTHY)
BAND_INK = {Status.HEALTHY: "#1b5e20", Status.WATCH: "#8a6d00", Status.AT_RISK: "#b71c1c"}
INK = "#263238"
MUTED = "#607d8b"


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


# --- the Monday digest ------------------------------------------------------------------------


def portfolio_chart(
    weeks: Sequence[WeekScores],
    needs_help: Sequence[HelpBar],
    *,
    bands: Bands = DEFAULT_BANDS,
    limit: int = HELP_SHOWN,
) -> bytes:
    """The digest's picture, as PNG bytes. Left: accounts per status for each of the last 8
    `weeks` (oldest first), with each week's median score. Right: the first `limit` accounts of
    `needs_help` (in the order given — the standup's ranking — top first) as bars of their scores
    coloured by status, the `bands` thresholds drawn, and "+K not shown" for the rest."""
    if limit < 1:
        raise ValueError("limit must be at least 1")
    figure = _figure()
    left = figure.add_axes((0.06, 0.17, 0.42, 0.77))
    right = figure.add_axes((0.655, 0.1, 0.33, 0.84))  # room on its left for account names
    _weekly_statuses(left, list(weeks)[-WEEKS_SHOWN:])
    _help_bars(right, needs_help, bands, limit)
    return _png(figure)


def _weekly_statuses(ax: Axes, weeks: Sequence[WeekScores]) -> None:
    ax.set_title("Portfolio by status, week by week", loc="left", fontweight="bold", color=INK)
    if not weeks:
        ax.set_xticks([])
        ax.set_yticks([])
        _empty(ax, "No weekly snapshots yet")
        _tidy(ax)
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
    _tidy(ax)
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
            ticks.append(_drawable(label, NAME_CHARS))
    return ticks


def _this_week(weeks: Sequence[WeekScores]) -> str:
    now, before = weeks[-1], (weeks[-2] if len(weeks) > 1 else None)
    parts = []
    for status in STACK_ORDER:
        n = now.counts.get(status, 0)
        change = "" if before is None else f" ({n - before.counts.get(status, 0):+d})"
        parts.append(f"{n} {status.label}{change}".replace("-", "−"))
    return f"{_drawable(now.week, NAME_CHARS)}: " + " · ".join(parts)


def _help_bars(ax: Axes, needs_help: Sequence[HelpBar], bands: Bands, limit: int) -> None:
    shown = list(needs_help[:limit])
    more = len(needs_help) - len(shown)
    ax.set_title(
        f"Needs help this week: {len(needs_help)}", loc="left", fontweight="bold", color=INK
    )
    if more > 0:
        ax.set_title(f"+{more} not shown", loc="right", fontsize=9, color=INK)
    _band_backdrop(ax, bands)
    ax.set_xlim(0, 10)
    ax.set_xlabel("score (0–10)", color=MUTED)
    if not shown:
        ax.set_yticks([])
        _empty(ax, "Nobody needs help this week")
        _tidy(ax)
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
    ax.set_yticks(rows, [_drawable(bar.account, NAME_CHARS) for bar in shown], fontsize=8.5)
    # the first account on top, under the band names; a few accounts keep the usual thickness
    ax.set_ylim(max(len(shown), MIN_ROWS) - 0.5, -1.2)
    _tidy(ax)


# --- calibration ------------------------------------------------------------------------------


def calibration_chart(calibration: Calibration, *, bands: Bands = DEFAULT_BANDS) -> bytes:
    """The calibration plot, as PNG bytes. Left, a reliability diagram: the observed bad-outcome
    rate in each one-point bin of day-30 score, with its 95% interval, beside the line the score
    would follow if score ÷ 10 were the chance of a good outcome. Right, ROC curves of the
    model's day-30 score (with the `bands` thresholds marked on it) and of each signal."""
    figure = _figure()
    left = figure.add_axes((0.07, 0.1, 0.325, 0.78))
    right = figure.add_axes((0.45, 0.1, 0.36, 0.78))  # square; its legend goes on its right
    model = calibration.model
    unscored = calibration.accounts - len(model.ranked)
    rate = calibration.bad / calibration.accounts if calibration.accounts else 0.0
    since = "" if calibration.since is None else f", signed since {calibration.since}"
    figure.suptitle(
        f"Calibration: {calibration.accounts} finished onboardings{since}, "
        f"{calibration.bad} ended badly ({rate:.0%})",
        x=0.01,
        y=0.985,
        ha="left",
        fontweight="bold",
        color=INK,
    )
    _reliability(left, [(-risk, bad) for risk, bad in model.ranked], rate, bands, unscored)
    _roc(right, calibration, bands)
    return _png(figure)


def _reliability(
    ax: Axes, scored: Sequence[tuple[float, bool]], rate: float, bands: Bands, unscored: int
) -> None:
    ax.set_title("Bad outcomes by day-30 score", loc="left", fontweight="bold", color=INK)
    _band_backdrop(ax, bands)
    ax.set_xlim(0, 10)
    ax.set_ylim(0, 1.08)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    left_out = f"; {unscored} unscored left out" if unscored else ""
    ax.set_xlabel(f"model score at day 30 ({len(scored)} accounts{left_out})", color=MUTED)
    ax.set_ylabel("ended badly", color=MUTED)
    _tidy(ax)
    if not scored:
        _empty(ax, "No account had a score at day 30")
        return
    bins = [b for b in reliability_bins(scored, range(11)) if b.accounts]
    centres = [(b.low + b.high) / 2 for b in bins]
    rates = [b.rate or 0.0 for b in bins]
    errors = [
        [r - b.ci.low if b.ci else 0.0 for r, b in zip(rates, bins, strict=True)],
        [b.ci.high - r if b.ci else 0.0 for r, b in zip(rates, bins, strict=True)],
    ]
    ax.plot([0, 10], [1, 0], ls="--", lw=1, color=MUTED, label="if score ÷ 10 were P(good)")
    ax.axhline(rate, ls=":", lw=1.2, color=INK, label=f"cohort bad rate {rate:.0%}")
    ax.bar(
        centres,
        rates,
        0.8,
        color="#37474f",
        alpha=0.85,
        label="observed, 95% CI\n(accounts above each bar)",
    )
    ax.errorbar(centres, rates, yerr=errors, fmt="none", ecolor=INK, elinewidth=1, capsize=3)
    for centre, b in zip(centres, bins, strict=True):
        top = b.ci.high if b.ci else 0.0
        ax.text(
            centre, top + 0.01, str(b.accounts), ha="center", va="bottom", fontsize=7, color=MUTED
        )
    ax.legend(loc="upper right", bbox_to_anchor=(1, 0.94), fontsize=8, frameon=False)


def _roc(ax: Axes, calibration: Calibration, bands: Bands) -> None:
    ax.set_title(
        "ROC: does day-30 risk pick out bad outcomes?", loc="left", fontweight="bold", color=INK
    )
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.02)
    ax.set_aspect("equal")
    ax.set_xlabel("good onboardings flagged (false-positive rate)", color=MUTED)
    ax.set_ylabel("bad onboardings caught (true-positive rate)", color=MUTED)
    ax.plot([0, 1], [0, 1], ls="--", lw=1, color=MUTED)
    _tidy(ax)
    model_points = roc_points(calibration.model.ranked)
    if model_points:
        ax.plot(
            *zip(*model_points, strict=True),
            lw=2.6,
            color=INK,
            zorder=4,
            label=f"model score\n{_auc(calibration.model.day30)}",
        )
        _thresholds(ax, calibration.model.ranked, bands)
    palette = iter(("#1f77b4", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22"))
    signals = 0
    for signal in calibration.signals:
        points = roc_points(signal.indicator.ranked)
        if points:
            retire = ", retire?" if signal.retire_proposed else ""
            label = f"{_drawable(signal.key, 20)}{retire}\n{_auc(signal.indicator.day30)}"
            ax.plot(*zip(*points, strict=True), lw=1.2, color=next(palette, MUTED), label=label)
            signals += 1
    if not model_points and not signals:
        d = calibration.model.day30
        _empty(ax, f"A ROC curve needs good and bad outcomes\n({d.auc_bad} bad, {d.auc_good} good)")
        return
    ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), fontsize=7.5, frameon=False)


def _auc(detection: Detection) -> str:
    if detection.auc is None:
        return "AUC —"
    ci = detection.auc_ci
    return f"AUC {detection.auc:.2f}" + ("" if ci is None else f" ({ci.low:.2f}–{ci.high:.2f})")


def _thresholds(ax: Axes, ranked: Sequence[tuple[float, bool]], bands: Bands) -> None:
    """Mark where the model's status bands sit on its ROC curve: flagging the At-risk accounts,
    and flagging every account below Healthy."""
    bad = sum(b for _, b in ranked)
    good = len(ranked) - bad
    marks = ((bands.watch_tenths, "At risk", "o"), (bands.healthy_tenths, "below Healthy", "s"))
    for tenths, name, marker in marks:
        flagged = [b for risk, b in ranked if round(-risk * 10) < tenths]
        x, y = (len(flagged) - sum(flagged)) / good, sum(flagged) / bad
        ax.plot(
            [x],
            [y],
            ls="none",
            marker=marker,
            ms=7,
            color="white",
            mec=INK,
            mew=1.8,
            zorder=5,
            clip_on=False,
            label=f"{name} (< {tenths / 10:.1f}): catches\n{y:.0%} of bad, flags {x:.0%} of good",
        )


# --- shared drawing -----------------------------------------------------------------------------


def _figure() -> Figure:
    """A figure with its own Agg canvas. Axes are placed by hand rather than by a layout engine:
    it keeps every chart the same shape and halves the render time."""
    figure = Figure(figsize=SIZE_INCHES, dpi=DPI)
    FigureCanvasAgg(figure)
    return figure


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    return buffer.getvalue()


def _band_backdrop(ax: Axes, bands: Bands) -> None:
    """Shade a 0–10 score x-axis by status band, name the bands and draw the thresholds."""
    watch, healthy = bands.watch_tenths / 10, bands.healthy_tenths / 10
    spans = (
        (0, watch, Status.AT_RISK),
        (watch, healthy, Status.WATCH),
        (healthy, 10, Status.HEALTHY),
    )
    for low, high, status in spans:
        ax.axvspan(low, high, color=STATUS_COLOURS[status], alpha=0.07, lw=0)
    names = (f"At risk < {watch:.1f}", "Watch", f"Healthy ≥ {healthy:.1f}")
    for (low, high, status), name in zip(spans, names, strict=True):
        ax.text(
            (low + high) / 2,
            0.995,
            name,
            transform=ax.get_xaxis_transform(),
            ha="center",
            va="top",
            fontsize=8,
            fontweight="bold",
            color=BAND_INK[status],
        )
    for threshold in (watch, healthy):
        ax.axvline(threshold, ls="--", lw=0.9, color=MUTED, zorder=0.5)


def _tidy(ax: Axes) -> None:
    ax.spines[["top", "right"]].set_visible(False)
    ax.tick_params(colors=MUTED, labelcolor=INK)


def _empty(ax: Axes, message: str) -> None:
    ax.text(
        0.5,
        0.5,
        message,
        transform=ax.transAxes,
        ha="center",
        va="center",
        fontsize=11,
        color=MUTED,
        bbox={"facecolor": "white", "edgecolor": "none", "pad": 6},
    )


@cache
def _font_codepoints() -> frozenset[int]:
    """The characters the default font can draw."""
    path = font_manager.findfont(font_manager.FontProperties())
    return frozenset(font_manager.get_font(path).get_charmap())


def _drawable(text: str, width: int) -> str:
    """`text` on one line, at most `width` characters (cut with "…"), with characters the font
    lacks shown as "?" and "$" kept literal (matplotlib would start maths at a pair of them)."""
    line = " ".join(text.split())
    if len(line) > width:
        line = line[: width - 1].rstrip() + "…"
    known = _font_codepoints()
    return "".join(c if ord(c) in known else "?" for c in line).replace("$", r"\$")
