"""Every printed page keeps its text where a printer puts ink and a reader can
read it: no character outside the printable area, no two lines of text on top
of each other.

The PDFs are the ones the kiosk prints for the example patients of
examples/answers: the patient copy in English and in Spanish and the staff
copy, on A4 and on Letter, for a plain clinic and for a clinic with a logo and
a long name. Each character's box is read back with pdfplumber (pdfminer.six),
from the PDF's own drawing instructions: text that a page edge or a box would
cut off is still found there, at the place it was drawn.

Which PDFs (see CASES): every example's plain patient copy in both languages
on both papers (test_pdf_layout renders those anyway); its branded patient
copy in each language, and its staff copy for each clinic, on alternating
papers. So every example is checked in each copy and language, on each paper
and for each clinic, and every copy, language, paper and clinic together on
nine examples, with two thirds of the renders of every example in every
combination. Each PDF is rendered once per run, whichever xdist worker asks
first.
"""

from __future__ import annotations

import functools
import io
import itertools
import json
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path

import pdfplumber
import pytest

from kiosk.core.pdf import render_pdf

from .conftest import rendered_once
from .logos import png_logo
from .test_pdf_layout import EXAMPLE_NAMES, EXAMPLES, example_document, example_pdf

MM = 72 / 25.4
# The printable area: the sheet less 5 mm on each side. Office laser and inkjet
# printers leave an unprinted edge of about 4 to 5 mm (4.2 mm, the usual
# figure, on most lasers; some inkjets 3 mm at the sides and more at the foot
# without "borderless" paper): text within 5 mm of an edge may be cut off on
# the clinic's printer, and text past the edge is lost on every one.
EDGE = 5 * MM
# Two lines overlap when their boxes share more than this in both directions:
# a box is the font's full height, so lines set solid touch but do not overlap.
TOLERANCE = 1.0

# A clinic that stretches the running header and the masthead: a logo of the
# largest shape allowed (wide and short) and a name of 85 characters, with the
# accents and a hyphenated word of a real Spanish clinic's name.
LONG_CLINIC_NAME = (
    "Clínica Dermatológica y de Medicina Estética Doctora Montserrat Villanueva-Echeverría"
)
COPIES = (("patient", "en"), ("patient", "es"), ("staff", None))
PAPERS = ("A4", "Letter")
CLINICS = ("plain", "branded")


@functools.cache
def logo_file() -> Path:
    path = Path(tempfile.mkdtemp(prefix="pdf-print-area-")) / "logo.png"
    path.write_bytes(png_logo(960, 180))
    return path


@functools.cache
def printed(name: str, copy: str, language: str | None, paper: str, clinic: str) -> bytes:
    """One rendering per example, copy, paper and clinic for the whole run
    (whichever xdist worker asks first). The staff copy is in the clinic's
    language whatever the patient's: it is printed for the example's own
    language. The plain patient copies are the ones test_pdf_layout prints
    (one rendering for both files)."""
    if copy == "patient" and clinic == "plain":
        return example_pdf(name, language, paper)
    return rendered_once(
        f"print-area {name} {copy} {language} {paper} {clinic}",
        lambda: render(name, copy, language, paper, clinic),
    )


def render(name: str, copy: str, language: str | None, paper: str, clinic: str) -> bytes:
    if language is None:
        language = example_language(name)
    document = example_document(name, language, paper)
    if clinic == "branded":
        document = replace(
            document,
            clinic=replace(document.clinic, name=LONG_CLINIC_NAME, logo=str(logo_file())),
        )
    return render_pdf(document, copy)


@functools.cache
def printed_pages(name: str, copy: str, language: str | None, paper: str, clinic: str):
    return pages_of(printed(name, copy, language, paper, clinic))


def example_language(name: str) -> str:
    data = json.loads((EXAMPLES / f"{name}.json").read_text(encoding="utf-8"))
    return data.get("language", "en")


@dataclass(frozen=True)
class Line:
    """A run of text drawn in one go: characters one after another on one
    baseline, as the PDF draws them."""

    text: str
    left: float
    top: float
    right: float
    bottom: float

    def overlap(self, other: Line) -> float:
        """How far the two boxes overlap: the lesser of the shared width and
        the shared height (0 when they do not meet)."""
        width = min(self.right, other.right) - max(self.left, other.left)
        height = min(self.bottom, other.bottom) - max(self.top, other.top)
        return max(0.0, min(width, height))

    def __str__(self) -> str:
        where = f"x {self.left:.1f}-{self.right:.1f}, y {self.top:.1f}-{self.bottom:.1f}"
        return f"{self.text!r} at {where}"


@dataclass(frozen=True)
class PrintedPage:
    number: int
    width: float
    height: float
    chars: tuple[dict, ...]
    lines: tuple[Line, ...]


def pages_of(data: bytes) -> list[PrintedPage]:
    pages = []
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        for page in pdf.pages:
            chars = tuple(c for c in page.chars if c["text"].strip())
            # In drawing order (use_text_flow): the running header is drawn
            # apart from the body, so the two never merge into one line even
            # where they lie on top of each other.
            words = page.extract_words(
                use_text_flow=True, keep_blank_chars=True, x_tolerance=3, y_tolerance=1
            )
            lines = tuple(
                Line(w["text"].strip(), w["x0"], w["top"], w["x1"], w["bottom"])
                for w in words
                if w["text"].strip()
            )
            pages.append(PrintedPage(page.page_number, page.width, page.height, chars, lines))
    return pages


def outside(page: PrintedPage) -> list[Line]:
    """The lines with a character not wholly inside the printable area."""
    left, top = EDGE, EDGE
    right, bottom = page.width - EDGE, page.height - EDGE
    out = [
        c
        for c in page.chars
        if c["x0"] < left or c["x1"] > right or c["top"] < top or c["bottom"] > bottom
    ]
    return [
        line
        for line in page.lines
        if any(
            line.left <= (c["x0"] + c["x1"]) / 2 <= line.right
            and line.top <= (c["top"] + c["bottom"]) / 2 <= line.bottom
            for c in out
        )
    ] or [Line(c["text"], c["x0"], c["top"], c["x1"], c["bottom"]) for c in out]


def overlapping(page: PrintedPage) -> list[tuple[Line, Line]]:
    lines = sorted(page.lines, key=lambda line: line.top)
    found = []
    for index, line in enumerate(lines):
        for other in itertools.takewhile(
            lambda o, line=line: o.top < line.bottom - TOLERANCE, lines[index + 1 :]
        ):
            if line.overlap(other) > TOLERANCE:
                found.append((line, other))
    return found


def printed_combinations(index: int) -> list[tuple[str, str | None, str, str]]:
    """The (copy, language, paper, clinic) of the ``index``-th example that are
    checked: its plain patient copies all four (rendered for test_pdf_layout
    anyway); its branded patient copy in each language and its staff copy for
    each clinic on the two papers in turn, starting from the other paper on
    the next example."""
    combinations = [
        ("patient", language, paper, "plain") for language in ("en", "es") for paper in PAPERS
    ]
    for turn, (copy, language, clinic) in enumerate(
        [
            ("patient", "en", "branded"),
            ("patient", "es", "branded"),
            ("staff", None, "plain"),
            ("staff", None, "branded"),
        ]
    ):
        combinations.append((copy, language, PAPERS[(index + turn) % 2], clinic))
    return combinations


CASES = [
    pytest.param(
        name,
        copy,
        language,
        paper,
        clinic,
        id=f"{name}-{copy}-{language or 'clinic'}-{paper}-{clinic}",
    )
    for index, name in enumerate(EXAMPLE_NAMES)
    for copy, language, paper, clinic in printed_combinations(index)
]


def test_the_cases_cover_every_combination_and_every_example_in_each():
    """Each copy, language, paper and clinic together on several examples;
    each example in each copy and language, on each paper and for each clinic."""
    cases = [case.values for case in CASES]
    assert len(cases) == len(EXAMPLE_NAMES) * 8
    for copy, language in COPIES:
        for paper in PAPERS:
            for clinic in CLINICS:
                examples = {
                    name
                    for name, *combination in cases
                    if combination == [copy, language, paper, clinic]
                }
                assert len(examples) >= len(EXAMPLE_NAMES) // 2, (copy, language, paper, clinic)
    for name in EXAMPLE_NAMES:
        mine = [combination for example, *combination in cases if example == name]
        assert {(copy, language) for copy, language, _, _ in mine} == set(COPIES)
        for copy, language in COPIES:
            of_copy = [c for c in mine if (c[0], c[1]) == (copy, language)]
            assert {c[2] for c in of_copy} == set(PAPERS), (name, copy, language)
        assert {c[3] for c in mine if c[0] == "staff"} == set(CLINICS), name


@pytest.mark.sweep
@pytest.mark.parametrize(("name", "copy", "language", "paper", "clinic"), CASES)
def test_every_character_is_on_the_printable_area(name, copy, language, paper, clinic):
    pages = printed_pages(name, copy, language, paper, clinic)
    problems = [(p.number, line) for p in pages for line in outside(p)]
    assert not problems, "\n".join(f"page {number}: {line}" for number, line in problems[:10])


@pytest.mark.sweep
@pytest.mark.parametrize(("name", "copy", "language", "paper", "clinic"), CASES)
def test_no_two_lines_of_text_overlap(name, copy, language, paper, clinic):
    pages = printed_pages(name, copy, language, paper, clinic)
    problems = [(p.number, pair) for p in pages for pair in overlapping(p)]
    assert not problems, "\n".join(
        f"page {number}: {first} over {second}" for number, (first, second) in problems[:10]
    )


# The check itself, on pages made to fail it ---------------------------------------------


def html_pdf(body: str) -> bytes:
    """An A4 page of ``body``, no margins, in the copies' own font."""
    from weasyprint import HTML

    page = "<style>@page { size: A4; margin: 0 } body { margin: 0; font-size: 11pt }</style>"
    return HTML(string=page + body).write_pdf()


def at(left_mm: float, top_mm: float, text: str, extra: str = "") -> str:
    style = f"position: absolute; left: {left_mm}mm; top: {top_mm}mm; margin: 0; {extra}"
    return f'<p style="{style}">{text}</p>'


def test_the_check_passes_text_inside_the_printable_area():
    (page,) = pages_of(html_pdf(at(20, 20, "A line well inside") + at(20, 30, "And the next")))
    assert not outside(page)
    assert not overlapping(page)
    assert [line.text for line in page.lines] == ["A line well inside", "And the next"]


@pytest.mark.parametrize(
    ("left", "top", "why"),
    [
        (190, 100, "past the right edge, cut off by the page"),
        (2, 100, "in the 5 mm at the left edge"),
        (20, 1, "in the 5 mm at the top"),
        (20, 293, "at the foot, partly below the page"),
    ],
)
def test_the_check_finds_text_outside_the_printable_area(left, top, why):
    (page,) = pages_of(html_pdf(at(left, top, "Protector solar", "white-space: nowrap")))
    assert [line.text for line in outside(page)] == ["Protector solar"], why


def test_the_check_finds_lines_printed_over_each_other():
    # A running header drawn over the first line of the body, a little lower.
    (page,) = pages_of(
        html_pdf(at(20, 20, "Body text under the header") + at(40, 21, "Reference K7P-4QX"))
    )
    (pair,) = overlapping(page)
    assert {line.text for line in pair} == {"Body text under the header", "Reference K7P-4QX"}


def test_the_check_allows_lines_that_only_touch():
    # 11 pt text set solid (line-height 1): each box is the font's height.
    body = at(20, 20, "First line<br>Second line<br>Third line", "line-height: 1")
    (page,) = pages_of(html_pdf(body))
    assert len(page.lines) == 3
    assert not overlapping(page)
