"""La demande telle que le moteur la lit : le foyer validé (``foyer.valider_foyer``), typé.

``lire_demande`` convertit un foyer du contrat §5 en ``Demande`` (dates, montants ``Decimal``,
ressources sans les clés absentes) ; toute erreur est une ``HouseholdError``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from .erreurs_foyer import HouseholdError
from .foyer import valeurs_admises, valider_foyer


@dataclass(frozen=True)
class Membre:
    index: int  # position dans la liste « membres » du fichier
    role: str
    date_naissance: date
    garde_alternee: bool
    activite: str | None
    ressources: dict[str, Decimal]
    situation_particuliere: str | None = None
    engagement_autonomie: bool | None = None
    rattache_foyer_fiscal_parents: bool | None = None
    nom: str | None = None
    prenoms: str | None = None
    nom_usage: str | None = None


@dataclass(frozen=True)
class Demande:
    date_demande: date
    territoire: str
    logement: str
    aide_logement_mensuelle: Decimal
    rsa_beneficiaire: bool
    membres: tuple[Membre, ...]
    date_ouverture_droit: date | None
    date_fin_droits: date | None = None


def lire_date(valeur: Any, quoi: str) -> date:
    if not isinstance(valeur, str):
        raise HouseholdError(f"{quoi} doit être une date au format AAAA-MM-JJ.")
    try:
        if len(valeur) != 10:
            raise ValueError(valeur)
        return date.fromisoformat(valeur)
    except ValueError:
        raise HouseholdError(
            f"{quoi} « {valeur} » n'est pas une date valide (format attendu AAAA-MM-JJ)."
        ) from None


def lire_demande(foyer: Any, territoires: tuple[str, ...] | None = None) -> Demande:
    """Valide le foyer du contrat §5 (``valider_foyer``) et le convertit en ``Demande``."""
    modele = valider_foyer(foyer)
    if territoires is not None and modele.territoire not in territoires:
        raise HouseholdError(
            f"Le territoire est inconnu (attendu : {valeurs_admises(territoires)}).", "territoire"
        )
    membres = tuple(
        Membre(
            index=i,
            role=m.role,
            date_naissance=m.date_naissance,
            garde_alternee=m.garde_alternee,
            activite=m.activite,
            ressources=(
                {k: v for k, v in m.ressources.model_dump().items() if v is not None}
                if m.ressources is not None
                else {}
            ),
            situation_particuliere=m.situation_particuliere,
            engagement_autonomie=m.engagement_autonomie,
            rattache_foyer_fiscal_parents=m.rattache_foyer_fiscal_parents,
            nom=m.nom,
            prenoms=m.prenoms,
            nom_usage=m.nom_usage,
        )
        for i, m in enumerate(modele.membres)
    )
    return Demande(
        date_demande=modele.date_demande,
        territoire=modele.territoire,
        logement=modele.logement,
        aide_logement_mensuelle=modele.aide_logement_mensuelle,
        rsa_beneficiaire=modele.rsa_beneficiaire,
        membres=membres,
        date_ouverture_droit=modele.date_ouverture_droit,
        date_fin_droits=modele.date_fin_droits,
    )
