"""The API's request and response models (issue 13, point 6), so that a client can be generated
from ``/openapi.json``. They describe what is on the wire and keep every extra key (the §3
objects grow by addition): ``extra="allow"`` everywhere a contract object may gain keys.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from docproc.errors import size_fr
from docproc.settings import get_settings

_OPEN = ConfigDict(extra="allow")


class ErrorBody(BaseModel):
    """Every error: a stable code and one French sentence; never an echo of the request."""

    error: str = Field(description="Code stable de l'erreur.", examples=["not_found"])
    message: str = Field(description="Une phrase en français.", examples=["Ressource introuvable."])

    model_config = ConfigDict(
        json_schema_extra={"example": {"error": "not_found", "message": "Ressource introuvable."}}
    )


class HouseholdErrorBody(ErrorBody):
    field: str | None = Field(
        None, description="Chemin de la valeur fautive du foyer.", examples=["membres[0].age"]
    )


_ERROR_TEXT = {
    400: "Envoi interrompu.",
    401: "Clé d'API absente ou invalide.",
    403: "Le rôle de la clé ne permet pas cette opération.",
    404: "Ressource introuvable (ou dossier d'un autre client).",
    409: "Conflit avec l'état du dossier.",
    413: "Fichier trop gros ({limit} au plus).",
    415: "Type de fichier non accepté.",
    422: "Requête invalide.",
    503: "Service momentanément indisponible.",
}


def upload_limit_fr() -> str:
    """The upload limit of the settings (``DOCPROC_MAX_BYTES``) in French, for the OpenAPI texts."""
    return size_fr(get_settings().max_bytes)


def errors(*codes: int, household: bool = False) -> dict[int | str, dict[str, Any]]:
    """The ``responses`` of a route: the error body for each listed status."""
    out: dict[int | str, dict[str, Any]] = {}
    for code in codes:
        model = HouseholdErrorBody if household and code == 422 else ErrorBody
        text = _ERROR_TEXT.get(code, "Erreur.").format(limit=upload_limit_fr())
        out[code] = {"model": model, "description": text}
    return out


AUTH = (401, 403)


# -- dossiers -----------------------------------------------------------------------------------


class DossierCreate(BaseModel):
    request_date: str | None = Field(
        None,
        description="Date de la demande CSS (AAAA-MM-JJ) ; par défaut aujourd'hui.",
        examples=["2025-10-01"],
    )


class DossierCreated(BaseModel):
    model_config = _OPEN
    id: str = Field(examples=["3f2b8c0e9d7a4b1c8e6f5a4d3c2b1a09"])
    request_date: str = Field(examples=["2025-10-01"])


class DossierSummary(BaseModel):
    """One line of the list (and of the agents' queue)."""

    model_config = _OPEN
    id: str
    created_at: str | None
    updated_at: str | None = None
    status: str | None = Field(
        None, description="empty, processing, complete, failed, needs_review, reviewed."
    )
    documents: int | None = Field(None, description="Nombre de documents lus.")
    documents_to_review: int | None = None
    kinds: list[str] | None = None


class DossierList(BaseModel):
    dossiers: list[DossierSummary]
    counts: dict[str, int] | None = Field(
        None,
        description="Dossiers par statut (filtres kind et "
        "created_since appliqués, pas le statut ni le curseur).",
    )
    next_cursor: str | None = Field(
        None, description="À repasser dans « cursor » pour la suite ; null à la fin."
    )

    model_config = ConfigDict(
        extra="allow",
        json_schema_extra={
            "example": {
                "dossiers": [
                    {
                        "id": "3f2b8c0e9d7a4b1c8e6f5a4d3c2b1a09",
                        "created_at": "2025-10-01T08:00:00Z",
                        "updated_at": "2025-10-01T08:01:00Z",
                        "status": "needs_review",
                        "documents": 1,
                        "documents_to_review": 1,
                        "kinds": ["avis_impot_revenu"],
                    }
                ],
                "counts": {"needs_review": 1},
                "next_cursor": None,
            }
        },
    )


class DossierView(BaseModel):
    """Contract §3/§4: files, documents (each with its stable ``id``), jobs."""

    model_config = _OPEN
    id: str
    status: str
    request_date: str
    created_at: str | None
    updated_at: str | None
    files: list[dict[str, Any]]
    documents: list[dict[str, Any]]
    jobs: list[dict[str, Any]]
    household_declared: bool


class JobAccepted(BaseModel):
    model_config = _OPEN
    job_id: str
    dossier_id: str


class UploadAccepted(JobAccepted):
    file_id: str
    duplicate: bool

    model_config = ConfigDict(
        extra="allow",
        json_schema_extra={
            "example": {
                "job_id": "9c1d…",
                "file_id": "47ab…",
                "dossier_id": "3f2b…",
                "duplicate": False,
            }
        },
    )


class JobView(BaseModel):
    model_config = _OPEN
    job_id: str
    status: Literal["queued", "started", "finished", "failed"]
    dossier_id: str
    file_id: str | None
    kind: str
    reason: str | None
    message: str | None
    attempts: int
    created_at: str | None
    started_at: str | None
    finished_at: str | None


class HouseholdView(BaseModel):
    model_config = _OPEN
    id: str
    household: dict[str, Any]


class Eligibility(BaseModel):
    """§5 output of the eligibility engine, plus ``avertissements``."""

    model_config = _OPEN


class Health(BaseModel):
    model_config = _OPEN
    status: str | None = None
    database: str
    redis: str


# -- review (issue 13) -------------------------------------------------------------------------


class FieldCorrection(BaseModel):
    value: Any = Field(..., description="La valeur, du type du champ dans la spécification.")
    reason: str = Field(..., min_length=1, max_length=1000, description="Motif de la correction.")

    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "value": 25123,
                "reason": "RFR illisible sur le scan, lu sur l'original présenté au guichet.",
            }
        }
    )


class DecisionRequest(BaseModel):
    status: Literal["accepted", "rejected"]
    reason: str = Field(..., min_length=1, max_length=1000)

    model_config = ConfigDict(
        json_schema_extra={"example": {"status": "accepted", "reason": "Avis complet et lisible."}}
    )


class AuditRow(BaseModel):
    id: str
    seq: int
    document_id: str
    action: Literal["correction", "decision"]
    field: str | None
    old_value: Any
    new_value: Any
    reason: str
    author: str = Field(description="Nom de la clé d'API de l'agent.")
    at: str | None


class AuditList(BaseModel):
    dossier_id: str
    entries: list[AuditRow]


class ReviewResult(BaseModel):
    """The document as it reads now (overlay applied) and the audit row written."""

    dossier_id: str
    document: dict[str, Any]
    audit: AuditRow
