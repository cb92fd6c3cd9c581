"""What every chart shares: a fixed-size figure with its own Agg canvas, PNG bytes out, the
status colours and band backdrop, and text made safe for the font.

Every chart is drawn on its own `matplotlib.figure.Figure` with an Agg canvas, never through
`pyplot` (which keeps global state), so the scheduler can render charts from several worker
threads at once. Each chart has a fixed pixel size whatever its input, and text the font cannot
draw is replaced rather than warned about.
"""

from __future__ import annotations

import io
from functools import cache

from matplotlib import font_manager
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from scoring.rules import Bands, Status

DEFAULT_BANDS = Bands()
SIZE_INCHES = (12.0, 5.5)
DPI = 120
"""Every chart is 1440 × 660 pixels."""

STATUS_COLOURS = {Status.HEALTHY: "#2e7d32", Status.WATCH: "#f2a900", Status.AT_RISK: "#d32f2f"}
BAND_INK = {Status.HEALTHY: "#1b5e20", Status.WATCH: "#8a6d00", Status.AT_RISK: "#b71c1c"}
INK = "#263238"
MUTED = "#607d8b"


def figure() -> Figure:
    """A figure with its own Agg canvas. Axes are placed by hand rather than by a layout engine:
    it keeps every chart the same shape and halves the render time."""
    drawing = Figure(figsize=SIZE_INCHES, dpi=DPI)
    FigureCanvasAgg(drawing)
    return drawing


def png(drawing: Figure) -> bytes:
    buffer = io.BytesIO()
    drawing.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    return buffer.getvalue()


def band_backdrop(ax: Axes, bands: Bands) -> None:
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


def tidy(ax: Axes) -> None:
    ax.spines[["top", "right"]].set_visible(False)
    ax.tick_params(colors=MUTED, labelcolor=INK)


def empty(ax: Axes, message: str) -> None:
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


def drawable(text: str, width: int) -> str:
    """`text` on one line, at most `width` characters (cut with "…"), with characters the font
    lacks shown as "?" and "$" kept literal (matplotlib would start maths at a pair of them)."""
    line = " ".join(text.split())
    if len(line) > width:
        line = line[: width - 1].rstrip() + "…"
    known = _font_codepoints()
    return "".join(c if ord(c) in known else "?" for c in line).replace("$", r"\$")
