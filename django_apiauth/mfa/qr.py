"""QR codes of the ``otpauth_uri`` with ``qrcode``: inline SVG, and PNG (pure-Python ``pypng``) as a data URI.

Both are made in memory for the one response that shows the secret; nothing is written anywhere.
"""

from __future__ import annotations

import base64
import io
from typing import cast

import qrcode
from django.views.decorators.debug import sensitive_variables
from qrcode.image.pure import PyPNGImage
from qrcode.image.svg import SvgPathImage

# Error correction M and a few pixels per module: readable on a phone screen, small in a JSON body.
_BOX_SIZE = 6


def _make(data: str, factory: type[SvgPathImage] | type[PyPNGImage]) -> object:
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=_BOX_SIZE, border=4)
    qr.add_data(data)
    qr.make(fit=True)
    return qr.make_image(image_factory=factory)


# Every variable of every frame below too: the image encodes the otpauth URI, secret included.
@sensitive_variables()
def qr_svg(data: str) -> str:
    """An ``<svg>`` element (no XML declaration) ready to be placed in a page."""
    image = cast(SvgPathImage, _make(data, SvgPathImage))
    return image.to_string(encoding="unicode")


@sensitive_variables()
def qr_png_data_uri(data: str) -> str:
    """``data:image/png;base64,...`` usable as an ``<img src>``."""
    image = cast(PyPNGImage, _make(data, PyPNGImage))
    buffer = io.BytesIO()
    image.save(buffer)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")
