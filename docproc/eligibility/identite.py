"""Rapprochement des noms : déclarants de l'avis d'impôt, membres du foyer, bénéficiaire déclaré.

Les noms sont « pliés » (accents, casse, traits d'union, apostrophes, particules) ; les prénoms
sont comparés dans n'importe quel ordre ; le nom d'usage et le nom de naissance du membre sont
essayés tous les deux. Une tolérance aux fautes de lecture (distance d'édition proportionnelle à
la longueur du mot) rattrape une lettre mal lue, mais jamais au point de confondre deux
personnes : un rapprochement approché n'est retenu que s'il est le seul possible, et les
rapprochements exacts passent d'abord.

Aucune fonction ne journalise : les noms ne sortent que dans les données des avertissements.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

# Particules et mentions ignorées dans un nom (« de », « d' », « épouse », « née »…).
PARTICULES = frozenset(
    {
        "DE",
        "D",
        "DU",
        "DES",
        "LA",
        "LE",
        "L",
        "DEL",
        "DELLA",
        "DI",
        "DA",
        "DOS",
        "VAN",
        "VON",
        "DER",
        "DEN",
        "EP",
        "EPOUSE",
        "EPX",
        "NEE",
        "NE",
        "VEUVE",
        "VVE",
        "DIT",
        "DITE",
    }
)
EXACT = 0
APPROCHE = 1


def plier(texte: object) -> list[str]:
    """Mots d'un nom sans accents, en majuscules, sans ponctuation (trait d'union, apostrophe)."""
    if not isinstance(texte, str):
        return []
    sans_accents = unicodedata.normalize("NFKD", texte).encode("ascii", "ignore").decode()
    return [m for m in re.split(r"[^A-Z0-9]+", sans_accents.upper()) if m]


def mots_nom(texte: object) -> list[str]:
    """Les mots d'un nom de famille, particules ôtées (sauf si le nom n'est fait que d'elles)."""
    mots = plier(texte)
    utiles = [m for m in mots if m not in PARTICULES]
    return utiles or mots


def tolerance(mot: str) -> int:
    """Fautes de lecture tolérées dans un mot : aucune jusqu'à 4 lettres, 1 jusqu'à 9, 2 au-delà."""
    if len(mot) <= 4:
        return 0
    return 1 if len(mot) <= 9 else 2


def distance(a: str, b: str) -> int:
    """Distance d'édition (insertion, suppression, substitution)."""
    if a == b:
        return 0
    precedente = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        courante = [i]
        for j, cb in enumerate(b, start=1):
            courante.append(
                min(precedente[j] + 1, courante[j - 1] + 1, precedente[j - 1] + (ca != cb))
            )
        precedente = courante
    return precedente[-1]


def _mot_proche(a: str, b: str) -> int | None:
    if a == b:
        return EXACT
    if distance(a, b) <= min(tolerance(a), tolerance(b)):
        return APPROCHE
    return None


def _suite(a: Sequence[str], b: Sequence[str]) -> int | None:
    """Deux noms : les mêmes mots dans le même ordre (nom composé), le pire degré de ressemblance."""
    if not a or not b or len(a) != len(b):
        # « MARTIN » contre « MARTIN DUPONT » : un nom composé abrégé reste exact s'il en est le début.
        if a and b and (list(a) == list(b)[: len(a)] or list(b) == list(a)[: len(b)]):
            return EXACT
        return None
    pire = EXACT
    for x, y in zip(a, b, strict=True):
        degre = _mot_proche(x, y)
        if degre is None:
            return None
        pire = max(pire, degre)
    return pire


def _prenoms(a: Sequence[str], b: Sequence[str]) -> int | None:
    """Prénoms dans n'importe quel ordre : ceux de la liste la plus courte tous dans l'autre."""
    if not a or not b:
        return EXACT  # un prénom absent ne contredit rien ; le nom décide
    courte, longue = (a, b) if len(a) <= len(b) else (b, a)
    restants = list(longue)
    pire = EXACT
    for mot in courte:
        if mot in restants:
            restants.remove(mot)
            continue
        proches = [x for x in restants if _mot_proche(mot, x) is not None]
        if len(proches) != 1:
            return None
        restants.remove(proches[0])
        pire = APPROCHE
    return pire


@dataclass(frozen=True)
class Identite:
    """Une personne telle qu'un document ou le foyer la nomme."""

    noms: tuple[tuple[str, ...], ...]  # nom de naissance, nom d'usage… (mots pliés)
    prenoms: tuple[str, ...]

    @property
    def connue(self) -> bool:
        return any(self.noms)


def identite(nom: object = None, prenoms: object = None, nom_usage: object = None) -> Identite:
    noms = []
    for texte in (nom, nom_usage):
        # « DUPONT EPOUSE MARTIN » : deux noms.
        if isinstance(texte, str):
            for morceau in re.split(r"\b(?:EPOUSE|EPX|EP|NEE|VEUVE|VVE)\b", " ".join(plier(texte))):
                mots = tuple(mots_nom(morceau))
                if mots and mots not in noms:
                    noms.append(mots)
    return Identite(tuple(noms), tuple(plier(prenoms)))


def identite_libre(texte: object) -> Identite:
    """Une identité écrite d'un bloc (« Marie-Claire DUPONT ») : chaque mot peut être nom ou prénom."""
    mots = tuple(mots_nom(texte))
    return Identite((mots,), mots)


def ressemblance(a: Identite, b: Identite) -> int | None:
    """EXACT, APPROCHE, ou None si ce ne sont pas les mêmes noms et prénoms."""
    meilleur: int | None = None
    for x in a.noms:
        for y in b.noms:
            degre = _suite(x, y)
            if degre is not None and (meilleur is None or degre < meilleur):
                meilleur = degre
    if meilleur is None:
        return None
    prenoms = _prenoms(a.prenoms, b.prenoms)
    if prenoms is None:
        return None
    return max(meilleur, prenoms)


def ressemblance_libre(libre: Identite, b: Identite) -> int | None:
    """Une identité d'un bloc contre une identité structurée : son nom et ses prénoms s'y retrouvent."""
    mots = list(libre.prenoms)
    for nom in b.noms:
        if not nom:
            continue
        reste = list(mots)
        pire = EXACT
        for mot in nom:
            proches = [x for x in reste if _mot_proche(mot, x) is not None]
            if not proches:
                break
            exact = mot in reste
            reste.remove(mot if exact else proches[0])
            pire = max(pire, EXACT if exact else APPROCHE)
        else:
            prenoms = _prenoms(tuple(reste), b.prenoms) if reste and b.prenoms else EXACT
            if prenoms is not None:
                return max(pire, prenoms)
    return None


def apparier(gauche: Sequence[Identite], droite: Sequence[Identite]) -> dict[int, tuple[int, int]]:
    """Couples (i de gauche → (j de droite, degré)) : exacts d'abord, puis approchés sans ambiguïté.

    Un rapprochement approché n'est fait que si chacun des deux n'a qu'un seul candidat restant :
    deux personnes différentes ne sont jamais confondues parce qu'une lettre a été mal lue.
    """
    couples: dict[int, tuple[int, int]] = {}
    pris: set[int] = set()
    degres = {
        (i, j): ressemblance(g, d)
        for i, g in enumerate(gauche)
        for j, d in enumerate(droite)
        if g.connue and d.connue
    }
    for i in range(len(gauche)):
        exacts = [j for j in range(len(droite)) if degres.get((i, j)) == EXACT and j not in pris]
        if len(exacts) == 1:
            couples[i] = (exacts[0], EXACT)
            pris.add(exacts[0])
    for i in range(len(gauche)):
        if i in couples:
            continue
        candidats = [
            j for j in range(len(droite)) if j not in pris and degres.get((i, j)) is not None
        ]
        if len(candidats) != 1:
            continue
        j = candidats[0]
        rivaux = [
            k
            for k in range(len(gauche))
            if k != i and k not in couples and degres.get((k, j)) is not None
        ]
        if rivaux:
            continue
        couples[i] = (j, APPROCHE)
        pris.add(j)
    return couples


def noms_lisibles(parties: Iterable[object]) -> str:
    return " ".join(str(p) for p in parties if isinstance(p, str) and p.strip())
