"""A finger's signature: the form field's text read, checked, kept and drawn."""

from __future__ import annotations

import pytest

from kiosk.core.signature import MAX_POINTS, Signature, SignatureError

DRAWN = "600 224;40,150 80,90 120,160;240,120 300,118"


def test_the_fields_text_is_read_and_written_back_the_same():
    signature = Signature.parse(DRAWN)
    assert (signature.width, signature.height) == (600, 224)
    assert signature.strokes == (((40, 150), (80, 90), (120, 160)), ((240, 120), (300, 118)))
    assert signature.field_text() == DRAWN
    assert Signature.from_stored(signature.stored()) == signature


def test_fractions_are_rounded_to_whole_pixels():
    assert Signature.parse("600 224;40.4,150.6 80,90 120,160").strokes[0][0] == (40, 151)


def test_each_stroke_is_a_path_and_a_dot_is_drawn_round():
    signature = Signature.parse("600 224;40,150 80,90 120,160;300,100")
    assert signature.paths() == ("M40 150L80 90L120 160", "M300 100h0.1")


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("600 224", "empty"),
        ("600 224;40,150", "small"),
        ("600 224;40,150 45,150", "small"),
        ("600 224;40,150 700,150", "invalid"),
        ("600 224;-1,150 40,150", "invalid"),
        ("0 224;0,0 0,100", "invalid"),
        ("600;40,150 80,90", "invalid"),
        ("600 224;nan,1 90,90", "invalid"),
        ("600 224;inf,1 90,90", "invalid"),
        ("600 224;1e999,1 90,90", "invalid"),
        ("600 224;40 150", "invalid"),
        ("<svg onload=x>", "invalid"),
    ],
)
def test_what_is_no_signature_says_why(text, kind):
    with pytest.raises(SignatureError) as raised:
        Signature.parse(text)
    assert raised.value.kind == kind


def test_too_many_points_is_refused():
    points = " ".join(f"{n % 500},{n % 200}" for n in range(MAX_POINTS + 1))
    with pytest.raises(SignatureError):
        Signature.parse(f"600 224;{points}")
