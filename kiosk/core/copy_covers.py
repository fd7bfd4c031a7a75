"""What the Done screen tells the patient their take-home copy will cover."""

from __future__ import annotations

from kiosk.core.answer_text import long_date
from kiosk.core.i18n import gettext as _
from kiosk.core.plan import Plan


def covers(plan: Plan) -> list[str]:
    """The sections of the patient's copy, for the Done screen: from the same
    plan, so the screen never promises dates the copy does not give."""
    covers = []
    if plan.concerns:
        concerns = ", ".join(plan.concerns).lower()
        covers.append(_("What microneedling may do for: %(concerns)s", concerns=concerns))
    covers += [
        _("How to prepare in the weeks before"),
        _("What happens on the day"),
        _("What your skin will look like, day by day"),
        _("Aftercare, and when to call us"),
    ]
    if plan.flags:
        covers.append(_("Things to discuss with your clinician"))
    schedule = plan.schedule
    if schedule.status == "clinician":
        covers.append(_("Your clinician will plan the dates of your sessions with you"))
        return covers
    if schedule.provisional:
        covers.append(_("The earliest date for your first session, if your clinician agrees"))
    else:
        covers.append(_("The earliest date for your first session"))
    if plan.event is not None and plan.event.status != "past":
        day = long_date(plan.event.event_date)
        if plan.event.provisional:
            covers.append(
                _("A session plan for your event on %(day)s, if your clinician agrees", day=day)
            )
        else:
            covers.append(_("A session plan for your event on %(day)s", day=day))
    return covers
