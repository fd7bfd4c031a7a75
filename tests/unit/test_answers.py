"""Checking one answer: what the browser sent becomes the value stored, or a
problem that the form turns into words."""

from __future__ import annotations

import datetime as dt

import pytest

from kiosk.core.answers import (
    AnswerProblem,
    DateParts,
    Problem,
    check_answer,
    check_stored,
    to_form_value,
)
from kiosk.core.content import Question

TODAY = dt.date(2026, 3, 10)


# A list with "None of these", as a clinic's own content may have one.
PETS = Question.model_validate(
    {
        "id": "pets",
        "type": "multichoice",
        "label": {"en": "Which pets do you have?"},
        "options": [
            {"value": "cat", "label": {"en": "A cat"}},
            {"value": "dog", "label": {"en": "A dog"}},
            {"value": "none", "label": {"en": "None of these"}, "exclusive": True},
        ],
    }
)


class WithPets:
    """The questionnaire's questions, and PETS."""

    def __init__(self, flow):
        self.flow = flow

    def question(self, question_id: str) -> Question:
        return PETS if question_id == "pets" else self.flow.question(question_id)


def check(flow, question_id: str, raw):
    return check_answer(WithPets(flow).question(question_id), raw, TODAY)


def problem(flow, question_id: str, raw) -> Problem:
    with pytest.raises(AnswerProblem) as caught:
        check(flow, question_id, raw)
    return caught.value.problem


def days_from_today(days: int) -> str:
    return (TODAY + dt.timedelta(days=days)).isoformat()


# Required and optional -------------------------------------------------------


@pytest.mark.parametrize(
    ("question_id", "raw"),
    [
        ("first_name", ""),
        ("first_name", "   "),
        ("first_name", None),
        ("phone", " "),
        ("contact_consent", ""),
        ("age_band", ""),
        ("areas", []),
        ("isotretinoin_months", ""),
    ],
)
def test_required_question_left_empty_is_a_required_problem(flow, question_id, raw):
    assert flow.question(question_id).required
    assert problem(flow, question_id, raw) == Problem("required")


@pytest.mark.parametrize(
    ("question_id", "raw"),
    [
        ("email", ""),
        ("email", "  "),
        ("notes", ""),
        ("event_date", ""),
        ("event_date", None),
        ("blood_thinner_names", "\n"),
        ("allergy_details", ""),
    ],
)
def test_optional_question_left_empty_is_stored_as_nothing(flow, question_id, raw):
    assert not flow.question(question_id).required
    assert check(flow, question_id, raw) is None


# Text ------------------------------------------------------------------------


def test_text_is_stored_without_surrounding_spaces(flow):
    assert check(flow, "first_name", "  Maya \n") == "Maya"
    assert check(flow, "notes", "  Line one\nLine two  ") == "Line one\nLine two"


def test_text_longer_than_max_length_is_too_long(flow):
    assert flow.question("first_name").max_length == 40
    assert check(flow, "first_name", "M" * 40) == "M" * 40
    assert problem(flow, "first_name", "M" * 41) == Problem("too_long", {"max": 40})
    # Spaces around the answer do not count.
    assert check(flow, "first_name", " " + "M" * 40 + " ") == "M" * 40


def test_textarea_limit(flow):
    assert check(flow, "notes", "x" * 1000) == "x" * 1000
    assert problem(flow, "notes", "x" * 1001) == Problem("too_long", {"max": 1000})


@pytest.mark.parametrize(
    "number",
    ["07700 900123", "+44 7700 900123", "07700900123", "020 7946 0018", "0161-496-0000", "123456"],
)
def test_phone_number_in_common_forms_is_accepted(flow, number):
    assert check(flow, "phone", f" {number} ") == number


@pytest.mark.parametrize(
    "number",
    [
        "call me",
        "07700 9OO123",
        "07700 900abc",
        "+",
        "++44 7700 900123",
        "12345",
        "7700 900123 ext. 4",
        "+ 44",
    ],
)
def test_phone_number_with_other_characters_or_too_short_is_invalid(flow, number):
    assert problem(flow, "phone", number) == Problem("invalid")


def test_phone_number_over_max_length_is_too_long(flow):
    assert problem(flow, "phone", "0" * 21) == Problem("too_long", {"max": 20})


@pytest.mark.parametrize("address", ["maya@example.com", "m.k+kiosk@mail.example.co.uk"])
def test_email_address_is_accepted(flow, address):
    assert check(flow, "email", address) == address


@pytest.mark.parametrize(
    "address", ["maya", "maya@example", "maya@@example.com", "maya @example.com", "@example.com"]
)
def test_email_address_without_name_at_domain_dot_is_invalid(flow, address):
    assert problem(flow, "email", address) == Problem("invalid")


# Yes/no and choices -----------------------------------------------------------


def test_yes_no_is_stored_as_a_boolean(flow):
    assert check(flow, "contact_consent", "yes") is True
    assert check(flow, "contact_consent", "no") is False


@pytest.mark.parametrize("raw", ["maybe", "Yes", "true", "1"])
def test_yes_no_with_another_answer_is_not_an_option(flow, raw):
    assert problem(flow, "contact_consent", raw) == Problem("not_an_option")


def test_choice_is_stored_as_the_option_value(flow):
    assert check(flow, "age_band", "age_30_39") == "age_30_39"
    assert check(flow, "isotretinoin", "stopped") == "stopped"


@pytest.mark.parametrize("raw", ["age_99", "30 to 39", "AGE_30_39", ["age_30_39"]])
def test_choice_that_is_not_an_option_is_rejected(flow, raw):
    assert problem(flow, "age_band", raw) == Problem("not_an_option")


def test_multichoice_is_stored_in_the_order_of_the_options(flow):
    assert check(flow, "areas", ["neck", "face"]) == ["face", "neck"]
    assert check(flow, "areas", ["other_body", "hands", "face"]) == ["face", "hands", "other_body"]


def test_multichoice_with_one_value_or_repeats_is_a_list_of_distinct_values(flow):
    assert check(flow, "areas", "neck") == ["neck"]
    assert check(flow, "areas", ["neck", "neck"]) == ["neck"]


def test_multichoice_with_a_value_that_is_not_an_option_is_rejected(flow):
    assert problem(flow, "areas", ["face", "elbow"]) == Problem("not_an_option")


def test_none_of_these_on_its_own_is_accepted(flow):
    assert check(flow, "pets", ["none"]) == ["none"]
    assert check(flow, "pets", ["none", "none"]) == ["none"]


@pytest.mark.parametrize(
    ("question_id", "raw"),
    [
        ("pets", ["none", "cat"]),
        ("pets", ["cat", "none"]),
        ("pets", ["cat", "none", "dog"]),
    ],
)
def test_none_of_these_with_another_option_is_rejected(flow, question_id, raw):
    found = problem(flow, question_id, raw)
    assert found.kind == "exclusive"
    # The problem names the option, so the message can say which to untick.
    assert found.params["option"]["en"] == "None of these"


# Numbers ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "value"), [("8", 8), (" 8 ", 8), ("0", 0), ("600", 600), ("08", 8)]
)
def test_whole_number_is_stored_as_an_int(flow, raw, value):
    assert check(flow, "isotretinoin_months", raw) == value


@pytest.mark.parametrize("raw", ["eight", "8.5", "8,5", "-1", "+8", "1e3", "8 months", "1 000"])
def test_text_that_is_not_a_whole_number_is_invalid(flow, raw):
    assert problem(flow, "isotretinoin_months", raw) == Problem("invalid")


@pytest.mark.parametrize(
    ("question_id", "raw", "low", "high"),
    [
        ("isotretinoin_months", "601", 0, 600),
        ("toxin_filler_weeks", "53", 0, 52),
        ("surgery_weeks", "999999", 0, 52),
    ],
)
def test_whole_number_out_of_range_is_a_range_problem(flow, question_id, raw, low, high):
    assert problem(flow, question_id, raw) == Problem("range", {"min": low, "max": high})


def test_range_limits_are_included(flow):
    assert check(flow, "toxin_filler_weeks", "0") == 0
    assert check(flow, "toxin_filler_weeks", "52") == 52


# Dates ------------------------------------------------------------------------


def test_event_date_limits_in_the_content(flow):
    question = flow.question("event_date")
    assert (question.min_days, question.max_days) == (1, 730)


def test_valid_date_is_stored_as_an_iso_string(flow):
    assert check(flow, "event_date", "2026-06-14") == "2026-06-14"
    assert check(flow, "event_date", " 2026-06-14 ") == "2026-06-14"


@pytest.mark.parametrize(
    "raw",
    [
        "14/06/2026",
        "2026-02-30",
        "2026-13-01",
        "2026-6-14",
        "20260614",  # compact ISO form: Python reads it, the form does not offer it
        "2026-W24-7",  # ISO week date: likewise
        "June 14",
        "2026-06-14T10:00",
    ],
)
def test_text_that_is_not_a_real_yyyy_mm_dd_date_is_invalid(flow, raw):
    assert problem(flow, "event_date", raw) == Problem("invalid")


def test_date_before_the_earliest_allowed_is_too_early(flow):
    earliest = TODAY + dt.timedelta(days=1)
    assert check(flow, "event_date", earliest.isoformat()) == earliest.isoformat()
    assert problem(flow, "event_date", TODAY.isoformat()) == Problem(
        "too_early", {"date": earliest}
    )
    assert problem(flow, "event_date", "2020-01-01") == Problem("too_early", {"date": earliest})


def test_date_after_the_latest_allowed_is_too_late(flow):
    latest = TODAY + dt.timedelta(days=730)
    assert check(flow, "event_date", latest.isoformat()) == latest.isoformat()
    assert problem(flow, "event_date", days_from_today(731)) == Problem(
        "too_late", {"date": latest}
    )


def test_date_limits_follow_the_day_the_answer_is_given(flow):
    question = flow.question("event_date")
    assert check_answer(question, "2026-03-11", TODAY) == "2026-03-11"
    with pytest.raises(AnswerProblem):
        check_answer(question, "2026-03-11", TODAY + dt.timedelta(days=1))


@pytest.mark.parametrize(
    ("boxes", "stored"),
    [
        (("14", "6", "2026"), "2026-06-14"),
        (("07", "06", "2026"), "2026-06-07"),
        ((" 7 ", "6", " 2026 "), "2026-06-07"),
        (("29", "2", "2028"), "2028-02-29"),
        (("", "", ""), None),
        ((" ", "", "  "), None),
    ],
)
def test_a_date_entered_in_three_boxes_is_stored_as_an_iso_date(flow, boxes, stored):
    assert check(flow, "event_date", DateParts(*boxes)) == stored


@pytest.mark.parametrize(
    ("boxes", "expected"),
    [
        (("", "6", "2026"), Problem("incomplete", {"parts": ("day",)})),
        (("14", "", "2026"), Problem("incomplete", {"parts": ("month",)})),
        (("14", "6", ""), Problem("incomplete", {"parts": ("year",)})),
        (("", "", "2026"), Problem("incomplete", {"parts": ("day", "month")})),
        (("14", "6", "26"), Problem("year_digits", {"parts": ("year",)})),
        (("14", "6", "02026"), Problem("year_digits", {"parts": ("year",)})),
        (("30", "2", "2027"), Problem("invalid")),
        (("29", "2", "2027"), Problem("invalid")),
        (("14", "13", "2026"), Problem("invalid")),  # a month the list does not offer
        (("0", "6", "2026"), Problem("invalid")),
        (("14th", "6", "2026"), Problem("invalid")),
        (("-1", "6", "2026"), Problem("invalid")),
        (("١٤", "6", "2026"), Problem("invalid")),  # digits, but not 0 to 9
        (("14", "June", "2026"), Problem("invalid")),
        (("14", "6", "2026\x00"), Problem("invalid")),
    ],
)
def test_three_boxes_that_make_no_date_say_what_is_wrong(flow, boxes, expected):
    assert problem(flow, "event_date", DateParts(*boxes)) == expected


def test_a_date_from_its_boxes_keeps_to_the_limits(flow):
    assert problem(flow, "event_date", DateParts("10", "3", "2026")) == Problem(
        "too_early", {"date": TODAY + dt.timedelta(days=1)}
    )
    assert check(flow, "event_date", DateParts("11", "3", "2026")) == "2026-03-11"


def test_a_box_sent_as_a_file_is_not_text(flow):
    assert problem(flow, "event_date", DateParts("14", object(), "2026")).kind == "not_text"


def test_date_without_limits_accepts_any_real_date():
    question = Question(id="born", type="date", label={"en": "Date of birth"})
    assert check_answer(question, "1950-01-31", TODAY) == "1950-01-31"


# Showing a stored answer again --------------------------------------------------


@pytest.mark.parametrize(
    ("question_id", "raw", "value"),
    [
        ("first_name", "Maya", "Maya"),
        ("contact_consent", "yes", True),
        ("contact_consent", "no", False),
        ("age_band", "age_30_39", "age_30_39"),
        ("areas", ["face", "neck"], ["face", "neck"]),
        ("recent_procedures", ["surgery"], ["surgery"]),
        ("isotretinoin_months", "0", 0),
        ("isotretinoin_months", "8", 8),
        ("event_date", DateParts("18", "6", "2026"), "2026-06-18"),
        ("email", "", None),
        ("event_date", DateParts("", "", ""), None),
    ],
)
def test_stored_answer_shown_again_checks_to_the_same_value(flow, question_id, raw, value):
    question = flow.question(question_id)
    assert check_answer(question, raw, TODAY) == value
    shown = to_form_value(question, value)
    assert shown == (raw or None)
    assert check_answer(question, shown, TODAY) == value


def test_unanswered_multichoice_is_shown_as_nothing_ticked(flow):
    assert to_form_value(flow.question("areas"), None) == []
    assert to_form_value(flow.question("first_name"), None) is None
    assert to_form_value(flow.question("contact_consent"), None) is None


# Hostile characters and values ---------------------------------------------


@pytest.mark.parametrize(
    ("question_id", "raw", "cleaned"),
    [
        ("first_name", "Ma\x00ya", "Maya"),
        ("first_name", "\u202eayaM", "ayaM"),
        ("first_name", "Maya\u2067x\u2069", "Mayax"),
        ("first_name", "Ma\nya", "Maya"),
        ("notes", "Line one\nline two\x07", "Line one\nline two"),
        ("email", "maya@example.com\u202d", "maya@example.com"),
    ],
)
def test_control_and_bidi_characters_are_a_problem_naming_the_clean_text(
    flow, question_id, raw, cleaned
):
    found = problem(flow, question_id, raw)
    assert found.kind == "unsafe_characters"
    assert found.params["cleaned"] == cleaned


def test_a_text_box_keeps_tabs_and_line_breaks(flow):
    assert check(flow, "notes", "One\r\n\tTwo") == "One\r\n\tTwo"


@pytest.mark.parametrize("raw", [object(), b"bytes", 42, ["ok", object()]])
def test_anything_but_text_is_refused(flow, raw):
    assert problem(flow, "first_name", raw).kind == "not_text"


# Stored answers, checked as they are stored ----------------------------------


@pytest.mark.parametrize(
    ("question_id", "raw"),
    [
        ("first_name", "Maya"),
        ("contact_consent", "yes"),
        ("contact_consent", "no"),
        ("age_band", "age_30_39"),
        ("areas", ["neck", "face"]),
        ("recent_procedures", ["surgery", "toxin_filler"]),
        ("isotretinoin_months", "0"),
        ("isotretinoin_months", "8"),
        ("event_date", days_from_today(100)),
        ("notes", "One\r\n\tTwo"),
        ("email", ""),
    ],
)
def test_a_stored_answer_checks_as_the_answer_it_was_made_from(flow, question_id, raw):
    question = flow.question(question_id)
    value = check_answer(question, raw, TODAY)
    assert check_stored(question, value, TODAY) == value


@pytest.mark.parametrize(
    ("question_id", "value", "kind"),
    [
        ("first_name", None, "required"),
        ("first_name", "  ", "required"),
        ("first_name", 7, "invalid"),
        ("contact_consent", "no", "not_an_option"),  # a yes/no is stored as a bool
        ("contact_consent", 1, "not_an_option"),
        ("age_band", "age_100_plus", "not_an_option"),
        ("areas", "face", "not_an_option"),  # several choices are stored as a list
        ("pets", ["none", "dog"], "exclusive"),
        ("isotretinoin_months", "8", "invalid"),  # a number is stored as an int
        ("isotretinoin_months", True, "invalid"),
        ("isotretinoin_months", -1, "invalid"),
        ("isotretinoin_months", 1000, "range"),
        ("event_date", "2027-1-5", "invalid"),
        ("event_date", days_from_today(0), "too_early"),  # the day has come since
        ("first_name", "Ma\u202eya", "unsafe_characters"),
    ],
)
def test_a_stored_answer_that_would_not_be_accepted_now_is_a_problem(
    flow, question_id, value, kind
):
    with pytest.raises(AnswerProblem) as caught:
        check_stored(WithPets(flow).question(question_id), value, TODAY)
    assert caught.value.problem.kind == kind
