"""Sessions of the agents' pages: an encrypted, expiring cookie, and CSRF tokens.

The cookie holds the key's name, its role, a CSRF token and an expiry, sealed with AES-GCM
under a key derived (HKDF) from the storage master key: the browser can neither read nor
forge it, and every API process derives the same key. It never holds the API key itself. It is
HttpOnly, SameSite=Strict, Secure when the page is served over HTTPS, and expires after
``SESSION_TTL_S``. The session is checked again against the key ring on every request: a key
removed from the settings ends its sessions.

Every form carries the session's CSRF token; the sign-in form, before any session, carries a
token bound to a short-lived cookie of its own (double submit).
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import secrets
import time
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from starlette.requests import Request
from starlette.responses import Response

from service.auth import Client

SESSION_COOKIE = "docproc_agent"
LOGIN_COOKIE = "docproc_connexion"
SESSION_TTL_S = 8 * 3600
LOGIN_TTL_S = 900
WEB_ROLES = frozenset({"agent", "qa"})


@dataclass(frozen=True)
class WebSession:
    client: Client
    csrf: str
    expires: int


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class SessionSealer:
    def __init__(self, master_key: bytes) -> None:
        key = HKDF(
            algorithm=hashes.SHA256(), length=32, salt=None, info=b"docproc agent web session v1"
        ).derive(master_key)
        self._aead = AESGCM(key)

    def seal(self, payload: dict[str, object], purpose: str) -> str:
        nonce = secrets.token_bytes(12)
        return _b64(
            nonce + self._aead.encrypt(nonce, json.dumps(payload).encode(), purpose.encode())
        )

    def open(self, token: str | None, purpose: str) -> dict[str, object] | None:
        if not token or len(token) > 2048:
            return None
        try:
            raw = _unb64(token)
            data = json.loads(self._aead.decrypt(raw[:12], raw[12:], purpose.encode()))
        except (InvalidTag, ValueError, binascii.Error, json.JSONDecodeError):
            return None
        if not isinstance(data, dict):
            return None
        exp = data.get("e")
        if not isinstance(exp, int) or exp < time.time():
            return None
        return data

    # -- the session ---------------------------------------------------------------------
    def start(self, response: Response, request: Request, client: Client) -> WebSession:
        session = WebSession(client, secrets.token_urlsafe(24), int(time.time()) + SESSION_TTL_S)
        token = self.seal(
            {"n": client.name, "r": client.role, "c": session.csrf, "e": session.expires}, "session"
        )
        _set_cookie(response, request, SESSION_COOKIE, token, SESSION_TTL_S)
        response.delete_cookie(LOGIN_COOKIE, path="/agent")
        return session

    def read(self, request: Request, known: dict[str, Client]) -> WebSession | None:
        data = self.open(request.cookies.get(SESSION_COOKIE), "session")
        if data is None:
            return None
        client = known.get(str(data.get("n")))
        if client is None or client.role != data.get("r") or client.role not in WEB_ROLES:
            return None
        return WebSession(client, str(data.get("c")), int(data["e"]))  # type: ignore[call-overload]

    @staticmethod
    def end(response: Response) -> None:
        response.delete_cookie(SESSION_COOKIE, path="/agent")

    # -- the sign-in form's own CSRF token ------------------------------------------------
    def login_token(self, request: Request) -> tuple[str, str | None]:
        """The sign-in form's token, and the cookie to set when it is a new one."""
        data = self.open(request.cookies.get(LOGIN_COOKIE), "login")
        if data is not None and isinstance(data.get("c"), str):
            return str(data["c"]), None
        token = secrets.token_urlsafe(24)
        return token, self.seal({"c": token, "e": int(time.time()) + LOGIN_TTL_S}, "login")

    @staticmethod
    def set_login_cookie(response: Response, request: Request, sealed: str) -> None:
        _set_cookie(response, request, LOGIN_COOKIE, sealed, LOGIN_TTL_S)

    def login_token_ok(self, request: Request, submitted: str | None) -> bool:
        data = self.open(request.cookies.get(LOGIN_COOKIE), "login")
        return data is not None and csrf_ok(str(data.get("c")), submitted)


def csrf_ok(expected: str | None, submitted: str | None) -> bool:
    if not expected or not submitted:
        return False
    return hmac.compare_digest(expected.encode(), submitted.encode())


def _set_cookie(response: Response, request: Request, name: str, value: str, max_age: int) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path="/agent",
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )
