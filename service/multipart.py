"""Request bodies read as they stream in: the multipart upload form and small JSON bodies.

Uploads do not go through Starlette's form parser (it spools the whole body before the handler
runs): the multipart body is parsed while it streams in, the 2 Mo cap is counted on the file's
bytes as they arrive, and the type is sniffed from the first bytes.
"""

from __future__ import annotations

import json
import re
import time
import unicodedata
from collections.abc import AsyncIterator
from typing import Any

import anyio
from fastapi import Request
from python_multipart.multipart import MultipartParser, parse_options_header

from docproc.intake import describe, sniff
from service.api_errors import ApiError
from service.httpguard import BodyLimits, too_slow

#: Room for the multipart envelope and the small text fields around the file.
FORM_OVERHEAD = 64 * 1024
FIELD_MAX = 1024
JSON_MAX = 256 * 1024
#: Deepest nesting of arrays/objects a JSON body may have (a household is 4 levels deep).
JSON_MAX_DEPTH = 64
#: After a 413/415, the rest of a body this size is read and thrown away so the client gets
#: the answer (rather than a reset connection); a larger body is cut off.
DRAIN_MAX = 8 * 1024 * 1024


class TooLarge(Exception):
    pass


class BadForm(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class Unsupported(Exception):
    def __init__(self, what: str) -> None:
        super().__init__(what)
        self.what = what


def _clean_name(raw: bytes | None) -> str:
    text = (raw or b"").decode("utf-8", errors="replace")
    text = text.replace("\\", "/").rsplit("/", 1)[-1]
    text = "".join(
        ch for ch in unicodedata.normalize("NFC", text) if unicodedata.category(ch)[0] != "C"
    )
    text = text.strip().lstrip(".")[:200]
    return text or "fichier"


class FormReader:
    """Streaming multipart/form-data reader for one ``file`` part and small text fields."""

    def __init__(self, boundary: bytes, max_file: int) -> None:
        self.max_file = max_file
        self.file = bytearray()
        self.filename: str | None = None
        self.media_type: str | None = None
        self.fields: dict[str, str] = {}
        self._headers: dict[bytes, bytes] = {}
        self._hname = bytearray()
        self._hvalue = bytearray()
        self._part: str | None = None
        self._buf = bytearray()
        self._files_seen = 0
        self.done = False
        self.parser = MultipartParser(
            boundary,
            {
                "on_part_begin": self._begin,
                "on_header_field": lambda d, s, e: self._hname.extend(d[s:e]),
                "on_header_value": lambda d, s, e: self._hvalue.extend(d[s:e]),
                "on_header_end": self._header_end,
                "on_headers_finished": self._headers_done,
                "on_part_data": self._data,
                "on_part_end": self._end,
                "on_end": self._finish,
            },
        )

    def _begin(self) -> None:
        self._headers, self._part, self._buf = {}, None, bytearray()

    def _header_end(self) -> None:
        self._headers[bytes(self._hname).lower()] = bytes(self._hvalue)
        self._hname.clear()
        self._hvalue.clear()

    def _headers_done(self) -> None:
        disposition, params = parse_options_header(self._headers.get(b"content-disposition", b""))
        name = params.get(b"name")
        if disposition != b"form-data" or not name:
            raise BadForm("Partie de formulaire sans nom.")
        self._part = name.decode("utf-8", errors="replace")
        if self._part == "file":
            self._files_seen += 1
            if self._files_seen > 1:
                raise BadForm("Un seul fichier par envoi (champ « file »).")
            self.filename = _clean_name(params.get(b"filename"))
        elif len(self.fields) >= 8:
            raise BadForm("Trop de champs dans le formulaire.")

    def _data(self, data: bytes, start: int, end: int) -> None:
        size = end - start
        if self._part == "file":
            if len(self.file) + size > self.max_file:
                raise TooLarge()
            first = len(self.file) < 1024
            self.file.extend(data[start:end])
            if first and len(self.file) >= 1024:
                self._sniff()
        else:
            if len(self._buf) + size > FIELD_MAX:
                raise BadForm(f"Le champ « {self._part} » est trop long.")
            self._buf.extend(data[start:end])

    def _end(self) -> None:
        if self._part == "file":
            if self.media_type is None and self.file:
                self._sniff()
        elif self._part is not None:
            self.fields[self._part] = self._buf.decode("utf-8", errors="replace").strip()
        self._part = None

    def _sniff(self) -> None:
        media_type = sniff(bytes(self.file[:1024]))
        if media_type is None:
            raise Unsupported(describe(bytes(self.file[:16])))
        self.media_type = media_type

    def _finish(self) -> None:
        self.done = True

    def release(self) -> None:
        """Drop the received bytes now: the parser's callbacks make a reference cycle, which
        alone would keep up to 2 Mo per request alive until the cyclic GC runs (issue 12:
        uploads cut off mid-body must give their memory back at once)."""
        self.parser = None  # type: ignore[assignment]
        self.file = bytearray()
        self._buf = bytearray()


class Body:
    """The request body read message by message, remembering whether it was read to the end.

    A client too slow (``httpguard.BodyLimits``: idle gap, whole-body deadline, minimum
    average rate) gets 408 ``request.timeout`` and its connection is closed."""

    def __init__(self, request: Request, limits: BodyLimits | None = None) -> None:
        self.request = request
        self.complete = False
        self.disconnected = False
        if limits is None:
            service = getattr(request.app.state, "service", None)
            limits = (
                BodyLimits.from_settings(service.settings) if service is not None else BodyLimits()
            )
        self.limits = limits
        self._started = time.monotonic()
        self._seen = 0

    async def _receive(self) -> Any:
        limits = self.limits
        left = limits.total_timeout_s - (time.monotonic() - self._started)
        with anyio.move_on_after(max(min(limits.idle_timeout_s, left), 0.0)) as scope:
            message = await self.request.receive()
        if scope.cancelled_caught:
            raise too_slow()
        return message

    async def chunks(self) -> AsyncIterator[bytes]:
        while not self.complete:
            message = await self._receive()
            if message["type"] != "http.request":
                self.disconnected = True
                raise ClientGone()
            self.complete = not message.get("more_body", False)
            body = message.get("body", b"")
            self._seen += len(body)
            elapsed = time.monotonic() - self._started
            if (
                not self.complete
                and elapsed > self.limits.rate_grace_s
                and self._seen < self.limits.min_rate * elapsed
            ):
                raise too_slow()
            if body:
                yield body

    async def drain(self, budget: int) -> bool:
        """Discard what is left of the body, up to ``budget`` bytes; True if all was read."""
        seen = 0
        try:
            async for chunk in self.chunks():
                seen += len(chunk)
                if seen > budget:
                    return False
        except ClientGone:
            return False
        return True


class ClientGone(Exception):
    pass


async def read_json(request: Request) -> Any:
    length = request.headers.get("content-length")
    if length and length.isdigit() and int(length) > JSON_MAX:
        raise ApiError(413, "body.too_large", "Le corps de la requête est trop volumineux.")
    body = bytearray()
    try:
        async for chunk in Body(request).chunks():
            body.extend(chunk)
            if len(body) > JSON_MAX:
                raise ApiError(413, "body.too_large", "Le corps de la requête est trop volumineux.")
    except ClientGone:
        raise ApiError(400, "request.incomplete", "Envoi interrompu avant la fin.") from None
    if not body.strip():
        return None
    return parse_json(bytes(body))


_INVALID_JSON = "Le corps de la requête n'est pas un JSON valide."
_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"')
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")


def json_too_deep(body: bytes, limit: int = JSON_MAX_DEPTH) -> bool:
    """Whether ``body`` nests arrays/objects more than ``limit`` deep (or unbalances them).

    Checked before parsing, so that ``[`` × 100 000 never reaches the recursive parser: strings
    are blanked, everything but brackets dropped, then innermost pairs removed ``limit`` times;
    whatever is left is deeper than ``limit`` (or not balanced, which is invalid JSON anyway).
    """
    brackets = _JSON_STRING.sub(b"", body).translate(None, _NOT_BRACKETS)
    for _ in range(limit):
        if not brackets:
            return False
        shorter = brackets.replace(b"[]", b"").replace(b"{}", b"")
        if len(shorter) == len(brackets):
            return True  # unbalanced or mismatched
        brackets = shorter
    return bool(brackets)


def parse_json(body: bytes) -> Any:
    """A JSON body, or 422 ``invalid_json`` (malformed, or nested deeper than allowed)."""
    if json_too_deep(body):
        raise ApiError(
            422,
            "invalid_json",
            _INVALID_JSON + f" (imbrication limitée à {JSON_MAX_DEPTH} niveaux)",
        )
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise ApiError(422, "invalid_json", _INVALID_JSON) from None
