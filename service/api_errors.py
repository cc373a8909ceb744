"""The API's error body ``{"error": CODE, "message": "…"}`` and its HTTP error codes."""

from __future__ import annotations

from fastapi.responses import JSONResponse

#: HTTP error codes of the contract (§4), kept as they are on the wire: ``{"error": CODE}``.
#: They are not reason codes (``docproc.errors.Reason``, dotted French): another vocabulary.
HTTP_FILE_TOO_LARGE = "file.too_large"
HTTP_FILE_UNSUPPORTED_TYPE = "file.unsupported_type"
HTTP_FILE_EMPTY = "file.empty"


class ApiError(Exception):
    def __init__(
        self, status: int, code: str, message: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(code)
        self.status, self.code, self.message, self.headers = status, code, message, headers


def not_found() -> ApiError:
    return ApiError(404, "not_found", "Ressource introuvable.")


def error_response(
    status: int, code: str, message: str, headers: dict[str, str] | None = None
) -> JSONResponse:
    return JSONResponse({"error": code, "message": message}, status_code=status, headers=headers)


class HouseholdInvalid(ApiError):
    """422 for a household the model refuses, with the path of the faulty value (``field``)."""

    def __init__(self, message: str, field: str | None) -> None:
        super().__init__(422, "household.invalid", message)
        self.field = field
