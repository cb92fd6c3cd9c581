"""`rescuebot calibrate` reads as a table a CS lead can act on, intervals included."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.store.db import make_engine, session_scope
from tests.services.cohort import seed_finished_cohort


def test_calibrate_prints_each_signal_with_its_interval_verdict_and_proposed_weight(rescuebot):
    assert rescuebot("weights").code == 0  # creates the schema
    engine = make_engine(rescuebot.database_url)
    try:
        with session_scope(engine) as session:
            seed_finished_cohort(session, today=datetime.now(UTC).date())
    finally:
        engine.dispose()
    result = rescuebot("calibrate")
    assert result.code == 0, result.err
    rows = {line.split("│")[1].strip(): line for line in result.out.splitlines() if "│" in line}
    assert "predictive" in rows["data_import"] and "1 → 2" in rows["data_import"]
    assert "(0.86–1.00)" in rows["data_import"]  # the AUC's 95% interval
    assert "retire?" in rows["kickoff"] and "inverted" in rows["kickoff"]
    assert "insufficient" in rows["first_value"] and "→" not in rows["first_value"]
    assert "Missed (not flagged, ended badly): past-00" in result.out
