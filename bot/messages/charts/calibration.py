"""The calibration plot: a reliability diagram of day-30 scores against outcomes, and ROC curves
of the model and of each signal."""

from __future__ import annotations

from collections.abc import Sequence

from matplotlib.axes import Axes
from matplotlib.ticker import PercentFormatter

from bot.messages.charts import canvas
from bot.messages.charts.canvas import INK, MUTED
from scoring.calibration import Calibration, Detection
from scoring.roc import reliability_bins, roc_points
from scoring.rules import Bands


def calibration_chart(calibration: Calibration, *, bands: Bands = canvas.DEFAULT_BANDS) -> bytes:
    """The calibration plot, as PNG bytes. Left, a reliability diagram: the observed bad-outcome
    rate in each one-point bin of day-30 score, with its 95% interval, beside the line the score
    would follow if score ÷ 10 were the chance of a good outcome. Right, ROC curves of the
    model's day-30 score (with the `bands` thresholds marked on it) and of each signal."""
    drawing = canvas.figure()
    left = drawing.add_axes((0.07, 0.1, 0.325, 0.78))
    right = drawing.add_axes((0.45, 0.1, 0.36, 0.78))  # square; its legend goes on its right
    model = calibration.model
    unscored = calibration.accounts - len(model.ranked)
    rate = calibration.bad / calibration.accounts if calibration.accounts else 0.0
    since = "" if calibration.since is None else f", signed since {calibration.since}"
    drawing.suptitle(
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
    return canvas.png(drawing)


def _reliability(
    ax: Axes, scored: Sequence[tuple[float, bool]], rate: float, bands: Bands, unscored: int
) -> None:
    ax.set_title("Bad outcomes by day-30 score", loc="left", fontweight="bold", color=INK)
    canvas.band_backdrop(ax, bands)
    ax.set_xlim(0, 10)
    ax.set_ylim(0, 1.08)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    left_out = f"; {unscored} unscored left out" if unscored else ""
    ax.set_xlabel(f"model score at day 30 ({len(scored)} accounts{left_out})", color=MUTED)
    ax.set_ylabel("ended badly", color=MUTED)
    canvas.tidy(ax)
    if not scored:
        canvas.empty(ax, "No account had a score at day 30")
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
    canvas.tidy(ax)
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
            label = f"{canvas.drawable(signal.key, 20)}{retire}\n{_auc(signal.indicator.day30)}"
            ax.plot(*zip(*points, strict=True), lw=1.2, color=next(palette, MUTED), label=label)
            signals += 1
    if not model_points and not signals:
        d = calibration.model.day30
        outcomes = f"({d.auc_bad} bad, {d.auc_good} good)"
        canvas.empty(ax, f"A ROC curve needs good and bad outcomes\n{outcomes}")
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
