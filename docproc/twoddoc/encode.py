"""Build, sign and draw 2D-Docs — for the sample generator and the tests.

Codes built here use a C40 v04 header and an ECDSA signature over header + message, exactly
as ANTS codes do. Signed with the published FR00 test key they verify only under
``DOCPROC_TRUST_TEST_2DDOC=1``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

import numpy as np
import zxingcpp
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import load_pem_private_key
from PIL import Image

from .c40 import GS, RS, US, encode_date
from .identifiers import ANTS_PERIMETER, DI_PATTERN, FRANCE, lookup
from .signature import encode_signature, sign

#: Quiet zone drawn around the symbol, in modules (the ECC200 minimum is 1).
QUIET_ZONE_MODULES = 4
_ID_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")


def _check_id(name: str, value: str, size: int) -> None:
    if len(value) != size or not set(value) <= _ID_CHARS:
        raise ValueError(f"{name} invalide : {value!r} ({size} caractères [A-Z0-9] attendus)")


def build_message(fields: Mapping[str, str]) -> str:
    """DI + value blocks in the given order (spec §3.4.1).

    Fixed-length values must have their exact length. A variable value longer than its
    DI's maximum is cut and ended with RS (truncation); otherwise it ends with GS, except
    the last one.
    """
    items = list(fields.items())
    parts: list[str] = []
    for index, (di, value) in enumerate(items):
        if not DI_PATTERN.fullmatch(di):
            raise ValueError(f"identifiant de donnée invalide : {di!r}")
        if not all(" " <= c <= "~" for c in value):
            raise ValueError(f"caractère non autorisé dans la donnée {di}")
        spec = lookup(di)
        last = index == len(items) - 1
        if spec is not None and spec.fixed:
            if len(value) != spec.max_len:
                raise ValueError(f"la donnée {di} doit faire {spec.max_len} caractères")
            parts.append(di + value)
        elif spec is not None and spec.max_len is not None and len(value) > spec.max_len:
            parts.append(di + value[: spec.max_len] + RS)
        else:
            parts.append(di + value + ("" if last else GS))
    return "".join(parts)


def build_payload(
    fields: Mapping[str, str],
    *,
    doc_type: str = "28",
    authority: str = "FR00",
    certificate: str = "0001",
    issue_date: date | None,
    signature_date: date,
    key_pem: bytes,
) -> str:
    """A complete signed C40 v04 payload: header + message + US + Base32 signature.

    ``issue_date`` None writes FFFF (tax notices are not dated in the header).
    """
    _check_id("autorité", authority, 4)
    _check_id("certificat", certificate, 4)
    if not DI_PATTERN.fullmatch(doc_type):
        raise ValueError(f"type de document invalide : {doc_type!r}")
    key = load_pem_private_key(key_pem, password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise ValueError("la clé de signature doit être une clé ECDSA")
    header = (
        "DC04"
        + authority
        + certificate
        + encode_date(issue_date)
        + encode_date(signature_date)
        + doc_type
        + ANTS_PERIMETER
        + FRANCE
    )
    signed = header + build_message(fields)
    return signed + US + encode_signature(sign(key, signed.encode("ascii")))


def render_datamatrix(payload: str, *, module_px: int = 4) -> Image.Image:
    """A square ECC200 DataMatrix of ``payload`` (grayscale), quiet zone included."""
    if module_px < 1:
        raise ValueError("module_px doit être positif")
    barcode = zxingcpp.create_barcode(payload, zxingcpp.BarcodeFormat.DataMatrix, forceSquare=True)
    modules = np.asarray(barcode.to_image(scale=1, add_quiet_zones=False), dtype=np.uint8)
    pad = QUIET_ZONE_MODULES
    padded = np.pad(modules, pad, mode="constant", constant_values=255)
    scaled = np.kron(padded, np.ones((module_px, module_px), dtype=np.uint8))
    return Image.fromarray(np.ascontiguousarray(scaled))
