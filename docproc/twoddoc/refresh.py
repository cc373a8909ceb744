"""``docproc trust refresh``: fetch the ANTS TSL and the authorities' signing certificates.

This is the only module of the package that uses the network, and only when called by
hand or by a scheduled job, never while processing uploads. What it stores:

- ``<cache>/tsl.xml``: the live TSL, when it parses as the ANTS 2D-Doc list and its
  sequence number is not lower than the bundled one;
- ``<cache>/<AC>_<CERT>.pem``: each signing certificate published at the authority's
  address in the TSL that was issued by the authority's CA, named by its subject CN (the
  4-character certificate id of the codes).

Authorities publish their leaves as a DER certificate, a PKCS#7 bundle or a multipart
answer; all are read by :func:`docproc.twoddoc.trust.load_certificates`.
"""

from __future__ import annotations

import logging
import os
import tempfile
import urllib.request
from pathlib import Path

from cryptography.hazmat.primitives.serialization import Encoding

from docproc.twoddoc.trust_bundle import BUNDLED_TSL

from .trust import (
    CACHED_TSL_NAME,
    Authority,
    TrustList,
    certificate_id,
    issued_by,
    load_certificates,
    parse_tsl,
)

log = logging.getLogger(__name__)

#: Live ANTS TSL (as given by ANTS and the public implementations).
TSL_URL = "https://pub.ants.gouv.fr/2D-DOC/V1/PRD/01_TSL/tsl_signed.xml"
_MAX_BYTES = 10 * 1024 * 1024
_USER_AGENT = "docproc-trust-refresh/1"


def _fetch(url: str, timeout: float) -> bytes:
    if not url.lower().startswith(("http://", "https://")):
        raise ValueError(f"adresse non prise en charge : {url}")
    request = urllib.request.Request(url, headers={"User-Agent": _USER_AGENT})
    with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
        data: bytes = response.read(_MAX_BYTES + 1)
    if len(data) > _MAX_BYTES:
        raise ValueError(f"réponse trop volumineuse : {url}")
    return data


def _write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _refresh_tsl(cache_dir: Path, tsl_url: str, timeout: float) -> TrustList:
    bundled = parse_tsl(BUNDLED_TSL.read_bytes())
    try:
        data = _fetch(tsl_url, timeout)
        live = parse_tsl(data)
    except (OSError, ValueError) as exc:
        log.warning("TSL non mise à jour (%s) ; la copie livrée est conservée", exc)
        return bundled
    if live.sequence < bundled.sequence:
        log.warning(
            "TSL distante plus ancienne (séquence %d < %d) ignorée", live.sequence, bundled.sequence
        )
        return bundled
    _write_atomic(cache_dir / CACHED_TSL_NAME, data)
    log.info("TSL séquence %d enregistrée", live.sequence)
    return live


def _refresh_authority(cache_dir: Path, authority: Authority, timeout: float) -> int:
    stored = 0
    for uri in authority.publication_uris:
        try:
            certs = load_certificates(_fetch(uri, timeout))
        except (OSError, ValueError) as exc:
            log.warning("certificats de %s non récupérés depuis %s (%s)", authority.id, uri, exc)
            continue
        for cert in certs:
            cert_id = certificate_id(cert)
            if cert_id is None:
                continue
            if not any(issued_by(cert, ca) for ca in authority.ca_certificates):
                log.info(
                    "certificat %s ignoré : non délivré par la CA de %s", cert_id, authority.id
                )
                continue
            _write_atomic(
                cache_dir / f"{authority.id}_{cert_id}.pem", cert.public_bytes(Encoding.PEM)
            )
            stored += 1
    return stored


def refresh_trust_cache(cache_dir: Path, *, tsl_url: str = TSL_URL, timeout: float = 30.0) -> int:
    """Fetch the TSL and every listed authority's signing certificates into ``cache_dir``.

    Returns the number of signing certificates stored. Network errors are logged per
    authority and do not stop the others.
    """
    cache_dir = Path(cache_dir)
    cache_dir.mkdir(parents=True, exist_ok=True)
    tsl = _refresh_tsl(cache_dir, tsl_url, timeout)
    total = 0
    for authority in tsl.authorities.values():
        if authority.active:
            total += _refresh_authority(cache_dir, authority, timeout)
    return total
