"""Languages and the clinic's wording in the core: no app needed."""

from __future__ import annotations

from kiosk.core.i18n import gettext, language, wording

MESSAGE = "Our clinic"


def test_the_clinics_wording_is_in_force_only_inside_its_block():
    texts = {("en", MESSAGE): "The Skin Rooms", ("es", MESSAGE): "Las Salas de la Piel"}
    before = gettext(MESSAGE)
    with wording(texts):
        assert gettext(MESSAGE) == "The Skin Rooms"
        with language("es"):
            assert gettext(MESSAGE) == "Las Salas de la Piel"
    assert gettext(MESSAGE) == before == MESSAGE


def test_a_text_the_clinic_did_not_reword_is_translated_as_usual():
    with wording({("es", "Something else"): "Otra cosa"}), language("es"):
        assert gettext(MESSAGE) == "Nuestra clínica"
