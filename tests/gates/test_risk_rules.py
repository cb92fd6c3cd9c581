"""The risk register as pure rules: the `/risk … add` grammar and the two KPIs (hand-computed
cohorts, empty ones null), with hypothesis properties."""

from __future__ import annotations

from datetime import date
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scoring.errors import DomainError, UnknownName
from scoring.risks import (
    Impact,
    RiskCategory,
    RiskFacts,
    RiskState,
    completeness,
    mitigation_ownership,
    parse_new_risk,
    portfolio_completeness,
    unowned_high,
)


@pytest.mark.parametrize(
    ("words", "category", "text", "owner", "mitigation", "due", "impact"),
    [
        (
            "data CSV export drops accents",
            "data", "CSV export drops accents", None, None, None, "medium",
        ),
        (
            'auth "SSO: IdP not chosen" owner:<@U0BOB> impact:HIGH',
            "auth", "SSO: IdP not chosen", "<@U0BOB>", None, None, "high",
        ),
        (
            'cutover Weekend freeze not agreed mitigation:"ask the CIO" due:2026-12-20',
            "cutover", "Weekend freeze not agreed", None, "ask the CIO", date(2026, 12, 20),
            "medium",
        ),
        (
            "Comms sponsor on leave mitigation:“weekly email” impact:low",
            "comms", "sponsor on leave", None, "weekly email", None, "low",
        ),
        (
            "compliance DPA unsigned: legal review",
            "compliance", "DPA unsigned: legal review", None, None, None, "medium",
        ),
    ],
)  # fmt: skip
def test_the_text_runs_up_to_the_first_option(
    words, category, text, owner, mitigation, due, impact
):
    risk = parse_new_risk(words)
    assert (risk.category, risk.text, risk.owner, risk.mitigation, risk.due_on, risk.impact) == (
        RiskCategory(category), text, owner, mitigation, due, Impact(impact),
    )  # fmt: skip


@pytest.mark.parametrize(
    ("words", "says"),
    [
        ("", "Give a category and the risk"),
        ("data", "Say what the risk is"),
        ('data "  " owner:<@U1>', "Say what the risk is"),
        ("data x due:2026-02-30", "is not a date; use YYYY-MM-DD"),
        ("data x impact:huge", "use high, medium or low"),
        ("data x impact:high impact:low", "given twice"),
        ('data x mitigation:"open', "quotes are not closed"),
        ("data x due:", "needs a value"),
    ],
)
def test_bad_input_says_what_right_looks_like(words, says):
    with pytest.raises(DomainError, match=says):
        parse_new_risk(words)


def test_an_unknown_category_gets_the_nearest_one():
    with pytest.raises(UnknownName) as refused:
        parse_new_risk("complaince DPA unsigned")
    assert refused.value.suggestion == "compliance"
    assert "data, auth, cutover, comms, compliance or other" in str(refused.value)


def risk(category="data", state="open", impact="medium", owner=None, mitigation=None) -> RiskFacts:
    return RiskFacts(RiskCategory(category), RiskState(state), Impact(impact), owner, mitigation)


def test_completeness_counts_the_five_categories_logged_or_reviewed_never_other():
    risks = [risk("data"), risk("data", state="closed"), risk("other")]
    assert completeness(risks, [RiskCategory.AUTH, RiskCategory.OTHER]) == Fraction(2, 5)
    assert completeness([], []) == 0
    assert completeness([risk(c.value) for c in RiskCategory], []) == 1


def test_portfolio_completeness_is_the_mean_and_null_for_no_account():
    assert portfolio_completeness([Fraction(2, 5), Fraction(1, 5), Fraction(0)]) == pytest.approx(
        0.2
    )
    assert portfolio_completeness([]) is None


def test_mitigation_ownership_counts_open_risks_with_owner_and_mitigation():
    risks = [
        risk(owner="U1", mitigation="plan"),  # counts
        risk(owner="U1"),  # no mitigation
        risk(mitigation="plan"),  # no owner
        risk(owner="U1", mitigation="  "),  # blank mitigation
        risk(owner="U1", mitigation="plan", state="mitigated"),  # not open: not in the cohort
    ]
    rate = mitigation_ownership(risks)
    assert (rate.owned, rate.open, rate.rate) == (1, 4, 0.25)
    assert mitigation_ownership([risk(state="closed")]).rate is None
    assert mitigation_ownership([]).rate is None


def test_an_open_high_impact_risk_without_owner_is_flagged():
    flagged = unowned_high(
        [risk(impact="high"), risk(impact="high", owner="U1"),
         risk(impact="high", state="accepted"), risk(impact="low")]
    )  # fmt: skip
    assert len(flagged) == 1


facts = st.builds(
    RiskFacts,
    st.sampled_from(list(RiskCategory)),
    st.sampled_from(list(RiskState)),
    st.sampled_from(list(Impact)),
    st.none() | st.just("U1"),
    st.none() | st.just("plan"),
)


@given(st.lists(facts), st.lists(st.sampled_from(list(RiskCategory))))
def test_kpis_stay_within_their_range(risks, reviewed):
    assert 0 <= completeness(risks, reviewed) <= 1
    rate = mitigation_ownership(risks).rate
    assert rate is None or 0 <= rate <= 1
    assert (rate is None) == (not any(r.open for r in risks))


@given(st.lists(facts), st.sampled_from(list(RiskCategory)))
def test_reviewing_a_category_never_lowers_completeness(risks, category):
    assert completeness(risks, [category]) >= completeness(risks, [])
