"""The one exception of the package: a payload whose structure cannot be decoded."""

from __future__ import annotations

#: Reason code -> French sentence, for payloads that are not a readable 2D-Doc.
MESSAGES: dict[str, str] = {
    "vide": "Le code 2D-Doc est vide.",
    "caracteres_invalides": "Le code lu contient des caractères qui ne peuvent pas figurer dans un 2D-Doc.",
    "pas_un_2ddoc": "Le code lu n'est pas un 2D-Doc (il ne commence pas par « DC »).",
    "format_binaire": "Ce 2D-Doc est au format binaire, qui n'est pas pris en charge.",
    "version_non_supportee": "La version de ce 2D-Doc n'est pas prise en charge.",
    "entete_invalide": "L'en-tête du code 2D-Doc est illisible.",
    "message_invalide": "Les données du code 2D-Doc sont illisibles.",
}


class TwoDDocError(Exception):
    """A payload that cannot be decoded as a 2D-Doc.

    ``code`` is a stable reason code (a key of :data:`MESSAGES`); ``message`` is a French
    sentence without personal data, fit for a check message.
    """

    def __init__(self, code: str, detail: str | None = None) -> None:
        self.code = code
        self.message = MESSAGES.get(code, "Le code 2D-Doc est illisible.")
        self.detail = detail
        super().__init__(f"{code}: {self.message}" + (f" ({detail})" if detail else ""))
