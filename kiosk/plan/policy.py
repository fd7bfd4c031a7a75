"""Clinic policy: the windows where sources disagree, and what the clinic offers.

Defaults follow the facts sheet (shared/docs/microneedling-facts.md); a clinic
changes them with settings named ``POLICY_<NAME>`` (e.g. the environment
variable ``KIOSK_POLICY_ISOTRETINOIN_MONTHS=12``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from typing import Any


@dataclass(frozen=True)
class Policy:
    # Isotretinoin stopped less than this many months ago: clinician review.
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
    # Treatments the clinic offers: RF-only screening applies only if it offers RF.
    offers_rf: bool = True

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> Policy:
        values = {}
        for f in fields(cls):
            key = f"POLICY_{f.name.upper()}"
            if key in settings:
                kind = bool if f.type in (bool, "bool") else int
                values[f.name] = kind(settings[key])
        return cls(**values)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)
