"""The consent form: signed with a finger on the tablet, or with a typed full
name and a tick where the patient cannot draw (or the browser runs no
script), and the separate photo choice. The patient's kiosk and the staff
page for signing again both use it (templates/_signing.html draws it).
"""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, StringField

from kiosk.core.i18n import gettext as _
from kiosk.core.plan.model import ConsentText
from kiosk.core.signature import MAX_POINTS, Signature, SignatureError
from kiosk.records.consents import Signing
from kiosk.web.forms import clean_text

TYPED_NAME_LENGTH = 120
# The signature field's longest text: every point as "dddd,dddd " and more.
SIGNATURE_FIELD_LENGTH = MAX_POINTS * 12


class ConsentForm(FlaskForm):
    # The strokes (kiosk/core/signature.py's text), kept up to date by
    # static/js/signature.js as the patient draws.
    signature = HiddenField(filters=[clean_text])
    typed_name = StringField(filters=[clean_text])
    typed_confirm = BooleanField()
    photos = BooleanField(default=False)

    def signing(self, consent: ConsentText) -> Signing | None:
        """The signing, once the form is valid; else None, with each problem
        on its field (in the language in force)."""
        if not self.validate():
            return None
        drawn = (self.signature.data or "").strip()
        if len(drawn) > SIGNATURE_FIELD_LENGTH:
            self.signature.errors.append(_unreadable())
            return None
        if drawn:
            try:
                signature = Signature.parse(drawn)
            except SignatureError as exc:
                self.signature.errors.append(_too_small() if exc.kind == "small" else _unreadable())
                return None
            return Signing(consent, signature, None, bool(self.photos.data))
        name = " ".join((self.typed_name.data or "").split())
        if not name:
            message = (
                _("Type your full name")
                if self.typed_confirm.data
                else _("Sign in the box, or type your full name and tick the box below it")
            )
            self.typed_name.errors.append(message)
            return None
        if len(name) > TYPED_NAME_LENGTH:
            self.typed_name.errors.append(
                _("Your name must be %(count)s characters or fewer", count=TYPED_NAME_LENGTH)
            )
            return None
        if not any(character.isalpha() for character in name):
            self.typed_name.errors.append(_("Type your full name in letters"))
            return None
        if not self.typed_confirm.data:
            self.typed_confirm.errors.append(
                _("Tick the box to confirm that your typed name is your signature")
            )
            return None
        return Signing(consent, None, name, bool(self.photos.data))


def _too_small() -> str:
    return _("Your signature is too small to read. Press Clear and sign again, across the box")


def _unreadable() -> str:
    return _("Your signature could not be read. Press Clear and sign again, or type your name")
