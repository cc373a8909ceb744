"""File-level checks: size, type sniffed from the bytes, readability."""

from __future__ import annotations

from docproc.checks import failed, passed
from docproc.errors import DocprocError
from docproc.intake import ACCEPTED_TYPES, describe
from docproc.models import Check


def size(n_bytes: int, max_bytes: int) -> Check:
    if n_bytes == 0:
        return failed("fichier.vide", "critical", "Le fichier est vide.")
    if n_bytes > max_bytes:
        return failed(
            "fichier.taille",
            "critical",
            f"Le fichier dépasse la taille maximale autorisée ({max_bytes // (1024 * 1024)} Mo).",
            bytes=n_bytes,
            max_bytes=max_bytes,
        )
    return passed("fichier.taille", "critical", "La taille du fichier est acceptée.", bytes=n_bytes)


def media_type(sniffed: str | None, data: bytes) -> Check:
    if sniffed in ACCEPTED_TYPES:
        return passed(
            "fichier.type", "critical", "Le type de fichier est accepté.", media_type=sniffed
        )
    return failed(
        "fichier.type",
        "critical",
        "Ce type de fichier n'est pas accepté : envoyez un PDF ou une photo (JPEG, PNG, TIFF, HEIC).",
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
