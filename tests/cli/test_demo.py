"""`rescuebot demo`: a believable, deterministic portfolio, printed as Slack shows it."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from bot.cli.main import app
from bot.store.db import make_engine, session_scope
from bot.store.tables import Account, Escalation, Rescue

DAY = "2026-12-02"  # a Wednesday


@pytest.fixture
def demo(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COLUMNS", "100")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'demo.db'}")
    runner = CliRunner()

    def run(*args: str):
        return runner.invoke(app, list(args), catch_exceptions=False)

    return run


@pytest.fixture
def seeded(demo, monkeypatch, tmp_path):
    """The demo run once, then DATABASE_URL pointed at its database for the other commands."""
    printed = demo("demo", "--as-of", DAY)
    assert printed.exit_code == 0, printed.stderr
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'rescuebot-demo.db'}")
    return printed.stdout


def _panel(out: str, title: str) -> list[str]:
    """The lines of the printed Slack message whose panel title starts with `title`."""
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"╭─ {title}"))
    end = next(i for i in range(start, len(lines)) if lines[i].startswith("╰"))
    return lines[start : end + 1]


def test_demo_prints_the_standup_and_the_digest_as_slack_shows_them(seeded):
    standup = "\n".join(_panel(seeded, "#cs-standup"))
    assert "Standup · who needs a decision today (2026-12-02)" in standup
    assert "@Alice Moreau" in standup or "@Bruno Costa" in standup  # names, not user ids
    assert "Claim" in standup and "(CSM, unclaimed)" in standup
    assert "Also in the standup" in standup
    assert "U0DEMO" not in seeded
    digest = "\n".join(_panel(seeded, "#cs-leadership"))
    assert "Weekly digest, Wed 2 Dec" in digest and "Monday digest" not in seeded
    assert "Which step creates the most delays" in digest
    assert "Ready for an expansion conversation" in digest
    assert "KPIs, last 90 days: completion 100%" in digest
    assert "1 reply in the thread" in seeded and "1 replies" not in seeded


def test_the_standup_fits_one_screen(seeded):
    standup = _panel(seeded, "#cs-standup")
    assert len(standup) <= 45  # a laptop terminal at 100 columns
    claims = [line for line in standup if re.search(r"Claim\s*│$", line)]
    assert 1 <= len(claims) <= 10


def test_about_a_quarter_of_the_book_needs_help_and_the_focus_has_at_most_ten(seeded, demo):
    standup = json.loads(demo("standup", "--as-of", DAY, "--json").stdout)
    digest = json.loads(demo("digest", "--dry-run", "--as-of", DAY, "--json").stdout)
    total, items = digest["total"], standup["items"]
    assert 40 <= total <= 48
    assert 0.2 <= len(items) / total <= 0.3
    shown = [i for i in items if i["focus"]]
    assert 5 <= len(shown) <= 10
    assert all(digest["counts"][s] > 0 for s in ("healthy", "watch", "at_risk"))
    assert any(i["falling_weeks"] >= 3 for i in shown)
    assert any(not i["owned"] for i in shown) and any(i["owned"] for i in shown)
    assert any("hand-off checklist incomplete" in r for i in items for r in i["reasons"])
    assert digest["expansion"] and digest["promises"] and digest["delays"]


def test_the_demo_has_rescues_in_every_state_and_one_recovered_account(seeded, tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'rescuebot-demo.db'}")
    with session_scope(engine, read_only=True) as session:
        rescues = session.exec(select(Rescue)).all()
        plans = session.exec(select(Escalation)).all()
        accounts = {a.id: a for a in session.exec(select(Account)).all()}
    states = sorted(r.state for r in rescues)
    assert states == ["escalated", "open", "recovering", "resolved"]
    (recovered,) = [r for r in rescues if r.state == "resolved"]
    assert recovered.resolution == "recovered"
    (plan,) = plans
    assert plan.state == "pending" and plan.approvals_required == 2  # ARR above 250,000
    assert accounts[plan.account_id].arr >= 250_000
    assert sum(1 for a in accounts.values() if a.outcome) == 2


def test_every_phase_is_in_the_demo(seeded, demo):
    standup = json.loads(demo("standup", "--as-of", DAY, "--json").stdout)
    keys = [i["account"] for i in standup["items"]]
    digest = json.loads(demo("digest", "--dry-run", "--as-of", DAY, "--json").stdout)
    keys += [c["account"] for c in digest["expansion"]]
    phases = set()
    for key in keys:
        card = json.loads(demo("scorecard", key, "--as-of", DAY, "--json").stdout)
        phases.add(card["phase"])
    assert {"pre_kickoff", "foundations", "integration", "cutover", "business_as_usual"} <= phases


def test_demo_is_deterministic_and_reused_for_the_same_day(demo):
    first = demo("demo", "--as-of", DAY).stdout
    again = demo("demo", "--as-of", DAY).stdout
    fresh = demo("demo", "--as-of", DAY, "--fresh").stdout
    assert "reused" in again and "seeded" in fresh
    assert first == fresh
    assert first.replace("seeded", "reused") == again


def test_demo_refuses_to_mix_with_real_accounts(demo, tmp_path):
    real = tmp_path / "real.db"
    csv = tmp_path / "a.csv"
    csv.write_text("name\nReal Customer\n", encoding="utf-8")
    demo("accounts", "import", str(csv))  # into DATABASE_URL = demo.db
    result = demo("demo", "--database-url", f"sqlite:///{tmp_path / 'demo.db'}")
    assert result.exit_code == 1
    assert "not the demo's" in result.stderr
    assert not real.exists()


def test_kpis_and_calibration_on_the_demo_portfolio(seeded, demo):
    kpis = json.loads(demo("kpis", "--as-of", DAY, "--json").stdout)
    # two finished onboardings in the demo, both completed or expanded
    assert kpis["completion_rate"] == 1.0
    assert kpis["detail"]["completion"] == {"value": 1.0, "numerator": 2, "denominator": 2}
    assert kpis["time_to_value_days"] is not None
    assert kpis["at_risk_recovery_rate"] == 1.0  # the recovered account's rescue
    assert kpis["tickets_per_1000_users"] is None  # no ticket data: unknown, not zero
    calibration = json.loads(demo("calibrate", "--as-of", DAY, "--json").stdout)
    assert {"signals", "model", "proposal"} <= set(calibration)
    keys = {"key", "precision", "recall", "lift", "auc", "ci", "retire_proposed", "segment_flags"}
    assert all(keys <= set(signal) for signal in calibration["signals"])


def test_kpis_refuses_a_window_that_ends_before_it_starts(demo):
    result = demo("kpis", "--since", "2026-12-01", "--as-of", "2026-11-01")
    assert result.exit_code == 2 and "--since must not be after --as-of" in result.stderr


def test_the_readme_shows_the_demo_standup_as_it_is_printed(seeded):
    """README's "What the demo shows" is `COLUMNS=100 rescuebot demo --as-of 2026-12-02`."""
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    intro = "`COLUMNS=100 rescuebot demo --as-of 2026-12-02`'s standup:\n\n```\n"
    shown = readme.split(intro, 1)[1].split("```", 1)[0].rstrip("\n").splitlines()
    assert shown == _panel(seeded, "#cs-standup")
