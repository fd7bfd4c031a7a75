"""The printed summaries: what each copy says, how it is built, and what it may read.

Every test renders real PDFs with WeasyPrint and reads the bytes back with
pypdf; nothing here looks at the HTML alone except the autoescaping check.
"""

from __future__ import annotations

import functools
import io
import re
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

import pytest
from pypdf import PdfReader
from pypdf.generic import IndirectObject

from kiosk.core.paths import STATIC_DIR
from kiosk.core.pdf import render_pdf
from kiosk.core.pdf.document import AnswerGroup, AnswerLine
from kiosk.core.pdf.fetcher import FetchRefused, StaticFetcher
from kiosk.core.pdf.render import css_string, page_counter_content, render_html
from kiosk.core.plan.model import Flag, Trigger

from . import pdf_samples as samples
from .conftest import rendered_once

# Rendering and reading -------------------------------------------------------------------


@functools.cache
def pdf_of(sample: str, copy: str, paper: str = "A4") -> bytes:
    """One rendering per sample, copy and paper for the whole run, whichever
    xdist worker asks first (test_pdf_layout reads the same ones)."""
    return rendered_once(
        f"sample {sample} {copy} {paper}",
        lambda: render_pdf(samples.SAMPLES[sample](paper=paper), copy),
    )


def read(data: bytes) -> PdfReader:
    return PdfReader(io.BytesIO(data))


def text_of(data: bytes) -> str:
    """All the text, whitespace collapsed (lines wrap wherever the layout says,
    also after the hyphen of "make-up": that break is joined again)."""
    text = " ".join(" ".join(page.extract_text() for page in read(data).pages).split())
    return re.sub(r"(?<=\w)- (?=\w)", "-", text)


def squeezed(text: str) -> str:
    """``text`` without any whitespace: long words may wrap anywhere."""
    return re.sub(r"\s+", "", text)


def assert_has(text: str, *expected: str) -> None:
    missing = [e for e in expected if " ".join(e.split()) not in text]
    assert not missing, f"missing from the PDF: {missing}"


def fonts_of(reader: PdfReader) -> dict[str, object]:
    """BaseFont name -> font dictionary, for every font any page (or form) uses."""
    found: dict[str, object] = {}

    def visit(resources, seen: set[int]) -> None:
        resources = resources.get_object() if resources is not None else None
        if not resources:
            return
        for font in (resources.get("/Font") or {}).values():
            font = font.get_object()
            found[str(font["/BaseFont"])] = font
        for xobject in (resources.get("/XObject") or {}).values():
            key = xobject.idnum if isinstance(xobject, IndirectObject) else id(xobject)
            if key in seen:
                continue
            seen.add(key)
            xobject = xobject.get_object()
            if xobject.get("/Subtype") == "/Form":
                visit(xobject.get("/Resources"), seen)

    for page in reader.pages:
        visit(page.get("/Resources"), set())
    return found


# The patient copy -------------------------------------------------------------------------


def test_patient_copy_is_personal_and_complete():
    document = samples.event_with_flags()
    plan = document.plan
    text = text_of(pdf_of("event_with_flags", "patient"))

    assert_has(
        text,
        "Your microneedling summary",
        "Amara",
        "K7P-4QX",
        "1 March 2027",
        "Your plan at a glance",
        "Acne scars, Fine lines and wrinkles",
        "Cheeks, Forehead",
        "What microneedling may do for you",
        "Things to discuss with your clinician",
        "Getting ready",
        "On the day",
        "Downtime, day by day",
        "Aftercare",
        "When to call the clinic",
        "Call us on 0117 496 0321",
        "About the treatment",
        "14 Quay Street",
        "hello@harbourskin.example",
        "Reviewed by Dr Priya Shah on 1 March 2027",
        "This summary is information to help you prepare. It is not medical advice: your "
        "clinician will decide with you what is right for you.",
    )
    for benefit in plan.benefits:
        assert_has(text, benefit.concern, benefit.may_help, benefit.course, benefit.results)
    for line in plan.preparation + plan.downtime + plan.aftercare:
        assert_has(text, line.when, line.text)
    assert_has(text, *plan.day_of, *plan.call_clinic, *plan.device_notes)
    for flag in plan.flags:
        assert_has(text, flag.patient_text)


def test_patient_copy_plans_around_the_event_with_real_dates():
    text = text_of(pdf_of("event_with_flags", "patient"))
    assert_has(
        text,
        "Planning around your event",
        "Your event 12 June 2027",
        "Book your last session by 29 May 2027",
        "2 March 2027",
        "30 March 2027",
        "27 April 2027",
        *samples.EVENT.lines,
    )


def test_patient_copy_never_shows_severities_or_staff_wording():
    document = samples.event_with_flags()
    text = text_of(pdf_of("event_with_flags", "patient"))
    lowered = text.lower()

    assert "do not treat" not in lowered
    assert "clinician review" not in lowered
    assert "staff copy" not in lowered
    assert "sources:" not in lowered
    for flag in document.plan.flags:
        assert flag.staff_text not in text


def test_patient_copy_leaves_out_what_does_not_apply():
    text = text_of(pdf_of("no_flags", "patient", "Letter"))

    assert_has(text, "Your microneedling summary", "Sam", "M2R-8TD", "When to call the clinic")
    assert "Planning around your event" not in text
    assert "Book your last session" not in text
    assert "Things to discuss with your clinician" not in text
    assert "Reviewed by" not in text
    # No booking page: no QR block and no URL.
    assert "Book your next session" not in text
    assert "harbourskin.example/book" not in text


def test_patient_copy_shows_the_booking_qr_block_with_its_url():
    data = pdf_of("event_with_flags", "patient")
    assert_has(text_of(data), "Book your next session", "https://harbourskin.example/book")
    last_page = read(data).pages[-1]
    links = [
        annotation.get_object()["/A"]["/URI"]
        for annotation in last_page.get("/Annots") or []
        if annotation.get_object().get("/Subtype") == "/Link"
    ]
    assert links == ["https://harbourskin.example/book"]


# The staff copy -----------------------------------------------------------------------------


def test_staff_copy_puts_flags_first_most_serious_first():
    document = samples.event_with_flags()
    text = text_of(pdf_of("event_with_flags", "staff"))

    assert_has(
        text,
        "Staff copy",
        "K7P-4QX",
        "Amara",
        "1 March 2027, 10:42",
        "English (en)",
    )
    assert "patient's language" in text.lower()
    order = [
        text.index("Do not treat today (1)"),
        text.index("Clinician review (2)"),
        text.index("Note (2)"),
        text.index("Answers"),
    ]
    assert order == sorted(order)
    for flag in document.plan.flags:
        assert_has(text, flag.staff_text)
        for trigger in flag.triggers:
            assert_has(text, f"{trigger.question}: {trigger.answer}")
    assert "No flags" not in text


def test_staff_copy_lists_every_answer_by_group():
    document = samples.event_with_flags()
    text = text_of(pdf_of("event_with_flags", "staff"))
    for group in document.answers:
        assert_has(text, group.title)
        for line in group.lines:
            assert_has(text, f"{line.question} {line.answer}")


def test_staff_copy_marks_each_answer_that_fired_a_flag():
    text = text_of(pdf_of("event_with_flags", "staff"))
    answers = text[text.index("Answers About you") :]
    assert_has(
        answers,
        "Pregnant or breastfeeding Yes FLAG: DO NOT TREAT TODAY",
        "Blood thinners Yes FLAG: CLINICIAN REVIEW",
        "Retinoids or acids Yes FLAG: NOTE",
    )
    assert "No FLAG:" not in answers


def test_staff_copy_marks_the_flagged_answer_by_its_question_not_its_wording():
    # Two questions worded alike: only the one whose answer fired the flag is marked.
    document = samples.event_with_flags()
    alike = AnswerGroup(
        "Your health",
        (
            AnswerLine("notes", "Pregnant or breastfeeding", "Asked twice"),
            AnswerLine("pregnant", "Pregnant or breastfeeding", "Yes"),
        ),
    )
    text = text_of(render_pdf(replace(document, answers=(alike,)), "staff"))
    answers = text[text.index("Answers Your health") :]
    assert_has(
        answers,
        "Pregnant or breastfeeding Asked twice Pregnant or breastfeeding Yes "
        "FLAG: DO NOT TREAT TODAY",
    )
    assert answers.count("FLAG: DO NOT TREAT TODAY") == 1


def test_staff_copy_shows_who_reviewed():
    text = text_of(pdf_of("event_with_flags", "staff"))
    assert_has(
        text, "Review", "Reviewed by Dr Priya Shah", "Date/time 1 March 2027, 11:05", "Notes"
    )


def test_staff_copy_without_flags_says_so_and_leaves_review_blank():
    text = text_of(pdf_of("no_flags", "staff", "Letter"))
    assert_has(text, "Staff copy", "M2R-8TD", "No flags", "Reviewed by", "Date/time", "Notes")
    assert "Dr Priya Shah" not in text
    assert "Do not treat today" not in text


def test_staff_copy_takes_flags_from_the_clinic_language_plan():
    """The patient's plan is in Spanish; the staff copy shows the clinic's English flags."""
    english = samples.event_with_flags()
    spanish_flag = Flag(
        id="pregnant",
        severity="do_not_treat",
        staff_text="Embarazo o lactancia: no tratar.",
        patient_text="Nos ha dicho que está embarazada o en periodo de lactancia.",
        triggers=(Trigger("pregnant", "Embarazo o lactancia", "Sí"),),
    )
    document = replace(
        english,
        plan=replace(english.plan, language="es", flags=(spanish_flag,)),
        staff_flags_plan=english.plan,
        clinic_language="en",
    )
    staff = render_pdf(document, "staff")
    patient = render_pdf(document, "patient")

    staff_text = text_of(staff)
    assert_has(staff_text, samples.PREGNANT.staff_text, "Spanish (es)")
    assert spanish_flag.staff_text not in staff_text
    assert read(staff).trailer["/Root"]["/Lang"] == "en"

    patient_text = text_of(patient)
    assert_has(patient_text, spanish_flag.patient_text)
    assert read(patient).trailer["/Root"]["/Lang"] == "es"


# Pages, paper, fonts, metadata, tags ----------------------------------------------------------


@pytest.mark.parametrize("sample", sorted(samples.SAMPLES))
@pytest.mark.parametrize("paper", ["A4", "Letter"])
def test_page_counts_are_sensible(sample, paper):
    assert 2 <= len(read(pdf_of(sample, "patient", paper)).pages) <= 5
    assert 1 <= len(read(pdf_of(sample, "staff", paper)).pages) <= 4


@pytest.mark.parametrize(
    ("paper", "size"), [("A4", (595.3, 841.9)), ("Letter", (612.0, 792.0)), ("letter", (612, 792))]
)
@pytest.mark.parametrize("copy", ["patient", "staff"])
def test_paper_size_follows_the_document(paper, size, copy):
    data = pdf_of("no_flags", copy, paper)
    for page in read(data).pages:
        assert float(page.mediabox.width) == pytest.approx(size[0], abs=1)
        assert float(page.mediabox.height) == pytest.approx(size[1], abs=1)


def test_every_page_has_running_header_and_page_numbers():
    reader = read(pdf_of("event_with_flags", "patient"))
    total = len(reader.pages)
    for number, page in enumerate(reader.pages, start=1):
        text = " ".join(page.extract_text().split())
        assert f"Page {number} of {total}" in text
        if number > 1:  # the first page carries them in its masthead
            assert_has(text, "Harbour Skin Clinic", "Reference K7P-4QX")


@pytest.mark.parametrize(
    ("copy", "title"),
    [
        ("patient", "Your microneedling summary – K7P-4QX"),
        ("staff", "Staff copy – K7P-4QX"),
    ],
)
def test_metadata_title_author_language(copy, title):
    reader = read(pdf_of("event_with_flags", copy))
    assert reader.metadata.title == title
    assert reader.metadata.author == "Harbour Skin Clinic"
    assert reader.metadata.subject  # from <meta name=description>
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "en"
    assert bool(root["/ViewerPreferences"]["/DisplayDocTitle"])


@pytest.mark.parametrize("copy", ["patient", "staff"])
def test_pdf_is_tagged(copy):
    root = read(pdf_of("event_with_flags", copy)).trailer["/Root"]
    assert bool(root["/MarkInfo"]["/Marked"])
    assert "/StructTreeRoot" in root
    assert root["/StructTreeRoot"].get_object().get("/K") is not None


@pytest.mark.parametrize("copy", ["patient", "staff"])
def test_only_andika_is_embedded(copy):
    fonts = fonts_of(read(pdf_of("long_and_hostile", copy)))
    assert fonts, "no fonts found"
    for name, font in fonts.items():
        # "/ABCDEF+Andika-Bold": a subset of the vendored family.
        assert re.fullmatch(r"/[A-Z]{6}\+Andika[-A-Za-z]*", name), name
        descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object()
        assert "/FontFile2" in descriptor, f"{name} is not embedded"


def test_latin_extended_letters_print_as_themselves():
    """The "Ł" comes from the latin-ext file: it must not borrow a latin glyph."""
    text = text_of(pdf_of("long_and_hostile", "patient"))
    assert "Zoë Łucja" in text
    assert any("Ext" in name for name in fonts_of(read(pdf_of("long_and_hostile", "patient"))))


def test_long_answers_wrap_and_split_with_repeated_table_headers():
    document = samples.long_and_hostile()
    huge = (samples.LONG_ANSWER + " ") * 6 + "THE-END-MARKER"
    document = replace(
        document,
        answers=(
            *document.answers,
            AnswerGroup("Anything else", (AnswerLine("notes", "Anything else", huge),)),
        ),
    )
    reader = read(render_pdf(document, "staff"))
    pages = [" ".join(page.extract_text().split()) for page in reader.pages]

    # The answer fills pages: each one it continues on repeats the table header.
    continued = [text for text in pages[1:] if "clay mask" in text]
    assert len(continued) >= 3
    for text in continued:
        assert text.startswith("QUESTION ANSWER"), text[:40]

    # Nothing lost or clipped: without the running header, footer and repeated
    # table header of each page, the answer reads through whole, URL included.
    running = re.compile(
        r"^QUESTION ANSWER |Harbour Skin Clinic Staff copy Reference Z9X-2WB|Page \d+ of \d+"
    )
    body = squeezed(" ".join(running.sub("", text) for text in pages))
    assert squeezed(huge) in body


def test_a_long_triggering_answer_is_shortened_in_its_flag_but_whole_in_the_answers():
    document = samples.long_and_hostile()
    allergy = document.plan.flags[1]
    long_trigger = Trigger("allergy_details", "Allergy details", samples.LONG_ANSWER + " END-OF-IT")
    plan = replace(
        document.plan,
        flags=(document.plan.flags[0], replace(allergy, triggers=(long_trigger,))),
    )
    answers = (
        *document.answers,
        AnswerGroup(
            "More", (AnswerLine("allergy_details", "Allergy details", long_trigger.answer),)
        ),
    )
    document = replace(document, plan=plan, staff_flags_plan=plan, answers=answers)
    reader = read(render_pdf(document, "staff"))
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())

    answers_start = text.index("Answers About you")
    assert "(full answer under Answers)" in text[:answers_start]
    assert "END-OF-IT" not in text[:answers_start]
    assert "END-OF-IT" in text[answers_start:]
    assert "(full answer under Answers)" in reader.pages[0].extract_text()  # no blank pages


# Hostile input ----------------------------------------------------------------------------------

HOSTILE_PARTS = (
    "<b>bold</b>",
    "<script>alert(1)</script>",
    "url(file:///etc/passwd)",
    "<link rel=attachment href=file:///etc/passwd>",
    "<img src=http://127.0.0.1:9/x.png>",
    "<style>@import url(http://x)</style>",
)


def test_templates_autoescape_patient_text():
    html = render_html(samples.long_and_hostile(), "staff")
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<link rel=attachment" not in html


@pytest.mark.parametrize("copy", ["patient", "staff"])
def test_hostile_text_is_printed_literally(copy):
    text = squeezed(text_of(pdf_of("long_and_hostile", copy)))
    for part in HOSTILE_PARTS:
        assert squeezed(part) in text, part


@pytest.mark.parametrize("copy", ["patient", "staff"])
def test_hostile_text_embeds_no_files(copy):
    reader = read(pdf_of("long_and_hostile", copy))
    root = reader.trailer["/Root"]
    names = root.get("/Names")
    assert names is None or "/EmbeddedFiles" not in names.get_object()
    for page in reader.pages:
        for annotation in page.get("/Annots") or []:
            assert annotation.get_object().get("/Subtype") != "/FileAttachment"
    assert not reader.attachments


class RecordingFetcher(StaticFetcher):
    def __init__(self):
        super().__init__()
        self.asked: list[str] = []

    def fetch(self, url, headers=None):
        self.asked.append(url)
        return super().fetch(url, headers)


@pytest.mark.parametrize("copy", ["patient", "staff"])
def test_rendering_hostile_text_fetches_only_static_files(copy):
    fetcher = RecordingFetcher()
    render_pdf(samples.long_and_hostile(), copy, url_fetcher=fetcher)

    assert fetcher.asked, "the stylesheet at least goes through the fetcher"
    assert any(url.endswith("/pdf/print.css") for url in fetcher.asked)
    for url in fetcher.asked:
        parts = urlsplit(url)
        assert parts.scheme == "file", url
        assert Path(url2pathname(parts.path)).resolve().is_relative_to(STATIC_DIR.resolve()), url


# The fetcher ---------------------------------------------------------------------------------


def test_fetcher_serves_static_files():
    css = STATIC_DIR / "pdf" / "print.css"
    response = StaticFetcher()(css.as_uri())
    assert response.read() == css.read_bytes()
    assert response.content_type == "text/css"


def test_fetcher_serves_the_vendored_fonts():
    font = STATIC_DIR / "fonts/andika/andika-latin-400-normal.woff2"
    response = StaticFetcher()(font.as_uri())
    assert response.read()[:4] == b"wOF2"


@pytest.mark.parametrize(
    "url",
    [
        STATIC_DIR.as_uri() + "/../kiosk/paths.py",
        STATIC_DIR.as_uri() + "/pdf/../../pyproject.toml",
        STATIC_DIR.as_uri() + "/%2e%2e/pyproject.toml",
        "file:///etc/passwd",
        "file://localhost/etc/passwd",
        "file://evil.example/static/pdf/print.css",
        "http://example.com/",
        "https://example.com/style.css",
        "ftp://example.com/file",
        "http://127.0.0.1:9/x.png",
        "data:text/html,<script>alert(1)</script>",
        "data:image/svg+xml,<svg xmlns='http://www.w3.org/2000/svg'/>",
        "javascript:alert(1)",
        STATIC_DIR.as_uri() + "/pdf/no-such-file.css",
        STATIC_DIR.as_uri() + "/pdf/",
        "pdf/print.css",  # relative: WeasyPrint only ever passes absolute URLs
    ],
)
def test_fetcher_refuses_everything_else(url):
    with pytest.raises(FetchRefused):
        StaticFetcher()(url)


def test_fetcher_refuses_symlinks_out_of_the_static_folder(tmp_path):
    static = tmp_path / "static"
    static.mkdir()
    secret = tmp_path / "secret.txt"
    secret.write_text("not for the PDF")
    (static / "inside.css").write_text("p { color: black }")
    (static / "link.css").symlink_to(secret)

    fetcher = StaticFetcher(static)
    assert fetcher((static / "inside.css").as_uri()).read() == b"p { color: black }"
    with pytest.raises(FetchRefused):
        fetcher((static / "link.css").as_uri())


# Guards and helpers ----------------------------------------------------------------------


def test_unknown_copy_or_paper_is_refused():
    with pytest.raises(ValueError, match="copy"):
        render_pdf(samples.no_flags(), "clinician")
    with pytest.raises(ValueError, match="paper"):
        render_pdf(samples.no_flags(paper="A5"), "patient")


def test_page_counter_is_built_from_a_translatable_message():
    assert page_counter_content("Page %(page)s of %(pages)s") == (
        '"Page " counter(page) " of " counter(pages)'
    )
    assert page_counter_content("Página %(page)s de %(pages)s") == (
        '"Página " counter(page) " de " counter(pages)'
    )


def test_css_strings_cannot_break_out():
    quoted = css_string('a "quote" \\ </style> {x}\n')
    assert quoted.startswith('"')
    assert quoted.endswith('"')
    inner = quoted[1:-1]
    assert '"' not in inner.replace("\\22 ", "")
    assert not set("<>{}\n") & set(inner)
