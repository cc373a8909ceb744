"""Lecture des avis d'impôt (et ASDIR) pour le foyer : déclarants, revenus, composition.

Les revenus de l'avis vont au membre du foyer qui est le déclarant de leur colonne (reconnu par
le nom, sinon par la position) ; les lignes sans déclarant suivent la règle de
``alimentation`` (patrimoine : 1er déclarant ; colonne des personnes à charge : une personne à
charge du foyer). Qui est qui sur l'avis, et les contrôles du foyer : ``declarants_avis``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from .declarants_avis import controler_foyer, roles_declarants
from .lecture_baremes import BAREMES
from .reprise import Reprise, champs_de, liste_de, montant_de, normaliser
from .texte import nombre

TYPES_AVIS = ("avis_impot_revenu", "asdir")

# Catégorie de l'avis → (clé de ressource, politique) ; politique « avis » : le montant de
# l'avis fait foi ; « periode » : le déclaré fait foi, l'avis complète ce qui manque.
CATEGORIES_AVIS: dict[str, tuple[str | None, str]] = {
    "salaires": ("salaire_net", "periode"),
    "pensions_retraites": ("retraite_nette", "periode"),
    "chomage": ("chomage_net", "periode"),
    "pensions_alimentaires_recues": ("pensions_alimentaires_percues", "avis"),  # R861-8, 2e phrase
    "pensions_alimentaires_versees": ("pensions_alimentaires_versees", "periode"),
    "revenus_fonciers": ("revenus_locatifs", "avis"),
    "revenus_capitaux_mobiliers": ("revenus_capital", "avis"),
    "bic": ("tns_benefice", "avis"),
    "bnc": ("tns_benefice", "avis"),
    "ba": ("tns_benefice", "avis"),
    "micro_entreprise": ("tns_benefice", "avis"),
    "plus_values": (None, "ignore"),
    "autres": (None, "signaler"),
}

# Pourquoi l'avis fait foi pour ces ressources (repris dans la provenance).
REGLE_AVIS = {
    "revenus_locatifs": "R861-8 : revenus du patrimoine du dernier avis d'imposition connu",
    "revenus_capital": "R861-8 : produits de placement du dernier avis d'imposition connu",
    "pensions_alimentaires_percues": "R861-8 : pensions alimentaires perçues du dernier avis d'imposition connu",
}

# Ressources du patrimoine du foyer (revenus de capitaux, fonciers) : sans déclarant sur l'avis,
# elles sont du foyer fiscal entier et tenues par le 1er déclarant (aucune règle ne regarde qui
# les perçoit). Toute autre ligne sans déclarant est celle de la colonne des personnes à charge.
RESSOURCES_DU_FOYER = ("revenus_capital", "revenus_locatifs")


def lire_avis(reprise: Reprise, documents: list[tuple[int, dict[str, Any]]]) -> None:
    candidats = [
        (i, d)
        for i, d in documents
        if d.get("kind") in TYPES_AVIS
        and isinstance(champs_de(d).get("annee_revenus"), int)
        and not isinstance(champs_de(d).get("annee_revenus"), bool)
    ]
    if not candidats:
        if not reprise.declare:
            reprise.avertir("avis_absent", "Aucun avis d'impôt exploitable n'a été fourni.")
        return
    annee = max(champs_de(d)["annee_revenus"] for _, d in candidats)
    retenus: list[tuple[int, dict[str, Any]]] = []
    vus: set[str] = set()
    # Les avis avant les ASDIR : pour un même foyer fiscal, l'avis fait foi.
    for i, d in sorted(candidats, key=lambda x: (x[1].get("kind") != "avis_impot_revenu", x[0])):
        champs = champs_de(d)
        if champs["annee_revenus"] != annee:
            continue
        cle = (
            champs.get("reference_avis")
            or "|".join(
                sorted(
                    normaliser(x.get("identite"))
                    for x in liste_de(champs.get("declarants"))
                    if isinstance(x, dict)
                )
            )
            or f"#{i}"
        )
        if cle in vus:
            continue
        vus.add(cle)
        retenus.append((i, d))
    if annee < reprise.jour.year - 2:
        reprise.avertir(
            "avis_ancien",
            "L'avis d'impôt le plus récent fourni porte sur des revenus trop anciens : "
            "demander le dernier avis.",
            annee_revenus=annee,
        )
    for rang, (i, d) in enumerate(retenus[:2]):
        _un_avis(reprise, i, d, premier=rang == 0)
    if len(retenus) > 2:
        reprise.avertir(
            "avis_en_trop",
            "Plus de deux avis d'impôt pour la même année : seuls les deux premiers sont utilisés.",
            annee_revenus=annee,
        )


def _un_avis(reprise: Reprise, index: int, document: dict[str, Any], premier: bool) -> None:
    champs = champs_de(document)
    annee = champs["annee_revenus"]
    origine = f"L'avis d'impôt sur les revenus {annee}"
    roles = roles_declarants(reprise, champs, premier, document)
    couple_fiscal = champs.get("situation_famille") in ("M", "O")
    if not reprise.declare and premier:
        reprise.membre("demandeur", creer=True)
        if couple_fiscal or len(liste_de(champs.get("declarants"))) > 1:
            reprise.membre("conjoint", creer=True)
        pac = champs.get("personnes_a_charge")
        if isinstance(pac, int) and 0 < pac <= 20:
            for _ in range(pac):
                reprise.membres().append({"role": "enfant", "ressources": {}})
            reprise.avertir(
                "foyer_incomplet",
                "Les personnes à charge indiquées sur l'avis d'impôt ont été ajoutées au "
                "foyer : compléter leur date de naissance.",
                personnes_a_charge=pac,
            )
    if reprise.declare and premier:
        controler_foyer(reprise, champs)
    # Regroupement : (membre, clé, politique) → membre, montant et traces.
    cumuls: dict[tuple[int, str, str], tuple[dict[str, Any], Decimal, list[dict[str, Any]]]] = {}
    for j, ligne in enumerate(liste_de(champs.get("revenus"))):
        if not isinstance(ligne, dict):
            continue
        categorie = ligne.get("categorie")
        montant = montant_de(ligne.get("montant"))
        if categorie not in CATEGORIES_AVIS or montant is None or montant == 0:
            continue
        cle, politique = CATEGORIES_AVIS[categorie]
        numero = ligne.get("declarant")
        champ = f"revenus[{j}]"
        a_charge = not isinstance(numero, int) and cle not in RESSOURCES_DU_FOYER
        if isinstance(numero, int):
            role = roles.get(numero)
        else:
            role = "personne_a_charge" if a_charge else roles.get(1)
        if cle is None:
            reprise.trace(
                document,
                index,
                champ,
                categorie=categorie,
                montant=nombre(montant),
                ressource=None,
                role=role,
                utilise=False,
                motif="catégorie non retenue pour la CSS"
                if politique == "ignore"
                else "catégorie à qualifier par l'agent",
            )
            if politique == "signaler":
                reprise.avertir(
                    "revenu_autre",
                    f"{origine} mentionne d'autres revenus, à qualifier avant la décision.",
                    montant=nombre(montant),
                    annee_revenus=annee,
                )
            continue
        if a_charge:
            membre = reprise.personne_a_charge(creer=not reprise.declare)
            if membre is None:
                _revenu_sans_membre(
                    reprise,
                    (document, index, champ),
                    categorie,
                    montant,
                    cle,
                    "personne à charge absente du foyer déclaré",
                    "personne_a_charge_absente",
                    f"{origine} comporte des revenus de personnes à charge, mais le foyer "
                    "déclaré n'a aucune personne à charge de moins de "
                    f"{BAREMES.foyer.age_limite_personne_a_charge} ans : ils ne sont pas "
                    "comptés ; vérifier la composition du foyer.",
                    ressource=cle,
                    montant=nombre(montant),
                    annee_revenus=annee,
                )
                continue
        else:
            membre = reprise.membre(role, creer=not reprise.declare) if role else None
        if membre is None:
            _revenu_sans_membre(
                reprise,
                (document, index, champ),
                categorie,
                montant,
                cle,
                "déclarant absent du foyer déclaré",
                "declarant_absent",
                f"{origine} comporte les revenus d'un second déclarant qui ne figure pas "
                "dans le foyer déclaré : vérifier la composition du foyer.",
                annee_revenus=annee,
            )
            continue
        entree = reprise.trace(
            document,
            index,
            champ,
            categorie=categorie,
            montant=nombre(montant),
            ressource=cle,
            role=membre.get("role"),
            annee_revenus=annee,
            **({"colonne": "personnes_a_charge"} if a_charge else {}),
            **({"regle": REGLE_AVIS.get(cle, "R861-15")} if politique == "avis" else {}),
        )
        _, total, entrees = cumuls.get((id(membre), cle, politique), (membre, Decimal(0), []))
        cumuls[(id(membre), cle, politique)] = (membre, total + montant, [*entrees, entree])
    for (_, cle, politique), (membre, total, entrees) in cumuls.items():
        # Un déficit (revenus fonciers, BIC…) n'est pas une ressource négative : 0.
        reprise.reprendre(membre, cle, max(total, Decimal(0)), politique, origine, entrees)


def _revenu_sans_membre(
    reprise: Reprise,
    ligne: tuple[dict[str, Any], int, str],
    categorie: str,
    montant: Decimal,
    cle: str,
    motif: str,
    code: str,
    message: str,
    /,
    **donnees: Any,
) -> None:
    """Un revenu de l'avis qu'aucun membre du foyer déclaré ne peut porter : tracé comme non
    utilisé (``motif``) et signalé à l'agent (``code``, ``message``, ``donnees``)."""
    document, index, champ = ligne
    reprise.trace(
        document,
        index,
        champ,
        categorie=categorie,
        montant=nombre(montant),
        ressource=cle,
        role=None,
        utilise=False,
        motif=motif,
    )
    reprise.avertir(code, message, **donnees)
