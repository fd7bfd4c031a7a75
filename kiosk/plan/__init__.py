"""The plan engine: completed answers in, a personalised plan out (no Flask)."""

from .engine import PlanEngine, plan_event
from .model import Benefit, EventPlan, Flag, Plan, SessionPlan, TimedLine, Trigger
from .policy import Policy
from .rules import PlanRules, load_rules

__all__ = [
    "Benefit",
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
