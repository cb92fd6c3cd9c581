"""The charts: real PNGs of one fixed size whatever the input, deterministic, thread-safe.

Looking at them is still a person's job; these tests check what a machine can: the bytes decode
as a PNG, nothing raises or warns on empty, huge or awkward input, and the same input gives the
same image from any thread.
"""

from __future__ import annotations

import random
from concurrent.futures import ThreadPoolExecutor

import pytest

from bot.messages.charts import HelpBar, WeekScores, calibration_chart, portfolio_chart
from bot.messages.charts.canvas import drawable
from scoring.calibration import calibrate
from scoring.rules import Bands, Status
from tests.cli.test_calibration_plot import png_size
from tests.scoring.test_calibration import WEIGHTS, cohort

SIZE = (1440, 660)
BANDS = Bands()

pytestmark = pytest.mark.filterwarnings("error")  # a missing glyph or stray maths would warn


def portfolio(accounts: int, weeks: int = 8, *, seed: int = 1) -> list[WeekScores]:
    rng = random.Random(seed)
    base = [rng.uniform(0, 10) for _ in range(accounts)]
    result = []
    for w in range(weeks):
        scores = tuple(round(min(10.0, max(0.0, b - 0.1 * w)), 1) for b in base)
        counts = dict.fromkeys(Status, 0)
        for score in scores:
            counts[BANDS.status_for(round(score * 10))] += 1
        result.append(WeekScores(f"2026-W{40 + w:02d}", scores, counts))
    return result


def helped(weeks: list[WeekScores]) -> list[HelpBar]:
    latest = sorted(weeks[-1].scores)
    return [
        HelpBar(f"Account {i}", score, BANDS.status_for(round(score * 10)))
        for i, score in enumerate(latest)
        if score < 7.5
    ]


def test_a_typical_portfolio_chart_is_a_png_of_the_fixed_size():
    weeks = portfolio(120)
    png = portfolio_chart(weeks, helped(weeks))
    assert png_size(png) == SIZE and len(png) > 30_000


@pytest.mark.parametrize(
    ("weeks", "needs_help"),
    [
        ([], []),
        (portfolio(1, weeks=1), [HelpBar("Solo", None, Status.WATCH)]),
        (portfolio(0, weeks=3), []),  # weeks without a single scored account
        ([WeekScores("2026-W47", (), {})], [HelpBar("Unscored", None, Status.WATCH)] * 3),
    ],
    ids=["nothing", "one-unscored-account", "no-scores", "empty-counts"],
)
def test_empty_and_tiny_portfolios_draw_without_error(weeks, needs_help):
    assert png_size(portfolio_chart(weeks, needs_help)) == SIZE


def test_awkward_account_names_are_drawn_without_error_or_warning():
    names = [
        "A customer name far, far longer than any chart label should ever be allowed to grow",
        "株式会社サンプル 東京",
        "🚀 Rocket Labs",
        "Initech $5M deal $$ and $x^2$",
        "Umbrella\nCorp\tGmbH",
        "Café Müller GmbH",
        "",
    ]
    bars = [HelpBar(name, 3.0, Status.AT_RISK) for name in names]
    weeks = [WeekScores("2026-W47 ünïcode $ week", (1.0,), {Status.AT_RISK: 1})]
    assert png_size(portfolio_chart(weeks, bars)) == SIZE


def test_names_are_cut_to_one_drawable_line():
    assert drawable("x" * 50, 30) == "x" * 29 + "…"
    assert drawable("Umbrella\n  Corp", 30) == "Umbrella Corp"
    assert drawable("株式 Müller", 30) == "?? Müller"
    assert drawable("$5M $$", 30) == r"\$5M \$\$"


def test_five_hundred_accounts_needing_help_and_ten_thousand_in_the_portfolio():
    weeks = portfolio(10_000, weeks=12)
    bars = helped(weeks)[:500]
    assert len(bars) == 500
    assert png_size(portfolio_chart(weeks, bars)) == SIZE


def test_only_the_last_eight_weeks_are_drawn():
    weeks = portfolio(50, weeks=12)
    assert portfolio_chart(weeks, []) == portfolio_chart(weeks[-8:], [])


def test_the_same_input_gives_the_same_bytes_from_any_thread():
    weeks = portfolio(200)
    bars = helped(weeks)
    serial = portfolio_chart(weeks, bars)
    with ThreadPoolExecutor(max_workers=4) as pool:
        parallel = list(pool.map(lambda _: portfolio_chart(weeks, bars), range(4)))
    assert all(png == serial for png in parallel)


def test_configured_bands_move_the_thresholds():
    weeks = portfolio(50)
    bars = helped(weeks)
    custom = portfolio_chart(weeks, bars, bands=Bands(healthy_tenths=80, watch_tenths=40))
    assert png_size(custom) == SIZE and custom != portfolio_chart(weeks, bars)


def test_calibration_chart_of_a_cohort_is_a_png_of_the_fixed_size():
    png = calibration_chart(calibrate(cohort(600, seed=3), weights=WEIGHTS))
    assert png_size(png) == SIZE and len(png) > 30_000


@pytest.mark.parametrize(
    "records",
    [[], cohort(1, seed=1), [r for r in cohort(60, seed=2) if not r.bad]],
    ids=["no-onboardings", "one-onboarding", "only-good-outcomes"],
)
def test_calibration_chart_copes_without_a_roc_curve(records):
    assert png_size(calibration_chart(calibrate(records, weights=WEIGHTS))) == SIZE


def test_a_limit_below_one_is_refused():
    with pytest.raises(ValueError, match="at least 1"):
        portfolio_chart([], [], limit=0)
