"""Le foyer d'entrée (contrat §5 et §6, ``HOUSEHOLD.json`` et ``PUT /dossiers/{id}/household``).

Un seul modèle typé (pydantic, ``FoyerModele``) sert au moteur, à la CLI et à l'API (corps de
requête et schéma OpenAPI). Tout écart au format est une ``HouseholdError`` dont le message, en
français, dit quoi corriger et dont ``chemin`` situe la valeur fautive (« membres.0.ressources.
salaire ») : une clé inconnue est une erreur (jamais un zéro silencieux), de même qu'une date
invalide, un territoire, un logement ou un rôle inconnu. Les messages ne recopient jamais une
valeur du foyer (donnée personnelle), seulement le nom des clés.
Les valeurs admises sont dans ``vocabulaire_foyer``, l'erreur et ses messages dans
``erreurs_foyer``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationError, WithJsonSchema
from pydantic_core import PydanticCustomError

from .erreurs_foyer import HouseholdError, traduire_erreurs
from .formules import decimal
from .vocabulaire_foyer import ACTIVITES, LOGEMENTS, ROLES, SITUATIONS

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
# La validation (les erreurs en français, avec leur chemin : ``erreurs_foyer``).


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
        raise traduire_erreurs(exc.errors()[0]) from None
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
