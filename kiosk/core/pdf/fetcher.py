"""The only way WeasyPrint may read anything: files under the project's static/ folder.

Everything else is refused by raising :class:`FetchRefused` (WeasyPrint then
skips the resource and logs a warning): ``http``, ``https``, ``ftp``, ``data:``
URLs, ``file://`` URLs outside static/, ``..`` tricks and symlinks that point
out of it. The printed summaries never need the network, and a patient's text
must never make the server read a file.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

from weasyprint.urls import URLFetcher, URLFetcherResponse

from kiosk.core.paths import STATIC_DIR

# Types Python's mimetypes may not know on every system.
_TYPES = {
    ".css": "text/css",
    ".svg": "image/svg+xml",
    ".woff2": "font/woff2",
    ".woff": "font/woff",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
}


class FetchRefused(ValueError):
    """WeasyPrint asked for something outside the static folder."""


def static_base_url(static_dir: Path = STATIC_DIR) -> str:
    """The base URL of the rendered HTML: relative references such as
    ``pdf/print.css`` (and ``../fonts/...`` inside it) resolve to files under
    ``static_dir``, which the fetcher then serves."""
    return Path(static_dir).resolve().as_uri() + "/"


class StaticFetcher(URLFetcher):
    """A WeasyPrint URL fetcher that serves only regular files under ``static_dir``."""

    def __init__(self, static_dir: Path = STATIC_DIR, also: tuple[Path, ...] = ()):
        # No protocol handler of the parent class is ever used: fetch() below
        # replaces its opener entirely.
        super().__init__(allowed_protocols=("file",), allow_redirects=False)
        self.root = Path(static_dir).resolve()
        # Single files outside it that may be read too: the clinic's logo.
        self.also = frozenset(Path(path).resolve() for path in also)

    def resolve(self, url: str) -> Path:
        """The file under the static folder that ``url`` names, or FetchRefused."""
        parts = urlsplit(url)
        if parts.scheme.lower() != "file":
            raise FetchRefused(f"only files under static/ may be fetched, not {_short(url)}")
        if parts.netloc not in ("", "localhost"):
            raise FetchRefused(f"remote file URL refused: {_short(url)}")
        try:
            # url2pathname decodes %2e%2e and friends; resolve() then removes
            # every ".." and follows every symlink before the check.
            path = Path(url2pathname(parts.path)).resolve(strict=True)
        except (OSError, ValueError, RuntimeError) as exc:
            raise FetchRefused(f"no such static file: {_short(url)}") from exc
        if not path.is_relative_to(self.root) and path not in self.also:
            raise FetchRefused(f"outside the static folder: {_short(url)}")
        if not path.is_file():
            raise FetchRefused(f"not a file: {_short(url)}")
        return path

    def fetch(self, url: str, headers: dict | None = None) -> URLFetcherResponse:
        path = self.resolve(url)
        content_type = _TYPES.get(path.suffix.lower()) or (
            mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        )
        return URLFetcherResponse(
            path.as_uri(), path.read_bytes(), headers={"Content-Type": content_type}
        )


def _short(url: str) -> str:
    """The start of a URL, for error messages (a data: URL can be megabytes long)."""
    return url if len(url) <= 120 else url[:117] + "..."
