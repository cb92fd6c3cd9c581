"""Which actions a rescue offers in its state: its card shows these buttons, and no others.

A resolved rescue offers nothing. Acknowledging is offered until someone acknowledged it, and
not once leadership approved its recovery plan (the plan is the response). Escalating is not
offered while a plan awaits its decision or once one was approved; after changes were
requested or a plan was rejected, escalating again sends a revised plan.
"""

from __future__ import annotations

from enum import StrEnum

from scoring.escalation import PlanState


class RescueStep(StrEnum):
    ACKNOWLEDGE = "acknowledge"
    LOG = "log"
    CHANGE = "change"
    RESOLVE = "resolve"
    ESCALATE = "escalate"


# Plans that leave nothing to escalate: one being decided, or one approved.
SETTLED_PLANS = frozenset({PlanState.PENDING, PlanState.APPROVED})


def rescue_steps(
    state: str, *, acknowledged: bool, plan: PlanState | None
) -> frozenset[RescueStep]:
    """The actions valid for a rescue in `state` whose latest recovery plan is `plan`."""
    if state == "resolved":
        return frozenset()
    steps = {RescueStep.LOG, RescueStep.CHANGE, RescueStep.RESOLVE}
    if not acknowledged and plan is not PlanState.APPROVED:
        steps.add(RescueStep.ACKNOWLEDGE)
    if plan not in SETTLED_PLANS:
        steps.add(RescueStep.ESCALATE)
    return frozenset(steps)
