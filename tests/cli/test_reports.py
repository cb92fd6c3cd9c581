"""`rescuebot scorecard`, `standup`, `digest --dry-run`: the JSON contract and clear refusals."""

from __future__ import annotations

SIGNAL_KEYS = {"key", "value", "weight", "contribution", "stale", "overdue", "days_late"}


def test_scorecard_json_keeps_the_contract(loaded):
    result = loaded("scorecard", "acme", "--as-of", "2026-11-24", "--json")
    assert result.code == 0, result.err
    card = result.json()
    assert {"account", "score", "status", "coverage", "handoff_complete", "signals", "trend",
            "flags"} <= set(card)  # fmt: skip
    assert card["account"] == "acme"
    # kickoff 2, admin 2, import 1, first value 1, tickets 2, exec 2: 10 × 10 / 12 = 8.3,
    # Healthy by score; first value (mid: 60 days) and data import (45 days) are overdue
    assert card["score"] == 8.3
    assert card["status"] == "healthy"
    assert card["coverage"] == 1.0
    assert [s["key"] for s in card["signals"]] == [
        "kickoff",
        "admin_trained",
        "data_import",
        "first_value",
        "ticket_trend",
        "exec_update",
    ]
    assert all(set(s) >= SIGNAL_KEYS for s in card["signals"])
    by_key = {s["key"]: s for s in card["signals"]}
    assert by_key["data_import"]["overdue"] and by_key["data_import"]["days_late"] == 39
    assert by_key["kickoff"]["stale"] and by_key["kickoff"]["contribution"] == 1.67
    assert {"delta", "falling_weeks", "weekly"} <= set(card["trend"])
    assert card["trend"]["weekly"][-1] == {"week": "2026-W48", "week_end": "2026-11-29",
                                           "score": 8.3, "partial": True}  # fmt: skip


def test_scorecard_as_of_uses_only_readings_recorded_by_then(loaded):
    early = loaded("scorecard", "acme", "--as-of", "2026-09-10", "--json").json()
    assert early["score"] == 10.0
    assert early["coverage"] == round(1 / 6, 4)
    assert early["status"] == "watch"
    assert "low_coverage" in early["flags"]


def test_scorecard_in_the_terminal_shows_the_breakdown(loaded):
    result = loaded("scorecard", "glob", "--as-of", "2026-11-24")
    assert result.code == 0
    assert "Globex" in result.out and "Data import" in result.out and "0 At risk" in result.out


def test_unknown_and_ambiguous_accounts_are_refused_with_candidates(loaded):
    loaded("accounts", "import", str(loaded.write("more.csv", "name\nAcme Labs\n")))
    ambiguous = loaded("scorecard", "ac", "--json")
    assert ambiguous.code == 1 and ambiguous.out == ""
    assert "matches 2 accounts" in ambiguous.err and "acme-labs (Acme Labs)" in ambiguous.err
    unknown = loaded("scorecard", "initech")
    assert unknown.code == 1 and "No account matches `initech`" in unknown.err


def test_a_bad_as_of_date_is_a_usage_error(loaded):
    result = loaded("standup", "--as-of", "24/11/2026")
    assert result.code == 2
    assert "write it as YYYY-MM-DD" in result.err


def test_standup_json_lists_who_needs_help_in_order(loaded):
    standup = loaded("standup", "--as-of", "2026-11-24", "--json").json()
    assert standup["as_of"] == "2026-11-24"
    items = standup["items"]
    assert [i["account"] for i in items][:2] == ["globex", "cafe-muller-gmbh"]
    first = items[0]
    assert {"account", "status", "score", "owner", "next_step", "due", "reasons"} <= set(first)
    assert first["owner"] == "U0CARMEN" and first["owned"] is False
    assert first["next_step"] == "Assign an owner for Data import"
    assert first["due"] == "2026-11-24"


def test_digest_dry_run_json_answers_the_weekly_questions(loaded):
    digest = loaded("digest", "--dry-run", "--as-of", "2026-11-24", "--json").json()
    assert digest["week"] == "2026-W48"
    assert digest["total"] == 3
    assert sum(digest["counts"].values()) == 3
    assert digest["needs_help"][0]["account"] == "globex"
    assert {p["account"] for p in digest["promises"]} == {"acme", "globex"}
    # every step holds up two accounts; the exec update is latest on average: (9 + 118) / 2
    assert [d["overdue_accounts"] for d in digest["delays"]] == [2, 2, 2, 2]
    assert digest["delays"][0] == {"signal": "exec_update", "label": "Exec update",
                                   "overdue_accounts": 2, "mean_days_late": 63.5,
                                   "max_days_late": 118}  # fmt: skip


def test_digest_without_dry_run_says_how_to_render_it(loaded):
    result = loaded("digest")
    assert result.code == 2 and "--dry-run" in result.err


def test_a_bad_config_file_is_refused_with_its_line(loaded):
    config = loaded.write("rescuebot.yml", "bands:\n  healthy: 5\n  watch: 7.5\n")
    result = loaded("standup")
    assert result.code == 1
    assert f"{config.name}, line 1: bands: healthy (5.0) must be above watch (7.5)" in result.err
    other = loaded.write("other.yml", "signals:\n  data_import:\n    weight: -2\n")
    result = loaded("--config", str(other), "standup", "--json")
    assert result.code == 1 and result.out == ""
    assert "line 3: signals.data_import.weight" in result.err


def test_config_weights_change_the_score(loaded):
    loaded.write("rescuebot.yml", "signals:\n  data_import: {weight: 4}\n")
    card = loaded("scorecard", "acme", "--as-of", "2026-11-24", "--json").json()
    # (2+2+4×1+1+2+2) / (2×9) × 10 = 7.2
    assert card["score"] == 7.2
    assert card["status"] == "watch"


def test_db_upgrade_reports_the_revision(rescuebot):
    result = rescuebot("db", "upgrade")
    assert result.code == 0 and "revision" in result.out


def test_serve_without_slack_secrets_says_what_to_set(rescuebot, monkeypatch):
    monkeypatch.delenv("SLACK_BOT_TOKEN", raising=False)
    monkeypatch.delenv("SLACK_SIGNING_SECRET", raising=False)
    result = rescuebot("serve", "--port", "3999")
    assert result.code == 1 and "SLACK_BOT_TOKEN is not set" in result.err


def test_socket_mode_needs_an_app_level_token(rescuebot, monkeypatch):
    monkeypatch.delenv("SLACK_APP_TOKEN", raising=False)
    result = rescuebot("socket")
    assert result.code == 1 and "SLACK_APP_TOKEN is not set" in result.err


def test_each_weekly_question_answers_on_its_own_with_evidence(loaded):
    answers = {
        q: loaded("report", q, "--as-of", "2026-11-24", "--json").json()
        for q in ("needs-help", "delays", "promises", "expansion")
    }
    assert answers["needs-help"]["answer"][0]["account"] == "globex"
    assert answers["needs-help"]["answer"][0]["reasons"]
    assert answers["delays"]["answer"][0]["signal"] == "exec_update"
    assert {p["account"] for p in answers["promises"]["answer"]} == {"acme", "globex"}
    assert all(p["days_past"] > 0 for p in answers["promises"]["answer"])
    assert answers["expansion"]["answer"] == []
    unknown = loaded("report", "churn")
    assert (
        unknown.code == 2 and "choose one of needs-help, delays, promises, expansion" in unknown.err
    )


def test_kpis_compare_with_a_captured_baseline_and_show_week_4_and_8(loaded):
    before = loaded("kpis", "--as-of", "2026-11-24", "--json").json()
    assert before["baseline"] is None and before["movement"] == []
    captured = loaded("kpis", "baseline", "--since", "2026-09-01", "--as-of", "2026-10-01")
    assert captured.code == 0 and "captured for 2026-09-01 → 2026-10-01" in captured.out
    report = loaded("kpis", "--as-of", "2026-11-24", "--json").json()
    assert report["baseline"]["window"] == {"start": "2026-09-01", "end": "2026-10-01"}
    assert set(report["change"]) == set(report["baseline"]["values"])
    weeks = {m["week"]: m for m in report["movement"]}
    assert (
        weeks[4]["window"] == {"start": "2026-09-29", "end": "2026-10-29"} and weeks[4]["reached"]
    )
    assert weeks[8]["window"] == {"start": "2026-10-27", "end": "2026-11-26"}
    assert weeks[8]["reached"] is False  # that window ends after the as-of date
