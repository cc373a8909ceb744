"""The review's pure parts (no server): document ids, the spec's types, the overlay, sessions."""

from __future__ import annotations

import time
from typing import Any

import pytest

from service.api_errors import ApiError
from service.review_overlay import ReviewState, annotate, document_id, overlay, validate_value


def _doc(**extra: Any) -> dict[str, Any]:
    return {
        "kind": "avis_impot_revenu",
        "status": "accepted",
        "pages": [
            {"file_id": "f1", "page": 1, "number": 1, "of": 2},
            {"file_id": "f1", "page": 2, "number": 2, "of": 2},
        ],
        "fields": {"revenu_fiscal_reference": 25123, "nombre_parts": 1.0},
        "provenance": {
            "revenu_fiscal_reference": {
                "source": "ocr",
                "page": 1,
                "confidence": 0.9,
                "bbox": [0.1, 0.2, 0.3, 0.25],
                "file_bbox": [0.15, 0.22, 0.33, 0.28],
            }
        },
        "missing_fields": {"situation_famille": "illisible"},
        "checks": [],
        **extra,
    }


def test_document_id_is_stable_and_depends_on_pages_and_kind() -> None:
    a = _doc()
    b = _doc()
    b["pages"] = list(reversed(b["pages"]))
    assert document_id(a) == document_id(b)
    assert document_id(a) != document_id(_doc(kind="asdir"))
    c = _doc()
    c["pages"] = c["pages"][:1]
    assert document_id(a) != document_id(c)


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("revenu_fiscal_reference", 12000, 12000),
        ("montant_impot", -250, -250),
        ("nombre_parts", 2.5, 2.5),
        ("nombre_parts", 2, 2.0),
        ("situation_famille", "o", "O"),
        ("reference_avis", "25 75 A123456 78", "2575A12345678"),
        ("date_mise_en_recouvrement", "2025-07-31", "2025-07-31"),
        ("annee_revenus", 2024, 2024),
        ("adresse", "  1 RUE  DE LA PAIX ", "1 RUE DE LA PAIX"),
        (
            "revenus",
            [{"categorie": "salaires", "declarant": 1, "montant": 100}],
            [{"categorie": "salaires", "declarant": 1, "montant": 100}],
        ),
    ],
)
def test_values_of_the_spec_types(name: str, value: Any, expected: Any) -> None:
    assert validate_value("avis_impot_revenu", name, value) == expected


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("revenu_fiscal_reference", "12000"),
        ("revenu_fiscal_reference", True),
        ("revenu_fiscal_reference", 1.5),
        ("nombre_parts", 2.3),
        ("nombre_parts", 0),
        ("situation_famille", "X"),
        ("reference_avis", "ABC"),
        ("date_mise_en_recouvrement", "31/07/2025"),
        ("annee_revenus", 3024),
        ("personnes_a_charge", -1),
        ("revenus", [{"categorie": "loterie", "montant": 1}]),
        ("revenus", "salaires"),
        ("adresse", ""),
        ("_nf1", "0123456789012"),
        ("inconnu", 1),
        ("revenu_fiscal_reference", None),
    ],
)
def test_values_refused(name: str, value: Any) -> None:
    with pytest.raises(ApiError) as err:
        validate_value("avis_impot_revenu", name, value)
    assert err.value.status == 422


def test_choice_and_flag_fields() -> None:
    assert validate_value("attestation_rsa", "organisme", "CAF") == "CAF"
    with pytest.raises(ApiError):
        validate_value("attestation_rsa", "organisme", "POLE EMPLOI")
    assert validate_value("asdir", "valant_avis_impot", True) is True
    with pytest.raises(ApiError):
        validate_value("asdir", "valant_avis_impot", "oui")


def test_overlay_keeps_the_stored_result_and_flags_a_new_machine_reading() -> None:
    stored = [_doc()]
    doc_id = document_id(stored[0])
    state = ReviewState(
        corrections={
            (doc_id, "revenu_fiscal_reference"): {
                "value": 26000,
                "machine_value": 25123,
                "reason": "r",
                "author": "agent",
                "at": "2025-10-01T00:00:00Z",
            },
            (doc_id, "situation_famille"): {
                "value": "C",
                "machine_value": None,
                "reason": "r",
                "author": "agent",
                "at": None,
            },
        },
        decisions={doc_id: {"status": "rejected", "reason": "r", "author": "agent", "at": None}},
    )
    [out] = annotate(overlay(stored, state))
    assert stored[0]["fields"]["revenu_fiscal_reference"] == 25123  # untouched
    assert out["id"] == doc_id
    prov = out["provenance"]["revenu_fiscal_reference"]
    assert out["fields"]["revenu_fiscal_reference"] == 26000 and prov["source"] == "agent"
    assert prov["machine_value"] == 25123 and prov["bbox"] == [0.1, 0.2, 0.3, 0.25]
    assert prov["file_bbox"] == [0.15, 0.22, 0.33, 0.28]  # the photo's box stays drawn
    assert prov["disagreement"] and not prov["machine_changed"]
    assert "situation_famille" not in out["missing_fields"]
    assert out["status"] == "rejected" and out["machine_status"] == "accepted"
    assert out["review"] == {"needs_review": False, "reasons": []}
    assert not any(c["code"] == "agent.desaccord" for c in out["checks"])
    # A re-extraction reads yet another value: flagged.
    stored[0]["fields"]["revenu_fiscal_reference"] = 25999
    [again] = overlay(stored, state)
    assert again["fields"]["revenu_fiscal_reference"] == 26000
    assert again["provenance"]["revenu_fiscal_reference"]["machine_value"] == 25999
    assert any(
        c["code"] == "agent.desaccord" and c["data"] == {"field": "revenu_fiscal_reference"}
        for c in again["checks"]
    )
    # Without reveal (the pipeline), the machine's values.
    [plain] = overlay(stored, state, reveal=False)
    assert plain["fields"]["revenu_fiscal_reference"] == 25999 and "decision" not in plain


def test_needs_review_reasons() -> None:
    [doc] = annotate(overlay([_doc(status="needs_review")], None))
    assert doc["review"]["needs_review"]
    assert {"statut", "champ_obligatoire_manquant"} <= set(doc["review"]["reasons"])
    failing = _doc(
        checks=[{"code": "annee.avis", "level": "critical", "ok": False, "message": "m"}]
    )
    [doc] = annotate(overlay([failing], None))
    assert "controle_bloquant" in doc["review"]["reasons"]


def test_session_cookie_is_sealed_and_expires() -> None:
    from service.websession import SessionSealer

    sealer = SessionSealer(b"k" * 32)
    token = sealer.seal({"n": "agent", "e": int(time.time()) + 60}, "session")
    assert sealer.open(token, "session") is not None
    assert sealer.open(token, "login") is None  # bound to its purpose
    assert (
        sealer.open(token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1], "session") is None
    )
    assert SessionSealer(b"x" * 32).open(token, "session") is None
    expired = sealer.seal({"n": "agent", "e": int(time.time()) - 1}, "session")
    assert sealer.open(expired, "session") is None
    assert "agent" not in token


def test_agent_page_draws_a_photos_box_where_it_is_on_the_photo() -> None:
    """The agent sees the file's own pixels: an OCR'd photo's value is framed at its
    ``file_bbox`` (on the photo), not at its ``bbox`` (on the flattened page OCR read)."""
    from service.agent_context import document_context

    doc = {
        "kind": "avis_impot_revenu",
        "pages": [{"file_id": "f" * 32, "page": 1, "number": 1, "of": 1}],
        "fields": {"revenu_fiscal_reference": 54439, "nombre_parts": 3.0},
        "provenance": {
            "revenu_fiscal_reference": {
                "source": "ocr",
                "page": 1,
                "bbox": [0.86, 0.56, 0.92, 0.57],
                "label_bbox": [0.52, 0.56, 0.72, 0.57],
                "file_bbox": [0.7, 0.5, 0.8, 0.52],
                "file_label_bbox": [0.4, 0.5, 0.6, 0.52],
            },
            "nombre_parts": {"source": "text", "page": 1, "bbox": [0.89, 0.58, 0.92, 0.59]},
        },
    }
    boxes = document_context("d" * 32, doc, 100)["pages"][0]["boxes"]
    where = {(b["field"], b["kind"]): (b["left"], b["top"]) for b in boxes}
    assert where[("revenu_fiscal_reference", "valeur")] == (70.0, 50.0)
    assert where[("revenu_fiscal_reference", "libelle")] == (40.0, 50.0)
    assert where[("nombre_parts", "valeur")] == (89.0, 58.0)  # a text page: its only box
