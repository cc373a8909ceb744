"""The API's error body ``{"error": CODE, "message": "…"}`` and the job reasons' French messages."""

from __future__ import annotations

from fastapi.responses import JSONResponse

REASON_MESSAGES: dict[str, str] = {
    "file.timeout": "La lecture du fichier a pris trop de temps et a été interrompue.",
    "file.resource_limit": "Le fichier demande trop de ressources pour être lu (fichier piégé ou trop complexe).",
    "extraction.internal": "Une erreur interne est survenue pendant la lecture du fichier.",
    "worker.abandoned": "Le traitement a été interrompu à plusieurs reprises ; le fichier ne peut pas être lu.",
    "infra.database": "Incident technique temporaire (base de données) : le traitement sera relancé.",
    "infra.redis": "Incident technique temporaire (file d'attente) : le traitement sera relancé.",
    "infra.storage": "Incident technique temporaire (stockage) : le traitement sera relancé.",
    "infra.injected": "Incident technique simulé : le traitement sera relancé.",
    "dossier.busy": "En attente : un autre fichier du dossier est en cours de lecture.",
}


class ApiError(Exception):
    def __init__(
        self, status: int, code: str, message: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(code)
        self.status, self.code, self.message, self.headers = status, code, message, headers


def not_found() -> ApiError:
    return ApiError(404, "not_found", "Ressource introuvable.")


def reason_message(reason: str | None) -> str | None:
    if reason is None:
        return None
    if reason in REASON_MESSAGES:
        return REASON_MESSAGES[reason]
    try:
        from docproc.errors import MESSAGES, Reason

        return MESSAGES[Reason(reason)]
    except (ImportError, ValueError, KeyError):
        return "Le fichier n'a pas pu être traité."


def error_response(
    status: int, code: str, message: str, headers: dict[str, str] | None = None
) -> JSONResponse:
    return JSONResponse({"error": code, "message": message}, status_code=status, headers=headers)


class HouseholdInvalid(ApiError):
    """422 for a household the model refuses, with the path of the faulty value (``field``)."""

    def __init__(self, message: str, field: str | None) -> None:
        super().__init__(422, "household.invalid", message)
        self.field = field
