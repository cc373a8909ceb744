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
    active_content = "pdf.contenu_actif"
    polyglot = "file.polyglot"
    image_too_large = "image.too_large"
    image_unreadable = "image.unreadable"
    timeout = "file.timeout"
    ocr_failed = "ocr.failed"
    internal = "internal"
    # issue 12: hostile files
    resources = "fichier.ressources"
    trailing_data = "pdf.donnees_apres_fin"
    foreign_markup = "pdf.contenu_etranger"
    image_script = "image.segment_suspect"
    too_many_frames = "image.too_many_frames"


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
    Reason.resources: "La lecture du fichier demande plus de mémoire ou de temps que permis : "
    "envoyez l'avis tel que téléchargé sur impots.gouv.fr ou une photo.",
    Reason.trailing_data: "Le PDF est suivi de données qui n'en font pas partie (fichier polyglotte) : "
    "envoyez l'avis tel que téléchargé sur impots.gouv.fr ou une photo.",
    Reason.foreign_markup: "Le PDF contient un autre format caché (page web, script ou archive) : "
    "envoyez l'avis tel que téléchargé sur impots.gouv.fr ou une photo.",
    Reason.image_script: "L'image contient du code dans ses métadonnées : envoyez une photo "
    "prise directement avec votre appareil.",
    Reason.too_many_frames: "L'image TIFF comporte trop de pages.",
}

#: The French name of each kind of active content, for messages (no document content).
ACTIVE_KINDS_FR: dict[str, str] = {
    "javascript": "du JavaScript",
    "launch": "une commande de lancement de programme (Launch)",
    "fichier_joint": "un fichier joint",
    "xfa": "un formulaire dynamique (XFA)",
    "richmedia": "du contenu multimédia (RichMedia)",
    "uri": "un lien vers une adresse web (URI)",
    "submitform": "un envoi de formulaire (SubmitForm)",
    "importdata": "un import de données (ImportData)",
    "gotor": "un lien vers un autre document (GoToR)",
    "gotoe": "un lien vers un document joint (GoToE)",
}


def active_content_error(kind: str, where: str) -> DocprocError:
    """``pdf.contenu_actif`` naming the kind found and where (document, page, annotation)."""
    name = ACTIVE_KINDS_FR.get(kind, kind)
    return DocprocError(
        Reason.active_content,
        f"Le PDF contient {name} ({_WHERE_FR.get(where, where)}) : envoyez l'avis tel que "
        "téléchargé sur impots.gouv.fr ou une photo.",
        kind=kind,
        where=where,
    )


_WHERE_FR = {
    "document": "au niveau du document",
    "page": "sur une page",
    "annotation": "dans une annotation",
    "objet": "dans un objet du fichier",
}


class DocprocError(Exception):
    """A file-level failure with a reason code; ``retryable`` only for infrastructure faults."""

    retryable: ClassVar[bool] = False

    def __init__(self, reason: Reason, message: str | None = None, **data: object) -> None:
        self.reason = reason
        self.message = message or MESSAGES[reason]
        self.data = data
        super().__init__(f"{reason.value}: {self.message}")


_MEMORY_WORDS = (
    "can't start new thread",
    "bad_alloc",
    "out of memory",
    "cannot allocate",
    "insufficient memory",
    "failed to allocate",
    "memory allocation",
)


def out_of_memory(exc: BaseException) -> bool:
    """Whether ``exc`` is memory running out (the sandbox's address-space cap): a MemoryError,
    or a library's error that says so. Such a file is ``fichier.ressources``, whatever decoder
    failed: never ``image.unreadable`` or ``file.malformed``."""
    if isinstance(exc, MemoryError):
        return True
    text = str(exc).lower()
    return any(word in text for word in _MEMORY_WORDS)
