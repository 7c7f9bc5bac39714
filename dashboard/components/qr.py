"""QR codes drawn locally (the signing link never leaves the app to be rendered elsewhere)."""

from __future__ import annotations

import io

import qrcode


def qr_png(text: str, *, box_size: int = 6) -> bytes:
    image = qrcode.make(text, box_size=box_size, border=2)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()
