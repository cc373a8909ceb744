"""Who may sign a 2D-Doc: the ANTS Trust Service List and the cached signing certificates.

- The TSL (ETSI TS 102 231 XML) lists each certification authority (AC: FR01, FR03…) with
  its CA certificate and the address where its signing ("leaf") certificates are published.
  A copy ships in ``docproc/twoddoc/trust_bundle/``; ``docproc trust refresh`` may store a newer one in the
  cache directory, which is then preferred when its sequence number is not lower.
- Leaf certificates are not in the TSL. They are fetched by ``docproc trust refresh`` into
  the cache directory (``<AC>_<CERT>.pem``) and only read from there: verification never goes
  to the network.
- FR00 is the specification's test authority, whose private key is public. Its certificate
  0001 ships with docproc, but it is trusted only when ``DOCPROC_TRUST_TEST_2DDOC=1``.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import logging
import os
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from docproc.twoddoc.trust_bundle import BUNDLED_TSL, FR00_TEST_CERT

if (
    TYPE_CHECKING
):  # cryptography is imported where certificates are read: a PDF without a code needs none
    import xml.etree.ElementTree as ET

    from cryptography import x509

log = logging.getLogger(__name__)

#: Environment switch that makes the verifier trust the ANTS test authority FR00.
ENV_TEST = "DOCPROC_TRUST_TEST_2DDOC"
#: Environment variable naming the trust cache directory.
ENV_DIR = "DOCPROC_TRUST_DIR"
TEST_AUTHORITY = "FR00"
TEST_CERTIFICATE = "0001"
#: Certificate id reserved for each authority's own tests (spec §3.3).
RESERVED_TEST_CERTIFICATE = "0000"
CACHED_TSL_NAME = "tsl.xml"
SCHEME_NAME = "FR:2D-Doc"

_NS = {"tsl": "http://uri.etsi.org/02231/v2#"}
_ACTIVE_STATUSES = ("/inaccord", "/granted", "/undersupervision", "/accredited")
_CERT_ID = re.compile(r"[A-Z0-9]{4}")


def default_cache_dir() -> Path:
    raw = os.environ.get(ENV_DIR)
    if raw:
        return Path(raw).expanduser()
    return Path.home() / ".cache" / "docproc" / "trust"


@dataclass(frozen=True)
class Authority:
    """One certification authority of the TSL."""

    id: str
    name: str
    status: str
    ca_certificates: tuple[x509.Certificate, ...]
    publication_uris: tuple[str, ...]

    @property
    def active(self) -> bool:
        return self.status.lower().endswith(_ACTIVE_STATUSES)


@dataclass(frozen=True)
class TrustList:
    sequence: int
    issued: datetime | None
    next_update: datetime | None
    authorities: dict[str, Authority]


def _text(node: ET.Element | None) -> str:
    return (node.text or "").strip() if node is not None else ""


def _when(raw: str) -> datetime | None:
    try:
        return datetime.fromisoformat(raw.replace("Z", "+00:00")) if raw else None
    except ValueError:
        return None


def parse_tsl(data: bytes) -> TrustList:
    """Parse an ANTS 2D-Doc TSL. Raises ValueError when it is not one."""
    import xml.etree.ElementTree as ET  # the TSL only: a code refused on policy never needs it

    from cryptography import x509

    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise ValueError(f"TSL illisible : {exc}") from exc
    info = root.find("tsl:SchemeInformation", _NS)
    if info is None:
        raise ValueError("TSL sans SchemeInformation")
    names = {_text(n) for n in info.findall("tsl:SchemeName/tsl:Name", _NS)}
    if SCHEME_NAME not in names:
        raise ValueError("ce n'est pas la TSL 2D-Doc de l'ANTS")
    try:
        sequence = int(_text(info.find("tsl:TSLSequenceNumber", _NS)) or "0")
    except ValueError as exc:
        raise ValueError("numéro de séquence de TSL invalide") from exc
    authorities: dict[str, Authority] = {}
    for tsp in root.findall("tsl:TrustServiceProviderList/tsl:TrustServiceProvider", _NS):
        ids = [_text(n) for n in tsp.findall("tsl:TSPInformation/tsl:TSPTradeName/tsl:Name", _NS)]
        ac = next((i for i in ids if _CERT_ID.fullmatch(i)), None)
        if ac is None:
            continue
        uris = tuple(
            dict.fromkeys(
                _text(u)
                for u in tsp.findall("tsl:TSPInformation/tsl:TSPInformationURI/tsl:URI", _NS)
                if _text(u)
            )
        )
        for svc in tsp.findall("tsl:TSPServices/tsl:TSPService/tsl:ServiceInformation", _NS):
            certs = []
            for node in svc.findall(
                ".//tsl:ServiceDigitalIdentity/tsl:DigitalId/tsl:X509Certificate", _NS
            ):
                try:
                    der = base64.b64decode("".join(_text(node).split()))
                    certs.append(x509.load_der_x509_certificate(der))
                except (ValueError, binascii.Error):
                    log.warning("certificat illisible dans la TSL pour %s", ac)
            name = _text(svc.find("tsl:ServiceName/tsl:Name", _NS))
            status = _text(svc.find("tsl:ServiceStatus", _NS))
            previous = authorities.get(ac)
            if previous is not None:  # several services for one AC: merge their CAs
                certs = [*previous.ca_certificates, *certs]
                status = status if Authority(ac, "", status, (), ()).active else previous.status
            authorities[ac] = Authority(ac, name, status, tuple(certs), uris)
    info_issue = _when(_text(info.find("tsl:ListIssueDateTime", _NS)))
    info_next = _when(_text(info.find("tsl:NextUpdate/tsl:dateTime", _NS)))
    return TrustList(sequence, info_issue, info_next, authorities)


def certificate_id(cert: x509.Certificate) -> str | None:
    """The 4-character certificate id of a leaf: its subject CN (spec, test certificate)."""
    from cryptography.x509.oid import NameOID

    for attr in cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME):
        value = str(attr.value).strip().upper()
        if _CERT_ID.fullmatch(value):
            return value
    return None


def load_certificates(data: bytes) -> list[x509.Certificate]:
    """Every X.509 certificate found in ``data``: PEM, DER, PKCS#7 (DER or PEM), or DER
    certificates embedded in another envelope (e.g. a multipart answer)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.serialization import pkcs7

    found: list[x509.Certificate] = []
    if b"-----BEGIN CERTIFICATE-----" in data:
        with contextlib.suppress(ValueError):
            found.extend(x509.load_pem_x509_certificates(data))
    if b"-----BEGIN PKCS7-----" in data:
        with contextlib.suppress(ValueError):
            found.extend(pkcs7.load_pem_pkcs7_certificates(data))
    if not found:
        for loader in (x509.load_der_x509_certificate, pkcs7.load_der_pkcs7_certificates):
            try:
                result = loader(data)
            except ValueError:
                continue
            found.extend(result if isinstance(result, list) else [result])
            break
    if not found:
        found.extend(_scan_der(data))
    unique: dict[bytes, x509.Certificate] = {}
    for cert in found:
        unique.setdefault(cert.fingerprint(hashes.SHA256()), cert)
    return list(unique.values())


def _scan_der(data: bytes) -> Iterator[x509.Certificate]:
    """DER certificates embedded in arbitrary bytes (SEQUENCE with a 2-byte length)."""
    from cryptography import x509

    pos = data.find(b"\x30\x82")
    while 0 <= pos < len(data) - 4:
        length = int.from_bytes(data[pos + 2 : pos + 4], "big") + 4
        try:
            cert = x509.load_der_x509_certificate(data[pos : pos + length])
        except ValueError:
            pos = data.find(b"\x30\x82", pos + 1)
            continue
        yield cert
        pos = data.find(b"\x30\x82", pos + length)


def issued_by(leaf: x509.Certificate, ca: x509.Certificate) -> bool:
    from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm

    try:
        leaf.verify_directly_issued_by(ca)
    except (InvalidSignature, UnsupportedAlgorithm, ValueError, TypeError):
        return False
    return True


def valid_on(cert: x509.Certificate, day: date) -> bool:
    return cert.not_valid_before_utc.date() <= day <= cert.not_valid_after_utc.date()


class TrustStore:
    """TSL + cached leaf certificates, read offline.

    ``cache_dir`` defaults to ``$DOCPROC_TRUST_DIR`` or ``~/.cache/docproc/trust``.
    ``allow_test`` forces the FR00 switch; by default it follows ``DOCPROC_TRUST_TEST_2DDOC``
    at each verification, so tests can flip it with the environment.
    """

    def __init__(
        self,
        cache_dir: Path | None = None,
        *,
        tsl_path: Path | None = None,
        allow_test: bool | None = None,
    ) -> None:
        self.cache_dir = Path(cache_dir) if cache_dir is not None else default_cache_dir()
        self._tsl_path = tsl_path
        self._allow_test = allow_test
        self._tsl: TrustList | None = None
        self._leaves: dict[tuple[str, str], x509.Certificate] = {}
        self._test_cert: x509.Certificate | None = None
        self._lock = threading.Lock()

    # -- policy -----------------------------------------------------------------------
    @property
    def test_authority_trusted(self) -> bool:
        if self._allow_test is not None:
            return self._allow_test
        return os.environ.get(ENV_TEST, "").strip() == "1"

    # -- TSL --------------------------------------------------------------------------
    @property
    def tsl(self) -> TrustList:
        if self._tsl is None:
            with self._lock:
                if self._tsl is None:
                    self._tsl = self._load_tsl()
        return self._tsl

    def _load_tsl(self) -> TrustList:
        if self._tsl_path is not None:
            return parse_tsl(Path(self._tsl_path).read_bytes())
        bundled = parse_tsl(BUNDLED_TSL.read_bytes())
        cached_path = self.cache_dir / CACHED_TSL_NAME
        if cached_path.is_file():
            try:
                cached = parse_tsl(cached_path.read_bytes())
            except (OSError, ValueError) as exc:
                log.warning("TSL en cache ignorée (%s)", exc)
            else:
                if cached.sequence >= bundled.sequence:
                    return cached
        return bundled

    def authority(self, authority_id: str) -> Authority | None:
        return self.tsl.authorities.get(authority_id)

    # -- leaf certificates --------------------------------------------------------------
    def test_certificate(self) -> x509.Certificate:
        if self._test_cert is None:
            from cryptography import x509

            self._test_cert = x509.load_pem_x509_certificate(FR00_TEST_CERT.read_bytes())
        return self._test_cert

    def leaf(self, authority_id: str, certificate: str) -> x509.Certificate | None:
        """The cached signing certificate ``certificate`` of ``authority_id``, or None."""
        if authority_id == TEST_AUTHORITY:
            return self.test_certificate() if certificate == TEST_CERTIFICATE else None
        key = (authority_id, certificate)
        if key in self._leaves:
            return self._leaves[key]
        if not (_CERT_ID.fullmatch(authority_id) and _CERT_ID.fullmatch(certificate)):
            return None
        for suffix in (".pem", ".der", ".crt", ".cer"):
            path = self.cache_dir / f"{authority_id}_{certificate}{suffix}"
            if not path.is_file():
                continue
            try:
                certs = load_certificates(path.read_bytes())
            except OSError:
                continue
            for cert in certs:
                if certificate_id(cert) in (certificate, None):
                    self._leaves[key] = cert
                    return cert
        return None

    def cached_leaves(self) -> list[tuple[str, str]]:
        """(authority, certificate id) of every leaf in the cache directory."""
        out = []
        if self.cache_dir.is_dir():
            for path in sorted(self.cache_dir.iterdir()):
                m = re.fullmatch(r"([A-Z0-9]{4})_([A-Z0-9]{4})\.(pem|der|crt|cer)", path.name)
                if m:
                    out.append((m.group(1), m.group(2)))
        return out


_DEFAULT_STORES: dict[Path, TrustStore] = {}
_DEFAULT_LOCK = threading.Lock()


def default_store() -> TrustStore:
    """The process-wide store for the current cache directory (read from the environment)."""
    cache_dir = default_cache_dir()
    with _DEFAULT_LOCK:
        store = _DEFAULT_STORES.get(cache_dir)
        if store is None:
            store = _DEFAULT_STORES[cache_dir] = TrustStore(cache_dir)
        return store
