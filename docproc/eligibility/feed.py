"""Alimentation du foyer à partir des documents extraits (contrat §3 → contrat §5).

``household_from_documents(declared, documents, request_date)`` part du foyer déclaré et le
complète avec les documents acceptés (ou à vérifier) ; les documents rejetés ne sont jamais
utilisés. Chaque montant repris d'un document est tracé dans ``household["provenance"]``
(document, page, champ) ; chaque désaccord entre la déclaration et les documents devient un
avertissement pour l'agent, au format CHECK du contrat.

Règles de reprise (ce que la caisse prend de l'avis d'impôt) :

- revenus de capitaux mobiliers, revenus fonciers, pensions alimentaires reçues : le montant
  du dernier avis d'imposition connu est retenu (R861-8, 2e phrase : revenus du patrimoine,
  produits de placement, salaires et pensions de source étrangère, pensions et obligations
  alimentaires perçues « sont ceux du dernier avis d'imposition connu ») ; bénéfices d'activité
  indépendante (BIC, BNC, BA, micro-entreprise) : l'avis aussi (R861-15 CSS) ;
- salaires, pensions, chômage, pensions alimentaires versées : la CSS retient les montants
  perçus sur la période de référence (M-13 … M-2), que l'avis ne donne pas. Le montant déclaré
  est gardé ; s'il manque, celui de l'avis est repris comme estimation, avec un avertissement ;
- plus-values : non reprises (tracées) ; « autres » revenus : signalés à l'agent ;
- lignes sans déclarant (``declarant`` null) : les revenus du patrimoine (capitaux, fonciers)
  sont ceux du foyer fiscal, tenus par le 1er déclarant ; toute autre ligne vient de la colonne
  des personnes à charge : elle est du foyer (R861-2, L861-2) mais d'aucun déclarant, et va à
  une personne à charge du foyer (jamais au demandeur) ;
- attestation de ressources inférieures au RSA : bénéficiaire du RSA ;
- justificatif étranger : revenus perçus à l'étranger (montant converti en euros) ;
- taxe foncière : biens non loués (hors résidence principale), pour les demandes antérieures
  au décret du 28 juin 2025 seulement.

Les messages ne contiennent aucune donnée personnelle : les montants sont dans ``data``.
"""

from __future__ import annotations

import copy
import re
import unicodedata
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from .formules import age_au, arrondi_centime, decimal
from .identite import (
    APPROCHE,
    Identite,
    apparier,
    identite,
    identite_libre,
    plier,
    ressemblance_libre,
)
from .regles import BAREMES, en_vigueur
from .texte import nombre

KINDS_AVIS = ("avis_impot_revenu", "asdir")

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

LIBELLES = {
    "salaire_net": "des salaires",
    "retraite_nette": "des pensions de retraite",
    "chomage_net": "des allocations chômage",
    "pensions_alimentaires_percues": "des pensions alimentaires reçues",
    "pensions_alimentaires_versees": "des pensions alimentaires versées",
    "revenus_locatifs": "des revenus fonciers",
    "revenus_capital": "des revenus de capitaux mobiliers",
    "tns_benefice": "des revenus d'activité indépendante",
    "revenus_etrangers": "des revenus perçus à l'étranger",
    "valeur_locative_immo_non_loue": "des biens bâtis non loués",
    "valeur_locative_terrains_non_loues": "des terrains non loués",
}

# Pourquoi l'avis fait foi pour ces ressources (repris dans la provenance).
REGLE_AVIS = {
    "revenus_locatifs": "R861-8 : revenus du patrimoine du dernier avis d'imposition connu",
    "revenus_capital": "R861-8 : produits de placement du dernier avis d'imposition connu",
    "pensions_alimentaires_percues": "R861-8 : pensions alimentaires perçues du dernier avis d'imposition connu",
}

ROLES_DECLARANTS = {"demandeur": "le demandeur", "conjoint": "le conjoint"}
DU_DECLARANT = {"demandeur": "du demandeur", "conjoint": "du conjoint"}
ROLES_A_CHARGE = ("enfant", "autre")
QUI = {**ROLES_DECLARANTS, "enfant": "une personne à charge", "autre": "une personne à charge"}
DE_QUI = {**DU_DECLARANT, "enfant": "d'une personne à charge", "autre": "d'une personne à charge"}
# Ressources du patrimoine du foyer (revenus de capitaux, fonciers) : sans déclarant sur l'avis,
# elles sont du foyer fiscal entier et tenues par le 1er déclarant (aucune règle ne regarde qui
# les perçoit). Toute autre ligne sans déclarant est celle de la colonne des personnes à charge.
RESSOURCES_DU_FOYER = ("revenus_capital", "revenus_locatifs")
ECART_TOLERE = Decimal(1)  # euros
# Pour les revenus appréciés sur la période de référence, l'avis (année civile précédente)
# diffère normalement un peu du déclaré : seul un écart de plus de 10 % est signalé.
ECART_RELATIF_PERIODE = Decimal("0.10")


def _personne_declarant(declarant: dict[str, Any], numero: int) -> dict[str, Any]:
    return {"declarant": numero, "nom": declarant.get("nom"), "prenoms": declarant.get("prenoms")}


def _personne_membre(membre: dict[str, Any]) -> dict[str, Any]:
    return {"role": membre.get("role"), "nom": membre.get("nom"), "prenoms": membre.get("prenoms"),
            "nom_usage": membre.get("nom_usage")}


def _avertissement(code: str, message: str, **data: Any) -> dict[str, Any]:
    return {"code": f"eligibilite.{code}", "level": "warning", "ok": False, "message": message,
            "data": data}


def _normaliser(texte: Any) -> str:
    if not isinstance(texte, str):
        return ""
    sans_accents = unicodedata.normalize("NFKD", texte).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Z0-9]+", " ", sans_accents.upper()).strip()


def _montant(valeur: Any) -> Decimal | None:
    if isinstance(valeur, bool) or not isinstance(valeur, int | float):
        return None
    resultat = decimal(valeur)
    return resultat if resultat.is_finite() else None


def _champs(document: dict[str, Any]) -> dict[str, Any]:
    champs = document.get("fields")
    return champs if isinstance(champs, dict) else {}


def _liste(valeur: Any) -> list[Any]:
    return valeur if isinstance(valeur, list) else []


def _date(valeur: Any) -> date | None:
    if not isinstance(valeur, str):
        return None
    try:
        return date.fromisoformat(valeur[:10])
    except ValueError:
        return None


class _Alimentation:
    def __init__(self, declared: dict[str, Any] | None, request_date: date,
                 beneficiaires: Mapping[str, str | None] | None = None) -> None:
        self.declare = declared is not None
        self.beneficiaires = dict(beneficiaires or {})
        self.jour = request_date
        self.avertissements: list[dict[str, Any]] = []
        self.provenance: list[dict[str, Any]] = []
        if declared is None:
            self.foyer: dict[str, Any] = {
                "date_demande": request_date.isoformat(), "territoire": "metropole",
                "logement": "locataire", "aide_logement_mensuelle": 0, "rsa_beneficiaire": False,
                "membres": []}
            self.avertir("foyer_non_declare",
                         "Aucun foyer n'a été déclaré : il est reconstitué à partir des documents. "
                         "Le territoire, le logement et les dates de naissance sont à compléter.")
        else:
            self.foyer = copy.deepcopy(declared)
            self.foyer.setdefault("date_demande", request_date.isoformat())
        if not isinstance(self.foyer.get("membres"), list):
            self.foyer["membres"] = []
        # Montants déclarés d'origine, avant toute reprise (par rôle de membre).
        self.declares = {id(m): dict(m.get("ressources") or {}) for m in self.membres()
                         if isinstance(m, dict)}

    # -- outils ------------------------------------------------------------------------

    def avertir(self, code: str, message: str, **data: Any) -> None:
        avertissement = _avertissement(code, message, **data)
        if avertissement not in self.avertissements:
            self.avertissements.append(avertissement)

    def membres(self) -> list[dict[str, Any]]:
        membres: list[dict[str, Any]] = self.foyer["membres"]
        return membres

    def membre(self, role: str, creer: bool) -> dict[str, Any] | None:
        for m in self.membres():
            if isinstance(m, dict) and m.get("role") == role:
                return m
        if not creer:
            return None
        nouveau: dict[str, Any] = {"role": role, "ressources": {}}
        self.membres().append(nouveau)
        self.declares[id(nouveau)] = {}
        return nouveau

    def personnes_a_charge(self) -> list[dict[str, Any]]:
        limite = BAREMES.foyer.age_limite_personne_a_charge
        resultat = []
        for m in self.membres():
            if not isinstance(m, dict) or m.get("role") not in ("enfant", "autre"):
                continue
            naissance = _date(m.get("date_naissance"))
            if naissance is None or age_au(self.jour, naissance) < limite:
                resultat.append(m)
        return resultat

    def personne_a_charge(self, creer: bool) -> dict[str, Any] | None:
        """Le membre qui reçoit les revenus de la colonne « personnes à charge » de l'avis.

        Ces revenus sont ceux du foyer (R861-2 : les personnes à charge de moins de 25 ans en
        font partie, L861-2 : toutes leurs ressources sont comptées) mais d'aucun déclarant :
        les mettre au compte du demandeur les confondrait avec ses propres revenus (montant
        déclaré gardé à leur place, présomptions, recevabilité d'un jeune demandeur). L'avis
        n'en donne que la somme : elle va à la plus âgée des personnes à charge (peu importe
        laquelle pour le total du foyer). None si le foyer déclaré n'en a aucune.
        """
        a_charge = self.personnes_a_charge()
        if a_charge:
            return min(a_charge, key=lambda m: (_date(m.get("date_naissance")) or date.max,
                                                self.membres().index(m)))
        if not creer:
            return None
        nouveau: dict[str, Any] = {"role": "enfant", "ressources": {}}
        self.membres().append(nouveau)
        self.declares[id(nouveau)] = {}
        self.avertir("foyer_incomplet",
                     "Les personnes à charge indiquées sur l'avis d'impôt ont été ajoutées au "
                     "foyer : compléter leur date de naissance.", personnes_a_charge=1)
        return nouveau

    def trace(self, document: dict[str, Any], index: int, champ: str, **autres: Any) -> dict[str, Any]:
        provenance = document.get("provenance") if isinstance(document.get("provenance"), dict) else {}
        assert isinstance(provenance, dict)
        cle = champ.split("[")[0].split(".")[0]
        p = provenance.get(champ) or provenance.get(cle) or {}
        if not isinstance(p, dict):
            p = {}
        pages = [x for x in _liste(document.get("pages")) if isinstance(x, dict)]
        page = p.get("page")
        if page is None and pages:
            page = pages[0].get("number", pages[0].get("page"))
        fichier = next((x.get("file") for x in pages if x.get("number", x.get("page")) == page), None)
        if fichier is None and pages:
            fichier = pages[0].get("file")
        entree = {"document": {"index": index, "kind": document.get("kind")}, "champ": champ,
                  "page": page, "fichier": fichier, "source": p.get("source"),
                  "confidence": p.get("confidence"), **autres}
        self.provenance.append(entree)
        return entree

    def reprendre(self, membre: dict[str, Any], cle: str, montant: Decimal, politique: str,
                  origine: str, entrees: list[dict[str, Any]]) -> None:
        """Applique un montant issu des documents à une ressource d'un membre."""
        ressources = membre.setdefault("ressources", {})
        if not isinstance(ressources, dict):
            ressources = membre["ressources"] = {}
        declares = self.declares.get(id(membre), {})
        qui = QUI.get(str(membre.get("role")), "un membre du foyer")
        de_qui = DE_QUI.get(str(membre.get("role")), "d'un membre du foyer")
        declare = _montant(declares.get(cle)) if cle in declares else None
        montant = arrondi_centime(montant)
        data = {"ressource": cle, "role": membre.get("role"), "document": nombre(montant)}
        if politique == "avis" or cle not in declares:
            ressources[cle] = nombre(montant)
            for e in entrees:
                e["utilise"] = True
            if not self.declare:
                return
            if declare is None:
                self.avertir("revenu_non_declare",
                             f"{origine} mentionne {LIBELLES.get(cle, cle)} pour {qui}, absents de la "
                             "déclaration : le montant du document est repris, à confirmer.", **data)
            elif abs(declare - montant) > ECART_TOLERE:
                self.avertir("revenu_different",
                             f"Le montant {LIBELLES.get(cle, cle)} {de_qui} diffère entre la déclaration "
                             f"et {origine[0].lower()}{origine[1:]} : le montant du document est retenu.",
                             declare=nombre(declare), **data)
            return
        for e in entrees:
            e["utilise"] = False
            e["motif"] = "montant déclaré conservé (période de référence)"
        if declare is not None and abs(declare - montant) > max(ECART_TOLERE, ECART_RELATIF_PERIODE * montant):
            code = "revenu_non_declare" if declare == 0 else "revenu_different"
            self.avertir(code,
                         f"{origine} mentionne {LIBELLES.get(cle, cle)} pour {qui} qui diffèrent de la "
                         "déclaration : le montant déclaré est gardé (période de référence), à vérifier.",
                         declare=nombre(declare), **data)

    # -- documents ---------------------------------------------------------------------

    def avis(self, documents: list[tuple[int, dict[str, Any]]]) -> None:
        candidats = [(i, d) for i, d in documents if d.get("kind") in KINDS_AVIS
                     and isinstance(_champs(d).get("annee_revenus"), int)
                     and not isinstance(_champs(d).get("annee_revenus"), bool)]
        if not candidats:
            if not self.declare:
                self.avertir("avis_absent", "Aucun avis d'impôt exploitable n'a été fourni.")
            return
        annee = max(_champs(d)["annee_revenus"] for _, d in candidats)
        retenus: list[tuple[int, dict[str, Any]]] = []
        vus: set[str] = set()
        # Les avis avant les ASDIR : pour un même foyer fiscal, l'avis fait foi.
        for i, d in sorted(candidats, key=lambda x: (x[1].get("kind") != "avis_impot_revenu", x[0])):
            champs = _champs(d)
            if champs["annee_revenus"] != annee:
                continue
            cle = champs.get("reference_avis") or "|".join(
                sorted(_normaliser(x.get("identite")) for x in _liste(champs.get("declarants"))
                       if isinstance(x, dict))) or f"#{i}"
            if cle in vus:
                continue
            vus.add(cle)
            retenus.append((i, d))
        if annee < self.jour.year - 2:
            self.avertir("avis_ancien",
                         "L'avis d'impôt le plus récent fourni porte sur des revenus trop anciens : "
                         "demander le dernier avis.", annee_revenus=annee)
        for rang, (i, d) in enumerate(retenus[:2]):
            self.un_avis(i, d, premier=rang == 0)
        if len(retenus) > 2:
            self.avertir("avis_en_trop", "Plus de deux avis d'impôt pour la même année : seuls "
                         "les deux premiers sont utilisés.", annee_revenus=annee)

    def roles_declarants(self, champs: dict[str, Any], premier: bool,
                         document: dict[str, Any] | None = None) -> dict[int, str]:
        """Rôle dans le foyer de chaque déclarant de l'avis (1, 2), et contrôle des identités.

        Par le nom quand la déclaration le donne (« nom », « prenoms », « nom_usage » des membres,
        rapprochés par ``identite.apparier``), sinon par la position : 1er avis = demandeur (et
        conjoint) ; 2e avis (concubins) = conjoint. Un désaccord de noms est un avertissement pour
        l'agent (les deux côtés dans ``data``), jamais un refus.
        """
        positions = {1: "demandeur", 2: "conjoint"} if premier else {1: "conjoint"}
        declarants = [x for x in _liste(champs.get("declarants")) if isinstance(x, dict)]
        membres = [m for m in self.membres() if isinstance(m, dict) and m.get("role") in ROLES_DECLARANTS]
        ids_declarants = [identite(d.get("nom"), d.get("prenoms")) for d in declarants]
        ids_membres = [identite(m.get("nom"), m.get("prenoms"), m.get("nom_usage")) for m in membres]
        couples = apparier(ids_declarants, ids_membres)
        par_nom = {i + 1: str(membres[j]["role"]) for i, (j, _) in couples.items()}
        for numero, role in positions.items():
            if numero not in par_nom and role not in par_nom.values():
                par_nom[numero] = role
        if self.declare:
            self.controler_identites(declarants, ids_declarants, membres, ids_membres, couples, premier)
            if document is not None:
                self.controler_beneficiaire(document, declarants, ids_declarants)
        return par_nom

    def controler_identites(self, declarants: list[dict[str, Any]], ids_declarants: list[Identite],
                            membres: list[dict[str, Any]], ids_membres: list[Identite],
                            couples: dict[int, tuple[int, int]], premier: bool) -> None:
        if not any(i.connue for i in ids_membres):
            return  # aucun nom déclaré : rien à comparer
        cote_membres = [_personne_membre(m) for m in membres if isinstance(m, dict)]
        for i, declarant in enumerate(declarants):
            if not ids_declarants[i].connue:
                continue
            if i not in couples:
                self.avertir("identite_inconnue",
                             "Un déclarant de l'avis d'impôt ne correspond à aucun membre du foyer "
                             "déclaré (nom et prénoms) : vérifier que l'avis est bien celui du foyer.",
                             declarant=_personne_declarant(declarant, i + 1), membres=cote_membres)
            elif couples[i][1] == APPROCHE:
                self.avertir("identite_approchee",
                             "Le nom d'un déclarant de l'avis d'impôt ne correspond à celui d'un membre "
                             "du foyer qu'à une faute de lecture près : à vérifier.",
                             declarant=_personne_declarant(declarant, i + 1),
                             membre=_personne_membre(membres[couples[i][0]]))
        apparies = {j for j, _ in couples.values()}
        if premier and any(i.connue for i in ids_declarants):
            for j, m in enumerate(membres):
                if m.get("role") == "demandeur" and ids_membres[j].connue and j not in apparies:
                    self.avertir("demandeur_absent_avis",
                                 "Le demandeur ne figure pas parmi les déclarants de l'avis d'impôt : "
                                 "vérifier que l'avis est bien le sien.",
                                 membre=_personne_membre(m),
                                 declarants=[_personne_declarant(d, k + 1) for k, d in enumerate(declarants)])

    def controler_beneficiaire(self, document: dict[str, Any], declarants: list[dict[str, Any]],
                               ids_declarants: list[Identite]) -> None:
        """Le « beneficiaire » indiqué à l'envoi du fichier doit être l'un des déclarants."""
        if not any(i.connue for i in ids_declarants):
            return
        fichiers = {p.get("file") for p in _liste(document.get("pages")) if isinstance(p, dict)}
        for fichier in sorted(f for f in fichiers if isinstance(f, str)):
            beneficiaire = self.beneficiaires.get(fichier)
            if not isinstance(beneficiaire, str) or not plier(beneficiaire):
                continue
            libre = identite_libre(beneficiaire)
            if not any(ressemblance_libre(libre, i) is not None for i in ids_declarants if i.connue):
                self.avertir("beneficiaire_discordant",
                             "Le bénéficiaire indiqué à l'envoi de l'avis d'impôt n'en est pas l'un des "
                             "déclarants : vérifier que le document est rattaché à la bonne personne.",
                             beneficiaire=beneficiaire,
                             declarants=[_personne_declarant(d, k + 1) for k, d in enumerate(declarants)])

    def un_avis(self, index: int, document: dict[str, Any], premier: bool) -> None:
        champs = _champs(document)
        annee = champs["annee_revenus"]
        origine = f"L'avis d'impôt sur les revenus {annee}"
        roles = self.roles_declarants(champs, premier, document)
        couple_fiscal = champs.get("situation_famille") in ("M", "O")
        if not self.declare and premier:
            self.membre("demandeur", creer=True)
            if couple_fiscal or len(_liste(champs.get("declarants"))) > 1:
                self.membre("conjoint", creer=True)
            pac = champs.get("personnes_a_charge")
            if isinstance(pac, int) and 0 < pac <= 20:
                for _ in range(pac):
                    self.membres().append({"role": "enfant", "ressources": {}})
                self.avertir("foyer_incomplet",
                             "Les personnes à charge indiquées sur l'avis d'impôt ont été ajoutées au "
                             "foyer : compléter leur date de naissance.", personnes_a_charge=pac)
        if self.declare and premier:
            self.controler_foyer(champs)
        # Regroupement : (membre, clé, politique) → membre, montant et traces.
        cumuls: dict[tuple[int, str, str], tuple[dict[str, Any], Decimal, list[dict[str, Any]]]] = {}
        for j, ligne in enumerate(_liste(champs.get("revenus"))):
            if not isinstance(ligne, dict):
                continue
            categorie = ligne.get("categorie")
            montant = _montant(ligne.get("montant"))
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
                self.trace(document, index, champ, categorie=categorie, montant=nombre(montant),
                           ressource=None, role=role, utilise=False,
                           motif="catégorie non retenue pour la CSS" if politique == "ignore"
                           else "catégorie à qualifier par l'agent")
                if politique == "signaler":
                    self.avertir("revenu_autre",
                                 f"{origine} mentionne d'autres revenus, à qualifier avant la décision.",
                                 montant=nombre(montant), annee_revenus=annee)
                continue
            if a_charge:
                membre = self.personne_a_charge(creer=not self.declare)
                if membre is None:
                    self.trace(document, index, champ, categorie=categorie, montant=nombre(montant),
                               ressource=cle, role=None, utilise=False,
                               motif="personne à charge absente du foyer déclaré")
                    self.avertir("personne_a_charge_absente",
                                 f"{origine} comporte des revenus de personnes à charge, mais le foyer "
                                 "déclaré n'a aucune personne à charge de moins de "
                                 f"{BAREMES.foyer.age_limite_personne_a_charge} ans : ils ne sont pas "
                                 "comptés ; vérifier la composition du foyer.",
                                 ressource=cle, montant=nombre(montant), annee_revenus=annee)
                    continue
            else:
                membre = self.membre(role, creer=not self.declare) if role else None
            if membre is None:
                self.trace(document, index, champ, categorie=categorie, montant=nombre(montant),
                           ressource=cle, role=None, utilise=False,
                           motif="déclarant absent du foyer déclaré")
                self.avertir("declarant_absent",
                             f"{origine} comporte les revenus d'un second déclarant qui ne figure pas "
                             "dans le foyer déclaré : vérifier la composition du foyer.",
                             annee_revenus=annee)
                continue
            entree = self.trace(document, index, champ, categorie=categorie, montant=nombre(montant),
                                ressource=cle, role=membre.get("role"), annee_revenus=annee,
                                **({"colonne": "personnes_a_charge"} if a_charge else {}),
                                **({"regle": REGLE_AVIS.get(cle, "R861-15")} if politique == "avis" else {}))
            _, total, entrees = cumuls.get((id(membre), cle, politique), (membre, Decimal(0), []))
            cumuls[(id(membre), cle, politique)] = (membre, total + montant, [*entrees, entree])
        for (_, cle, politique), (membre, total, entrees) in cumuls.items():
            # Un déficit (revenus fonciers, BIC…) n'est pas une ressource négative : 0.
            self.reprendre(membre, cle, max(total, Decimal(0)), politique, origine, entrees)

    def controler_foyer(self, champs: dict[str, Any]) -> None:
        situation = champs.get("situation_famille")
        conjoint = self.membre("conjoint", creer=False) is not None
        if situation in ("M", "O") and not conjoint:
            self.avertir("foyer_conjoint",
                         "L'avis d'impôt concerne un couple marié ou pacsé, mais aucun conjoint "
                         "n'est déclaré dans le foyer.", situation_famille=situation)
        declares = self.personnes_a_charge()
        pac = champs.get("personnes_a_charge")
        if isinstance(pac, int) and pac != len(declares):
            self.avertir("foyer_personnes_a_charge",
                         "Le nombre de personnes à charge de l'avis d'impôt diffère de celui du "
                         "foyer déclaré.", avis=pac, declare=len(declares))
        parts = champs.get("nombre_parts")
        if isinstance(parts, int | float) and not isinstance(parts, bool):
            attendu = Decimal(2) if situation in ("M", "O") else Decimal(1)
            for rang, m in enumerate(declares, start=1):
                part = Decimal("0.5") if rang <= 2 else Decimal(1)
                attendu += part / 2 if m.get("garde_alternee") else part
            if decimal(parts) < attendu or decimal(parts) > attendu + 1:
                self.avertir("foyer_nombre_parts",
                             "Le nombre de parts de l'avis d'impôt ne correspond pas à la composition "
                             "du foyer déclaré.", avis=parts, attendu=nombre(attendu),
                             personnes=len(self.membres()))

    def rsa(self, index: int, document: dict[str, Any]) -> None:
        champs = _champs(document)
        if champs.get("ressources_inferieures_rsa") is not True:
            return
        entree = self.trace(document, index, "ressources_inferieures_rsa", ressource="rsa_beneficiaire")
        declare = self.foyer.get("rsa_beneficiaire")
        self.foyer["rsa_beneficiaire"] = True
        entree["utilise"] = True
        if self.declare and declare is not True:
            self.avertir("rsa_non_declare",
                         "Une attestation de ressources inférieures au RSA est fournie alors que le "
                         "foyer ne se déclare pas bénéficiaire du RSA : la CSS sans participation "
                         "est retenue, à confirmer.")
        emise = _date(champs.get("date_attestation"))
        if emise is not None and (self.jour - emise).days > 92:
            self.avertir("attestation_rsa_ancienne",
                         "L'attestation de ressources inférieures au RSA date de plus de trois mois : "
                         "en demander une récente.", date_attestation=emise.isoformat())

    def etranger(self, documents: list[tuple[int, dict[str, Any]]]) -> None:
        total = Decimal(0)
        entrees = []
        for index, document in documents:
            champs = _champs(document)
            montant = _montant(champs.get("revenu_annuel_eur"))
            if montant is None:
                if champs.get("revenu_annuel") is not None:
                    self.avertir("devise_non_convertie",
                                 "Un justificatif de revenus étrangers n'a pas pu être converti en "
                                 "euros : saisir le montant converti.", devise=champs.get("devise"))
                continue
            total += montant
            entrees.append(self.trace(document, index, "revenu_annuel_eur", ressource="revenus_etrangers",
                                      montant=nombre(montant), role="demandeur", pays=champs.get("pays"),
                                      annee=champs.get("annee")))
        if entrees:
            membre = self.membre("demandeur", creer=True)
            assert membre is not None
            self.reprendre(membre, "revenus_etrangers", total, "periode",
                           "Le justificatif de revenus étrangers", entrees)

    def adresse_residence(self, documents: list[tuple[int, dict[str, Any]]]) -> str:
        for kinds in (("taxe_habitation",), KINDS_AVIS):
            for _, d in documents:
                if d.get("kind") in kinds:
                    adresse = _normaliser(_champs(d).get("adresse"))
                    if adresse:
                        return adresse
        return ""

    def fonciere(self, documents: list[tuple[int, dict[str, Any]]], residence: str) -> None:
        regle = en_vigueur(BAREMES.patrimoine, self.jour)
        cadastral = BAREMES.revenu_cadastral
        totaux = {"valeur_locative_immo_non_loue": Decimal(0),
                  "valeur_locative_terrains_non_loues": Decimal(0)}
        entrees: dict[str, list[dict[str, Any]]] = {cle: [] for cle in totaux}
        for index, document in documents:
            for j, bien in enumerate(_liste(_champs(document).get("biens"))):
                if not isinstance(bien, dict):
                    continue
                rc = _montant(bien.get("revenu_cadastral"))
                if rc is None or rc <= 0:
                    continue
                bati = bien.get("nature") != "non_bati"
                cle = "valeur_locative_immo_non_loue" if bati else "valeur_locative_terrains_non_loues"
                adresse = _normaliser(bien.get("adresse"))
                champ = f"biens[{j}]"
                if residence and adresse and (adresse in residence or residence in adresse):
                    self.trace(document, index, champ, ressource=None, utilise=False,
                               motif="résidence principale (couverte par le forfait logement)")
                    if self.declare and self.foyer.get("logement") in ("locataire", "aide_logement") and bati:
                        self.avertir("logement_proprietaire",
                                     "L'avis de taxe foncière porte sur l'adresse du foyer alors que le "
                                     "foyer se déclare locataire : vérifier le statut d'occupation.")
                    continue
                if regle is None:
                    self.trace(document, index, champ, ressource=cle, utilise=False,
                               motif="biens non productifs de revenu plus comptés (décret du 28 juin 2025)")
                    continue
                valeur = arrondi_centime(rc / (cadastral.bati if bati else cadastral.non_bati))
                totaux[cle] += valeur
                entrees[cle].append(self.trace(document, index, champ, ressource=cle, role="demandeur",
                                               revenu_cadastral=nombre(rc), valeur_locative=nombre(valeur)))
                self.avertir("bien_non_loue",
                             "Un bien de l'avis de taxe foncière n'est pas la résidence principale : il "
                             "est compté comme bien non loué ; vérifier qu'il ne produit pas de loyers.",
                             nature="bati" if bati else "non_bati", valeur_locative=nombre(valeur))
        for cle, total in totaux.items():
            if entrees[cle]:
                membre = self.membre("demandeur", creer=True)
                assert membre is not None
                self.reprendre(membre, cle, total, "periode", "L'avis de taxe foncière", entrees[cle])


def household_from_documents(declared: dict[str, Any] | None, documents: list[dict[str, Any]],
                             request_date: date, beneficiaires: Mapping[str, str | None] | None = None,
                             ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Foyer du contrat §5 complété par les documents, et avertissements pour l'agent.

    ``beneficiaires`` : le « beneficiaire » indiqué à l'envoi de chaque fichier, par nom de
    fichier (celui des ``pages[].file`` des documents) ; comparé aux déclarants des avis.
    """
    alimentation = _Alimentation(declared, request_date, beneficiaires)
    utilisables: list[tuple[int, dict[str, Any]]] = []
    for index, document in enumerate(documents):
        if not isinstance(document, dict) or document.get("status") == "rejected":
            continue
        if document.get("status") == "needs_review":
            alimentation.avertir("document_a_verifier",
                                 "Un document utilisé pour le calcul doit encore être vérifié.",
                                 document=index, kind=document.get("kind"))
        if document.get("kind") == "declaration_revenus":
            alimentation.avertir("declaration_non_avis",
                                 "Une déclaration de revenus a été fournie : elle ne remplace pas l'avis "
                                 "d'impôt et n'est pas utilisée.", document=index)
            continue
        utilisables.append((index, document))
    alimentation.avis(utilisables)
    for index, document in utilisables:
        if document.get("kind") == "attestation_rsa":
            alimentation.rsa(index, document)
    alimentation.etranger([x for x in utilisables if x[1].get("kind") == "justificatif_etranger"])
    alimentation.fonciere([x for x in utilisables if x[1].get("kind") == "taxe_fonciere"],
                          alimentation.adresse_residence(utilisables))
    foyer = alimentation.foyer
    foyer["provenance"] = alimentation.provenance
    return foyer, alimentation.avertissements
