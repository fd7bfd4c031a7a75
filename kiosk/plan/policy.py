"""Clinic policy: the windows where sources disagree, and what the clinic offers.

Defaults follow the facts sheet (shared/docs/microneedling-facts.md); a clinic
changes them with settings named ``POLICY_<NAME>`` (e.g. the environment
variable ``KIOSK_POLICY_ISOTRETINOIN_MONTHS=12``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from typing import Any

# Weekday names as settings spell them, Monday first (date.weekday() order).
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class Policy:
    # Isotretinoin stopped this many months ago or less: clinician review.
    # Labelling says 6 months; expert consensus found no good evidence to wait.
    isotretinoin_months: int = 6
    # Anti-wrinkle injections or fillers: clinic lists range from 2 weeks to 12 months.
    toxin_filler_weeks: int = 2
    # RF labelling windows for earlier procedures.
    laser_light_weeks: int = 3
    resurfacing_weeks: int = 12
    deep_peel_weeks: int = 13
    surgery_weeks: int = 52
    # No tanning, sunbeds or self-tan before treatment.
    tanning_weeks: int = 2
    # Pause retinoids and exfoliating acids before (SkinPen 24 h, others 3 to 5 days).
    retinoid_pause_days: int = 3
    # Keep out of the sun before a session (SkinPen protocol: 24 h).
    sun_before_hours: int = 24
    # Aftercare: no make-up (labelling 24 h, some clinics 48 h) ...
    makeup_hours: int = 24
    # ... no strenuous exercise, sauna or heavy sweating (labelling 72 h, others 24-48 h) ...
    exercise_hours: int = 72
    # ... minimise sun (labelling 72 h), sunscreen from 24 h, actives back after about 5 days.
    sun_avoid_hours: int = 72
    sunscreen_from_hours: int = 24
    actives_resume_days: int = 5
    # Younger patients: clinician review (guardian consent); US authorisation is 22+.
    minimum_age: int = 18
    # Sessions and events.
    session_spacing_weeks: int = 4
    last_session_weeks_before_event: int = 2
    # May the first session be on the consultation day itself? Off: the
    # earliest is the next opening day.
    same_day_treatment: bool = False
    # The days the clinic treats patients: session dates fall on these.
    opening_days: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat")
    # Treatments the clinic offers: RF-only screening applies only if it offers RF.
    offers_rf: bool = True

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "opening_days":
                unknown = [d for d in value if d not in WEEKDAYS]
                if unknown or not value:
                    raise ValueError(
                        f"POLICY_OPENING_DAYS: give one or more of {', '.join(WEEKDAYS)}"
                        + (f" (not {', '.join(map(repr, unknown))})" if unknown else "")
                    )
            elif isinstance(value, bool) or f.type in (bool, "bool"):
                if not isinstance(value, bool):
                    raise ValueError(f"POLICY_{f.name.upper()} must be true or false")
            elif not isinstance(value, int) or value < 0:
                raise ValueError(f"POLICY_{f.name.upper()} must be a whole number, 0 or more")

    @property
    def opening_weekdays(self) -> frozenset[int]:
        return frozenset(WEEKDAYS.index(day) for day in self.opening_days)

    @property
    def treatments(self) -> frozenset[str]:
        """The optional treatments offered (content ``offered_with``); the pen always is."""
        return frozenset({"rf"} if self.offers_rf else ())

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> Policy:
        """The policy from ``POLICY_<NAME>`` settings, whatever their source:
        numbers and true/false may arrive as text (environment variables)."""
        values = {}
        for f in fields(cls):
            key = f"POLICY_{f.name.upper()}"
            if key in settings:
                values[f.name] = _parse(key, f.type, settings[key])
        return cls(**values)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _parse(key: str, kind: Any, value: Any) -> Any:
    if kind in (bool, "bool"):
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in ("true", "yes", "on", "1"):
            return True
        if text in ("false", "no", "off", "0"):
            return False
        raise ValueError(f"{key} must be true or false, not {value!r}")
    if kind in (int, "int"):
        if isinstance(value, bool):
            raise ValueError(f"{key} must be a whole number, not {value!r}")
        try:
            return int(str(value).strip())
        except ValueError:
            raise ValueError(f"{key} must be a whole number, not {value!r}") from None
    # opening days: "mon,tue,wed" or a list
    parts = value.replace(",", " ").split() if isinstance(value, str) else list(value)
    return tuple(str(part).strip().lower()[:3] for part in parts)
