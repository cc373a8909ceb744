"""Uploads: one file per request, streamed, capped at DOCPROC_MAX_BYTES (2 Mo), sniffed, stored encrypted, queued."""

from __future__ import annotations

import time
from typing import Any

import anyio
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import parse_options_header

from docproc.errors import Reason, size_message
from service import logs
from service.api_errors import (
    HTTP_FILE_EMPTY,
    HTTP_FILE_TOO_LARGE,
    HTTP_FILE_UNSUPPORTED_TYPE,
    ApiError,
)
from service.auth import Client
from service.backend import Service
from service.deps import ServiceDep, Uploader, kinds
from service.httpguard import UploadSlots
from service.multipart import (
    DRAIN_MAX,
    FIELD_MAX,
    FORM_OVERHEAD,
    BadForm,
    Body,
    ClientGone,
    FormReader,
    TooLarge,
    Unsupported,
)
from service.schemas import AUTH, UploadAccepted, errors, upload_limit_fr

router = APIRouter(tags=["dossiers"])


def _upload_openapi() -> dict[str, Any]:
    return {
        "requestBody": {
            "required": True,
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "required": ["file"],
                        "properties": {
                            "file": {
                                "type": "string",
                                "format": "binary",
                                "description": f"Un fichier (PDF, JPEG, PNG, TIFF, HEIC, WebP), {upload_limit_fr()} au plus.",
                            },
                            "beneficiaire": {"type": "string", "maxLength": FIELD_MAX},
                            "kind_hint": {"type": "string", "enum": list(kinds())},
                        },
                    }
                }
            },
        },
    }


@router.post(
    "/dossiers/{dossier_id}/files",
    status_code=202,
    summary=f"Déposer un fichier (multipart, champ « file », {upload_limit_fr()} au plus)",
    openapi_extra=_upload_openapi(),
    response_model=UploadAccepted,
    responses=errors(*AUTH, 400, 404, 413, 415, 422),
)
async def upload(
    dossier_id: str, request: Request, service: ServiceDep, client: Uploader
) -> JSONResponse:
    started = time.perf_counter()
    outcome = "error"
    slots: UploadSlots = request.app.state.upload_slots
    try:
        with slots.hold(client.name):  # concurrent uploads, in total and per key (httpguard)
            response = await _upload(service, dossier_id, request, client)
        outcome = "accepted" if response.status_code == 202 else str(response.status_code)
        return response
    except ApiError as exc:
        outcome = exc.code
        raise
    finally:
        service.uploads.observe(outcome, time.perf_counter() - started)


async def _upload(
    service: Service, dossier_id: str, request: Request, client: Client
) -> JSONResponse:
    def checks() -> None:
        service.check_visible(client, dossier_id)
        service.check_worker()  # cached: a Redis round trip once a second at most

    await anyio.to_thread.run_sync(checks)
    content_type, params = parse_options_header(request.headers.get("content-type", ""))
    boundary = params.get(b"boundary")
    if content_type != b"multipart/form-data" or not boundary:
        raise ApiError(
            422, "invalid_form", "Envoyez le fichier en multipart/form-data (champ « file »)."
        )
    cap = service.settings.max_upload_bytes
    too_large = ApiError(413, HTTP_FILE_TOO_LARGE, size_message(cap))
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > cap + FORM_OVERHEAD:
        # Refused on the declared size: nothing of the body is read.
        raise ApiError(413, too_large.code, too_large.message, {"Connection": "close"})
    reader = FormReader(boundary, cap)
    try:
        return await _receive(service, dossier_id, request, client, reader)
    finally:
        reader.release()


async def _receive(
    service: Service, dossier_id: str, request: Request, client: Client, reader: FormReader
) -> JSONResponse:
    cap = service.settings.max_upload_bytes
    too_large = ApiError(413, HTTP_FILE_TOO_LARGE, size_message(cap))
    stream = Body(request)
    received = 0
    try:
        async for chunk in stream.chunks():
            received += len(chunk)
            if received > cap + FORM_OVERHEAD:
                raise TooLarge()
            reader.parser.write(chunk)
    except TooLarge:
        raise await _refuse(stream, too_large) from None
    except Unsupported as exc:
        raise await _refuse(
            stream,
            ApiError(
                415,
                HTTP_FILE_UNSUPPORTED_TYPE,
                f"Ce type de fichier n'est pas accepté ({exc.what}) : envoyez un PDF ou une photo "
                "(JPEG, PNG, TIFF, HEIC).",
            ),
        ) from None
    except BadForm as exc:
        raise await _refuse(stream, ApiError(422, "invalid_form", exc.message)) from None
    except MultipartParseError:
        raise await _refuse(
            stream, ApiError(422, "invalid_form", "Formulaire multipart invalide.")
        ) from None
    except ClientGone:
        raise ApiError(400, "request.incomplete", "Envoi interrompu avant la fin.") from None
    if not reader.done:
        raise ApiError(422, "invalid_form", "Formulaire multipart incomplet.")
    if reader.filename is None:
        raise ApiError(422, "invalid_form", "Le champ « file » est obligatoire.")
    if not reader.file:
        raise ApiError(422, HTTP_FILE_EMPTY, Reason.empty.message)
    if reader.media_type is None:
        raise ApiError(415, HTTP_FILE_UNSUPPORTED_TYPE, Reason.unsupported_type.message)
    kind_hint = reader.fields.get("kind_hint") or None
    if kind_hint is not None and kind_hint not in kinds():
        raise ApiError(
            422, "invalid_form", "kind_hint doit être l'un de : " + ", ".join(kinds()) + "."
        )
    beneficiaire = reader.fields.get("beneficiaire") or None
    file_id, job_id, duplicate = await anyio.to_thread.run_sync(
        service.accept_upload,
        client,
        dossier_id,
        reader.filename,
        bytes(reader.file),
        reader.media_type,
        beneficiaire,
        kind_hint,
    )
    logs.note(job_id=job_id)  # on the request's log line
    return JSONResponse(
        {"job_id": job_id, "file_id": file_id, "dossier_id": dossier_id, "duplicate": duplicate},
        status_code=202,
        headers={"Location": f"/jobs/{job_id}"},
    )


async def _refuse(stream: Body, error: ApiError) -> ApiError:
    complete = await stream.drain(DRAIN_MAX)
    return ApiError(
        error.status, error.code, error.message, None if complete else {"Connection": "close"}
    )
