"""The booking-page QR code, as inline SVG markup (no image file, no data: URL)."""

from __future__ import annotations

import segno
from markupsafe import Markup


def qr_svg(url: str, label: str) -> Markup:
    """Inline ``<svg>`` for ``url``; ``label`` becomes its ``<title>``.

    The markup is built by segno (which escapes the title), so it is marked
    safe here and nowhere else: templates never use ``|safe``.
    """
    code = segno.make(url, error="m", micro=False)
    svg = code.svg_inline(
        scale=1,
        border=4,  # the quiet zone scanners need
        omitsize=True,  # sized by print.css through the viewBox
        title=label,
        svgclass="qr-code",
        lineclass=None,
        dark="#000",
        light="#fff",
    )
    return Markup(svg)
