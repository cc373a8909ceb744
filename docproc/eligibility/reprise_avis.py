"""Lecture des avis d'impôt (et ASDIR) pour le foyer : déclarants, revenus, composition.

Les revenus de l'avis vont au membre du foyer qui est le déclarant de leur colonne (reconnu par
le nom, sinon par la position) ; les lignes sans déclarant suivent la règle de
``alimentation`` (patrimoine : 1er déclarant ; colonne des personnes à charge : une personne à
charge du foyer).
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
from .lecture_baremes import BAREMES
from .reprise import (
    ROLES_DECLARANTS,
    Reprise,
    champs_de,
    liste_de,
    montant_de,
    normaliser,
)
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


def _personne_declarant(declarant: dict[str, Any], numero: int) -> dict[str, Any]:
    return {"declarant": numero, "nom": declarant.get("nom"), "prenoms": declarant.get("prenoms")}


def _personne_membre(membre: dict[str, Any]) -> dict[str, Any]:
    return {
        "role": membre.get("role"),
        "nom": membre.get("nom"),
        "prenoms": membre.get("prenoms"),
        "nom_usage": membre.get("nom_usage"),
    }


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


def _roles_declarants(
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


def _un_avis(reprise: Reprise, index: int, document: dict[str, Any], premier: bool) -> None:
    champs = champs_de(document)
    annee = champs["annee_revenus"]
    origine = f"L'avis d'impôt sur les revenus {annee}"
    roles = _roles_declarants(reprise, champs, premier, document)
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
        _controler_foyer(reprise, champs)
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


def _controler_foyer(reprise: Reprise, champs: dict[str, Any]) -> None:
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
