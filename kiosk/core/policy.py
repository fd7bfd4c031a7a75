"""Clinic policy: the windows where sources disagree, and what the clinic offers.

Defaults follow the facts sheet (shared/docs/microneedling-facts.md); a clinic
changes them with settings named ``POLICY_<NAME>`` (e.g. the environment
variable ``KIOSK_POLICY_ISOTRETINOIN_MONTHS=12``). Each field's metadata gives
the setting its description and bounds; ``kiosk/clinic/settings.py`` checks the
values and builds the policy from them.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any

# Weekday names as settings spell them, Monday first (date.weekday() order).
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

# The longest window each unit allows: ten years. Anything longer is a typing
# slip, and would take dates past the last one Python can hold.
LONGEST = {"months": 120, "weeks": 520, "days": 3650, "hours": 87600}


def _window(default: int, unit: str, description: str, *, label: str, least: int = 0) -> Any:
    """``label``: the setting's short human name, as the staff copy cites it."""
    return field(
        default=default,
        metadata={
            "description": description,
            "minimum": least,
            "maximum": LONGEST[unit],
            "unit": unit,
            "label": label,
        },
    )


def _setting(default: Any, description: str, *, label: str, **bounds: int) -> Any:
    return field(default=default, metadata={"description": description, "label": label, **bounds})


@dataclass(frozen=True)
class Policy:
    # Labelling says 6 months; expert consensus found no good evidence to wait.
    isotretinoin_months: int = _window(
        6,
        "months",
        "Isotretinoin stopped this many months ago or less: clinician review",
        label="wait after isotretinoin",
    )
    # Clinic lists range from 2 weeks to 12 months.
    toxin_filler_weeks: int = _window(
        2,
        "weeks",
        "Anti-wrinkle injections or fillers this many weeks ago or less: review",
        label="gap after injections or fillers",
    )
    # RF labelling windows for earlier procedures.
    laser_light_weeks: int = _window(
        3,
        "weeks",
        "Laser or light treatment this recent: review",
        label="gap after laser or light treatment",
    )
    resurfacing_weeks: int = _window(
        12, "weeks", "Resurfacing this recent: review", label="gap after resurfacing"
    )
    deep_peel_weeks: int = _window(
        13, "weeks", "A deep peel this recent: review", label="gap after a deep peel"
    )
    surgery_weeks: int = _window(
        52, "weeks", "Surgery in the area this recent: review", label="gap after surgery"
    )
    tanning_weeks: int = _window(
        2, "weeks", "No tanning, sunbeds or self-tan this long before", label="no tanning before"
    )
    # SkinPen 24 h, others 3 to 5 days.
    retinoid_pause_days: int = _window(
        3,
        "days",
        "Days to pause retinoids and exfoliating acids before treatment",
        label="retinoid pause",
    )
    # SkinPen protocol: 24 h.
    sun_before_hours: int = _window(
        24, "hours", "Hours to keep out of the sun before a session", label="no sun before"
    )
    # Labelling 24 h, some clinics 48 h.
    makeup_hours: int = _window(
        24, "hours", "Aftercare: hours without make-up", label="no make-up after"
    )
    # Labelling 72 h, others 24-48 h.
    exercise_hours: int = _window(
        72,
        "hours",
        "Aftercare: hours without strenuous exercise, sauna or heavy sweating",
        label="no exercise after",
    )
    sun_avoid_hours: int = _window(
        72, "hours", "Aftercare: hours to minimise sun", label="sun avoidance after"
    )
    sunscreen_from_hours: int = _window(
        24, "hours", "Aftercare: sunscreen from this many hours", label="sunscreen from"
    )
    actives_resume_days: int = _window(
        5, "days", "Aftercare: days before actives resume", label="actives resume after"
    )
    # US authorisation is 22+.
    minimum_age: int = _setting(
        18,
        "Younger patients: clinician review (guardian consent)",
        minimum=0,
        maximum=120,
        label="minimum age",
    )
    session_spacing_weeks: int = _window(
        4, "weeks", "Weeks between sessions", least=1, label="time between sessions"
    )
    last_session_weeks_before_event: int = _window(
        2,
        "weeks",
        "The last session ends at least this many weeks before an event",
        label="last session before an event",
    )
    opening_days: tuple[str, ...] = _setting(
        ("mon", "tue", "wed", "thu", "fri", "sat"),
        "The days the clinic treats patients: session dates fall on these",
        label="opening days",
    )
    # RF-only screening applies only if the clinic offers RF.
    offers_rf: bool = _setting(
        True, "Whether the clinic offers RF microneedling", label="RF offered"
    )
    # Off: no question about at-home rollers, so no text about them either.
    home_roller_information: bool = _setting(
        True,
        "Whether the kiosk asks about at-home rollers and says what to know about them",
        label="at-home roller information",
    )

    @property
    def opening_weekdays(self) -> frozenset[int]:
        return frozenset(WEEKDAYS.index(day) for day in self.opening_days)

    @property
    def treatments(self) -> frozenset[str]:
        """What the clinic offers of what is optional (content ``offered_with``):
        RF, and information about at-home rollers; the pen always is."""
        offered = {"rf": self.offers_rf, "home_roller": self.home_roller_information}
        return frozenset(name for name, on in offered.items() if on)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def setting_title(name: str, policy: Policy) -> str:
    """A setting as the staff copy cites it: "Clinic policy: retinoid pause (3 days)"."""
    meta = next(f.metadata for f in fields(Policy) if f.name == name)
    value = getattr(policy, name)
    if "unit" in meta:
        unit = meta["unit"][:-1] if value == 1 else meta["unit"]
        shown = f"{value} {unit}"
    elif isinstance(value, bool):
        shown = "yes" if value else "no"
    elif isinstance(value, tuple):
        shown = ", ".join(value)
    else:
        shown = str(value)
    return f"Clinic policy: {meta['label']} ({shown})"
