"""Les erreurs du foyer d'entrée : ``HouseholdError`` et la traduction en français des erreurs de
validation, qui nomment la clé fautive sans jamais recopier sa valeur.
"""

from __future__ import annotations

from typing import Any

from .vocabulaire_foyer import CLES_RESSOURCES


class HouseholdError(ValueError):
    """Le foyer fourni est invalide ; le message, en français, dit quoi corriger.

    ``chemin`` : la valeur fautive (« membres.0.date_naissance »), ou None pour le foyer entier.
    """

    def __init__(self, message: str, chemin: str | None = None) -> None:
        super().__init__(message)
        self.chemin = chemin


# Nom de chaque clé dans une phrase : (article + nom, féminin).
LIBELLES: dict[str, tuple[str, bool]] = {
    "date_demande": ("La date de demande", True),
    "territoire": ("Le territoire", False),
    "logement": ("Le logement", False),
    "aide_logement_mensuelle": ("L'aide au logement mensuelle (« aide_logement_mensuelle »)", True),
    "rsa_beneficiaire": ("« rsa_beneficiaire »", False),
    "membres": ("La liste des membres du foyer (« membres »)", True),
    "date_fin_droits": ("La date de fin du droit en cours (« date_fin_droits »)", True),
    "date_ouverture_droit": ("La date d'ouverture du droit", True),
    "role": ("Le rôle", False),
    "date_naissance": ("La date de naissance", True),
    "garde_alternee": ("« garde_alternee »", False),
    "activite": ("L'activité", True),
    "ressources": ("Les ressources", True),
    "situation_particuliere": ("La situation particulière (« situation_particuliere »)", True),
    "engagement_autonomie": ("« engagement_autonomie »", False),
    "rattache_foyer_fiscal_parents": ("« rattache_foyer_fiscal_parents »", False),
    "nom": ("Le nom", False),
    "prenoms": ("Les prénoms", False),
    "nom_usage": ("Le nom d'usage", False),
}


def _cle(texte: Any) -> str:
    return repr(str(texte)[:40])


def _quoi(loc: tuple[int | str, ...]) -> tuple[str, bool]:
    """(« La date de naissance du membre n° 1 », féminin) pour loc = ("membres", 0, "date_naissance")."""
    if len(loc) >= 2 and loc[0] == "membres" and isinstance(loc[1], int):
        du = f" du membre n° {loc[1] + 1}"
        if len(loc) == 2:
            return f"Le membre n° {loc[1] + 1}", False
        if len(loc) >= 4 and loc[2] == "ressources":
            return f"La ressource « {str(loc[3])[:40]} »{du}", True
        nom, feminin = LIBELLES.get(str(loc[2]), (f"« {str(loc[2])[:40]} »", False))
        return nom + du, feminin
    if not loc:
        return "Le foyer", False
    return LIBELLES.get(str(loc[0]), (f"« {str(loc[0])[:40]} »", False))


#: French message of each validation code, by what is wrong ({quoi}) and its gender ({e}, {ve}).
_MESSAGES = {
    "date_format": "{quoi} doit être une date au format AAAA-MM-JJ.",
    "date_invalide": "{quoi} n'est pas une date valide (format attendu AAAA-MM-JJ).",
    "nombre": "{quoi} doit être un nombre (en euros).",
    "fini": "{quoi} doit être un nombre fini.",
    "negatif": "{quoi} ne peut pas être négati{ve}.",
    "booleen": "{quoi} doit valoir true ou false.",
    "texte": "{quoi} doit être un texte.",
    "choix": "{quoi} est inconnu{e} (attendu : {attendu}).",
    "list_type": "{quoi} doit être une liste d'objets.",
}


def traduire_erreurs(erreur: Any) -> HouseholdError:
    loc: tuple[int | str, ...] = tuple(erreur.get("loc", ()))
    chemin = ".".join(str(x) for x in loc) or None
    code = erreur.get("type", "")
    contexte = erreur.get("ctx") or {}
    quoi, feminin = _quoi(loc)
    e = "e" if feminin else ""
    if code == "extra_forbidden":
        if len(loc) >= 4 and loc[2] == "ressources":
            message = (
                f"La ressource {_cle(loc[3])} du membre n° {int(loc[1]) + 1} est inconnue ; "
                f"clés admises : {', '.join(CLES_RESSOURCES)}."
            )
        else:
            lieu = f"le membre n° {int(loc[1]) + 1}" if len(loc) == 3 else "le foyer"
            message = f"Clé inconnue {_cle(loc[-1])} dans {lieu}."
    elif code == "missing":
        message = f"{quoi} est manquant{e}."
        if loc == ("membres",):
            message = "La liste des membres du foyer (« membres ») est absente ou vide."
    elif code in _MESSAGES:
        message = _MESSAGES[code].format(
            quoi=quoi, e=e, ve="ve" if feminin else "f", attendu=contexte.get("attendu", "")
        )
    elif code in ("model_type", "dict_type", "model_attributes_type"):
        message = f"{quoi} doi{'vent' if quoi.startswith('Les ') else 't'} être un objet JSON" + (
            " (format §5)." if not loc else "."
        )
    else:
        message = f"{quoi} est invalide."
    return HouseholdError(message, chemin)
