"""The declared household checked against the model, and the dossier fed to the eligibility engine."""

from __future__ import annotations

from datetime import date
from typing import Any

from service.api_errors import ApiError, HouseholdInvalid
from service.db import Dossier, Job, StoredFile
from service.views import dossier_status


def household_schema() -> dict[str, Any]:
    """The household model's JSON schema (one model for the CLI, the engine and the API)."""
    try:
        from docproc.eligibility.foyer import schema_foyer
    except ImportError:  # pragma: no cover - engine not installed
        return {"type": "object"}
    schema = schema_foyer()
    schema["required"] = [k for k in schema.get("required", []) if k != "date_demande"]
    return schema


def validate_household(body: Any, request_date: date) -> None:
    """422 with the model's precise French message and the field path for an invalid household."""
    if not isinstance(body, dict):
        raise ApiError(422, "household.invalid", "Le foyer doit être un objet JSON (format §5).")
    try:
        from docproc.eligibility.erreurs_foyer import HouseholdError
        from docproc.eligibility.foyer import valider_foyer
    except ImportError:  # pragma: no cover - engine not installed
        return
    try:
        valider_foyer({"date_demande": request_date.isoformat(), **body})
    except HouseholdError as exc:
        raise HouseholdInvalid(str(exc), exc.chemin) from None


def _safe_detail(exc: Exception) -> str | None:
    """The engine's own message, only when it cannot carry a value from the household."""
    text = str(exc)
    if not text or len(text) > 200 or any(ch.isdigit() for ch in text):
        return None
    return text


def evaluate_dossier(
    dossier: Dossier,
    files: list[StoredFile],
    jobs: list[Job],
    documents: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """Feed the declared household and the extracted documents to the eligibility engine
    (``documents``: the agents' overlay applied; the stored result when None)."""
    if dossier.household is None:
        raise ApiError(
            409,
            "household.missing",
            "Aucun foyer n'a été déclaré pour ce dossier : envoyez-le avec "
            "PUT /dossiers/{id}/household avant de demander l'éligibilité.",
        )
    try:
        from docproc.eligibility import evaluate
        from docproc.eligibility.feed import household_from_documents
    except ImportError as exc:
        raise ApiError(503, "unavailable", "Le moteur d'éligibilité n'est pas disponible.") from exc
    if documents is None:
        documents = (dossier.result or {}).get("documents", [])
    try:
        beneficiaires = {
            key: f.beneficiaire for f in files if f.beneficiaire for key in (f.name, f.id)
        }
        household, warnings = household_from_documents(
            dossier.household, documents, dossier.request_date, beneficiaires
        )
        out: dict[str, Any] = dict(evaluate(household))
    except (ValueError, KeyError, TypeError) as exc:
        if hasattr(exc, "chemin"):  # HouseholdError: a precise French message that echoes no value
            raise HouseholdInvalid(str(exc), exc.chemin) from exc
        detail = _safe_detail(exc)
        raise ApiError(
            422,
            "household.invalid",
            "Le foyer déclaré est invalide ou incomplet" + (f" : {detail}" if detail else "."),
        ) from exc
    notes = list(warnings)
    if dossier_status(dossier, files, jobs) == "processing":
        notes.append(
            {
                "code": "dossier.traitement_en_cours",
                "message": "Des documents sont encore en cours de lecture : la décision pourra changer.",
            }
        )
    out["avertissements"] = notes
    return out
