"""The plan engine: completed answers in, a personalised plan out (no Flask)."""

from kiosk.core.plan.engine import PlanEngine, plan_event
from kiosk.core.plan.model import (
    Benefit,
    ConsentText,
    EventPlan,
    Flag,
    Plan,
    SessionPlan,
    TimedLine,
    Trigger,
)
from kiosk.core.plan.rules import PlanRules, load_rules
from kiosk.core.policy import Policy

__all__ = [
    "Benefit",
    "ConsentText",
    "EventPlan",
    "Flag",
    "Plan",
    "PlanEngine",
    "PlanRules",
    "Policy",
    "SessionPlan",
    "TimedLine",
    "Trigger",
    "load_rules",
    "plan_event",
]
