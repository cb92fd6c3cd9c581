"""Customer outcomes through the CLI: survey columns in the accounts import, and the outcome
KPIs in `rescuebot kpis --json` on a hand-computed cohort (window 2026-04-01 → 2026-06-30)."""

from __future__ import annotations

import pytest

OUTCOMES_CSV = """key,name,segment,signed_on,outcome,outcome_on,csat_d7,csat_d30,nps_d7,nps_d30
early-churn,Early Churn,smb,2026-02-01,churned,2026-03-15,,,,
kept,Kept,smb,2026-02-15,completed,2026-04-10,,,,
late-churn,Late Churn,mid,2026-03-01,churned,2026-06-20,,,,
grew,Grew,smb,2025-11-01,expanded,2026-03-01,,,,
fresh,Fresh,smb,2026-05-01,,,5,3,9,
newer,Newer,smb,2026-05-10,,,4,,3,
"""
READINGS_CSV = """account,signal,value,recorded_at
fresh,first_value,2,2026-05-20
"""


@pytest.fixture
def cohort(rescuebot):
    imported = rescuebot(
        "accounts", "import", str(rescuebot.write("a.csv", OUTCOMES_CSV)), "--json"
    )
    assert imported.code == 0, imported.err
    assert rescuebot("signals", "import", str(rescuebot.write("r.csv", READINGS_CSV))).code == 0
    return rescuebot


def test_outcome_kpis_of_a_hand_computed_cohort(cohort):
    result = cohort("kpis", "--as-of", "2026-06-30", "--json")
    assert result.code == 0, result.err
    data = result.json()
    assert data["csat_d7"] == 4.5  # fresh 5, newer 4 (answered May 8 and May 17)
    assert data["csat_d30"] == 3.0  # fresh, May 31
    assert data["nps_d7"] == 0.0  # one promoter (9), one detractor (3)
    assert data["nps_d30"] is None  # nobody answered: null, not 0
    # day 90 in the window: early-churn (May 2), kept (May 16), late-churn (May 30); only
    # early-churn churned by its day 90
    assert data["detail"]["churn_90"] == {"value": 1 / 3, "numerator": 1, "denominator": 3}
    assert data["expansion_6m_rate"] == 1.0  # grew: day 182 is May 2, expanded in March
    # first-value window ended in the window: late-churn (mid, Apr 30), fresh (May 31),
    # newer (Jun 9); only fresh was Healthy in time
    assert data["detail"]["activation"]["numerator"] == 1
    assert data["detail"]["activation"]["denominator"] == 3
    # late-churn churned in the window with no rescue: a miss
    assert data["detail"]["misses"] == {
        "value": 1.0, "numerator": 1, "denominator": 1, "accounts": ["late-churn"],
    }  # fmt: skip
    assert data["false_alarm_rate"] is None  # no rescue closed


def test_baseline_week_4_and_week_8_carry_the_outcome_kpis(cohort):
    assert cohort("kpis", "baseline", "--as-of", "2026-03-31").code == 0
    data = cohort("kpis", "--as-of", "2026-05-31", "--json").json()
    assert data["baseline"]["values"]["csat_d7"] is None  # nobody answered before April
    # the baseline's window (Dec 31 – Mar 31) moved on 4 and 8 weeks
    week4, week8 = data["movement"]
    assert week4["window"] == {"start": "2026-01-28", "end": "2026-04-28"}
    assert week4["reached"] and week4["values"]["csat_d7"] is None  # answers came in May
    assert week8["window"]["end"] == "2026-05-26"
    assert week8["values"]["csat_d7"] == 4.5
    assert week8["deltas"]["csat_d7"] is None  # nothing to compare with: null, not a number


def test_survey_columns_are_checked_row_by_row_and_a_reimport_adds_nothing(cohort):
    again = cohort("accounts", "import", str(cohort.cwd / "a.csv"), "--json").json()
    assert again["unchanged"] == 6 and again["updated"] == 0
    bad = OUTCOMES_CSV.replace("2026-05-10,,,4,,3,", "2026-05-10,,,6,,3,")
    result = cohort("accounts", "import", str(cohort.write("bad.csv", bad)), "--json")
    assert result.code != 0
    assert "row 7" in result.err and "`csat_d7`" in result.err and "1 to 5" in result.err
    changed = OUTCOMES_CSV.replace("2026-05-10,,,4,,3,", "2026-05-10,,,2,,3,")
    result = cohort("accounts", "import", str(cohort.write("c.csv", changed)), "--json").json()
    assert result["updated"] == 1 and result["unchanged"] == 5
    assert cohort("kpis", "--as-of", "2026-06-30", "--json").json()["csat_d7"] == 3.5


SURVEYED_CSV = "key,name,segment,signed_on,outcome,outcome_on,csat_d30\n" + "".join(
    f"s{n:02d},Surveyed {n},smb,2026-01-01,{'churned' if n < 3 else 'completed'},2026-03-01,"
    f"{2 if n % 2 else 5}\n"
    for n in range(12)
)


def test_calibration_can_predict_a_low_d30_csat_and_lists_false_alarms_and_misses(rescuebot):
    path = rescuebot.write("s.csv", SURVEYED_CSV)
    assert rescuebot("accounts", "import", str(path)).code == 0
    churn = rescuebot("calibrate", "--as-of", "2026-06-30", "--json").json()
    assert churn["cohort"]["bad"] == 3 and churn["outcome"]["name"] == "churn"
    low = rescuebot("calibrate", "--outcome", "csat_d30", "--as-of", "2026-06-30", "--json")
    assert low.code == 0, low.err
    data = low.json()
    assert data["cohort"] == {"since": None, "accounts": 12, "bad": 6,
                              "segments": {"smb": {"accounts": 12, "bad": 6}}}  # fmt: skip
    assert data["definitions"]["bad"] == "CSAT at D+30 of 3 or lower (not satisfied)"
    for key in ("signals", "model", "proposal"):  # the contract's keys stay
        assert key in data
    # three churned, none ever rescued: three misses; no rescue closed, so no false-alarm rate
    assert data["rescue_calls"]["misses"]["accounts"] == ["s00", "s01", "s02"]
    assert data["rescue_calls"]["false_alarms"]["value"] is None
    text = rescuebot("calibrate", "--outcome", "csat_d30", "--as-of", "2026-06-30")
    assert "outcome predicted: CSAT at D+30 of 3 or lower" in text.out
    assert "misses: 3 of 3 (s00, s01, s02)" in text.out


def test_an_unknown_calibration_outcome_is_refused(rescuebot):
    result = rescuebot("calibrate", "--outcome", "happiness")
    assert result.code != 0
    assert "`happiness` is not an outcome; choose one of churn, csat_d30, nps_d30" in result.err
