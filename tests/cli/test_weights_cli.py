"""`rescuebot weights`, and the weight version and override in every score the CLI prints."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.config import load_config
from bot.services.overrides import set_override
from bot.services.weights import calibrated, decide, propose
from bot.store import accounts as account_rows
from bot.store import readings as reading_rows
from bot.store.db import make_engine, session_scope
from scoring.escalation import Decision
from scoring.rules import Status
from tests.services.cohort import seed_finished_cohort

CONFIG = load_config(None)


def approved_weights_and_an_override(url: str) -> None:
    """The seeded cohort's proposal approved (v1), and a live account overridden to At risk."""
    now = datetime.now(UTC)
    today = now.date()
    engine = make_engine(url)
    try:
        with session_scope(engine) as session:
            seed_finished_cohort(session, today=today)
            live = account_rows.add_account(session, key="live", name="Live Co", segment="mid")
            for signal, value in (("kickoff", 2), ("data_import", 1)):
                reading_rows.add_reading(
                    session, account_id=live.id, signal=signal, value=value, note=None,
                    author="U0CSM", source="slash_command", recorded_at=now - timedelta(hours=1),
                )  # fmt: skip
            set_override(session, CONFIG, account=live, status=Status.AT_RISK,
                         reason="Sponsor left", author="U1", now=now)  # fmt: skip
        with session_scope(engine, read_only=True) as session:
            found = calibrated(session, CONFIG, today=today)
        with session_scope(engine) as session:
            proposal = propose(session, found, proposer="U9", now=now)
        with session_scope(engine) as session:
            decide(session, CONFIG, proposal_id=proposal.id, approver="U1",
                   decision=Decision.APPROVE, reason=None, approvers={"U1"}, now=now)  # fmt: skip
    finally:
        engine.dispose()


def test_fresh_weights_are_the_configured_ones(rescuebot):
    result = rescuebot("weights", "--json")
    assert result.code == 0, result.err
    data = result.json()
    assert data["in_force"] == {
        "version": 0,
        "weights": {s.key: 1.0 for s in CONFIG.rules.taxonomy.active},
        "retired": [],
    }
    assert (data["versions"], data["pending_proposal"]) == ([], None)
    text = rescuebot("weights")
    assert "Weights in force: v0" in text.out and "as configured" in text.out


def test_calibrate_says_plainly_when_there_is_nothing_to_propose(rescuebot):
    result = rescuebot("calibrate")
    assert result.code == 0, result.err
    assert "proposal: there are no finished onboardings to learn from yet" in result.out
    assert "overrides: none was in force at day 30 or day 60" in result.out


def test_every_score_printed_carries_the_weights_it_was_computed_with(rescuebot):
    assert rescuebot("weights").code == 0  # creates the schema
    approved_weights_and_an_override(rescuebot.database_url)

    weights = rescuebot("weights", "--json").json()
    assert weights["in_force"]["version"] == 1
    assert weights["in_force"]["retired"] == ["kickoff"]
    # The judged signals share what they weighed (kickoff's weight goes to data_import); the
    # signals nobody rated cannot be judged, so they keep theirs.
    assert weights["in_force"]["weights"]["data_import"] == 2.0
    assert weights["in_force"]["weights"]["first_value"] == 1.0
    assert [(v["version"], v["source"], v["approved_by"]) for v in weights["versions"]] == [
        (1, "proposal 1", ["U1"])
    ]

    card = rescuebot("scorecard", "live", "--json").json()
    assert (card["score"], card["weights_version"]) == (5.0, 1)
    assert card["override"]["status"] == "at_risk"
    assert card["override"]["reason"] == "Sponsor left"
    shown = rescuebot("scorecard", "live").out
    assert "Weights v1" in shown and "Overridden to At risk by U1: Sponsor left" in shown

    standup = rescuebot("standup", "--json").json()
    assert standup["weights_version"] == 1
    assert {i["weights_version"] for i in standup["items"]} == {1}
    assert rescuebot("calibrate", "--json").json()["weights_version"] == 1


def test_reset_goes_back_to_the_configured_weights_once(rescuebot):
    refused = rescuebot("weights", "reset")
    assert refused.code == 1 and "already in force" in refused.err
    approved_weights_and_an_override(rescuebot.database_url)
    reset = rescuebot("weights", "reset")
    assert reset.code == 0 and "Weights v2 in force" in reset.out
    assert rescuebot("scorecard", "live", "--json").json()["weights_version"] == 2
    assert rescuebot("scorecard", "live", "--json").json()["score"] == 7.5
