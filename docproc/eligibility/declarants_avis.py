"""Qui est qui sur l'avis : le rôle de chaque déclarant dans le foyer (par le nom, sinon par la
position), et les contrôles des identités, du bénéficiaire et de la composition du foyer
déclaré.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from .formules import decimal
from .identite import (
    APPROCHE,
    Identite,
    apparier,
    identite,
    identite_libre,
    plier,
    ressemblance_libre,
)
from .reprise import ROLES_DECLARANTS, Reprise, liste_de
from .texte import nombre


def _personne_declarant(declarant: dict[str, Any], numero: int) -> dict[str, Any]:
    return {"declarant": numero, "nom": declarant.get("nom"), "prenoms": declarant.get("prenoms")}


def _personne_membre(membre: dict[str, Any]) -> dict[str, Any]:
    return {
        "role": membre.get("role"),
        "nom": membre.get("nom"),
        "prenoms": membre.get("prenoms"),
        "nom_usage": membre.get("nom_usage"),
    }


def roles_declarants(
    reprise: Reprise, champs: dict[str, Any], premier: bool, document: dict[str, Any] | None = None
) -> dict[int, str]:
    """Rôle dans le foyer de chaque déclarant de l'avis (1, 2), et contrôle des identités.

    Par le nom quand la déclaration le donne (« nom », « prenoms », « nom_usage » des membres,
    rapprochés par ``identite.apparier``), sinon par la position : 1er avis = demandeur (et
    conjoint) ; 2e avis (concubins) = conjoint. Un désaccord de noms est un avertissement pour
    l'agent (les deux côtés dans ``data``), jamais un refus.
    """
    positions = {1: "demandeur", 2: "conjoint"} if premier else {1: "conjoint"}
    declarants = [x for x in liste_de(champs.get("declarants")) if isinstance(x, dict)]
    membres = [
        m for m in reprise.membres() if isinstance(m, dict) and m.get("role") in ROLES_DECLARANTS
    ]
    ids_declarants = [identite(d.get("nom"), d.get("prenoms")) for d in declarants]
    ids_membres = [identite(m.get("nom"), m.get("prenoms"), m.get("nom_usage")) for m in membres]
    couples = apparier(ids_declarants, ids_membres)
    par_nom = {i + 1: str(membres[j]["role"]) for i, (j, _) in couples.items()}
    for numero, role in positions.items():
        if numero not in par_nom and role not in par_nom.values():
            par_nom[numero] = role
    if reprise.declare:
        _controler_identites(
            reprise, declarants, ids_declarants, membres, ids_membres, couples, premier
        )
        if document is not None:
            _controler_beneficiaire(reprise, document, declarants, ids_declarants)
    return par_nom


def _controler_identites(
    reprise: Reprise,
    declarants: list[dict[str, Any]],
    ids_declarants: list[Identite],
    membres: list[dict[str, Any]],
    ids_membres: list[Identite],
    couples: dict[int, tuple[int, int]],
    premier: bool,
) -> None:
    if not any(i.connue for i in ids_membres):
        return  # aucun nom déclaré : rien à comparer
    cote_membres = [_personne_membre(m) for m in membres if isinstance(m, dict)]
    for i, declarant in enumerate(declarants):
        if not ids_declarants[i].connue:
            continue
        if i not in couples:
            reprise.avertir(
                "identite_inconnue",
                "Un déclarant de l'avis d'impôt ne correspond à aucun membre du foyer "
                "déclaré (nom et prénoms) : vérifier que l'avis est bien celui du foyer.",
                declarant=_personne_declarant(declarant, i + 1),
                membres=cote_membres,
            )
        elif couples[i][1] == APPROCHE:
            reprise.avertir(
                "identite_approchee",
                "Le nom d'un déclarant de l'avis d'impôt ne correspond à celui d'un membre "
                "du foyer qu'à une faute de lecture près : à vérifier.",
                declarant=_personne_declarant(declarant, i + 1),
                membre=_personne_membre(membres[couples[i][0]]),
            )
    apparies = {j for j, _ in couples.values()}
    if premier and any(i.connue for i in ids_declarants):
        for j, m in enumerate(membres):
            if m.get("role") == "demandeur" and ids_membres[j].connue and j not in apparies:
                reprise.avertir(
                    "demandeur_absent_avis",
                    "Le demandeur ne figure pas parmi les déclarants de l'avis d'impôt : "
                    "vérifier que l'avis est bien le sien.",
                    membre=_personne_membre(m),
                    declarants=[_personne_declarant(d, k + 1) for k, d in enumerate(declarants)],
                )


def _controler_beneficiaire(
    reprise: Reprise,
    document: dict[str, Any],
    declarants: list[dict[str, Any]],
    ids_declarants: list[Identite],
) -> None:
    """Le « beneficiaire » indiqué à l'envoi du fichier doit être l'un des déclarants."""
    if not any(i.connue for i in ids_declarants):
        return
    fichiers = {p.get("file") for p in liste_de(document.get("pages")) if isinstance(p, dict)}
    for fichier in sorted(f for f in fichiers if isinstance(f, str)):
        beneficiaire = reprise.beneficiaires.get(fichier)
        if not isinstance(beneficiaire, str) or not plier(beneficiaire):
            continue
        libre = identite_libre(beneficiaire)
        if not any(ressemblance_libre(libre, i) is not None for i in ids_declarants if i.connue):
            reprise.avertir(
                "beneficiaire_discordant",
                "Le bénéficiaire indiqué à l'envoi de l'avis d'impôt n'en est pas l'un des "
                "déclarants : vérifier que le document est rattaché à la bonne personne.",
                beneficiaire=beneficiaire,
                declarants=[_personne_declarant(d, k + 1) for k, d in enumerate(declarants)],
            )


def controler_foyer(reprise: Reprise, champs: dict[str, Any]) -> None:
    situation = champs.get("situation_famille")
    conjoint = reprise.membre("conjoint", creer=False) is not None
    if situation in ("M", "O") and not conjoint:
        reprise.avertir(
            "foyer_conjoint",
            "L'avis d'impôt concerne un couple marié ou pacsé, mais aucun conjoint "
            "n'est déclaré dans le foyer.",
            situation_famille=situation,
        )
    declares = reprise.personnes_a_charge()
    pac = champs.get("personnes_a_charge")
    if isinstance(pac, int) and pac != len(declares):
        reprise.avertir(
            "foyer_personnes_a_charge",
            "Le nombre de personnes à charge de l'avis d'impôt diffère de celui du foyer déclaré.",
            avis=pac,
            declare=len(declares),
        )
    parts = champs.get("nombre_parts")
    if isinstance(parts, int | float) and not isinstance(parts, bool):
        attendu = Decimal(2) if situation in ("M", "O") else Decimal(1)
        for rang, m in enumerate(declares, start=1):
            part = Decimal("0.5") if rang <= 2 else Decimal(1)
            attendu += part / 2 if m.get("garde_alternee") else part
        if decimal(parts) < attendu or decimal(parts) > attendu + 1:
            reprise.avertir(
                "foyer_nombre_parts",
                "Le nombre de parts de l'avis d'impôt ne correspond pas à la composition "
                "du foyer déclaré.",
                avis=parts,
                attendu=nombre(attendu),
                personnes=len(reprise.membres()),
            )
