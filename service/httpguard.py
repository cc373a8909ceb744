"""The API under slow and many clients (issue 12, point 4).

* **Request heads**: uvicorn's h11 protocol has no deadline for a request's head (its
  keep-alive timer only runs between requests), so a client trickling header bytes holds a
  connection for ever. ``GuardedH11Protocol`` closes a connection whose head is not complete
  ``http_header_timeout_s`` after its first byte (or after the connection opened), and refuses
  connections beyond ``http_max_connections``.
* **Bodies** (``multipart.Body``): the next chunk must come within ``http_body_idle_timeout_s``,
  the whole body within ``http_body_timeout_s``, and after ``http_rate_grace_s`` the average
  rate must stay above ``http_min_upload_rate`` bytes/s; otherwise 408 ``request.timeout`` and
  the connection is closed (what was received is dropped with the request).
* **Concurrent uploads**: at most ``max_uploads`` per API process and ``max_uploads_per_key``
  per API key; beyond, 503 ``service.busy`` / 429 ``uploads.too_many`` with ``Retry-After``,
  before any of the body is read.
* uvicorn's own limits (``timeout_keep_alive``, ``limit_concurrency``,
  ``h11_max_incomplete_event_size``, ``backlog``) come from the settings (``uvicorn_options``).
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, ClassVar

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

from service.api_errors import ApiError
from service.config import ServiceSettings

#: uvicorn's ``http`` option: a string, so that the API processes of ``--workers`` import it.
PROTOCOL = "service.httpguard:GuardedH11Protocol"


@dataclass(frozen=True)
class BodyLimits:
    idle_timeout_s: float = 15.0
    total_timeout_s: float = 120.0
    min_rate: int = 1024
    rate_grace_s: float = 5.0

    @classmethod
    def from_settings(cls, settings: ServiceSettings) -> BodyLimits:
        return cls(
            settings.http_body_idle_timeout_s,
            settings.http_body_timeout_s,
            settings.http_min_upload_rate,
            settings.http_rate_grace_s,
        )


def too_slow() -> ApiError:
    return ApiError(
        408,
        "request.timeout",
        "Envoi trop lent ou interrompu : la requête a été abandonnée.",
        {"Connection": "close"},
    )


class GuardedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol with a deadline on request heads and a cap on connections."""

    header_timeout_s: ClassVar[float] = 10.0
    max_connections: ClassVar[int] = 1000

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        self._head_timer: asyncio.TimerHandle | None = None
        super().connection_made(transport)
        if len(self.connections) > self.max_connections:
            transport.abort()
            return
        self._arm_head()

    def _arm_head(self) -> None:
        if self._head_timer is None:
            self._head_timer = self.loop.call_later(self.header_timeout_s, self._head_overdue)

    def _disarm_head(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_overdue(self) -> None:
        self._head_timer = None
        if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
            self.transport.close()  # the head did not arrive in time

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self.transport.is_closing():
            self._disarm_head()
        elif self.conn.their_state is h11.IDLE:
            self._arm_head()  # (part of) a head: it must be complete in time
        else:
            self._disarm_head()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm_head()
        super().connection_lost(exc)


_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3


def _give_memory_back() -> None:
    """glibc: blocks of 128 kio and more (an upload being received) are mmapped and unmapped
    when freed, whatever sizes came before (the threshold is fixed, not raised by each free),
    and the heap's free top is trimmed above 1 Mio: memory held by cut-off uploads goes back
    to the system instead of staying in the process's heap."""
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(_M_MMAP_THRESHOLD, 128 * 1024)
        libc.mallopt(_M_TRIM_THRESHOLD, 1024 * 1024)


def configure(settings: ServiceSettings) -> None:
    """Set the protocol's limits in this process (each API process builds its app)."""
    GuardedH11Protocol.header_timeout_s = settings.http_header_timeout_s
    GuardedH11Protocol.max_connections = settings.http_max_connections
    _give_memory_back()


def uvicorn_options(settings: ServiceSettings) -> dict[str, Any]:
    """The uvicorn/h11 options the settings control (``docproc serve`` and ``up``)."""
    return {
        "http": PROTOCOL,
        "timeout_keep_alive": settings.http_keep_alive_s,
        "limit_concurrency": settings.http_limit_concurrency,
        "h11_max_incomplete_event_size": settings.http_max_header_bytes,
        "backlog": settings.http_backlog,
    }


class UploadSlots:
    """Concurrent uploads of one API process, in total and per API key (event-loop only)."""

    def __init__(self, total: int, per_key: int) -> None:
        self.total, self.per_key = total, per_key
        self.busy = 0
        self.by_key: dict[str, int] = {}

    @contextmanager
    def hold(self, key: str) -> Iterator[None]:
        if self.busy >= self.total:
            raise ApiError(
                503,
                "service.busy",
                "Trop d'envois en cours : réessayez dans quelques secondes.",
                {"Retry-After": "5", "Connection": "close"},
            )
        if self.by_key.get(key, 0) >= self.per_key:
            raise ApiError(
                429,
                "uploads.too_many",
                "Trop d'envois simultanés avec cette clé : réessayez dans quelques secondes.",
                {"Retry-After": "5", "Connection": "close"},
            )
        self.busy += 1
        self.by_key[key] = self.by_key.get(key, 0) + 1
        try:
            yield
        finally:
            self.busy -= 1
            left = self.by_key[key] - 1
            if left:
                self.by_key[key] = left
            else:
                del self.by_key[key]
