"""A signature drawn with a finger: its strokes as numbers, checked, kept,
and drawn again as SVG by templates/_signature.html (the staff page and both
PDFs). Plain Python.

The consent screen's script (static/js/signature.js) sends the strokes in
one form field, as compact text::

    "<width> <height>;<x>,<y> <x>,<y> ...;<x>,<y> ..."

the drawing area's size in CSS pixels, then one stroke after another, each
a list of points in that area. Numbers are whole pixels. The same text comes
back into the field when a screen is shown again with a problem, so that the
signature is drawn again rather than lost.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

# Bounds that no honest signature comes near, so that what is kept stays
# small (the field is a few kilobytes at most) and the drawing sane.
MAX_SIDE = 4000
MAX_STROKES = 200
MAX_POINTS = 3000
# Less ink than this (in CSS pixels of line) is a tap or a slip, not a signature.
MIN_INK = 40.0

Point = tuple[int, int]


class SignatureError(ValueError):
    """What was sent is no signature; ``kind`` says why: ``empty``, ``small``
    (a tap or a slip) or ``invalid`` (not what the screen's script sends)."""

    def __init__(self, kind: str):
        super().__init__(kind)
        self.kind = kind


@dataclass(frozen=True)
class Signature:
    width: int
    height: int
    strokes: tuple[tuple[Point, ...], ...]

    @classmethod
    def parse(cls, text: str | None) -> Signature:
        """The signature in the form field's text; raises :class:`SignatureError`."""
        text = (text or "").strip()
        if not text:
            raise SignatureError("empty")
        head, *rest = text.split(";")
        try:
            width, height = (int(n) for n in head.split())
            strokes = tuple(
                tuple(_point(pair) for pair in stroke.split()) for stroke in rest if stroke.strip()
            )
        except (ValueError, OverflowError):  # not numbers, or infinite ones
            raise SignatureError("invalid") from None
        signature = cls(width, height, strokes)
        signature.check()
        return signature

    @classmethod
    def from_stored(cls, stored: Mapping[str, Any]) -> Signature:
        """The signature as :meth:`stored` keeps it (a JSON column)."""
        return cls(
            int(stored["width"]),
            int(stored["height"]),
            tuple(tuple((int(x), int(y)) for x, y in stroke) for stroke in stored["strokes"]),
        )

    def check(self) -> None:
        if not (1 <= self.width <= MAX_SIDE and 1 <= self.height <= MAX_SIDE):
            raise SignatureError("invalid")
        if len(self.strokes) > MAX_STROKES or sum(map(len, self.strokes)) > MAX_POINTS:
            raise SignatureError("invalid")
        for stroke in self.strokes:
            for x, y in stroke:
                if not (0 <= x <= self.width and 0 <= y <= self.height):
                    raise SignatureError("invalid")
        if not self.strokes:
            raise SignatureError("empty")
        if self.ink < MIN_INK:
            raise SignatureError("small")

    @property
    def ink(self) -> float:
        """How much line was drawn, in CSS pixels."""
        return sum(math.dist(a, b) for stroke in self.strokes for a, b in pairwise(stroke))

    def stored(self) -> dict[str, Any]:
        """As kept with the consultation (JSON): the vector strokes themselves."""
        return {
            "width": self.width,
            "height": self.height,
            "strokes": [[list(point) for point in stroke] for stroke in self.strokes],
        }

    def field_text(self) -> str:
        """Back into the form field's text (see the module's docstring)."""
        strokes = (" ".join(f"{x},{y}" for x, y in stroke) for stroke in self.strokes)
        return ";".join([f"{self.width} {self.height}", *strokes])

    def paths(self) -> tuple[str, ...]:
        """Each stroke as an SVG path's data (numbers only), for
        templates/_signature.html to draw the signature with."""
        return tuple(_path(stroke) for stroke in self.strokes)


def _point(pair: str) -> Point:
    x, y = pair.split(",")
    return round(float(x)), round(float(y))


def _path(stroke: tuple[Point, ...]) -> str:
    (x, y), rest = stroke[0], stroke[1:]
    if not rest:  # a dot: a line too short to see, which the round cap makes round
        return f"M{x} {y}h0.1"
    return f"M{x} {y}" + "".join(f"L{px} {py}" for px, py in rest)
