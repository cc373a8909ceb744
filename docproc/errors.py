"""Why a file could not be read: a stable reason code and a French message without content."""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar


class Reason(StrEnum):
    empty = "file.empty"
    too_large = "file.too_large"
    unsupported_type = "file.unsupported_type"
    malformed = "file.malformed"
    encrypted = "pdf.encrypted"
    too_many_pages = "pdf.too_many_pages"
    active_content = "pdf.active_content"
    polyglot = "file.polyglot"
    image_too_large = "image.too_large"
    image_unreadable = "image.unreadable"
    timeout = "file.timeout"
    ocr_failed = "ocr.failed"
    internal = "internal"


MESSAGES: dict[Reason, str] = {
    Reason.empty: "Le fichier est vide.",
    Reason.too_large: "Le fichier dépasse la taille maximale autorisée (2 Mo).",
    Reason.unsupported_type: "Ce type de fichier n'est pas accepté : envoyez un PDF ou une photo (JPEG, PNG, TIFF, HEIC).",
    Reason.malformed: "Le fichier est endommagé ou incomplet et ne peut pas être lu.",
    Reason.encrypted: "Le PDF est protégé par un mot de passe : envoyez une version sans protection.",
    Reason.too_many_pages: "Le document comporte trop de pages.",
    Reason.active_content: "Le PDF contient du contenu actif (JavaScript, pièce jointe ou formulaire dynamique) : envoyez l'avis tel que téléchargé sur impots.gouv.fr ou une photo.",
    Reason.polyglot: "Le fichier mélange plusieurs formats (PDF et archive) : envoyez un PDF simple ou une photo.",
    Reason.image_too_large: "L'image est trop grande pour être traitée : envoyez une photo de définition plus faible.",
    Reason.image_unreadable: "L'image est endommagée ou illisible.",
    Reason.timeout: "La lecture du fichier a pris trop de temps et a été interrompue.",
    Reason.ocr_failed: "La lecture optique du document a échoué.",
    Reason.internal: "Une erreur interne est survenue pendant la lecture du fichier.",
}


class DocprocError(Exception):
    """A file-level failure with a reason code; ``retryable`` only for infrastructure faults."""

    retryable: ClassVar[bool] = False

    def __init__(self, reason: Reason, message: str | None = None, **data: object) -> None:
        self.reason = reason
        self.message = message or MESSAGES[reason]
        self.data = data
        super().__init__(f"{reason.value}: {self.message}")
