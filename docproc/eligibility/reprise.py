"""La reprise des montants des documents dans le foyer : l'état commun aux lectures.

``Reprise`` tient le foyer en cours de complément, les avertissements pour l'agent et la
provenance de chaque montant ; ``Reprise.reprendre`` applique la règle de reprise d'un montant
(le document fait foi, ou le déclaré sur la période de référence). Les lectures par type de
document sont dans ``reprise_avis`` et ``reprise_justificatifs`` ; l'entrée est
``alimentation.household_from_documents``.
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
from .lecture_baremes import BAREMES
from .texte import nombre

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

ROLES_DECLARANTS = {"demandeur": "le demandeur", "conjoint": "le conjoint"}
DU_DECLARANT = {"demandeur": "du demandeur", "conjoint": "du conjoint"}
ROLES_A_CHARGE = ("enfant", "autre")
QUI = {**ROLES_DECLARANTS, "enfant": "une personne à charge", "autre": "une personne à charge"}
DE_QUI = {**DU_DECLARANT, "enfant": "d'une personne à charge", "autre": "d'une personne à charge"}
ECART_TOLERE = Decimal(1)  # euros
# Pour les revenus appréciés sur la période de référence, l'avis (année civile précédente)
# diffère normalement un peu du déclaré : seul un écart de plus de 10 % est signalé.
ECART_RELATIF_PERIODE = Decimal("0.10")


def _avertissement(code: str, message: str, **data: Any) -> dict[str, Any]:
    return {
        "code": f"eligibilite.{code}",
        "level": "warning",
        "ok": False,
        "message": message,
        "data": data,
    }


def normaliser(texte: Any) -> str:
    if not isinstance(texte, str):
        return ""
    sans_accents = unicodedata.normalize("NFKD", texte).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Z0-9]+", " ", sans_accents.upper()).strip()


def montant_de(valeur: Any) -> Decimal | None:
    if isinstance(valeur, bool) or not isinstance(valeur, int | float):
        return None
    resultat = decimal(valeur)
    return resultat if resultat.is_finite() else None


def champs_de(document: dict[str, Any]) -> dict[str, Any]:
    champs = document.get("fields")
    return champs if isinstance(champs, dict) else {}


def liste_de(valeur: Any) -> list[Any]:
    return valeur if isinstance(valeur, list) else []


def date_de(valeur: Any) -> date | None:
    if not isinstance(valeur, str):
        return None
    try:
        return date.fromisoformat(valeur[:10])
    except ValueError:
        return None


class Reprise:
    """L'état de la reprise : le foyer complété, les avertissements et la provenance des montants."""

    def __init__(
        self,
        foyer_declare: dict[str, Any] | None,
        jour: date,
        beneficiaires: Mapping[str, str | None] | None = None,
    ) -> None:
        self.declare = foyer_declare is not None
        self.beneficiaires = dict(beneficiaires or {})
        self.jour = jour
        self.avertissements: list[dict[str, Any]] = []
        self.provenance: list[dict[str, Any]] = []
        if foyer_declare is None:
            self.foyer: dict[str, Any] = {
                "date_demande": jour.isoformat(),
                "territoire": "metropole",
                "logement": "locataire",
                "aide_logement_mensuelle": 0,
                "rsa_beneficiaire": False,
                "membres": [],
            }
            self.avertir(
                "foyer_non_declare",
                "Aucun foyer n'a été déclaré : il est reconstitué à partir des documents. "
                "Le territoire, le logement et les dates de naissance sont à compléter.",
            )
        else:
            self.foyer = copy.deepcopy(foyer_declare)
            self.foyer.setdefault("date_demande", jour.isoformat())
        if not isinstance(self.foyer.get("membres"), list):
            self.foyer["membres"] = []
        # Montants déclarés d'origine, avant toute reprise (par rôle de membre).
        self.declares = {
            id(m): dict(m.get("ressources") or {}) for m in self.membres() if isinstance(m, dict)
        }

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
            naissance = date_de(m.get("date_naissance"))
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
            return min(
                a_charge,
                key=lambda m: (
                    date_de(m.get("date_naissance")) or date.max,
                    self.membres().index(m),
                ),
            )
        if not creer:
            return None
        nouveau: dict[str, Any] = {"role": "enfant", "ressources": {}}
        self.membres().append(nouveau)
        self.declares[id(nouveau)] = {}
        self.avertir(
            "foyer_incomplet",
            "Les personnes à charge indiquées sur l'avis d'impôt ont été ajoutées au "
            "foyer : compléter leur date de naissance.",
            personnes_a_charge=1,
        )
        return nouveau

    def trace(
        self, document: dict[str, Any], index: int, champ: str, **autres: Any
    ) -> dict[str, Any]:
        provenance = (
            document.get("provenance") if isinstance(document.get("provenance"), dict) else {}
        )
        assert isinstance(provenance, dict)
        cle = champ.split("[")[0].split(".")[0]
        p = provenance.get(champ) or provenance.get(cle) or {}
        if not isinstance(p, dict):
            p = {}
        pages = [x for x in liste_de(document.get("pages")) if isinstance(x, dict)]
        page = p.get("page")
        if page is None and pages:
            page = pages[0].get("number", pages[0].get("page"))
        fichier = next(
            (x.get("file") for x in pages if x.get("number", x.get("page")) == page), None
        )
        if fichier is None and pages:
            fichier = pages[0].get("file")
        entree = {
            "document": {"index": index, "kind": document.get("kind")},
            "champ": champ,
            "page": page,
            "fichier": fichier,
            "source": p.get("source"),
            "confidence": p.get("confidence"),
            **autres,
        }
        self.provenance.append(entree)
        return entree

    def reprendre(
        self,
        membre: dict[str, Any],
        cle: str,
        montant: Decimal,
        politique: str,
        origine: str,
        entrees: list[dict[str, Any]],
    ) -> None:
        """Applique un montant issu des documents à une ressource d'un membre."""
        ressources = membre.setdefault("ressources", {})
        if not isinstance(ressources, dict):
            ressources = membre["ressources"] = {}
        declares = self.declares.get(id(membre), {})
        qui = QUI.get(str(membre.get("role")), "un membre du foyer")
        de_qui = DE_QUI.get(str(membre.get("role")), "d'un membre du foyer")
        declare = montant_de(declares.get(cle)) if cle in declares else None
        montant = arrondi_centime(montant)
        data = {"ressource": cle, "role": membre.get("role"), "document": nombre(montant)}
        if politique == "avis" or cle not in declares:
            ressources[cle] = nombre(montant)
            for e in entrees:
                e["utilise"] = True
            if not self.declare:
                return
            if declare is None:
                self.avertir(
                    "revenu_non_declare",
                    f"{origine} mentionne {LIBELLES.get(cle, cle)} pour {qui}, absents de la "
                    "déclaration : le montant du document est repris, à confirmer.",
                    **data,
                )
            elif abs(declare - montant) > ECART_TOLERE:
                self.avertir(
                    "revenu_different",
                    f"Le montant {LIBELLES.get(cle, cle)} {de_qui} diffère entre la déclaration "
                    f"et {origine[0].lower()}{origine[1:]} : le montant du document est retenu.",
                    declare=nombre(declare),
                    **data,
                )
            return
        for e in entrees:
            e["utilise"] = False
            e["motif"] = "montant déclaré conservé (période de référence)"
        if declare is not None and abs(declare - montant) > max(
            ECART_TOLERE, ECART_RELATIF_PERIODE * montant
        ):
            code = "revenu_non_declare" if declare == 0 else "revenu_different"
            self.avertir(
                code,
                f"{origine} mentionne {LIBELLES.get(cle, cle)} pour {qui} qui diffèrent de la "
                "déclaration : le montant déclaré est gardé (période de référence), à vérifier.",
                declare=nombre(declare),
                **data,
            )

    # -- documents ---------------------------------------------------------------------
