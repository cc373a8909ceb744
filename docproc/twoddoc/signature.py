"""The 2D-Doc signature (spec §3.5): ECDSA, raw ``r||s``, Base32 without padding.

The signed bytes are the header and message exactly as decoded, up to and excluding US.
The hash follows the curve: SHA-256 for P-256 (the only curve seen on real codes),
SHA-384 for P-384, SHA-512 for P-521.
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # cryptography is imported where a signature is checked or made (start-up time)
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec

#: Raw signature sizes of the specification's table §3.5.2 (bytes).
RAW_SIZES = (64, 96, 132)
_BASE32 = re.compile(r"[A-Z2-7]+")


def _hash_for(curve: ec.EllipticCurve) -> hashes.HashAlgorithm:
    from cryptography.hazmat.primitives import hashes

    if curve.key_size >= 521:
        return hashes.SHA512()
    if curve.key_size >= 384:
        return hashes.SHA384()
    return hashes.SHA256()


def _coord_size(curve: ec.EllipticCurve) -> int:
    return (curve.key_size + 7) // 8


def decode_signature(text: str) -> bytes | None:
    """Base32 text -> raw ``r||s`` bytes; None when it is not a plausible signature."""
    value = text.strip().rstrip("=").upper()
    if not value or not _BASE32.fullmatch(value):
        return None
    try:
        raw = base64.b32decode(value + "=" * (-len(value) % 8))
    except (binascii.Error, ValueError):
        return None
    if len(raw) not in RAW_SIZES:
        return None
    return raw


def encode_signature(raw: bytes) -> str:
    return base64.b32encode(raw).decode("ascii").rstrip("=")


def verify(public_key: ec.EllipticCurvePublicKey, signed: bytes, raw: bytes) -> bool:
    """True when ``raw`` (r||s) is a valid signature of ``signed`` by ``public_key``."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

    size = _coord_size(public_key.curve)
    if len(raw) != 2 * size:
        return False
    r = int.from_bytes(raw[:size], "big")
    s = int.from_bytes(raw[size:], "big")
    try:
        public_key.verify(encode_dss_signature(r, s), signed, ec.ECDSA(_hash_for(public_key.curve)))
    except InvalidSignature:
        return False
    return True


def sign(private_key: ec.EllipticCurvePrivateKey, signed: bytes) -> bytes:
    """Sign ``signed``; returns raw ``r||s`` of the curve's size.

    Deterministic (RFC 6979): the same sample always gets the same code, so regenerating the
    samples does not rewrite files that did not change.
    """
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

    der = private_key.sign(
        signed, ec.ECDSA(_hash_for(private_key.curve), deterministic_signing=True)
    )
    r, s = decode_dss_signature(der)
    size = _coord_size(private_key.curve)
    return r.to_bytes(size, "big") + s.to_bytes(size, "big")
