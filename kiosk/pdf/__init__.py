"""The printed summaries: a SummaryDocument in, PDF bytes out.

``render_summary(document, copy)`` is the one entry point; ``copy`` is
``"patient"`` (take-home, in the patient's language) or ``"staff"``.

WeasyPrint (and with it Pango) is imported on first use only, so that
importing ``kiosk.pdf.document`` stays cheap for the rest of the app.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .document import AnswerGroup, AnswerLine, Clinic, SummaryDocument

if TYPE_CHECKING:
    from .render import COPIES, render_html, render_summary

_LAZY = ("COPIES", "render_html", "render_summary")

__all__ = [
    "COPIES",
    "AnswerGroup",
    "AnswerLine",
    "Clinic",
    "SummaryDocument",
    "render_html",
    "render_summary",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        from . import render

        return getattr(render, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
