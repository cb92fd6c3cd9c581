"""`rescuebot demo`: a believable, deterministic portfolio worth seeing."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from bot.cli.main import app


@pytest.fixture
def demo(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COLUMNS", "160")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'demo.db'}")
    runner = CliRunner()

    def run(*args: str):
        return runner.invoke(app, list(args), catch_exceptions=False)

    return run


def test_demo_prints_a_standup_and_a_digest(demo, tmp_path):
    result = demo("demo", "--as-of", "2026-11-24")
    assert result.exit_code == 0, result.stderr
    assert (tmp_path / "rescuebot-demo.db").exists()
    out = result.stdout
    assert "Standup · who needs help this week (2026-11-24)" in out
    assert "Monday digest" in out and "Which step creates the most delays" in out
    assert "Ready for an expansion conversation" in out
    assert "next:" in out and "(CSM, unclaimed)" in out
    assert "KPIs, last 90 days: completion 100%" in out


def test_demo_portfolio_has_the_promised_mix(demo, monkeypatch, tmp_path):
    demo("demo", "--as-of", "2026-11-24")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'rescuebot-demo.db'}")
    standup = json.loads(demo("standup", "--as-of", "2026-11-24", "--json").stdout)
    digest = json.loads(demo("digest", "--dry-run", "--as-of", "2026-11-24", "--json").stdout)
    assert digest["total"] >= 40
    assert all(digest["counts"][s] > 0 for s in ("healthy", "watch", "at_risk"))
    items = standup["items"]
    assert any(i["falling_weeks"] >= 3 for i in items)
    assert any(i["owned"] for i in items) and any(not i["owned"] for i in items)
    assert any("hand-off checklist incomplete" in r for i in items for r in i["reasons"])
    assert any("rescue checkpoint" in r for i in items for r in i["reasons"])
    assert digest["expansion"] and digest["promises"] and digest["delays"]
    assert digest["kpis"]["completion_rate"] == 1.0
    phases = set()
    for item in [*items, *digest["expansion"]]:
        card = json.loads(demo("scorecard", item["account"], "--as-of", "2026-11-24",
                               "--json").stdout)  # fmt: skip
        phases.add(card["phase"])
        assert len(card["trend"]["weekly"]) >= 2 or card["phase"] in ("pre_kickoff", "foundations")
    assert {"pre_kickoff", "foundations", "integration", "cutover", "business_as_usual"} <= phases


def test_demo_is_deterministic_and_reused_for_the_same_day(demo):
    first = demo("demo", "--as-of", "2026-11-24").stdout
    again = demo("demo", "--as-of", "2026-11-24").stdout
    fresh = demo("demo", "--as-of", "2026-11-24", "--fresh").stdout
    assert "reused" in again and "seeded" in fresh
    assert first.replace("seeded", "·") == fresh.replace("seeded", "·")
    assert first.split("\n", 1)[1] == again.split("\n", 1)[1]


def test_demo_refuses_to_mix_with_real_accounts(demo, tmp_path):
    real = tmp_path / "real.db"
    csv = tmp_path / "a.csv"
    csv.write_text("name\nReal Customer\n", encoding="utf-8")
    demo("accounts", "import", str(csv))  # into DATABASE_URL = demo.db
    result = demo("demo", "--database-url", f"sqlite:///{tmp_path / 'demo.db'}")
    assert result.exit_code == 1
    assert "not the demo's" in result.stderr
    assert not real.exists()


def test_kpis_and_calibration_on_the_demo_portfolio(demo, monkeypatch, tmp_path):
    demo("demo", "--as-of", "2026-11-24")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'rescuebot-demo.db'}")
    kpis = json.loads(demo("kpis", "--as-of", "2026-11-24", "--json").stdout)
    # two finished onboardings in the demo, both completed or expanded
    assert kpis["completion_rate"] == 1.0
    assert kpis["detail"]["completion"] == {"value": 1.0, "numerator": 2, "denominator": 2}
    assert kpis["time_to_value_days"] is not None
    assert kpis["tickets_per_1000_users"] is None  # no ticket data: unknown, not zero
    calibration = json.loads(demo("calibrate", "--as-of", "2026-11-24", "--json").stdout)
    assert {"signals", "model", "proposal"} <= set(calibration)
    keys = {"key", "precision", "recall", "lift", "auc", "ci", "retire_proposed", "segment_flags"}
    assert all(keys <= set(signal) for signal in calibration["signals"])
    assert {"precision", "recall", "auc"} <= set(calibration["model"])
    assert "weights" in calibration["proposal"]


def test_kpis_refuses_a_window_that_ends_before_it_starts(demo):
    result = demo("kpis", "--since", "2026-12-01", "--as-of", "2026-11-01")
    assert result.exit_code == 2 and "--since must not be after --as-of" in result.stderr
