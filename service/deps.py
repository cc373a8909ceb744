"""FastAPI dependencies: the service state, the API key's client and the role a route needs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from service import auth
from service.api_errors import ApiError
from service.api_keys import Role
from service.auth import Client
from service.backend import Service


def kinds() -> tuple[str, ...]:
    """The kinds a ``kind_hint`` may name: every kind with a spec, then "inconnu"."""
    from docproc.extractors.spec import kinds as spec_kinds

    return (*spec_kinds(), "inconnu")


_bearer = HTTPBearer(auto_error=False, description="Clé d'API (DOCPROC_API_KEYS).")


def get_service(request: Request) -> Service:
    service: Service = request.app.state.service
    return service


def current_client(
    request: Request, _creds: Annotated[HTTPAuthorizationCredentials | None, Security(_bearer)]
) -> Client:
    client = get_service(request).keys.identify(request.headers.get("authorization"))
    if client is None:
        raise ApiError(
            401, "unauthorized", "Clé d'API absente ou invalide.", {"WWW-Authenticate": "Bearer"}
        )
    return client


def role(allowed: frozenset[Role]) -> Callable[..., Client]:
    def check(client: Annotated[Client, Depends(current_client)]) -> Client:
        if client.role not in allowed:
            raise ApiError(403, "forbidden", "Votre rôle ne permet pas cette opération.")
        return client

    return check


Reader = Annotated[Client, Depends(role(auth.CAN_READ))]
Creator = Annotated[Client, Depends(role(auth.CAN_CREATE))]
Uploader = Annotated[Client, Depends(role(auth.CAN_UPLOAD))]
Reextractor = Annotated[Client, Depends(role(auth.CAN_REEXTRACT))]
Declarer = Annotated[Client, Depends(role(auth.CAN_DECLARE))]
Deleter = Annotated[Client, Depends(role(auth.CAN_DELETE))]
Reviewer = Annotated[Client, Depends(role(auth.CAN_REVIEW))]
ReviewReader = Annotated[Client, Depends(role(auth.CAN_SEE_REVIEW))]

ServiceDep = Annotated[Service, Depends(get_service)]
