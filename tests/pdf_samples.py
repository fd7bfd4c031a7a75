"""Hand-built summaries for the PDF tests (and for looking at the PDFs).

Texts follow kiosk/core/content/plan.yaml, with the clinic's policy values filled in,
so that the samples read like what the plan engine makes; they are written out
here so that the PDF tests depend on nothing but the two data classes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from kiosk.core.pdf.document import AnswerGroup, AnswerLine, Clinic, PdfDocument
from kiosk.core.plan.model import (
    Benefit,
    DayBar,
    EventPlan,
    Flag,
    Plan,
    Recovery,
    Schedule,
    SessionPlan,
    TimedLine,
    Trigger,
)

TODAY = dt.date(2027, 3, 1)
SUBMITTED = dt.datetime(2027, 3, 1, 10, 42)

CLINIC = Clinic(
    name="Harbour Skin Clinic",
    address="14 Quay Street\nBristol BS1 4DJ",
    phone="0117 496 0321",
    email="hello@harbourskin.example",
    booking_url="https://harbourskin.example/book",
)

HOSTILE = (
    "<b>bold</b> <script>alert(1)</script> url(file:///etc/passwd) "
    "<link rel=attachment href=file:///etc/passwd> <img src=http://127.0.0.1:9/x.png> "
    "<style>@import url(http://x)</style>"
)

# The benefits -----------------------------------------------------------------

COURSE_3_6 = (
    "Usually 3 to 6 sessions, about 4 weeks apart. "
    "Many people then have a top-up every 6 to 12 months."
)
COURSE_3_4 = (
    "Usually 3 to 4 sessions, about 4 weeks apart. "
    "Many people then have a top-up every 6 to 12 months."
)

ACNE_SCARS = Benefit(
    concern_id="acne_scars",
    concern="Acne scars",
    may_help=(
        "Microneedling is one of the treatments with the best evidence for acne scars, "
        "especially rolling and boxcar scars. It softens them; it does not remove them "
        "completely."
    ),
    course=COURSE_3_6,
    results=(
        "Judge the result at least 3 months after your last session; collagen keeps "
        "building for 6 to 12 months."
    ),
)
FINE_LINES = Benefit(
    concern_id="fine_lines",
    concern="Fine lines and wrinkles",
    may_help=(
        "It may soften fine lines and wrinkles by prompting your skin to make new "
        "collagen and elastin."
    ),
    course=COURSE_3_4,
    results="Most people see a difference about 3 months after starting, and more by 5 months.",
)
TEXTURE = Benefit(
    concern_id="texture",
    concern="Skin texture and pores",
    may_help=(
        "It often makes skin feel smoother and pores look smaller. These results are widely "
        "reported, though less well studied than scars."
    ),
    course=COURSE_3_4,
    results="Texture often looks better within weeks; the full effect comes over about 3 months.",
)

# The sections every plan has --------------------------------------------------------

PREPARATION = (
    TimedLine(
        "At your consultation",
        "Your clinician goes through your health, looks at your skin, may take photos, and "
        "talks through what to expect.",
    ),
    TimedLine("2 weeks before", "No suntan, sunbeds or fake tan.", glance=True),
    TimedLine(
        "About 1 week before",
        "Go through your medicines and supplements with your clinician, including painkillers "
        "such as ibuprofen. Do not stop any prescribed medicine unless your doctor tells you to.",
    ),
    TimedLine(
        "3 days before",
        "Pause retinol, tretinoin and exfoliating acids (AHA or BHA) on the area.",
        glance=True,
    ),
    TimedLine("24 hours before", "Keep out of the sun.", glance=True),
    TimedLine(
        "On the day",
        "Arrive with clean skin and no make-up. If you have been given an antiviral medicine to "
        "prevent cold sores, take it as prescribed.",
    ),
    TimedLine("On the day", "Bring your medication list."),
)

DAY_OF = (
    "The visit takes about 30 to 60 minutes.",
    "Your skin is cleansed and a numbing cream is put on for 15 to 45 minutes.",
    "The cream is removed and the skin disinfected.",
    "A sterile, single-use needle cartridge is passed over the area. Pen needles are usually "
    "between 0.5 and 1.5 mm long; your clinician chooses the setting for your skin.",
    "At the end, a soothing product approved for the treatment is applied. No sunscreen or "
    "make-up for the rest of that day.",
    "It is normal to see redness and some pinpoint bleeding, especially at deeper settings.",
)

DOWNTIME = (
    TimedLine(
        "Day 0",
        "Red, like mild sunburn; tight and tender; some pinpoint oozing and mild swelling.",
    ),
    TimedLine(
        "Days 1 to 3",
        "Pinkness usually fades within 1 to 3 days. Skin may feel dry and start to flake.",
    ),
    TimedLine(
        "Days 4 to 7",
        "Some dryness or peeling may remain; most effects clear within about a week.",
    ),
)

AFTERCARE = (
    TimedLine(
        "First 24 hours",
        "Use only the products your clinic gives you. Keep vitamin C and other active products "
        "off the treated skin.",
    ),
    TimedLine("First 24 hours", "No make-up.", glance=True),
    TimedLine(
        "From 24 hours",
        "Use sunscreen every day (SPF 30 to 50 or higher) for at least 1 to 2 weeks.",
        glance=True,
    ),
    TimedLine("First 72 hours", "Keep out of the sun as much as you can.", glance=True),
    TimedLine(
        "First 72 hours", "No hard exercise, sauna, or anything that makes you sweat heavily."
    ),
    TimedLine(
        "Every day",
        "Wash gently with lukewarm water. Don't scrub, and don't pick flakes or crusts.",
    ),
    TimedLine(
        "After about 5 days",
        "Once your skin has healed, go back to retinol, acids and vitamin C.",
    ),
)

# The first week, as the plan engine lays it out from plan.yaml's `days`.
RECOVERY = Recovery(
    see=(
        DayBar(0, 0, "Red, tight and tender", level=3),
        DayBar(1, 3, "Pinkness fades; dry, may flake", level=2),
        DayBar(4, 7, "Some dryness or peeling may remain", level=1),
    ),
    avoid=(
        DayBar(0, 0, "No make-up"),
        DayBar(0, 2, "Keep out of the sun"),
        DayBar(0, 2, "No hard exercise, sauna or heavy sweating"),
        DayBar(0, 4, "No retinol, tretinoin or acids"),
    ),
    do=(
        DayBar(0, 0, "Only your clinic's products"),
        DayBar(1, 7, "Sunscreen every day, for 1 to 2 weeks"),
        DayBar(0, 7, "Wash gently; don't pick flakes or crusts"),
    ),
    redness=("Usually 1 to 3 days after the pen, sometimes up to a week.",),
)

CALL_CLINIC = (
    "Redness, warmth, itching or pus that gets worse instead of better.",
    "A fever, or pain that is severe or getting worse.",
    "Blisters or cold sores.",
    "Itchy red bumps, days or weeks later.",
    "Redness lasting more than 7 days, or new dark patches.",
    "Swollen glands (lymph nodes).",
)

DEVICE_NOTES = (
    "Serums pushed into freshly treated skin can cause reactions: your clinic uses only "
    "products approved for the treatment.",
)

# Flags ------------------------------------------------------------------------------


def flag(fid, severity, staff, patient, *triggers, sources=()) -> Flag:
    return Flag(
        id=fid,
        severity=severity,
        staff_text=staff,
        patient_text=patient,
        triggers=tuple(Trigger(q_id, q, a) for q_id, q, a in triggers),
        sources=tuple(sources),
    )


PREGNANT = flag(
    "pregnant",
    "do_not_treat",
    "Pregnant or breastfeeding: do not treat; no topical anaesthetic.",
    "You told us you are pregnant or breastfeeding. Please discuss the timing of treatment "
    "with your clinician.",
    ("pregnant", "Pregnant or breastfeeding", "Yes"),
    sources=("R7", "R11"),
)
COLD_SORES = flag(
    "cold_sores",
    "review",
    "History of cold sores: consider antiviral prophylaxis before treatment "
    "(required by RF labelling).",
    "Tell your clinician that you get cold sores: they may suggest a medicine to prevent a flare.",
    ("cold_sores", "Cold sores", "Yes"),
    sources=("R9", "P14"),
)
BLOOD_THINNERS = flag(
    "blood_thinners",
    "review",
    "Blood thinners / anticoagulants: not evaluated in labelling. Review the medication list; "
    "never advise stopping a prescribed medicine.",
    "You take a blood-thinning medicine. Please bring your medication list and discuss it with "
    "your clinician. Do not stop any medicine unless your doctor tells you to.",
    ("blood_thinners", "Blood thinners", "Yes"),
    sources=("R7", "R9"),
)
ISOTRETINOIN_RECENT = flag(
    "isotretinoin_recent",
    "review",
    "Isotretinoin stopped within the clinic's window of 6 months. Labelling says wait 6 months; "
    "expert consensus (JAMA Dermatol 2017, ASDS 2017) found no good evidence to delay "
    "superficial procedures. Clinician decides.",
    "You took isotretinoin recently. Please discuss the timing of treatment with your clinician.",
    ("isotretinoin", "Isotretinoin", "Stopped"),
    ("isotretinoin_months", "Months since stopping isotretinoin", "4 months"),
    sources=("R8", "R9", "P1", "P2"),
)
DARKER_SKIN = flag(
    "darker_skin",
    "note",
    "Fitzpatrick V-VI: higher risk of post-inflammatory hyperpigmentation; RF labelling: "
    "type VI with caution. Adjust settings; stress sun protection.",
    "Microneedling can be used on all skin types with adjusted settings. Darker skin has a "
    "higher chance of temporary dark marks, so strict sun protection matters: your clinician "
    "will talk you through it.",
    ("fitzpatrick", "Skin type", "Type V: never burns, tans very easily"),
    sources=("P3", "P5", "P6", "R9"),
)
SKIN_ACTIVES = flag(
    "skin_actives",
    "note",
    "Uses retinoids or exfoliating acids: pause 3 days before (clinic policy).",
    "Pause retinol, tretinoin and exfoliating acids 3 days before your session, as in the "
    "preparation steps.",
    ("skin_actives", "Retinoids or acids", "Yes"),
)

# Answers ------------------------------------------------------------------------------


def answers(first_name: str, **overrides: str) -> tuple[AnswerGroup, ...]:
    def line(question_id: str, question: str, default: str) -> AnswerLine:
        return AnswerLine(question_id, question, overrides.get(question, default))

    return (
        AnswerGroup(
            "About you",
            (
                line("first_name", "First name", first_name),
                line("age_band", "Age", "30 to 39"),
                line("phone", "Phone", "Not given"),
                line("email", "Email", "Not given"),
                line("contact_consent", "May we contact you?", "No"),
            ),
        ),
        AnswerGroup(
            "What bothers you",
            (
                line("concerns", "Concerns", "Acne scars, Fine lines and wrinkles"),
                line("areas", "Areas", "Cheeks, Forehead"),
            ),
        ),
        AnswerGroup(
            "Your skin",
            (
                line("fitzpatrick", "Skin type", "Type III: sometimes burns, tans average"),
                line("active_acne", "Active spots in the area", "No"),
                line("broken_skin_now", "Broken, irritated or sunburnt skin", "No"),
                line("recent_tan", "Recent tan", "No"),
            ),
        ),
        AnswerGroup(
            "Your health",
            (
                line("pregnant", "Pregnant or breastfeeding", "No"),
                line("isotretinoin", "Isotretinoin", "Never taken"),
                line("infection_now", "Infection in the area", "No"),
                line("cold_sores", "Cold sores", "No"),
                line("keloid_scars", "Keloid or raised scars", "No"),
                line("bleeding_disorder", "Bleeding or clotting disorder", "No"),
                line("blood_thinners", "Blood thinners", "No"),
                line("immune_condition", "Immune condition", "No"),
                line("diabetes", "Diabetes", "No"),
                line("skin_condition", "Skin condition in the area", "No"),
                line("allergies", "Allergies", "None"),
                line("allergy_details", "Allergy details", "Not given"),
                line("implants", "Implants", "None"),
            ),
        ),
        AnswerGroup(
            "Treatments and goals",
            (
                line("skin_actives", "Retinoids or acids", "No"),
                line("home_roller", "At-home roller", "No"),
                line("downtime", "Downtime you can accept", "2 to 3 days"),
                line("event_date", "Event date", "Not given"),
                line("device_interest", "Treatment interest", "Microneedling pen"),
            ),
        ),
    )


# The three samples ---------------------------------------------------------------------


def base_plan(**changes) -> Plan:
    plan = Plan(
        language="en",
        first_name="Amara",
        made_on=TODAY,
        concerns=("Acne scars", "Fine lines and wrinkles"),
        areas=("Cheeks", "Forehead"),
        device="pen",
        benefits=(ACNE_SCARS, FINE_LINES),
        sessions=SessionPlan(3, 6, 4, COURSE_3_6),
        schedule=SCHEDULE,
        event=None,
        preparation=PREPARATION,
        day_of=DAY_OF,
        downtime=DOWNTIME,
        aftercare=AFTERCARE,
        call_clinic=CALL_CLINIC,
        device_notes=DEVICE_NOTES,
        flags=(),
        recovery=RECOVERY,
    )
    return replace(plan, **changes)


SCHEDULE = Schedule(
    status="dated",
    earliest=dt.date(2027, 3, 2),
    waits_for=(),
    lines=("Your first session could be on Tuesday 2 March 2027 or later.",),
)

EVENT = EventPlan(
    event_date=dt.date(2027, 6, 12),
    status="fits",
    last_session_by=dt.date(2027, 5, 29),
    sessions_that_fit=3,
    session_dates=(dt.date(2027, 3, 2), dt.date(2027, 3, 30), dt.date(2027, 4, 27)),
    lines=(
        "For your event on 12 June 2027, book your last session by 29 May 2027. Most effects of "
        "a session clear within about a week; the clinic leaves 2 weeks before an event to be "
        "safe.",
        "At one session every 4 weeks, the usual course fits before then.",
        'Going by the usual timing under "When results show", the full result is likely to show '
        "after your event.",
    ),
)


def event_with_flags(paper: str = "A4") -> PdfDocument:
    """An event that fits, and flags of every severity, including Do not treat today."""
    plan = base_plan(
        event=EVENT,
        flags=(PREGNANT, COLD_SORES, BLOOD_THINNERS, DARKER_SKIN, SKIN_ACTIVES),
    )
    return PdfDocument(
        plan=plan,
        reference="K7P-4QX",
        submitted_at=SUBMITTED,
        clinic=CLINIC,
        paper=paper,
        answers=answers(
            "Amara",
            **{
                "Pregnant or breastfeeding": "Yes",
                "Cold sores": "Yes",
                "Blood thinners": "Yes",
                "Skin type": "Type V: never burns, tans very easily",
                "Retinoids or acids": "Yes",
                "Event date": "12 June 2027",
            },
        ),
        staff_flags_plan=plan,
        clinic_language="en",
        reviewer="Dr Priya Shah",
        reviewed_at=dt.datetime(2027, 3, 1, 11, 5),
    )


def no_flags(paper: str = "Letter") -> PdfDocument:
    """No flags, no event, no booking page; not reviewed yet."""
    plan = base_plan(
        first_name="Sam",
        concerns=("Skin texture and pores",),
        areas=("Cheeks",),
        benefits=(TEXTURE,),
        sessions=SessionPlan(3, 4, 4, COURSE_3_4),
        preparation=tuple(
            line for line in PREPARATION if line.text != "Bring your medication list."
        ),
    )
    return PdfDocument(
        plan=plan,
        reference="M2R-8TD",
        submitted_at=dt.datetime(2027, 3, 2, 14, 5),
        clinic=replace(CLINIC, booking_url=""),
        paper=paper,
        answers=answers(
            "Sam",
            **{"Concerns": "Skin texture and pores", "Areas": "Cheeks"},
        ),
        staff_flags_plan=None,  # the staff copy then takes the flags from plan
        clinic_language="en",
    )


LONG_ANSWER = " ".join(
    [
        "I had a reaction to a clay mask two years ago (itching and small red bumps on both "
        "cheeks for about a week) and to a vitamin C serum last summer.",
    ]
    * 12
    + ["Details: https://example.org/" + "a-very-long-path-without-any-spaces-" * 6 + "end"]
)


def long_and_hostile(paper: str = "A4") -> PdfDocument:
    """A hostile first name and answers, a very long free-text answer, an event too close."""
    name = "Zoë Łucja " + HOSTILE
    event = EventPlan(
        event_date=dt.date(2027, 3, 20),
        status="too_close",
        last_session_by=None,
        sessions_that_fit=0,
        session_dates=(),
        lines=(
            "Your event on 20 March 2027 is 19 days away. Most effects of a session clear within "
            "about a week, and the clinic leaves 2 weeks between a session and an event to be "
            "safe, so we suggest waiting until after your event.",
            "You could start your sessions from Monday 22 March 2027.",
        ),
    )
    allergy = flag(
        "other_allergy",
        "note",
        "Other allergies reported: check the details before choosing products.",
        "Please remind your clinician about your allergies.",
        ("allergies", "Allergies", "Skincare products"),
        ("allergy_details", "Allergy details", HOSTILE),
    )
    plan = base_plan(
        first_name=name,
        event=event,
        flags=(ISOTRETINOIN_RECENT, allergy),
    )
    return PdfDocument(
        plan=plan,
        reference="Z9X-2WB",
        submitted_at=dt.datetime(2027, 3, 1, 16, 30),
        clinic=CLINIC,
        paper=paper,
        answers=answers(
            name,
            **{
                "Allergies": "Skincare products",
                "Allergy details": LONG_ANSWER + " " + HOSTILE,
                "Isotretinoin": "Stopped",
                "Event date": "20 March 2027",
            },
        ),
        staff_flags_plan=plan,
        clinic_language="en",
    )


SAMPLES = {
    "event_with_flags": event_with_flags,
    "no_flags": no_flags,
    "long_and_hostile": long_and_hostile,
}
