"""Lecture des justificatifs autres que l'avis : attestation RSA, revenus étrangers, taxe foncière."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from .formules import arrondi_centime
from .lecture_baremes import BAREMES
from .modele_baremes import en_vigueur
from .reprise import Reprise, champs_de, date_de, liste_de, montant_de, normaliser
from .reprise_avis import TYPES_AVIS
from .texte import nombre


def lire_attestation_rsa(reprise: Reprise, index: int, document: dict[str, Any]) -> None:
    champs = champs_de(document)
    if champs.get("ressources_inferieures_rsa") is not True:
        return
    entree = reprise.trace(
        document, index, "ressources_inferieures_rsa", ressource="rsa_beneficiaire"
    )
    declare = reprise.foyer.get("rsa_beneficiaire")
    reprise.foyer["rsa_beneficiaire"] = True
    entree["utilise"] = True
    if reprise.declare and declare is not True:
        reprise.avertir(
            "rsa_non_declare",
            "Une attestation de ressources inférieures au RSA est fournie alors que le "
            "foyer ne se déclare pas bénéficiaire du RSA : la CSS sans participation "
            "est retenue, à confirmer.",
        )
    emise = date_de(champs.get("date_attestation"))
    if emise is not None and (reprise.jour - emise).days > 92:
        reprise.avertir(
            "attestation_rsa_ancienne",
            "L'attestation de ressources inférieures au RSA date de plus de trois mois : "
            "en demander une récente.",
            date_attestation=emise.isoformat(),
        )


def lire_justificatifs_etrangers(
    reprise: Reprise, documents: list[tuple[int, dict[str, Any]]]
) -> None:
    total = Decimal(0)
    entrees = []
    for index, document in documents:
        champs = champs_de(document)
        montant = montant_de(champs.get("revenu_annuel_eur"))
        if montant is None:
            if champs.get("revenu_annuel") is not None:
                reprise.avertir(
                    "devise_non_convertie",
                    "Un justificatif de revenus étrangers n'a pas pu être converti en "
                    "euros : saisir le montant converti.",
                    devise=champs.get("devise"),
                )
            continue
        total += montant
        entrees.append(
            reprise.trace(
                document,
                index,
                "revenu_annuel_eur",
                ressource="revenus_etrangers",
                montant=nombre(montant),
                role="demandeur",
                pays=champs.get("pays"),
                annee=champs.get("annee"),
            )
        )
    if entrees:
        membre = reprise.membre("demandeur", creer=True)
        assert membre is not None
        reprise.reprendre(
            membre,
            "revenus_etrangers",
            total,
            "periode",
            "Le justificatif de revenus étrangers",
            entrees,
        )


def adresse_residence(documents: list[tuple[int, dict[str, Any]]]) -> str:
    for types in (("taxe_habitation",), TYPES_AVIS):
        for _, d in documents:
            if d.get("kind") in types:
                adresse = normaliser(champs_de(d).get("adresse"))
                if adresse:
                    return adresse
    return ""


def lire_taxes_foncieres(
    reprise: Reprise, documents: list[tuple[int, dict[str, Any]]], residence: str
) -> None:
    regle = en_vigueur(BAREMES.patrimoine, reprise.jour)
    cadastral = BAREMES.revenu_cadastral
    totaux = {
        "valeur_locative_immo_non_loue": Decimal(0),
        "valeur_locative_terrains_non_loues": Decimal(0),
    }
    entrees: dict[str, list[dict[str, Any]]] = {cle: [] for cle in totaux}
    for index, document in documents:
        for j, bien in enumerate(liste_de(champs_de(document).get("biens"))):
            if not isinstance(bien, dict):
                continue
            rc = montant_de(bien.get("revenu_cadastral"))
            if rc is None or rc <= 0:
                continue
            bati = bien.get("nature") != "non_bati"
            cle = "valeur_locative_immo_non_loue" if bati else "valeur_locative_terrains_non_loues"
            adresse = normaliser(bien.get("adresse"))
            champ = f"biens[{j}]"
            if residence and adresse and (adresse in residence or residence in adresse):
                reprise.trace(
                    document,
                    index,
                    champ,
                    ressource=None,
                    utilise=False,
                    motif="résidence principale (couverte par le forfait logement)",
                )
                if (
                    reprise.declare
                    and reprise.foyer.get("logement") in ("locataire", "aide_logement")
                    and bati
                ):
                    reprise.avertir(
                        "logement_proprietaire",
                        "L'avis de taxe foncière porte sur l'adresse du foyer alors que le "
                        "foyer se déclare locataire : vérifier le statut d'occupation.",
                    )
                continue
            if regle is None:
                reprise.trace(
                    document,
                    index,
                    champ,
                    ressource=cle,
                    utilise=False,
                    motif="biens non productifs de revenu plus comptés (décret du 28 juin 2025)",
                )
                continue
            valeur = arrondi_centime(rc / (cadastral.bati if bati else cadastral.non_bati))
            totaux[cle] += valeur
            entrees[cle].append(
                reprise.trace(
                    document,
                    index,
                    champ,
                    ressource=cle,
                    role="demandeur",
                    revenu_cadastral=nombre(rc),
                    valeur_locative=nombre(valeur),
                )
            )
            reprise.avertir(
                "bien_non_loue",
                "Un bien de l'avis de taxe foncière n'est pas la résidence principale : il "
                "est compté comme bien non loué ; vérifier qu'il ne produit pas de loyers.",
                nature="bati" if bati else "non_bati",
                valeur_locative=nombre(valeur),
            )
    for cle, total in totaux.items():
        if entrees[cle]:
            membre = reprise.membre("demandeur", creer=True)
            assert membre is not None
            reprise.reprendre(
                membre, cle, total, "periode", "L'avis de taxe foncière", entrees[cle]
            )
