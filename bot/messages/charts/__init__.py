"""Charts as PNG bytes: the calibration plot (`calibration`) and the Monday digest's portfolio
picture (`portfolio`), over the drawing they share (`canvas`).

This package owns drawing only. Its inputs are plain values — a `scoring.calibration.Calibration`,
or the `WeekScores` and `HelpBar` records of `portfolio` — and its output is PNG bytes in memory;
it imports matplotlib and `scoring`, never the store, the use cases or Slack.
"""

from __future__ import annotations

from bot.messages.charts.calibration import calibration_chart
from bot.messages.charts.portfolio import HelpBar, WeekScores, portfolio_chart

__all__ = ["HelpBar", "WeekScores", "calibration_chart", "portfolio_chart"]
