"""Where the app may send a browser back to: its own pages only."""

from __future__ import annotations


def local_path(target: str | None, *, under: str = "/") -> str | None:
    """``target`` when it is a path on this site starting with ``under``, else None.

    Browsers read ``//host/x`` and ``/\\host/x`` as another site, so neither
    passes, wherever the doubled slash or backslash is. Nor does a control
    character (CR, LF, ...): no page's address holds one, and it cannot go in
    a ``Location`` header.
    """
    if not target or not target.startswith(under) or not target.startswith("/"):
        return None
    if any(ord(c) < 32 or c == "\x7f" for c in target):
        return None
    if "//" in target or "\\" in target:
        return None
    return target
