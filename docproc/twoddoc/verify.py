"""Parse a decoded 2D-Doc payload and decide whether its signature can be trusted.

Order of the checks (spec §5.1, adapted to offline processing):

1. structure: header, message, signature present and readable (garbage raises
   :class:`TwoDDocError`; a missing or unreadable signature is a verdict);
2. policy: supported tax document type, ANTS perimeter, France;
3. authority: FR00 only under ``DOCPROC_TRUST_TEST_2DDOC=1``, never certificate 0000,
   otherwise listed and active in the TSL;
4. signing certificate in the local cache (else "not verifiable offline", None);
5. certificate issued by the TSL's CA for that authority;
6. signature date present, not in the future, and within the validity of the signing
   certificate and of its CA (the FR00 test certificate expired in 2015 but signs every
   example of the specification, so it is exempt);
7. ECDSA signature over header + message, up to and excluding US.

Revocation is not checked (no CRL/OCSP offline).
"""

from __future__ import annotations

from datetime import date, timedelta

from docproc.errors import Reason

from . import signature as sig
from .c40 import is_payload_char, normalise
from .header import Header, parse_header
from .identifiers import ANTS_PERIMETER, FRANCE, IDENTIFIERS, SUPPORTED_TYPES
from .message import Message, parse_message, split_payload
from .model import TwoDDoc
from .payload_errors import TwoDDocError
from .trust import (
    RESERVED_TEST_CERTIFICATE,
    TEST_AUTHORITY,
    TrustStore,
    default_store,
    issued_by,
    valid_on,
)

#: Longest payload read (a 144x144 DataMatrix holds at most 1558 text characters).
MAX_PAYLOAD = 4000


def _french(day: date | None) -> str:
    return day.strftime("%d/%m/%Y") if day else "?"


def parse(payload: str) -> tuple[Header, Message, str, str | None]:
    """Structure only: (header, message, signed text, signature text or None)."""
    if not isinstance(payload, str):
        raise TwoDDocError(
            Reason.twoddoc_caracteres_invalides, "la charge utile n'est pas du texte"
        )
    text = normalise(payload)
    if not text:
        raise TwoDDocError(Reason.twoddoc_vide)
    if len(text) > MAX_PAYLOAD:
        raise TwoDDocError(Reason.twoddoc_message_invalide, "charge utile trop longue")
    header = parse_header(text)
    zone, signature, _annex = split_payload(text, header.length)
    if not all(is_payload_char(c) for c in zone):
        raise TwoDDocError(Reason.twoddoc_caracteres_invalides)
    return header, _parse_zone(zone), text[: header.length] + zone, signature


def _unknown(message: Message) -> int:
    return sum(1 for di in message.fields if di not in IDENTIFIERS)


def _parse_zone(zone: str) -> Message:
    """Spec reading first; if it fails or meets unknown DIs, also try reading variable values
    up to their separator only (encoders that overrun a maximum length) and keep the
    reading with fewer unknown DIs."""
    try:
        strict: Message | None = parse_message(zone)
    except TwoDDocError:
        strict = None
    if strict is not None and _unknown(strict) == 0:
        return strict
    try:
        lenient = parse_message(zone, strict_lengths=False)
    except TwoDDocError:
        if strict is None:
            raise
        return strict
    if strict is None or _unknown(lenient) < _unknown(strict):
        return lenient
    return strict


def _verdict(
    header: Header, signed: str, signature: str | None, trust: TrustStore, today: date
) -> tuple[bool | None, Reason | None]:
    """(valid_signature, reason code) — reason code None when verified."""
    if signature is None or not signature.strip():
        return False, Reason.twoddoc_signature_absente
    raw = sig.decode_signature(signature)
    if raw is None:
        return False, Reason.twoddoc_signature_illisible
    if header.doc_type not in SUPPORTED_TYPES:
        return False, Reason.twoddoc_type_non_pris_en_charge
    if header.perimeter is not None and header.perimeter != ANTS_PERIMETER:
        return False, Reason.twoddoc_perimetre_non_pris_en_charge
    if header.country is not None and header.country != FRANCE:
        return False, Reason.twoddoc_pays_non_pris_en_charge
    is_test = header.authority == TEST_AUTHORITY
    if is_test and not trust.test_authority_trusted:
        return False, Reason.twoddoc_autorite_de_test
    if header.certificate == RESERVED_TEST_CERTIFICATE:
        return False, Reason.twoddoc_certificat_de_test
    authority = None
    if not is_test:
        authority = trust.authority(header.authority)
        if authority is None:
            return False, Reason.twoddoc_autorite_inconnue
        if not authority.active:
            return False, Reason.twoddoc_autorite_inactive
    leaf = trust.leaf(header.authority, header.certificate)
    if leaf is None:
        return None, Reason.twoddoc_non_verifiable_hors_ligne
    if authority is not None:
        issuers = [ca for ca in authority.ca_certificates if issued_by(leaf, ca)]
        if not issuers:
            return False, Reason.twoddoc_certificat_non_reconnu
    else:
        issuers = []
    if header.signature_date is None:
        return False, Reason.twoddoc_date_signature_absente
    if header.signature_date > today + timedelta(days=1):
        return False, Reason.twoddoc_date_signature_future
    if not is_test and not (
        valid_on(leaf, header.signature_date)
        and any(valid_on(ca, header.signature_date) for ca in issuers)
    ):
        return False, Reason.twoddoc_date_signature_hors_validite
    from cryptography.hazmat.primitives.asymmetric import ec  # only once a signature is checked

    public_key = leaf.public_key()
    if not isinstance(public_key, ec.EllipticCurvePublicKey):
        return False, Reason.twoddoc_algorithme_non_pris_en_charge
    if not sig.verify(public_key, signed.encode("ascii"), raw):
        return False, Reason.twoddoc_signature_invalide
    return True, None


def parse_and_verify(
    payload: str, *, trust: TrustStore | None = None, today: date | None = None
) -> TwoDDoc:
    """Parse ``payload`` (the decoded DataMatrix text) and verify its signature offline.

    Raises :class:`TwoDDocError` only when the structure cannot be decoded (not a 2D-Doc,
    unreadable header or message). Every other problem is a verdict in the result.
    """
    try:
        header, message, signed, signature = parse(payload)
    except TwoDDocError:
        raise
    except Exception as exc:  # defensive: garbage must never escape as anything else
        raise TwoDDocError(Reason.twoddoc_message_invalide, type(exc).__name__) from exc
    store = trust if trust is not None else default_store()
    valid, code = _verdict(header, signed, signature, store, today or date.today())
    reason = None
    if code is not None:
        reason = code.text(
            authority=header.authority,
            certificate=header.certificate,
            doc_type=header.doc_type,
            perimeter=header.perimeter or "",
            country=header.country or "",
            signature_date=_french(header.signature_date),
        )
    return TwoDDoc(
        version=header.version,
        authority=header.authority,
        certificate=header.certificate,
        doc_type=header.doc_type,
        perimeter=header.perimeter,
        country=header.country,
        issue_date=header.issue_date,
        signature_date=header.signature_date,
        fields=dict(message.fields),
        truncated=message.truncated,
        valid_signature=valid,
        reason=reason,
        reason_code=code.value if code is not None else None,
        unknown_identifiers=frozenset(di for di in message.fields if di not in IDENTIFIERS),
    )
