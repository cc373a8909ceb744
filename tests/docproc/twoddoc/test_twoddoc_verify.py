"""Verification rules: tampering, trust policy, production trust path, trust refresh."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import load_pem_private_key, pkcs7

from docproc.twoddoc import (
    TrustStore,
    build_payload,
    contract_fields,
    parse_and_verify,
    refresh_trust_cache,
)
from docproc.twoddoc.c40 import GS, US
from docproc.twoddoc.signature import encode_signature, sign
from tests.docproc.twoddoc.twoddoc_samples import (
    FR04_ANONYMISED,
    SPECIMEN_FIELDS,
    make_ca,
    make_leaf,
    tsl_xml,
)

SIGNED_ON = date(2025, 9, 1)
TODAY = date(2025, 10, 1)


def _build(key: bytes, **kwargs: object) -> str:
    options: dict = {"issue_date": None, "signature_date": SIGNED_ON, "key_pem": key, **kwargs}
    fields = options.pop("fields", SPECIMEN_FIELDS)
    return build_payload(fields, **options)


def _sign_text(text: str, key_pem: bytes) -> str:
    key = load_pem_private_key(key_pem, password=None)
    return text + US + encode_signature(sign(key, text.encode("ascii")))  # type: ignore[arg-type]


# -- FR00-signed codes -------------------------------------------------------------------------


def test_built_code_verifies_under_the_test_switch(fr00_key: bytes, trust_fr00: None) -> None:
    doc = parse_and_verify(_build(fr00_key), today=TODAY)
    assert doc.valid_signature is True
    assert doc.fields == SPECIMEN_FIELDS
    assert (doc.doc_type, doc.signature_date, doc.issue_date) == ("28", SIGNED_ON, None)


def test_one_character_changed_after_signing_fails(fr00_key: bytes, trust_fr00: None) -> None:
    payload = _build(fr00_key)
    tampered = payload.replace("4163198", "4113198", 1)
    assert tampered != payload
    doc = parse_and_verify(tampered, today=TODAY)
    assert doc.valid_signature is False
    assert doc.reason_code == "twoddoc.signature_invalide"
    assert doc.fields["41"] == "13198"
    assert doc.to_contract([])["reason"].startswith("La signature du code 2D-Doc ne correspond pas")


def test_changed_header_or_signature_fails(fr00_key: bytes, trust_fr00: None) -> None:
    payload = _build(fr00_key)
    later = payload.replace("2801FR", "0401FR", 1)  # claims another document type
    assert parse_and_verify(later, today=TODAY).reason_code == "twoddoc.signature_invalide"
    head, signature = payload.split(US)
    flipped = head + US + ("A" if signature[0] != "A" else "B") + signature[1:]
    assert parse_and_verify(flipped, today=TODAY).reason_code == "twoddoc.signature_invalide"


def test_annex_is_never_trusted(fr00_key: bytes, trust_fr00: None) -> None:
    with_annex = _build(fr00_key) + GS + "41999999" + GS + "46FAUX NOM"
    doc = parse_and_verify(with_annex, today=TODAY)
    assert doc.valid_signature is True
    assert doc.fields == SPECIMEN_FIELDS


def test_truncated_value_is_flagged_and_signed(fr00_key: bytes, trust_fr00: None) -> None:
    long_name = "DE LA FONTAINE DU GRAND CHATEAU MARIE CHRISTINE"
    doc = parse_and_verify(
        _build(fr00_key, fields={**SPECIMEN_FIELDS, "46": long_name}), today=TODAY
    )
    assert doc.valid_signature is True
    assert doc.truncated == frozenset({"46"})
    assert doc.fields["46"] == long_name[:38]
    declarant_1 = contract_fields(doc)["declarants"][0]
    assert "identite" not in declarant_1 and declarant_1["numero_fiscal"] == "3001123456789"


def test_unknown_identifier_kept_raw(fr00_key: bytes, trust_fr00: None) -> None:
    fields = {"44": "2278012345678", "9Z": "QUELQUE CHOSE", "45": "2021", "41": "63198"}
    doc = parse_and_verify(_build(fr00_key, fields=fields), today=TODAY)
    assert doc.valid_signature is True
    assert doc.fields == fields
    assert doc.unknown_identifiers == frozenset({"9Z"})


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"certificate": "0000"}, "twoddoc.certificat_de_test"),
        ({"authority": "FR99"}, "twoddoc.autorite_inconnue"),
        ({"authority": "FR04", "certificate": "0000"}, "twoddoc.certificat_de_test"),
        ({"doc_type": "01"}, "twoddoc.type_non_pris_en_charge"),
        ({"signature_date": date(2025, 12, 25)}, "twoddoc.date_signature_future"),
    ],
)
def test_policy_rejections(kwargs: dict, code: str, fr00_key: bytes, trust_fr00: None) -> None:
    doc = parse_and_verify(_build(fr00_key, **kwargs), today=TODAY)
    assert doc.valid_signature is False
    assert doc.reason_code == code
    assert doc.reason and doc.reason[0].isupper() and doc.reason.endswith(".")
    assert doc.fields == SPECIMEN_FIELDS  # parsed all the same


def test_unknown_fr04_certificate_is_not_verifiable_offline(fr00_key: bytes) -> None:
    doc = parse_and_verify(_build(fr00_key, authority="FR04", certificate="ZZ99"), today=TODAY)
    assert doc.valid_signature is None
    assert doc.reason_code == "twoddoc.non_verifiable_hors_ligne"
    assert doc.to_contract([])["valid_signature"] is False


@pytest.mark.parametrize(
    ("header", "code"),
    [
        ("DC04FR000001FFFF23F02802FR", "twoddoc.perimetre_non_pris_en_charge"),
        ("DC04FR000001FFFF23F02801BE", "twoddoc.pays_non_pris_en_charge"),
        ("DC04FR000001FFFFFFFF2801FR", "twoddoc.date_signature_absente"),
    ],
)
def test_header_policy(header: str, code: str, fr00_key: bytes, trust_fr00: None) -> None:
    doc = parse_and_verify(_sign_text(header + "4163198", fr00_key), today=TODAY)
    assert (doc.valid_signature, doc.reason_code) == (False, code)


def test_missing_or_unreadable_signature(trust_fr00: None) -> None:
    head = "DC04FR000001FFFF23F02801FR4163198"
    assert parse_and_verify(head, today=TODAY).reason_code == "twoddoc.signature_absente"
    assert parse_and_verify(head + US, today=TODAY).reason_code == "twoddoc.signature_absente"
    assert (
        parse_and_verify(head + US + "NOT-BASE32!", today=TODAY).reason_code
        == "twoddoc.signature_illisible"
    )
    assert (
        parse_and_verify(head + US + "ABCDEFGH", today=TODAY).reason_code
        == "twoddoc.signature_illisible"
    )


# -- production trust path, with a PKI and a TSL of our own ------------------------------------


@pytest.fixture(scope="module")
def pki() -> dict:
    ca = make_ca("FR09")
    other_ca = make_ca("FR98")
    leaf, leaf_key = make_leaf(ca, "AB12", not_before=date(2024, 1, 1), not_after=date(2026, 1, 1))
    stranger, stranger_key = make_leaf(other_ca, "CD34")
    fpe3, _ = make_leaf(ca, "FPE3", not_before=date(2021, 1, 1), not_after=date(2024, 1, 1))
    return {
        "ca": ca,
        "other_ca": other_ca,
        "leaf": leaf,
        "leaf_key": leaf_key,
        "stranger": stranger,
        "stranger_key": stranger_key,
        "fpe3": fpe3,
    }


def _cache(
    tmp_path: Path,
    pki: dict,
    *,
    sequence: int = 99,
    status: str | None = None,
    leaves: dict[str, object] | None = None,
) -> TrustStore:
    cache = tmp_path / "cache"
    cache.mkdir(exist_ok=True)
    authorities = [
        ("FR09", pki["ca"][0], "http://127.0.0.1/none"),
        ("FR04", pki["ca"][0], "http://127.0.0.1/none"),
    ]
    extra = {"status": status} if status else {}
    (cache / "tsl.xml").write_bytes(tsl_xml(sequence, authorities, **extra))
    for name, cert in (leaves or {}).items():
        (cache / f"{name}.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))  # type: ignore[attr-defined]
    return TrustStore(cache)


def test_production_code_verifies_against_tsl_and_cached_leaf(tmp_path: Path, pki: dict) -> None:
    store = _cache(tmp_path, pki, leaves={"FR09_AB12": pki["leaf"]})
    doc = parse_and_verify(
        _build(pki["leaf_key"], authority="FR09", certificate="AB12"), trust=store, today=TODAY
    )
    assert doc.valid_signature is True, doc.reason
    assert doc.to_contract([])["authority"] == "FR09"


def test_production_code_without_cached_leaf_is_not_verifiable(tmp_path: Path, pki: dict) -> None:
    store = _cache(tmp_path, pki)
    doc = parse_and_verify(
        _build(pki["leaf_key"], authority="FR09", certificate="AB12"), trust=store, today=TODAY
    )
    assert (doc.valid_signature, doc.reason_code) == (None, "twoddoc.non_verifiable_hors_ligne")


def test_leaf_not_issued_by_the_tsl_ca_is_refused(tmp_path: Path, pki: dict) -> None:
    store = _cache(tmp_path, pki, leaves={"FR09_CD34": pki["stranger"]})
    doc = parse_and_verify(
        _build(pki["stranger_key"], authority="FR09", certificate="CD34"), trust=store, today=TODAY
    )
    assert (doc.valid_signature, doc.reason_code) == (False, "twoddoc.certificat_non_reconnu")


def test_signature_date_outside_leaf_validity_is_refused(tmp_path: Path, pki: dict) -> None:
    store = _cache(tmp_path, pki, leaves={"FR09_AB12": pki["leaf"]})
    payload = _build(
        pki["leaf_key"], authority="FR09", certificate="AB12", signature_date=date(2026, 3, 1)
    )
    doc = parse_and_verify(payload, trust=store, today=date(2026, 4, 1))
    assert (doc.valid_signature, doc.reason_code) == (False, "twoddoc.date_signature_hors_validite")
    assert "01/03/2026" in (doc.reason or "")


def test_withdrawn_authority_is_refused(tmp_path: Path, pki: dict) -> None:
    store = _cache(
        tmp_path,
        pki,
        status="http://uri.etsi.org/TrstSvc/Svcstatus/withdrawn",
        leaves={"FR09_AB12": pki["leaf"]},
    )
    doc = parse_and_verify(
        _build(pki["leaf_key"], authority="FR09", certificate="AB12"), trust=store, today=TODAY
    )
    assert (doc.valid_signature, doc.reason_code) == (False, "twoddoc.autorite_inactive")


def test_older_cached_tsl_is_ignored(tmp_path: Path, pki: dict) -> None:
    store = _cache(tmp_path, pki, sequence=3, leaves={"FR09_AB12": pki["leaf"]})
    doc = parse_and_verify(
        _build(pki["leaf_key"], authority="FR09", certificate="AB12"), trust=store, today=TODAY
    )
    assert (doc.valid_signature, doc.reason_code) == (False, "twoddoc.autorite_inconnue")
    assert store.tsl.sequence == 22  # the bundled ANTS list


def test_fr04_anonymised_signature_fails_once_a_certificate_is_known(
    tmp_path: Path, pki: dict
) -> None:
    store = _cache(tmp_path, pki, leaves={"FR04_FPE3": pki["fpe3"]})
    doc = parse_and_verify(FR04_ANONYMISED, trust=store, today=TODAY)
    assert (doc.valid_signature, doc.reason_code) == (False, "twoddoc.signature_invalide")


def test_bundled_tsl_lists_the_ants_authorities() -> None:
    store = TrustStore(Path("/nonexistent-docproc-cache"))
    assert store.tsl.sequence == 22
    assert set(store.tsl.authorities) == {"FR01", "FR03", "FR04", "FR05", "FR06", "FR07"}
    fr04 = store.authority("FR04")
    assert fr04 is not None and fr04.active and fr04.ca_certificates
    assert fr04.publication_uris == ("http://pki-g2.ariadnext.fr/pki-2ddoc.der",)
    assert store.authority("FR00") is None


# -- docproc trust refresh, against a local HTTP server ----------------------------------------


@pytest.fixture
def http_server() -> Iterator[tuple[str, dict[str, bytes]]]:
    routes: dict[str, bytes] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            body = routes.get(self.path)
            self.send_response(200 if body is not None else 404)
            self.end_headers()
            if body is not None:
                self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", routes
    finally:
        server.shutdown()
        server.server_close()


def test_refresh_fetches_tsl_and_leaves(
    tmp_path: Path, pki: dict, http_server: tuple[str, dict[str, bytes]]
) -> None:
    base, routes = http_server
    routes["/tsl.xml"] = tsl_xml(
        99,
        [
            ("FR09", pki["ca"][0], f"{base}/fr09.p7b"),
            ("FR08", pki["other_ca"][0], f"{base}/missing.der"),
        ],
    )
    routes["/fr09.p7b"] = pkcs7.serialize_certificates(
        [pki["leaf"], pki["stranger"]], serialization.Encoding.DER
    )
    cache = tmp_path / "refreshed"
    count = refresh_trust_cache(cache, tsl_url=f"{base}/tsl.xml", timeout=5)
    assert count == 1  # the stranger is not issued by FR09's CA; FR08's address is a 404
    assert sorted(p.name for p in cache.iterdir()) == ["FR09_AB12.pem", "tsl.xml"]
    doc = parse_and_verify(
        _build(pki["leaf_key"], authority="FR09", certificate="AB12"),
        trust=TrustStore(cache),
        today=TODAY,
    )
    assert doc.valid_signature is True
