"""Picking the patient's language out of content texts, and interface strings.

Interface strings go through ``gettext`` (``_`` in templates) so that they can
be translated with message catalogues; content texts carry every language in
the data files and are picked with ``local``.
"""

from __future__ import annotations

from collections.abc import Mapping


def local(text: Mapping[str, str] | None, language: str, fallback: str = "en") -> str:
    if not text:
        return ""
    return text.get(language) or text.get(fallback) or next(iter(text.values()))


def gettext(message: str, **params: object) -> str:
    return message % params if params else message


def ngettext(singular: str, plural: str, number: int, **params: object) -> str:
    return gettext(singular if number == 1 else plural, num=number, **params)
