"""The two PDFs (the patient's copy and the staff copy): a PdfDocument in,
PDF bytes out.

``render_pdf(document, copy)`` is the one entry point; ``copy`` is
``"patient"`` (take-home, in the patient's language) or ``"staff"``.

WeasyPrint (and with it Pango) is imported on first use only, so that
importing ``kiosk.core.pdf.document`` stays cheap for the rest of the app.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kiosk.core.pdf.document import AnswerGroup, AnswerLine, Clinic, PdfDocument

if TYPE_CHECKING:
    from kiosk.core.pdf.render import render_html, render_pdf

_LAZY = ("render_html", "render_pdf")

__all__ = [
    "AnswerGroup",
    "AnswerLine",
    "Clinic",
    "PdfDocument",
    "render_html",
    "render_pdf",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        from kiosk.core.pdf import render

        return getattr(render, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
