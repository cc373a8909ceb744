"""Lecture et validation du foyer d'entrée (contrat §5, ``HOUSEHOLD.json``).

Tout écart au format est une ``HouseholdError`` dont le message, en français, dit quoi
corriger : une clé de ressource inconnue est une erreur (jamais un zéro silencieux), de même
qu'une date invalide, un territoire, un logement ou un rôle inconnu.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from .formules import decimal

ROLES = ("demandeur", "conjoint", "enfant", "autre")
LOGEMENTS = ("locataire", "proprietaire", "heberge_gratuit", "aide_logement")
ACTIVITES = ("actif", "chomeur", "etudiant", "retraite", "inactif")

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
CLES_RESSOURCES = (tuple(RESSOURCES_COMPTEES) + tuple(RESSOURCES_ABATTUES)
                   + tuple(RESSOURCES_DEDUITES) + tuple(PATRIMOINE))

# Clés admises en plus de celles du contrat (ignorées par le calcul, sauf date_ouverture_droit).
CLES_FOYER = ("date_demande", "territoire", "logement", "aide_logement_mensuelle",
              "rsa_beneficiaire", "membres")
CLES_FOYER_EN_PLUS = ("date_ouverture_droit", "provenance", "commentaire")
CLES_MEMBRE = ("role", "date_naissance", "garde_alternee", "activite", "ressources")
CLES_MEMBRE_EN_PLUS = ("nom", "prenoms", "commentaire")


class HouseholdError(ValueError):
    """Le foyer fourni est invalide ; le message, en français, dit quoi corriger."""


@dataclass(frozen=True)
class Membre:
    index: int  # position dans la liste « membres » du fichier
    role: str
    date_naissance: date
    garde_alternee: bool
    activite: str | None
    ressources: dict[str, Decimal]


@dataclass(frozen=True)
class Demande:
    date_demande: date
    territoire: str
    logement: str
    aide_logement_mensuelle: Decimal
    rsa_beneficiaire: bool
    membres: tuple[Membre, ...]
    date_ouverture_droit: date | None


def _liste(valeurs: tuple[str, ...]) -> str:
    return ", ".join(f"« {v} »" for v in valeurs)


def lire_date(valeur: Any, quoi: str) -> date:
    if not isinstance(valeur, str):
        raise HouseholdError(f"{quoi} doit être une date au format AAAA-MM-JJ.")
    try:
        if len(valeur) != 10:
            raise ValueError(valeur)
        return date.fromisoformat(valeur)
    except ValueError:
        raise HouseholdError(
            f"{quoi} « {valeur} » n'est pas une date valide (format attendu AAAA-MM-JJ).") from None


def _montant(valeur: Any, quoi: str) -> Decimal:
    if isinstance(valeur, bool) or not isinstance(valeur, int | float):
        raise HouseholdError(f"{quoi} doit être un nombre (en euros).")
    if isinstance(valeur, float) and not math.isfinite(valeur):
        raise HouseholdError(f"{quoi} doit être un nombre fini.")
    if valeur < 0:
        raise HouseholdError(f"{quoi} ne peut pas être négatif.")
    return decimal(valeur)


def _booleen(valeur: Any, quoi: str) -> bool:
    if not isinstance(valeur, bool):
        raise HouseholdError(f"{quoi} doit valoir true ou false.")
    return valeur


def _cles_inconnues(objet: dict[str, Any], admises: tuple[str, ...], quoi: str) -> None:
    inconnues = sorted(k for k in objet if k not in admises)
    if inconnues:
        raise HouseholdError(f"Clé inconnue {', '.join(repr(k) for k in inconnues)} dans {quoi}.")


def _membre(index: int, brut: Any, date_demande: date) -> Membre:
    quoi = f"le membre n° {index + 1}"
    if not isinstance(brut, dict):
        raise HouseholdError(f"Le membre n° {index + 1} doit être un objet JSON.")
    _cles_inconnues(brut, CLES_MEMBRE + CLES_MEMBRE_EN_PLUS, quoi)
    role = brut.get("role")
    if role not in ROLES:
        raise HouseholdError(
            f"Le rôle {role!r} du membre n° {index + 1} est inconnu (attendu : {_liste(ROLES)}).")
    if "date_naissance" not in brut:
        raise HouseholdError(f"La date de naissance du membre n° {index + 1} est manquante.")
    naissance = lire_date(brut["date_naissance"], f"La date de naissance du membre n° {index + 1}")
    if naissance > date_demande:
        raise HouseholdError(
            f"La date de naissance du membre n° {index + 1} est postérieure à la date de demande.")
    garde = _booleen(brut.get("garde_alternee", False), f"« garde_alternee » du membre n° {index + 1}")
    activite = brut.get("activite")
    if activite is not None and activite not in ACTIVITES:
        raise HouseholdError(
            f"L'activité {activite!r} du membre n° {index + 1} est inconnue (attendu : {_liste(ACTIVITES)}).")
    ressources_brutes = brut.get("ressources", {})
    if ressources_brutes is None:
        ressources_brutes = {}
    if not isinstance(ressources_brutes, dict):
        raise HouseholdError(f"Les ressources du membre n° {index + 1} doivent être un objet JSON.")
    ressources: dict[str, Decimal] = {}
    for cle, valeur in ressources_brutes.items():
        if cle not in CLES_RESSOURCES:
            raise HouseholdError(
                f"La ressource {cle!r} du membre n° {index + 1} est inconnue ; "
                f"clés admises : {', '.join(CLES_RESSOURCES)}.")
        ressources[cle] = _montant(valeur, f"La ressource « {cle} » du membre n° {index + 1}")
    return Membre(index=index, role=role, date_naissance=naissance, garde_alternee=garde,
                  activite=activite, ressources=ressources)


def lire_demande(foyer: Any, territoires: tuple[str, ...]) -> Demande:
    """Valide le foyer du contrat §5 et le convertit en ``Demande``."""
    if not isinstance(foyer, dict):
        raise HouseholdError("Le foyer doit être un objet JSON.")
    _cles_inconnues(foyer, CLES_FOYER + CLES_FOYER_EN_PLUS, "le foyer")
    if "date_demande" not in foyer:
        raise HouseholdError("La date de demande (« date_demande ») est manquante.")
    date_demande = lire_date(foyer["date_demande"], "La date de demande")
    territoire = foyer.get("territoire")
    if territoire not in territoires:
        raise HouseholdError(
            f"Le territoire {territoire!r} est inconnu (attendu : {_liste(territoires)}).")
    logement = foyer.get("logement")
    if logement not in LOGEMENTS:
        raise HouseholdError(
            f"Le logement {logement!r} est inconnu (attendu : {_liste(LOGEMENTS)}).")
    aide = _montant(foyer.get("aide_logement_mensuelle", 0), "« aide_logement_mensuelle »")
    if aide > 0 and logement != "aide_logement":
        raise HouseholdError(
            "Une aide au logement est indiquée mais le logement n'est pas « aide_logement ».")
    rsa = _booleen(foyer.get("rsa_beneficiaire", False), "« rsa_beneficiaire »")
    ouverture = None
    if foyer.get("date_ouverture_droit") is not None:
        ouverture = lire_date(foyer["date_ouverture_droit"], "La date d'ouverture du droit")
        if ouverture < date_demande:
            raise HouseholdError("La date d'ouverture du droit précède la date de demande.")
    membres_bruts = foyer.get("membres")
    if not isinstance(membres_bruts, list) or not membres_bruts:
        raise HouseholdError("La liste des membres du foyer (« membres ») est absente ou vide.")
    membres = tuple(_membre(i, m, date_demande) for i, m in enumerate(membres_bruts))
    demandeurs = sum(m.role == "demandeur" for m in membres)
    if demandeurs != 1:
        raise HouseholdError(
            f"Le foyer doit comporter exactement un demandeur (il en comporte {demandeurs}).")
    if sum(m.role == "conjoint" for m in membres) > 1:
        raise HouseholdError("Le foyer ne peut comporter qu'un seul conjoint.")
    return Demande(date_demande=date_demande, territoire=territoire, logement=logement,
                   aide_logement_mensuelle=aide, rsa_beneficiaire=rsa, membres=membres,
                   date_ouverture_droit=ouverture)
