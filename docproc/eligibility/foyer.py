"""Le foyer d'entrée (contrat §5 et §6, ``HOUSEHOLD.json`` et ``PUT /dossiers/{id}/household``).

Un seul modèle typé (pydantic, ``FoyerModele``) sert au moteur, à la CLI et à l'API (corps de
requête et schéma OpenAPI). Tout écart au format est une ``HouseholdError`` dont le message, en
français, dit quoi corriger et dont ``chemin`` situe la valeur fautive (« membres.0.ressources.
salaire ») : une clé inconnue est une erreur (jamais un zéro silencieux), de même qu'une date
invalide, un territoire, un logement ou un rôle inconnu. Les messages ne recopient jamais une
valeur du foyer (donnée personnelle), seulement le nom des clés.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationError, WithJsonSchema
from pydantic_core import PydanticCustomError

from .formules import decimal

ROLES = ("demandeur", "conjoint", "enfant", "autre")
LOGEMENTS = ("locataire", "proprietaire", "heberge_gratuit", "aide_logement")
ACTIVITES = ("actif", "chomeur", "etudiant", "retraite", "inactif")
# Situations ouvrant l'abattement de 30 % sur les rémunérations d'activité (art. R861-8 CSS).
SITUATIONS = (
    "arret_maladie_plus_6_mois",
    "chomage_indemnise",
    "detenu",
    "ass",
    "stagiaire_formation_remunere",
)
SITUATIONS_LIBELLES = {
    "arret_maladie_plus_6_mois": "en arrêt de travail pour maladie depuis plus de six mois",
    "chomage_indemnise": "en chômage indemnisé",
    "detenu": "écroué",
    "ass": "bénéficiaire de l'allocation de solidarité spécifique",
    "stagiaire_formation_remunere": "sans emploi et rémunéré comme stagiaire de la formation professionnelle",
}
# Rémunérations d'activité auxquelles s'applique cet abattement.
REMUNERATIONS_ACTIVITE = ("salaire_net", "tns_benefice")

# Ressources annuelles (flux perçus sur la période de référence), comptées telles quelles.
RESSOURCES_COMPTEES: dict[str, str] = {
    "salaire_net": "salaires",
    "chomage_net": "allocations chômage",
    "retraite_nette": "pensions de retraite",
    "indemnites_journalieres": "indemnités journalières",
    "pensions_invalidite": "pensions d'invalidité",
    "rente_accident_travail": "rentes d'accident du travail",
    "pensions_alimentaires_percues": "pensions alimentaires reçues",
    "revenus_capital": "revenus de capitaux",
    "revenus_locatifs": "revenus fonciers",
    "revenus_etrangers": "revenus perçus à l'étranger",
    "tns_benefice": "revenus d'activité indépendante",
    "prestations_familiales": "prestations familiales",
    "bourses": "bourses d'études",
    "ass": "allocation de solidarité spécifique (ASS)",
    "cej": "allocation du contrat d'engagement jeune (CEJ)",
}
# Comptées après un abattement forfaitaire mensuel (abattements.toml).
RESSOURCES_ABATTUES: dict[str, str] = {
    "aah": "allocation aux adultes handicapés (AAH)",
    "asi": "allocation supplémentaire d'invalidité (ASI)",
    "aspa": "allocation de solidarité aux personnes âgées (ASPA)",
}
# Déduites des ressources du foyer (art. L861-2 CSS).
RESSOURCES_DEDUITES: dict[str, str] = {
    "pensions_alimentaires_versees": "pensions alimentaires versées",
}
# Patrimoine détenu (pas des flux) : revenu fictif avant le décret du 28 juin 2025.
PATRIMOINE: dict[str, str] = {
    "valeur_locative_immo_non_loue": "biens immobiliers bâtis non loués",
    "valeur_locative_terrains_non_loues": "terrains non bâtis non loués",
    "epargne_revenus_non_imposables": "épargne ne produisant pas de revenu imposable",
}
CLES_RESSOURCES = (
    tuple(RESSOURCES_COMPTEES)
    + tuple(RESSOURCES_ABATTUES)
    + tuple(RESSOURCES_DEDUITES)
    + tuple(PATRIMOINE)
)

CLES_FOYER = (
    "date_demande",
    "territoire",
    "logement",
    "aide_logement_mensuelle",
    "rsa_beneficiaire",
    "membres",
    "date_fin_droits",
)
CLES_FOYER_EN_PLUS = ("date_ouverture_droit", "provenance", "commentaire")
CLES_MEMBRE = (
    "role",
    "date_naissance",
    "garde_alternee",
    "activite",
    "ressources",
    "situation_particuliere",
    "engagement_autonomie",
    "rattache_foyer_fiscal_parents",
    "nom",
    "prenoms",
    "nom_usage",
)
CLES_MEMBRE_EN_PLUS = ("commentaire",)


class HouseholdError(ValueError):
    """Le foyer fourni est invalide ; le message, en français, dit quoi corriger.

    ``chemin`` : la valeur fautive (« membres.0.date_naissance »), ou None pour le foyer entier.
    """

    def __init__(self, message: str, chemin: str | None = None) -> None:
        super().__init__(message)
        self.chemin = chemin


# --------------------------------------------------------------------------------------
# Le modèle (pydantic) : types, valeurs admises, clés inconnues refusées.


def valeurs_admises(valeurs: tuple[str, ...]) -> str:
    """« a », « b »… pour un message d'erreur."""
    return ", ".join(f"« {v} »" for v in valeurs)


def _erreur(code: str, **contexte: Any) -> PydanticCustomError:
    return PydanticCustomError(code, code, contexte)


def _v_date(valeur: Any) -> date:
    if isinstance(valeur, date):
        return valeur
    if not isinstance(valeur, str):
        raise _erreur("date_format")
    try:
        if len(valeur) != 10:
            raise ValueError(valeur)
        return date.fromisoformat(valeur)
    except ValueError:
        raise _erreur("date_invalide") from None


def _v_montant(valeur: Any) -> Decimal:
    if isinstance(valeur, bool) or not isinstance(valeur, int | float | Decimal):
        raise _erreur("nombre")
    if isinstance(valeur, float) and not math.isfinite(valeur):
        raise _erreur("fini")
    if valeur < 0:
        raise _erreur("negatif")
    return decimal(valeur)


def _v_booleen(valeur: Any) -> bool:
    if not isinstance(valeur, bool):
        raise _erreur("booleen")
    return valeur


def _v_texte(valeur: Any) -> str:
    if not isinstance(valeur, str):
        raise _erreur("texte")
    return valeur


def _choix(valeurs: Callable[[], tuple[str, ...]]) -> Callable[[Any], str]:
    def valider(valeur: Any) -> str:
        admises = valeurs()
        if valeur not in admises:
            raise _erreur("choix", attendu=valeurs_admises(admises))
        return str(valeur)

    return valider


def _territoires() -> tuple[str, ...]:
    from .lecture_baremes import (
        BAREMES,  # import tardif : les barèmes sont lus au premier foyer validé
    )

    return tuple(BAREMES.territoires)


Date = Annotated[
    date, BeforeValidator(_v_date), WithJsonSchema({"type": "string", "format": "date"})
]
Montant = Annotated[
    Decimal, BeforeValidator(_v_montant), WithJsonSchema({"type": "number", "minimum": 0})
]
Booleen = Annotated[bool, BeforeValidator(_v_booleen), WithJsonSchema({"type": "boolean"})]
Texte = Annotated[str, BeforeValidator(_v_texte), WithJsonSchema({"type": "string"})]


def _enum(valeurs: tuple[str, ...]) -> Any:
    return Annotated[
        str,
        BeforeValidator(_choix(lambda: valeurs)),
        WithJsonSchema({"type": "string", "enum": list(valeurs)}),
    ]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RessourcesModele(_Strict):
    """Montants annuels sur la période de référence (euros ; absent = 0) et patrimoine détenu."""

    salaire_net: Montant | None = None
    chomage_net: Montant | None = None
    retraite_nette: Montant | None = None
    indemnites_journalieres: Montant | None = None
    pensions_invalidite: Montant | None = None
    rente_accident_travail: Montant | None = None
    pensions_alimentaires_percues: Montant | None = None
    pensions_alimentaires_versees: Montant | None = None
    revenus_capital: Montant | None = None
    revenus_locatifs: Montant | None = None
    revenus_etrangers: Montant | None = None
    tns_benefice: Montant | None = None
    aah: Montant | None = None
    asi: Montant | None = None
    aspa: Montant | None = None
    ass: Montant | None = None
    cej: Montant | None = None
    prestations_familiales: Montant | None = None
    bourses: Montant | None = None
    valeur_locative_immo_non_loue: Montant | None = None
    valeur_locative_terrains_non_loues: Montant | None = None
    epargne_revenus_non_imposables: Montant | None = None


class MembreModele(_Strict):
    role: _enum(ROLES)  # type: ignore[valid-type]
    date_naissance: Date
    garde_alternee: Booleen = False
    activite: _enum(ACTIVITES) | None = None  # type: ignore[valid-type]
    ressources: RessourcesModele | None = None
    situation_particuliere: _enum(SITUATIONS) | None = None  # type: ignore[valid-type]
    engagement_autonomie: Booleen | None = None
    rattache_foyer_fiscal_parents: Booleen | None = None
    nom: Texte | None = None
    prenoms: Texte | None = None
    nom_usage: Texte | None = None
    commentaire: Any = None


class FoyerModele(_Strict):
    """Le foyer du contrat §5 (et ses ajouts du §6)."""

    date_demande: Date
    territoire: Annotated[
        str,
        BeforeValidator(_choix(_territoires)),
        WithJsonSchema(
            {
                "type": "string",
                "description": "metropole, alsace_moselle, "
                "guadeloupe, martinique, guyane, reunion, mayotte…",
            }
        ),
    ]
    logement: _enum(LOGEMENTS)  # type: ignore[valid-type]
    aide_logement_mensuelle: Montant = Decimal(0)
    rsa_beneficiaire: Booleen = False
    membres: list[MembreModele]
    date_fin_droits: Date | None = None
    date_ouverture_droit: Date | None = None
    provenance: Any = None
    commentaire: Any = None


# --------------------------------------------------------------------------------------
# Les erreurs du modèle, en français, avec leur chemin.

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


def _traduire(erreur: Any) -> HouseholdError:
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


def valider_foyer(brut: Any) -> FoyerModele:
    """Le foyer validé par le modèle, ou ``HouseholdError`` (première erreur, avec son chemin).

    Contrôle aussi ce qu'un type seul ne dit pas : un seul demandeur, au plus un conjoint, des
    naissances antérieures à la demande, une aide au logement cohérente avec le logement.
    """
    if not isinstance(brut, dict):
        raise HouseholdError("Le foyer doit être un objet JSON (format §5).")
    try:
        foyer = FoyerModele.model_validate(brut)
    except ValidationError as exc:
        raise _traduire(exc.errors()[0]) from None
    if not foyer.membres:
        raise HouseholdError(
            "La liste des membres du foyer (« membres ») est absente ou vide.", "membres"
        )
    for i, m in enumerate(foyer.membres):
        if m.date_naissance > foyer.date_demande:
            raise HouseholdError(
                f"La date de naissance du membre n° {i + 1} est postérieure à la date de demande.",
                f"membres.{i}.date_naissance",
            )
    if foyer.aide_logement_mensuelle > 0 and foyer.logement != "aide_logement":
        raise HouseholdError(
            "Une aide au logement est indiquée mais le logement n'est pas « aide_logement ».",
            "aide_logement_mensuelle",
        )
    if foyer.date_ouverture_droit is not None and foyer.date_ouverture_droit < foyer.date_demande:
        raise HouseholdError(
            "La date d'ouverture du droit précède la date de demande.", "date_ouverture_droit"
        )
    demandeurs = sum(m.role == "demandeur" for m in foyer.membres)
    if demandeurs != 1:
        raise HouseholdError(
            f"Le foyer doit comporter exactement un demandeur (il en comporte {demandeurs}).",
            "membres",
        )
    if sum(m.role == "conjoint" for m in foyer.membres) > 1:
        raise HouseholdError("Le foyer ne peut comporter qu'un seul conjoint.", "membres")
    return foyer


def schema_foyer() -> dict[str, Any]:
    """Schéma JSON du foyer, sans références (pour l'OpenAPI de l'API)."""
    schema = FoyerModele.model_json_schema()
    definitions = schema.pop("$defs", {})

    def deplier(noeud: Any) -> Any:
        if isinstance(noeud, dict):
            ref = noeud.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/"):
                return deplier(definitions[ref.rsplit("/", 1)[1]])
            return {k: deplier(v) for k, v in noeud.items()}
        if isinstance(noeud, list):
            return [deplier(v) for v in noeud]
        return noeud

    resultat: dict[str, Any] = deplier(schema)
    return resultat
