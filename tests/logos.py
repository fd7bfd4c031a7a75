"""Logo files for the branding tests, made here rather than kept as binaries."""

from __future__ import annotations

import io
import struct
import zlib

SVG_LOGO = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="240" height="60" viewBox="0 0 240 60">'
    '<rect width="240" height="60" rx="8" fill="#7a1f5c"/>'
    '<circle cx="30" cy="30" r="18" fill="#ffffff"/>'
    '<text x="60" y="40" font-size="26" fill="#ffffff">Riverside</text></svg>'
)


def png_logo(width: int = 240, height: int = 60, colour: str = "#7a1f5c") -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(buffer, format="PNG")
    return buffer.getvalue()


def png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims ``width`` by ``height`` pixels."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        checksum = struct.pack(">I", zlib.crc32(kind + data))
        return struct.pack(">I", len(data)) + kind + data + checksum

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b""))
        + chunk(b"IEND", b"")
    )
