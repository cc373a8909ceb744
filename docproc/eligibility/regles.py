"""Chargement et validation des barèmes de la CSS (fichiers TOML de ``baremes/``).

Chaque valeur des fichiers porte sa date d'effet (``debut``) et sa source juridique
(``source``). Les fichiers sont lus et contrôlés une fois, à l'import du paquet : un fichier
mal formé (champ manquant, type inattendu, dates dans le désordre, barème publié incohérent
avec la formule de l'article R861-3…) lève ``BaremeError`` au lieu de produire des décisions
fausses en silence.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any, Protocol, TypeVar

from .formules import UN, arrondi_euro, decimal, majoration_rang

FICHIERS = ("plafonds.toml", "regles.toml", "participation.toml", "logement.toml",
            "abattements.toml")

# Écart maximal toléré entre un barème publié et la formule R861-3 appliquée au plafond
# d'une personne arrondi (les tableaux publiés partent d'une base non arrondie : ±2 €).
TOLERANCE_BAREME_PUBLIE = Decimal(3)


class BaremeError(Exception):
    """Un fichier de barème est absent, illisible ou incohérent."""


# --------------------------------------------------------------------------------------
# Types


class _Date(Protocol):
    @property
    def debut(self) -> date: ...


@dataclass(frozen=True)
class BaremePublie:
    """Barème par taille de foyer tel que publié (1 à n personnes, puis par personne en plus)."""

    source: str
    gratuite: tuple[Decimal, ...]
    gratuite_personne_supplementaire: Decimal
    participation: tuple[Decimal, ...]
    participation_personne_supplementaire: Decimal

    def table(self, avec_participation: bool) -> tuple[tuple[Decimal, ...], Decimal]:
        if avec_participation:
            return self.participation, self.participation_personne_supplementaire
        return self.gratuite, self.gratuite_personne_supplementaire


@dataclass(frozen=True)
class Revalorisation:
    debut: date
    plafond_une_personne: Decimal
    source: str
    verifie: bool
    metropole: BaremePublie | None
    dom: BaremePublie | None

    def publie(self, dom: bool) -> BaremePublie | None:
        return self.dom if dom else self.metropole


@dataclass(frozen=True)
class Composition:
    debut: date
    source: str
    deuxieme_personne: Decimal
    troisieme_et_quatrieme_personne: Decimal
    cinquieme_personne_et_plus: Decimal
    facteur_residence_alternee: Decimal
    age_majorite: int

    def majoration(self, rang: int) -> Decimal:
        return majoration_rang(rang, self.deuxieme_personne, self.troisieme_et_quatrieme_personne,
                               self.cinquieme_personne_et_plus)

    def coefficient(self, poids: Sequence[Decimal]) -> Decimal:
        """1 + somme des majorations des rangs 2, 3… pondérées (1, ou ½ en résidence alternée)."""
        return UN + sum((p * self.majoration(rang) for rang, p in enumerate(poids, start=1)),
                        Decimal(0))


@dataclass(frozen=True)
class RegleFoyer:
    debut: date
    source: str
    age_limite_personne_a_charge: int


@dataclass(frozen=True)
class Taux:
    debut: date
    source: str
    taux: Decimal


@dataclass(frozen=True)
class Texte:
    debut: date
    source: str


@dataclass(frozen=True)
class OuvertureDroit:
    debut: date
    source: str
    mois_apres_demande: int


@dataclass(frozen=True)
class PeriodeReference:
    debut: date
    source: str
    premier_mois: int
    dernier_mois: int


@dataclass(frozen=True)
class Patrimoine:
    debut: date
    fin: date | None
    source: str
    verifie: bool
    bati: Decimal
    non_bati: Decimal
    capitaux: Decimal


@dataclass(frozen=True)
class RevenuCadastral:
    debut: date
    source: str
    bati: Decimal
    non_bati: Decimal


@dataclass(frozen=True)
class AbattementActivite:
    debut: date
    source: str
    verifie: bool
    taux: Decimal


@dataclass(frozen=True)
class Presomption:
    cle: str  # aspa, asi, aah, ass, cej
    debut: date
    source: str
    verifie: bool


@dataclass(frozen=True)
class JeunesAdultes:
    debut: date
    source: str
    age_limite: int


@dataclass(frozen=True)
class Recevabilite:
    debut: date
    age_majorite: int
    age_mineur_autonome: int
    source_age: str
    delai_renouvellement_mois: int
    source_renouvellement: str
    source_renouvellement_automatique: str


@dataclass(frozen=True)
class Territoire:
    code: str
    libelle: str
    lieu: str
    debut: date
    source: str
    css_applicable: bool
    majoration_dom: bool
    participation: str
    # La CSS s'y applique à partir de cette date seulement (Mayotte : 1er janvier 2024).
    applicable_depuis: date | None = None
    source_application: str | None = None
    # Montant forfaitaire du RSA propre au territoire, absent des barèmes : forfait logement non calculé.
    rsa_propre: str | None = None

    def applicable(self, jour: date) -> bool:
        return self.css_applicable and (self.applicable_depuis is None or jour >= self.applicable_depuis)


@dataclass(frozen=True)
class Textes:
    debut: date
    droit: str
    ressources: str
    exclusions: str
    rsa: str


@dataclass(frozen=True)
class TrancheParticipation:
    age_min: int
    age_max: int | None
    montants: dict[str, Decimal]

    def contient(self, age: int) -> bool:
        return age >= self.age_min and (self.age_max is None or age <= self.age_max)


@dataclass(frozen=True)
class BaremeParticipation:
    debut: date
    source: str
    tranches: tuple[TrancheParticipation, ...]

    def tranche(self, age: int) -> TrancheParticipation:
        for tranche in self.tranches:
            if tranche.contient(age):
                return tranche
        raise ValueError(f"aucune tranche pour l'âge {age}")


@dataclass(frozen=True)
class MontantRsa:
    debut: date
    source: str
    verifie: bool
    montant: Decimal


@dataclass(frozen=True)
class RsaComposition:
    debut: date
    source: str
    deux_personnes: Decimal
    trois_personnes: Decimal


@dataclass(frozen=True)
class TauxForfait:
    debut: date
    source: str
    verifie: bool
    une_personne: Decimal
    deux_personnes: Decimal
    trois_personnes_et_plus: Decimal

    def taux(self, personnes: int) -> Decimal:
        if personnes <= 1:
            return self.une_personne
        if personnes == 2:
            return self.deux_personnes
        return self.trois_personnes_et_plus


@dataclass(frozen=True)
class AbattementIndividuel:
    debut: date
    source: str
    mensuel: Decimal


@dataclass(frozen=True)
class AbattementFoyer:
    debut: date
    source: str
    personne_seule: Decimal
    couple: Decimal


@dataclass(frozen=True)
class Baremes:
    """Tous les barèmes, chacun en série datée (du plus ancien au plus récent)."""

    revalorisations: tuple[Revalorisation, ...]
    composition: Composition
    foyer: RegleFoyer
    majoration_dom: Taux
    majoration_participation: Taux
    arrondi: Texte
    ouverture_droit: OuvertureDroit
    periodes_reference: tuple[PeriodeReference, ...]
    patrimoine: tuple[Patrimoine, ...]
    revenu_cadastral: RevenuCadastral
    territoires: dict[str, Territoire]
    textes: Textes
    participation: tuple[BaremeParticipation, ...]
    rsa: tuple[MontantRsa, ...]
    rsa_composition: RsaComposition
    forfait_sans_aide_logement: tuple[TauxForfait, ...]
    forfait_aide_logement: tuple[TauxForfait, ...]
    abattement_aah: tuple[AbattementIndividuel, ...]
    abattement_asi: tuple[AbattementFoyer, ...]
    abattement_aspa: tuple[AbattementFoyer, ...]
    abattement_activite: tuple[AbattementActivite, ...]
    jeunes_adultes: JeunesAdultes
    recevabilite: Recevabilite
    presomptions: tuple[Presomption, ...]

    @property
    def premiere_date(self) -> date:
        """Première date de demande couverte par tous les barèmes indispensables."""
        return max(self.revalorisations[0].debut, self.composition.debut,
                   self.periodes_reference[0].debut, self.participation[0].debut,
                   self.rsa[0].debut, self.forfait_sans_aide_logement[0].debut,
                   self.forfait_aide_logement[0].debut)


T = TypeVar("T", bound=_Date)


def en_vigueur(serie: Sequence[T], jour: date) -> T | None:
    """L'élément de la série en vigueur au jour donné (le dernier commencé, s'il n'est pas fini)."""
    retenu: T | None = None
    for element in serie:
        if element.debut <= jour:
            retenu = element
    fin = getattr(retenu, "fin", None)
    if retenu is not None and fin is not None and jour >= fin:
        return None
    return retenu


# --------------------------------------------------------------------------------------
# Lecture


class _Lecteur:
    """Accès typé aux tables TOML, avec des messages d'erreur qui situent la valeur fautive."""

    def __init__(self, fichier: str) -> None:
        self.fichier = fichier

    def erreur(self, chemin: str, probleme: str) -> BaremeError:
        return BaremeError(f"Barème {self.fichier}, {chemin} : {probleme}.")

    def table(self, parent: dict[str, Any], cle: str, chemin: str) -> dict[str, Any]:
        valeur = parent.get(cle)
        if not isinstance(valeur, dict):
            raise self.erreur(f"{chemin}.{cle}" if chemin else cle, "table absente")
        return valeur

    def liste(self, parent: dict[str, Any], cle: str, chemin: str,
              vide_permise: bool = False) -> list[dict[str, Any]]:
        valeur = parent.get(cle)
        if not isinstance(valeur, list) or not all(isinstance(v, dict) for v in valeur):
            raise self.erreur(f"{chemin}.{cle}" if chemin else cle, "liste de tables absente")
        if not valeur and not vide_permise:
            raise self.erreur(f"{chemin}.{cle}" if chemin else cle, "liste vide")
        return valeur

    def date(self, table: dict[str, Any], cle: str, chemin: str, requis: bool = True) -> dt.date | None:
        valeur = table.get(cle)
        if valeur is None and not requis:
            return None
        if not isinstance(valeur, dt.date) or isinstance(valeur, dt.datetime):
            raise self.erreur(f"{chemin}.{cle}", "date attendue (AAAA-MM-JJ, sans guillemets)")
        return valeur

    def debut(self, table: dict[str, Any], chemin: str) -> dt.date:
        valeur = self.date(table, "debut", chemin)
        assert valeur is not None
        return valeur

    def texte(self, table: dict[str, Any], cle: str, chemin: str) -> str:
        valeur = table.get(cle)
        if not isinstance(valeur, str) or not valeur.strip():
            raise self.erreur(f"{chemin}.{cle}", "texte non vide attendu")
        return valeur.strip()

    def source(self, table: dict[str, Any], chemin: str) -> str:
        return self.texte(table, "source", chemin)

    def booleen(self, table: dict[str, Any], cle: str, chemin: str,
                defaut: bool | None = None) -> bool:
        valeur = table.get(cle, defaut)
        if not isinstance(valeur, bool):
            raise self.erreur(f"{chemin}.{cle}", "booléen attendu (true ou false)")
        return valeur

    def entier(self, table: dict[str, Any], cle: str, chemin: str, minimum: int = 0) -> int:
        valeur = table.get(cle)
        if isinstance(valeur, bool) or not isinstance(valeur, int) or valeur < minimum:
            raise self.erreur(f"{chemin}.{cle}", f"entier supérieur ou égal à {minimum} attendu")
        return valeur

    def nombre(self, table: dict[str, Any], cle: str, chemin: str,
               maximum: Decimal | None = None) -> Decimal:
        valeur = table.get(cle)
        if isinstance(valeur, bool) or not isinstance(valeur, int | float):
            raise self.erreur(f"{chemin}.{cle}", "nombre attendu")
        resultat = decimal(valeur)
        if not resultat.is_finite() or resultat <= 0:
            raise self.erreur(f"{chemin}.{cle}", "nombre strictement positif attendu")
        if maximum is not None and resultat > maximum:
            raise self.erreur(f"{chemin}.{cle}", f"valeur supérieure à {maximum}")
        return resultat

    def nombres(self, table: dict[str, Any], cle: str, chemin: str) -> tuple[Decimal, ...]:
        valeur = table.get(cle)
        if not isinstance(valeur, list) or not valeur:
            raise self.erreur(f"{chemin}.{cle}", "liste de montants attendue")
        montants = []
        for i, element in enumerate(valeur):
            montants.append(self.nombre({"v": element}, "v", f"{chemin}.{cle}[{i}]"))
        return tuple(montants)

    def serie(self, elements: Sequence[_Date], chemin: str) -> None:
        dates = [e.debut for e in elements]
        if dates != sorted(dates) or len(set(dates)) != len(dates):
            raise self.erreur(chemin, "dates de début non croissantes ou en double")


def _lire(repertoire: Path | None, nom: str) -> dict[str, Any]:
    try:
        if repertoire is None:
            texte = resources.files("docproc.eligibility.baremes").joinpath(nom).read_text("utf-8")
        else:
            texte = (repertoire / nom).read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise BaremeError(f"Barème {nom} : fichier illisible ({exc}).") from exc
    try:
        return tomllib.loads(texte)
    except tomllib.TOMLDecodeError as exc:
        raise BaremeError(f"Barème {nom} : TOML invalide ({exc}).") from exc


def _bareme_publie(lecteur: _Lecteur, table: dict[str, Any], chemin: str) -> BaremePublie:
    gratuite = lecteur.nombres(table, "gratuite", chemin)
    participation = lecteur.nombres(table, "participation", chemin)
    if len(gratuite) != len(participation):
        raise lecteur.erreur(chemin, "les listes gratuite et participation n'ont pas la même longueur")
    for nom, valeurs in (("gratuite", gratuite), ("participation", participation)):
        if any(b <= a for a, b in zip(valeurs, valeurs[1:], strict=False)):
            raise lecteur.erreur(f"{chemin}.{nom}", "montants non strictement croissants")
    if any(p <= g for g, p in zip(gratuite, participation, strict=True)):
        raise lecteur.erreur(chemin, "un plafond avec participation n'excède pas le plafond sans participation")
    return BaremePublie(
        source=lecteur.source(table, chemin),
        gratuite=gratuite,
        gratuite_personne_supplementaire=lecteur.nombre(table, "gratuite_personne_supplementaire", chemin),
        participation=participation,
        participation_personne_supplementaire=lecteur.nombre(
            table, "participation_personne_supplementaire", chemin),
    )


def _plafonds(donnees: dict[str, Any]) -> tuple[Revalorisation, ...]:
    lecteur = _Lecteur("plafonds.toml")
    resultat = []
    for i, table in enumerate(lecteur.liste(donnees, "revalorisation", "")):
        chemin = f"revalorisation[{i}]"
        publies: dict[str, BaremePublie | None] = {}
        for zone in ("metropole", "dom"):
            sous_table = table.get(zone)
            if sous_table is None:
                publies[zone] = None
            elif isinstance(sous_table, dict):
                publies[zone] = _bareme_publie(lecteur, sous_table, f"{chemin}.{zone}")
            else:
                raise lecteur.erreur(f"{chemin}.{zone}", "table attendue")
        inconnues = set(table) - {"debut", "plafond_une_personne", "source", "verifie", "metropole", "dom"}
        if inconnues:
            raise lecteur.erreur(chemin, f"clés inconnues {sorted(inconnues)}")
        resultat.append(Revalorisation(
            debut=lecteur.debut(table, chemin),
            plafond_une_personne=lecteur.nombre(table, "plafond_une_personne", chemin),
            source=lecteur.source(table, chemin),
            verifie=lecteur.booleen(table, "verifie", chemin, defaut=True),
            metropole=publies["metropole"],
            dom=publies["dom"],
        ))
    lecteur.serie(resultat, "revalorisation")
    return tuple(resultat)


def _taux(lecteur: _Lecteur, donnees: dict[str, Any], cle: str) -> Taux:
    table = lecteur.table(donnees, cle, "")
    return Taux(debut=lecteur.debut(table, cle), source=lecteur.source(table, cle),
                taux=lecteur.nombre(table, "taux", cle, maximum=UN))


def _taux_forfait(lecteur: _Lecteur, donnees: dict[str, Any], cle: str) -> tuple[TauxForfait, ...]:
    resultat = []
    for i, table in enumerate(lecteur.liste(donnees, cle, "")):
        chemin = f"{cle}[{i}]"
        resultat.append(TauxForfait(
            debut=lecteur.debut(table, chemin), source=lecteur.source(table, chemin),
            verifie=lecteur.booleen(table, "verifie", chemin, defaut=True),
            une_personne=lecteur.nombre(table, "une_personne", chemin, maximum=UN),
            deux_personnes=lecteur.nombre(table, "deux_personnes", chemin, maximum=UN),
            trois_personnes_et_plus=lecteur.nombre(table, "trois_personnes_et_plus", chemin, maximum=UN),
        ))
    lecteur.serie(resultat, cle)
    return tuple(resultat)


def _abattements_foyer(lecteur: _Lecteur, donnees: dict[str, Any], cle: str) -> tuple[AbattementFoyer, ...]:
    resultat = []
    for i, table in enumerate(lecteur.liste(donnees, cle, "")):
        chemin = f"{cle}[{i}]"
        resultat.append(AbattementFoyer(
            debut=lecteur.debut(table, chemin), source=lecteur.source(table, chemin),
            personne_seule=lecteur.nombre(table, "personne_seule", chemin),
            couple=lecteur.nombre(table, "couple", chemin),
        ))
    lecteur.serie(resultat, cle)
    return tuple(resultat)


def _participation(donnees: dict[str, Any], colonnes: set[str]) -> tuple[BaremeParticipation, ...]:
    lecteur = _Lecteur("participation.toml")
    resultat = []
    for i, table in enumerate(lecteur.liste(donnees, "bareme", "")):
        chemin = f"bareme[{i}]"
        tranches = []
        attendu = 0
        listes = lecteur.liste(table, "tranche", chemin)
        for j, t in enumerate(listes):
            chemin_t = f"{chemin}.tranche[{j}]"
            age_min = lecteur.entier(t, "age_min", chemin_t)
            if age_min != attendu:
                raise lecteur.erreur(chemin_t, f"tranches non contiguës (âge minimal {attendu} attendu)")
            derniere = j == len(listes) - 1
            age_max: int | None
            if derniere:
                if "age_max" in t:
                    raise lecteur.erreur(chemin_t, "la dernière tranche ne doit pas avoir d'âge maximal")
                age_max = None
            else:
                age_max = lecteur.entier(t, "age_max", chemin_t, minimum=age_min)
                attendu = age_max + 1
            tranches.append(TrancheParticipation(
                age_min=age_min, age_max=age_max,
                montants={c: lecteur.nombre(t, c, chemin_t) for c in sorted(colonnes)}))
        resultat.append(BaremeParticipation(debut=lecteur.debut(table, chemin),
                                            source=lecteur.source(table, chemin),
                                            tranches=tuple(tranches)))
    lecteur.serie(resultat, "bareme")
    return tuple(resultat)


def _verifier_publies(b: Baremes) -> None:
    """Chaque barème publié doit rester à ±3 € de la formule R861-3 (garde-fou de saisie)."""
    lecteur = _Lecteur("plafonds.toml")
    dom = UN + b.majoration_dom.taux
    participation = UN + b.majoration_participation.taux
    for r in b.revalorisations:
        for zone, facteur_zone in (("metropole", UN), ("dom", dom)):
            publie = r.publie(zone == "dom")
            if publie is None:
                continue
            chemin = f"revalorisation du {r.debut.isoformat()}, {zone}"
            if zone == "metropole" and publie.gratuite[0] != r.plafond_une_personne:
                raise lecteur.erreur(chemin, "le barème publié pour une personne diffère de plafond_une_personne")
            for avec, facteur in ((False, UN), (True, participation)):
                valeurs, supplement = publie.table(avec)
                nom = "participation" if avec else "gratuite"
                if len(valeurs) < 4:
                    raise lecteur.erreur(f"{chemin}.{nom}", "au moins 4 tailles de foyer attendues (1 à 4 personnes)")
                for n, publiee in enumerate(valeurs, start=1):
                    calculee = arrondi_euro(r.plafond_une_personne * facteur_zone * facteur
                                            * b.composition.coefficient([UN] * n))
                    if abs(publiee - calculee) > TOLERANCE_BAREME_PUBLIE:
                        raise lecteur.erreur(
                            f"{chemin}.{nom}[{n - 1}]",
                            f"{publiee} s'écarte de plus de {TOLERANCE_BAREME_PUBLIE} € de la formule ({calculee})")
                rang = len(valeurs) + 1
                calcule = (r.plafond_une_personne * facteur_zone * facteur
                           * b.composition.majoration(rang))
                if abs(supplement - calcule) > TOLERANCE_BAREME_PUBLIE:
                    raise lecteur.erreur(
                        f"{chemin}.{nom}_personne_supplementaire",
                        f"{supplement} s'écarte de plus de {TOLERANCE_BAREME_PUBLIE} € de la formule ({arrondi_euro(calcule)})")


def charger(repertoire: Path | None = None) -> Baremes:
    """Lit et valide les barèmes (du paquet, ou d'un autre répertoire pour les tests)."""
    d = {nom: _lire(repertoire, nom) for nom in FICHIERS}

    regles = d["regles.toml"]
    lr = _Lecteur("regles.toml")
    c = lr.table(regles, "composition", "")
    composition = Composition(
        debut=lr.debut(c, "composition"), source=lr.source(c, "composition"),
        deuxieme_personne=lr.nombre(c, "deuxieme_personne", "composition", maximum=UN),
        troisieme_et_quatrieme_personne=lr.nombre(c, "troisieme_et_quatrieme_personne", "composition", maximum=UN),
        cinquieme_personne_et_plus=lr.nombre(c, "cinquieme_personne_et_plus", "composition", maximum=UN),
        facteur_residence_alternee=lr.nombre(c, "facteur_residence_alternee", "composition", maximum=UN),
        age_majorite=lr.entier(c, "age_majorite", "composition", minimum=1),
    )
    f = lr.table(regles, "foyer", "")
    foyer = RegleFoyer(debut=lr.debut(f, "foyer"), source=lr.source(f, "foyer"),
                       age_limite_personne_a_charge=lr.entier(f, "age_limite_personne_a_charge", "foyer", minimum=1))
    a = lr.table(regles, "arrondi", "")
    if a.get("mode") != "euro_le_plus_proche_demi_superieur":
        raise lr.erreur("arrondi.mode", "seul « euro_le_plus_proche_demi_superieur » est connu")
    o = lr.table(regles, "ouverture_droit", "")
    periodes = []
    for i, p in enumerate(lr.liste(regles, "periode_reference", "")):
        chemin = f"periode_reference[{i}]"
        periode = PeriodeReference(debut=lr.debut(p, chemin), source=lr.source(p, chemin),
                                   premier_mois=lr.entier(p, "premier_mois", chemin, minimum=1),
                                   dernier_mois=lr.entier(p, "dernier_mois", chemin, minimum=0))
        if periode.premier_mois - periode.dernier_mois != 11:
            raise lr.erreur(chemin, "la période de référence doit compter douze mois")
        periodes.append(periode)
    lr.serie(periodes, "periode_reference")
    patrimoines = []
    for i, p in enumerate(lr.liste(regles, "patrimoine", "")):
        chemin = f"patrimoine[{i}]"
        patrimoine = Patrimoine(
            debut=lr.debut(p, chemin), fin=lr.date(p, "fin", chemin, requis=False),
            source=lr.source(p, chemin), verifie=lr.booleen(p, "verifie", chemin, defaut=True),
            bati=lr.nombre(p, "bati", chemin, maximum=UN),
            non_bati=lr.nombre(p, "non_bati", chemin, maximum=UN),
            capitaux=lr.nombre(p, "capitaux", chemin, maximum=UN))
        if patrimoine.fin is not None and patrimoine.fin <= patrimoine.debut:
            raise lr.erreur(chemin, "la date de fin précède la date de début")
        patrimoines.append(patrimoine)
    lr.serie(patrimoines, "patrimoine")
    rc = lr.table(regles, "revenu_cadastral", "")
    revenu_cadastral = RevenuCadastral(
        debut=lr.debut(rc, "revenu_cadastral"), source=lr.source(rc, "revenu_cadastral"),
        bati=lr.nombre(rc, "bati", "revenu_cadastral", maximum=UN),
        non_bati=lr.nombre(rc, "non_bati", "revenu_cadastral", maximum=UN))
    colonnes: set[str] = set()
    territoires = {}
    for code, t in lr.table(regles, "territoires", "").items():
        chemin = f"territoires.{code}"
        if not isinstance(t, dict):
            raise lr.erreur(chemin, "table attendue")
        territoire = Territoire(
            code=code, libelle=lr.texte(t, "libelle", chemin), lieu=lr.texte(t, "lieu", chemin),
            debut=lr.debut(t, chemin),
            source=lr.source(t, chemin), css_applicable=lr.booleen(t, "css_applicable", chemin),
            majoration_dom=lr.booleen(t, "majoration_dom", chemin),
            participation=lr.texte(t, "participation", chemin),
            applicable_depuis=lr.date(t, "applicable_depuis", chemin, requis=False),
            source_application=(lr.texte(t, "source_application", chemin)
                                if "source_application" in t else None),
            rsa_propre=lr.texte(t, "rsa_propre", chemin) if "rsa_propre" in t else None)
        colonnes.add(territoire.participation)
        territoires[code] = territoire
    tx = lr.table(regles, "textes", "")
    textes = Textes(debut=lr.debut(tx, "textes"), droit=lr.texte(tx, "droit", "textes"),
                    ressources=lr.texte(tx, "ressources", "textes"),
                    exclusions=lr.texte(tx, "exclusions", "textes"), rsa=lr.texte(tx, "rsa", "textes"))

    ll = _Lecteur("logement.toml")
    logement = d["logement.toml"]
    rsa = []
    for i, r in enumerate(ll.liste(logement, "rsa", "")):
        chemin = f"rsa[{i}]"
        rsa.append(MontantRsa(debut=ll.debut(r, chemin), source=ll.source(r, chemin),
                              verifie=ll.booleen(r, "verifie", chemin, defaut=True),
                              montant=ll.nombre(r, "montant", chemin)))
    ll.serie(rsa, "rsa")
    compo = ll.table(logement, "rsa_composition", "")
    rsa_composition = RsaComposition(
        debut=ll.debut(compo, "rsa_composition"), source=ll.source(compo, "rsa_composition"),
        deux_personnes=ll.nombre(compo, "deux_personnes", "rsa_composition"),
        trois_personnes=ll.nombre(compo, "trois_personnes", "rsa_composition"))

    la = _Lecteur("abattements.toml")
    abattements = d["abattements.toml"]
    aah = []
    for i, x in enumerate(la.liste(abattements, "aah", "")):
        chemin = f"aah[{i}]"
        aah.append(AbattementIndividuel(debut=la.debut(x, chemin), source=la.source(x, chemin),
                                        mensuel=la.nombre(x, "mensuel", chemin)))
    la.serie(aah, "aah")

    activite = []
    for i, x in enumerate(lr.liste(regles, "abattement_activite", "")):
        chemin = f"abattement_activite[{i}]"
        activite.append(AbattementActivite(debut=lr.debut(x, chemin), source=lr.source(x, chemin),
                                           verifie=lr.booleen(x, "verifie", chemin, defaut=True),
                                           taux=lr.nombre(x, "taux", chemin, maximum=UN)))
    lr.serie(activite, "abattement_activite")
    presomptions = []
    for i, x in enumerate(lr.liste(regles, "presomption", "")):
        chemin = f"presomption[{i}]"
        cle = lr.texte(x, "cle", chemin)
        if cle not in ("aspa", "asi", "aah", "ass", "cej"):
            raise lr.erreur(f"{chemin}.cle", "présomption inconnue (aspa, asi, aah, ass, cej)")
        presomptions.append(Presomption(cle=cle, debut=lr.debut(x, chemin), source=lr.source(x, chemin),
                                        verifie=lr.booleen(x, "verifie", chemin, defaut=True)))
    j = lr.table(regles, "jeunes_adultes", "")
    jeunes = JeunesAdultes(debut=lr.debut(j, "jeunes_adultes"), source=lr.source(j, "jeunes_adultes"),
                           age_limite=lr.entier(j, "age_limite", "jeunes_adultes", minimum=1))
    rc_ = lr.table(regles, "recevabilite", "")
    recevabilite = Recevabilite(
        debut=lr.debut(rc_, "recevabilite"),
        age_majorite=lr.entier(rc_, "age_majorite", "recevabilite", minimum=1),
        age_mineur_autonome=lr.entier(rc_, "age_mineur_autonome", "recevabilite", minimum=1),
        source_age=lr.texte(rc_, "source_age", "recevabilite"),
        delai_renouvellement_mois=lr.entier(rc_, "delai_renouvellement_mois", "recevabilite", minimum=1),
        source_renouvellement=lr.texte(rc_, "source_renouvellement", "recevabilite"),
        source_renouvellement_automatique=lr.texte(rc_, "source_renouvellement_automatique", "recevabilite"))

    baremes = Baremes(
        revalorisations=_plafonds(d["plafonds.toml"]),
        composition=composition,
        foyer=foyer,
        majoration_dom=_taux(lr, regles, "majoration_dom"),
        majoration_participation=_taux(lr, regles, "majoration_participation"),
        arrondi=Texte(debut=lr.debut(a, "arrondi"), source=lr.source(a, "arrondi")),
        ouverture_droit=OuvertureDroit(debut=lr.debut(o, "ouverture_droit"),
                                       source=lr.source(o, "ouverture_droit"),
                                       mois_apres_demande=lr.entier(o, "mois_apres_demande", "ouverture_droit")),
        periodes_reference=tuple(periodes),
        patrimoine=tuple(patrimoines),
        revenu_cadastral=revenu_cadastral,
        territoires=territoires,
        textes=textes,
        participation=_participation(d["participation.toml"], colonnes),
        rsa=tuple(rsa),
        rsa_composition=rsa_composition,
        forfait_sans_aide_logement=_taux_forfait(ll, logement, "sans_aide_logement"),
        forfait_aide_logement=_taux_forfait(ll, logement, "aide_logement"),
        abattement_aah=tuple(aah),
        abattement_asi=_abattements_foyer(la, abattements, "asi"),
        abattement_aspa=_abattements_foyer(la, abattements, "aspa"),
        abattement_activite=tuple(activite),
        jeunes_adultes=jeunes,
        recevabilite=recevabilite,
        presomptions=tuple(presomptions),
    )
    _verifier_publies(baremes)
    return baremes


BAREMES = charger()
