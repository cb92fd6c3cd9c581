"""Onboarding phases by days since contract signature."""

from __future__ import annotations

from enum import StrEnum


class Phase(StrEnum):
    PRE_KICKOFF = "pre_kickoff"
    FOUNDATIONS = "foundations"
    INTEGRATION = "integration"
    CUTOVER = "cutover"
    BUSINESS_AS_USUAL = "business_as_usual"

    @property
    def label(self) -> str:
        return _LABELS[self]

    @property
    def last_day(self) -> int | None:
        """The last day since signature that belongs to this phase (None: open-ended)."""
        return _LAST_DAY[self]


_LABELS = {
    Phase.PRE_KICKOFF: "Day 0 · pre-kickoff",
    Phase.FOUNDATIONS: "Days 1–30 · access, environment, data foundations",
    Phase.INTEGRATION: "Days 31–60 · integration and validation",
    Phase.CUTOVER: "Days 61–90 · cutover, hypercare, stabilisation",
    Phase.BUSINESS_AS_USUAL: "Business as usual",
}
_LAST_DAY = {
    Phase.PRE_KICKOFF: 0,
    Phase.FOUNDATIONS: 30,
    Phase.INTEGRATION: 60,
    Phase.CUTOVER: 90,
    Phase.BUSINESS_AS_USUAL: None,
}


def phase_for(days_since_signature: int | None) -> Phase:
    """Day 0 (or not yet signed) is pre-kickoff; then 1–30, 31–60, 61–90, then business as usual."""
    if days_since_signature is None or days_since_signature <= 0:
        return Phase.PRE_KICKOFF
    if days_since_signature <= 30:
        return Phase.FOUNDATIONS
    if days_since_signature <= 60:
        return Phase.INTEGRATION
    if days_since_signature <= 90:
        return Phase.CUTOVER
    return Phase.BUSINESS_AS_USUAL
