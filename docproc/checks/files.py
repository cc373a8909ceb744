"""File-level checks: size, type sniffed from the bytes, readability."""

from __future__ import annotations

from docproc.checks import failed, passed
from docproc.errors import DocprocError, Reason, size_message
from docproc.intake import ACCEPTED_TYPES, describe
from docproc.models import Check


def size(n_bytes: int, max_bytes: int) -> Check:
    if n_bytes == 0:
        return failed(Reason.empty, "critical", Reason.empty.message)
    if n_bytes > max_bytes:
        return failed(
            Reason.too_large,
            "critical",
            size_message(max_bytes),
            bytes=n_bytes,
            max_bytes=max_bytes,
        )
    return passed(Reason.too_large, "critical", "La taille du fichier est acceptée.", bytes=n_bytes)


def media_type(sniffed: str | None, data: bytes) -> Check:
    if sniffed in ACCEPTED_TYPES:
        return passed(
            Reason.unsupported_type,
            "critical",
            "Le type de fichier est accepté.",
            media_type=sniffed,
        )
    return failed(
        Reason.unsupported_type,
        "critical",
        Reason.unsupported_type.message,
        detected=describe(data),
    )


def unreadable(err: DocprocError) -> Check:
    return failed(
        err.reason.value,
        "critical",
        err.message,
        **{k: v for k, v in err.data.items() if isinstance(v, int | str)},
    )


def readable(pages: int) -> Check:
    return passed("fichier.lisible", "critical", "Le fichier a pu être lu.", pages=pages)
