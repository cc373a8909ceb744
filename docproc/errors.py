"""Every reason code of the project, in one enum: why a file, a job or a 2D-Doc was refused.

One vocabulary and one shape, dotted French (``fichier.taille``, ``pdf.chiffre``,
``infra.base_de_donnees``…). Each member carries its French message (no document content)
and whether it is ``retryable``: an infrastructure fault (database, Redis, storage) is retried,
a fault of the file never is. ``docs/codes.md`` lists them all (a test keeps it in step).
The HTTP error codes of the contract (``{"error": CODE}``, ``service/errors.py``) are another
vocabulary, kept as they are on the wire.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

#: What to send instead, at the end of a message about a hostile or over-complex file.
_SEND_AVIS = "envoyez l'avis tel que téléchargé sur impots.gouv.fr ou une photo."
_INFRA = "Incident technique temporaire ({what}) : le traitement sera relancé."


class Reason(StrEnum):
    """A reason code (the member's value), its French message and whether it is retryable."""

    message: str
    retryable: bool

    def __new__(cls, code: str, message: str = "", retryable: bool = False) -> Reason:
        member = str.__new__(cls, code)
        member._value_ = code
        member.message = message
        member.retryable = retryable
        return member

    # -- the file itself (files[].checks and failed jobs): never retried
    empty = ("fichier.vide", "Le fichier est vide.")
    #: ``{taille_max}`` is the size limit of the settings, in French (``size_message``).
    too_large = (
        "fichier.taille",
        "Le fichier dépasse la taille maximale autorisée ({taille_max}).",
    )
    unsupported_type = (
        "fichier.type",
        "Ce type de fichier n'est pas accepté : envoyez un PDF ou une photo (JPEG, PNG, TIFF, HEIC).",
    )
    malformed = (
        "fichier.endommage",
        "Le fichier est endommagé ou incomplet et ne peut pas être lu.",
    )
    polyglot = (
        "fichier.polyglotte",
        "Le fichier mélange plusieurs formats (PDF et archive) : envoyez un PDF simple ou une photo.",
    )
    timeout = (
        "fichier.delai",
        "La lecture du fichier a pris trop de temps et a été interrompue.",
    )
    resources = (
        "fichier.ressources",
        f"La lecture du fichier demande plus de mémoire ou de temps que permis : {_SEND_AVIS}",
    )
    encrypted = (
        "pdf.chiffre",
        "Le PDF est protégé par un mot de passe : envoyez une version sans protection.",
    )
    too_many_pages = ("pdf.trop_de_pages", "Le document comporte trop de pages.")
    active_content = (
        "pdf.contenu_actif",
        "Le PDF contient du contenu actif (JavaScript, pièce jointe ou formulaire dynamique) : "
        + _SEND_AVIS,
    )
    trailing_data = (
        "pdf.donnees_apres_fin",
        "Le PDF est suivi de données qui n'en font pas partie (fichier polyglotte) : " + _SEND_AVIS,
    )
    foreign_markup = (
        "pdf.contenu_etranger",
        "Le PDF contient un autre format caché (page web, script ou archive) : " + _SEND_AVIS,
    )
    image_too_large = (
        "image.trop_grande",
        "L'image est trop grande pour être traitée : envoyez une photo de définition plus faible.",
    )
    image_unreadable = ("image.illisible", "L'image est endommagée ou illisible.")
    image_script = (
        "image.segment_suspect",
        "L'image contient du code dans ses métadonnées : envoyez une photo prise directement "
        "avec votre appareil.",
    )
    too_many_frames = ("image.trop_de_pages", "L'image TIFF comporte trop de pages.")
    ocr_failed = ("ocr.echec", "La lecture optique du document a échoué.")
    internal = ("interne", "Une erreur interne est survenue pendant la lecture du fichier.")
    # -- the job (GET /jobs/{id} ``reason``)
    abandoned = (
        "traitement.abandonne",
        "Le traitement a été interrompu à plusieurs reprises ; le fichier ne peut pas être lu.",
    )
    busy = (
        "dossier.occupe",
        "En attente : un autre fichier du dossier est en cours de lecture.",
    )
    # -- infrastructure faults: retried with backoff
    infra_database = ("infra.base_de_donnees", _INFRA.format(what="base de données"), True)
    infra_redis = ("infra.file_attente", _INFRA.format(what="file d'attente"), True)
    infra_storage = ("infra.stockage", _INFRA.format(what="stockage"), True)
    infra_simulated = (
        "infra.simulee",
        "Incident technique simulé (essais) : le traitement sera relancé.",
        True,
    )

    # -- 2D-Doc: a payload that is not a readable 2D-Doc (``TwoDDocError``)
    twoddoc_vide = ("twoddoc.vide", "Le code 2D-Doc est vide.")
    twoddoc_caracteres_invalides = (
        "twoddoc.caracteres_invalides",
        "Le code lu contient des caractères qui ne peuvent pas figurer dans un 2D-Doc.",
    )
    twoddoc_pas_un_2ddoc = (
        "twoddoc.pas_un_2ddoc",
        "Le code lu n'est pas un 2D-Doc (il ne commence pas par « DC »).",
    )
    twoddoc_format_binaire = (
        "twoddoc.format_binaire",
        "Ce 2D-Doc est au format binaire, qui n'est pas pris en charge.",
    )
    twoddoc_version_non_supportee = (
        "twoddoc.version_non_supportee",
        "La version de ce 2D-Doc n'est pas prise en charge.",
    )
    twoddoc_entete_invalide = ("twoddoc.entete_invalide", "L'en-tête du code 2D-Doc est illisible.")
    twoddoc_message_invalide = (
        "twoddoc.message_invalide",
        "Les données du code 2D-Doc sont illisibles.",
    )
    # -- 2D-Doc: every verdict other than "signature verified" (``twoddoc.reason`` of contract
    #    §3 is the message; the code is ``data.reason`` of the ``twoddoc.signature`` check).
    #    Placeholders: the code's own header only, never personal data.
    twoddoc_signature_absente = (
        "twoddoc.signature_absente",
        "Le code 2D-Doc ne contient pas de signature.",
    )
    twoddoc_signature_illisible = (
        "twoddoc.signature_illisible",
        "La signature du code 2D-Doc est illisible.",
    )
    twoddoc_type_non_pris_en_charge = (
        "twoddoc.type_non_pris_en_charge",
        "Le code 2D-Doc est de type {doc_type}, qui n'est pas un avis fiscal pris en charge.",
    )
    twoddoc_perimetre_non_pris_en_charge = (
        "twoddoc.perimetre_non_pris_en_charge",
        "Le code 2D-Doc n'appartient pas au périmètre de l'ANTS (périmètre {perimeter}).",
    )
    twoddoc_pays_non_pris_en_charge = (
        "twoddoc.pays_non_pris_en_charge",
        "Le code 2D-Doc a été émis hors de France (pays {country}).",
    )
    twoddoc_autorite_de_test = (
        "twoddoc.autorite_de_test",
        "Le code 2D-Doc est signé par l'autorité de test FR00 de l'ANTS, dont la clé est "
        "publique : il n'est pas reconnu comme authentique.",
    )
    twoddoc_certificat_de_test = (
        "twoddoc.certificat_de_test",
        "Le code 2D-Doc est signé avec le certificat 0000, réservé aux essais de "
        "l'autorité {authority} : il n'est pas reconnu comme authentique.",
    )
    twoddoc_autorite_inconnue = (
        "twoddoc.autorite_inconnue",
        "L'autorité de certification {authority} du code 2D-Doc ne figure pas dans la liste "
        "de confiance de l'ANTS.",
    )
    twoddoc_autorite_inactive = (
        "twoddoc.autorite_inactive",
        "L'autorité de certification {authority} du code 2D-Doc n'est plus reconnue par l'ANTS.",
    )
    twoddoc_non_verifiable_hors_ligne = (
        "twoddoc.non_verifiable_hors_ligne",
        "Signature non vérifiable hors ligne : le certificat {authority}/{certificate} du "
        "code 2D-Doc n'est pas dans le cache de confiance local.",
    )
    twoddoc_certificat_non_reconnu = (
        "twoddoc.certificat_non_reconnu",
        "Le certificat {authority}/{certificate} du code 2D-Doc n'a pas été délivré par "
        "l'autorité {authority} de la liste de confiance de l'ANTS.",
    )
    twoddoc_date_signature_absente = (
        "twoddoc.date_signature_absente",
        "Le code 2D-Doc ne porte pas de date de signature.",
    )
    twoddoc_date_signature_hors_validite = (
        "twoddoc.date_signature_hors_validite",
        "Le code 2D-Doc a été signé le {signature_date}, en dehors de la période de validité "
        "du certificat {authority}/{certificate}.",
    )
    twoddoc_date_signature_future = (
        "twoddoc.date_signature_future",
        "Le code 2D-Doc porte une date de signature future ({signature_date}).",
    )
    twoddoc_algorithme_non_pris_en_charge = (
        "twoddoc.algorithme_non_pris_en_charge",
        "Le certificat {authority}/{certificate} utilise un algorithme de signature non pris "
        "en charge.",
    )
    twoddoc_signature_invalide = (
        "twoddoc.signature_invalide",
        "La signature du code 2D-Doc ne correspond pas à son contenu : le code a été modifié "
        "ou n'a pas été émis par l'autorité indiquée.",
    )

    def text(self, **values: object) -> str:
        """The French message with its ``{placeholders}`` filled in from ``values``; the size
        limit ``{taille_max}``, when not given, from the settings (``DOCPROC_MAX_BYTES``)."""
        if "{taille_max}" in self.message and "taille_max" not in values:
            from docproc.settings import get_settings

            values["taille_max"] = size_fr(get_settings().max_bytes)
        return self.message.format(**values) if values else self.message


def size_fr(n_bytes: int) -> str:
    """A size in French: ``2 Mo``, ``1,5 Mo``, ``512 Ko``, ``900 octets`` (1 Mo = 1024 Kio)."""
    for unit, scale in (("Mo", 1024 * 1024), ("Ko", 1024)):
        if n_bytes >= scale:
            value = round(n_bytes / scale, 1)
            text = f"{value:.1f}".removesuffix(".0").replace(".", ",")
            return f"{text} {unit}"
    return f"{n_bytes} octets"


def size_message(max_bytes: int) -> str:
    """``fichier.taille``'s message for a limit of ``max_bytes``."""
    return Reason.too_large.text(taille_max=size_fr(max_bytes))


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
    """A failure with a reason code; ``retryable`` (the reason's) only for infrastructure faults."""

    def __init__(self, reason: Reason, message: str | None = None, **data: object) -> None:
        self.reason = reason
        self.retryable = reason.retryable
        self.message = message or reason.text()
        self.data = data
        super().__init__(f"{reason.value}: {self.message}")

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled with its reason and data (a process boundary keeps the code)."""
        return (_rebuild, (type(self), self.reason, self.message, self.data))


def _rebuild(
    cls: type[DocprocError], reason: Reason, message: str, data: dict[str, object]
) -> DocprocError:
    return cls(reason, message, **data)


_MEMORY_WORDS = (
    "can't start new thread",
    "bad_alloc",
    "out of memory",
    "cannot allocate",
    "insufficient memory",
    "failed to allocate",
    "memory allocation",
    # dlopen under the cap (a light sandbox loading the OCR stack for its first scan): the
    # library's segments no longer fit in the address space; glibc names no errno for it
    "failed to map segment from shared object",
)


def out_of_memory(exc: BaseException) -> bool:
    """Whether ``exc`` is memory running out (the sandbox's address-space cap): a MemoryError,
    or a library's error that says so. Such a file is ``fichier.ressources``, whatever decoder
    failed: never ``image.illisible`` or ``fichier.endommage``."""
    if isinstance(exc, MemoryError):
        return True
    text = str(exc).lower()
    return any(word in text for word in _MEMORY_WORDS)
