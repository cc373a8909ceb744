"""Les barèmes de la CSS, typés : une série datée par règle, chaque valeur avec sa source.

Lus et contrôlés par ``lecture_baremes`` ; ce module ne lit aucun fichier. ``en_vigueur`` donne
l'élément d'une série en vigueur à une date.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Protocol, TypeVar

from .formules import UN, majoration_rang


class BaremeError(Exception):
    """Un fichier de barème est absent, illisible ou incohérent."""


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
        return majoration_rang(
            rang,
            self.deuxieme_personne,
            self.troisieme_et_quatrieme_personne,
            self.cinquieme_personne_et_plus,
        )

    def coefficient(self, poids: Sequence[Decimal]) -> Decimal:
        """1 + somme des majorations des rangs 2, 3… pondérées (1, ou ½ en résidence alternée)."""
        return UN + sum(
            (p * self.majoration(rang) for rang, p in enumerate(poids, start=1)), Decimal(0)
        )


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
class RegleRecevabilite:
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
        return self.css_applicable and (
            self.applicable_depuis is None or jour >= self.applicable_depuis
        )


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
    recevabilite: RegleRecevabilite
    presomptions: tuple[Presomption, ...]

    @property
    def premiere_date(self) -> date:
        """Première date de demande couverte par tous les barèmes indispensables."""
        return max(
            self.revalorisations[0].debut,
            self.composition.debut,
            self.periodes_reference[0].debut,
            self.participation[0].debut,
            self.rsa[0].debut,
            self.forfait_sans_aide_logement[0].debut,
            self.forfait_aide_logement[0].debut,
        )


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
