"""Forms both areas use: a button-only form, and the filter that cleans what
staff type. The patient's forms are beside their routes
(``kiosk/web/patient/forms.py``), as the staff's are (``kiosk/web/staff/forms.py``)."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm

from kiosk.core.answers import safe_text


class EmptyForm(FlaskForm):
    """A form with no fields: button-only POSTs still carry the CSRF token."""


def clean_text(value: Any) -> Any:
    """A field filter for the staff forms: a file sent in a text field counts as
    nothing sent (no form takes files), and control and bidirectional-override
    characters are left out (a NUL cannot even be stored in PostgreSQL).
    Patients' answers are checked in ``answers.check_answer``, which tells the
    patient what was removed."""
    if value is None or not isinstance(value, str):
        return None
    return safe_text(value, multiline=True)
