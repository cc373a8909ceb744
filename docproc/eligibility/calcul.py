"""Le calcul de la décision CSS : composition du foyer, période de référence, ressources,
forfait logement, plafonds, décision, participation, présomptions de droit.

Petites fonctions pures sur la ``Demande`` (``demande.py``) et les barèmes (``modele_baremes``) ;
aucun montant n'est écrit ici. Les phrases de l'explication sont dans ``explication.py``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from .demande import Demande, Membre
from .erreurs_foyer import HouseholdError
from .formules import UN, age_au, ajouter_mois, arrondi_centime, arrondi_euro, fin_de_mois
from .modele_baremes import (
    BaremeParticipation,
    Baremes,
    PeriodeReference,
    Revalorisation,
    en_vigueur,
)
from .texte import date_fr, euros
from .vocabulaire_foyer import (
    PATRIMOINE,
    REMUNERATIONS_ACTIVITE,
    RESSOURCES_COMPTEES,
    RESSOURCES_DEDUITES,
)

ZERO = Decimal(0)
DOUZE = Decimal(12)

GRATUITE = "css_gratuite"
PARTICIPATION = "css_participation"
NON_ELIGIBLE = "non_eligible"


# --------------------------------------------------------------------------------------
# Foyer


@dataclass(frozen=True)
class Personne:
    membre: Membre
    age: int  # à la date de la demande
    compte: bool  # membre du foyer au sens de R861-2
    poids: Decimal  # part de la majoration du plafond (1, ou ½ en résidence alternée)
    motif: str | None = None  # pourquoi la personne n'est pas comptée


def composer_foyer(demande: Demande, b: Baremes) -> tuple[list[Personne], list[Personne]]:
    """Foyer (demandeur, conjoint, puis personnes à charge de la plus âgée à la plus jeune) et exclus."""
    limite = b.foyer.age_limite_personne_a_charge
    majorite = b.composition.age_majorite
    foyer: list[Personne] = []
    exclus: list[Personne] = []
    for role in ("demandeur", "conjoint"):
        for m in demande.membres:
            if m.role == role:
                foyer.append(Personne(m, age_au(demande.date_demande, m.date_naissance), True, UN))
    a_charge = sorted(
        (m for m in demande.membres if m.role in ("enfant", "autre")),
        key=lambda m: (m.date_naissance, m.index),
    )
    for m in a_charge:
        age = age_au(demande.date_demande, m.date_naissance)
        if age >= limite:
            exclus.append(
                Personne(m, age, False, ZERO, f"{limite} ans ou plus à la date de la demande")
            )
            continue
        poids = (
            b.composition.facteur_residence_alternee if m.garde_alternee and age < majorite else UN
        )
        foyer.append(Personne(m, age, True, poids))
    return foyer, exclus


# --------------------------------------------------------------------------------------
# Période de référence


def periode_reference(jour: date, regle: PeriodeReference) -> tuple[date, date]:
    """Premier et dernier jour de la période de référence (mois civils entiers)."""
    return (
        ajouter_mois(jour, -regle.premier_mois),
        fin_de_mois(ajouter_mois(jour, -regle.dernier_mois)),
    )


# --------------------------------------------------------------------------------------
# Ressources


@dataclass
class Ressources:
    comptees: dict[str, Decimal] = field(default_factory=dict)
    abattues: dict[str, tuple[Decimal, Decimal, str]] = field(
        default_factory=dict
    )  # perçu, abattement, barème
    deduites: dict[str, Decimal] = field(default_factory=dict)
    patrimoine_detenu: dict[str, Decimal] = field(default_factory=dict)
    patrimoine_compte: dict[str, tuple[Decimal, Decimal]] = field(
        default_factory=dict
    )  # taux, revenu fictif
    patrimoine_applicable: bool = False
    # R861-8 : (membre, situation, rémunérations d'activité, abattement de 30 %)
    abattement_activite: list[tuple[Membre, str, Decimal, Decimal]] = field(default_factory=list)
    taux_abattement_activite: Decimal = ZERO
    sources: list[str] = field(default_factory=list)

    @property
    def total_brut(self) -> Decimal:
        total = sum(self.comptees.values(), ZERO)
        total += sum((percu - abattement for percu, abattement, _ in self.abattues.values()), ZERO)
        total += sum((revenu for _, revenu in self.patrimoine_compte.values()), ZERO)
        total -= sum((abattement for _, _, _, abattement in self.abattement_activite), ZERO)
        return total - sum(self.deduites.values(), ZERO)

    @property
    def total(self) -> Decimal:
        return max(self.total_brut, ZERO)


def _somme(foyer: list[Personne], cle: str) -> Decimal:
    return sum((p.membre.ressources.get(cle, ZERO) for p in foyer), ZERO)


def calculer_ressources(foyer: list[Personne], jour: date, b: Baremes) -> Ressources:
    r = Ressources()
    for cle in RESSOURCES_COMPTEES:
        montant = _somme(foyer, cle)
        if montant > 0:
            r.comptees[cle] = montant
    couple = any(p.membre.role == "conjoint" for p in foyer)
    aah = en_vigueur(b.abattement_aah, jour)
    percu = _somme(foyer, "aah")
    if percu > 0:
        abattement = ZERO
        libelle = "aucun abattement en vigueur"
        if aah is not None:
            abattement = sum(
                (min(p.membre.ressources.get("aah", ZERO), DOUZE * aah.mensuel) for p in foyer),
                ZERO,
            )
            libelle = f"{euros(aah.mensuel)} par mois et par bénéficiaire"
            r.sources.append(aah.source)
        r.abattues["aah"] = (percu, abattement, libelle)
    for cle, serie in (("asi", b.abattement_asi), ("aspa", b.abattement_aspa)):
        percu = _somme(foyer, cle)
        if percu <= 0:
            continue
        bareme = en_vigueur(serie, jour)
        if bareme is None:
            r.abattues[cle] = (percu, ZERO, "aucun abattement en vigueur")
            continue
        mensuel = bareme.couple if couple else bareme.personne_seule
        qui = "pour un couple" if couple else "pour une personne seule"
        r.abattues[cle] = (percu, min(percu, DOUZE * mensuel), f"{euros(mensuel)} par mois {qui}")
        r.sources.append(bareme.source)
    for cle in RESSOURCES_DEDUITES:
        montant = _somme(foyer, cle)
        if montant > 0:
            r.deduites[cle] = montant
    for cle in PATRIMOINE:
        montant = _somme(foyer, cle)
        if montant > 0:
            r.patrimoine_detenu[cle] = montant
    regle = en_vigueur(b.patrimoine, jour)
    if regle is not None:
        r.patrimoine_applicable = True
        taux = {
            "valeur_locative_immo_non_loue": regle.bati,
            "valeur_locative_terrains_non_loues": regle.non_bati,
            "epargne_revenus_non_imposables": regle.capitaux,
        }
        for cle, montant in r.patrimoine_detenu.items():
            r.patrimoine_compte[cle] = (taux[cle], arrondi_centime(montant * taux[cle]))
    if r.patrimoine_detenu:
        r.sources.append(b.patrimoine[-1].source)
    activite = en_vigueur(b.abattement_activite, jour)
    if activite is not None:
        for p in foyer:
            situation = p.membre.situation_particuliere
            base = sum((p.membre.ressources.get(c, ZERO) for c in REMUNERATIONS_ACTIVITE), ZERO)
            if situation is None or base <= 0:
                continue
            r.taux_abattement_activite = activite.taux
            r.abattement_activite.append(
                (p.membre, situation, base, arrondi_centime(base * activite.taux))
            )
        if r.abattement_activite:
            r.sources.append(activite.source)
    return r


# --------------------------------------------------------------------------------------
# Forfait logement


@dataclass(frozen=True)
class Forfait:
    montant: Decimal  # annuel, ajouté aux ressources
    plafond_annuel: Decimal  # forfait théorique annuel (0 pour un locataire)
    mensuel: Decimal
    taux: Decimal
    rsa: Decimal  # montant forfaitaire du RSA pour la taille du foyer
    personnes: int
    sources: tuple[str, ...] = ()


def calculer_forfait(demande: Demande, personnes: int, b: Baremes) -> Forfait:
    jour = demande.date_demande
    if demande.logement == "locataire":
        return Forfait(ZERO, ZERO, ZERO, ZERO, ZERO, personnes)
    rsa = en_vigueur(b.rsa, jour)
    serie = (
        b.forfait_aide_logement
        if demande.logement == "aide_logement"
        else b.forfait_sans_aide_logement
    )
    taux_forfait = en_vigueur(serie, jour)
    if rsa is None or taux_forfait is None:
        raise HouseholdError(f"Aucun barème de forfait logement n'est connu au {date_fr(jour)}.")
    n = min(personnes, 3)
    majoration = {1: UN, 2: b.rsa_composition.deux_personnes, 3: b.rsa_composition.trois_personnes}[
        n
    ]
    rsa_foyer = arrondi_centime(rsa.montant * majoration)
    taux = taux_forfait.taux(n)
    mensuel = arrondi_centime(rsa_foyer * taux)
    plafond = DOUZE * mensuel
    sources = (rsa.source, b.rsa_composition.source, taux_forfait.source)
    if demande.logement == "aide_logement":
        montant = min(DOUZE * demande.aide_logement_mensuelle, plafond)
    else:
        montant = plafond
    return Forfait(montant, plafond, mensuel, taux, rsa_foyer, personnes, sources)


# --------------------------------------------------------------------------------------
# Plafonds


def plafond(
    revalorisation: Revalorisation,
    dom: bool,
    avec_participation: bool,
    poids: list[Decimal],
    b: Baremes,
) -> tuple[Decimal, bool]:
    """Plafond annuel du foyer, et s'il vient d'un barème publié (sinon de la formule R861-3).

    ``poids`` : la part de chaque personne, par rang (1 = demandeur). Avec un barème publié, la
    majoration d'un rang est l'écart publié entre n et n-1 personnes (au-delà du tableau : le
    montant publié « par personne supplémentaire »), multipliée par le poids ; le total est
    arrondi à l'euro. Pour des personnes entières, c'est exactement le chiffre publié.
    """
    publie = revalorisation.publie(dom)
    if publie is not None:
        valeurs, supplement = publie.table(avec_participation)
        total = valeurs[0]
        for rang, part in enumerate(poids[1:], start=2):
            if rang <= len(valeurs):
                total += part * (valeurs[rang - 1] - valeurs[rang - 2])
            else:
                total += part * supplement
        return arrondi_euro(total), True
    montant = revalorisation.plafond_une_personne * b.composition.coefficient(poids)
    if dom:
        montant *= UN + b.majoration_dom.taux
    if avec_participation:
        montant *= UN + b.majoration_participation.taux
    return arrondi_euro(montant), False


# --------------------------------------------------------------------------------------
# Décision


def decider(
    applicable: bool,
    rsa: bool,
    ressources: Decimal,
    plafond_gratuite: Decimal,
    plafond_participation: Decimal,
) -> str:
    """Issue de la demande ; un foyer exactement au plafond a l'issue la plus favorable (≤)."""
    if not applicable:
        return NON_ELIGIBLE
    if rsa or ressources <= plafond_gratuite:
        return GRATUITE
    if ressources <= plafond_participation:
        return PARTICIPATION
    return NON_ELIGIBLE


# --------------------------------------------------------------------------------------
# Participation


@dataclass(frozen=True)
class Part:
    personne: Personne
    age: int  # au 1er janvier de l'année d'ouverture du droit
    montant: Decimal


def participations(
    foyer: list[Personne], ouverture: date, colonne: str, bareme: BaremeParticipation, due: bool
) -> list[Part]:
    premier_janvier = date(ouverture.year, 1, 1)
    parts = []
    for p in foyer:
        # Un enfant né après le 1er janvier est compté dans la première tranche (0 an).
        age = max(age_au(premier_janvier, p.membre.date_naissance), 0)
        montant = bareme.tranche(age).montants[colonne] if due else ZERO
        parts.append(Part(p, age, montant))
    return parts


@dataclass(frozen=True)
class Presumee:
    cle: str
    source: str
    verifie: bool
    reserves: tuple[str, ...]  # conditions que le foyer déclaré ne permet pas de vérifier


def chercher_presomption(foyer: list[Personne], jour: date, b: Baremes) -> Presumee | None:
    """La première présomption en vigueur dont le foyer remplit les conditions déclarées."""
    seul = len(foyer) == 1
    couple = [p.membre for p in foyer if p.membre.role in ("demandeur", "conjoint")]
    for regle in b.presomptions:
        if regle.debut > jour:
            continue
        cle = regle.cle
        beneficiaires = [
            m
            for m in couple
            if m.ressources.get(cle, ZERO) > 0
            or (cle == "ass" and m.situation_particuliere == "ass")
        ]
        if not beneficiaires:
            continue
        concernes = couple if cle in ("aspa", "asi") else beneficiaires
        if cle in ("aah", "ass") and not seul:
            continue
        reserves: list[str] = []
        if cle in ("aspa", "asi", "aah"):
            if any(m.activite == "actif" for m in concernes):
                continue
            if any(
                sum((m.ressources.get(c, ZERO) for c in REMUNERATIONS_ACTIVITE), ZERO) > 0
                for m in concernes
            ):
                reserves.append(
                    "absence d'activité salariée ou indépendante (ou en ESAT) pendant les "
                    "trois mois civils précédant la demande (art. R861-11), des revenus "
                    "d'activité figurant sur la période de référence"
                )
        if cle == "aah":
            reserves.append(
                "AAH versée à taux plein ou en complément d'un avantage de vieillesse, "
                "d'invalidité ou d'une rente d'accident du travail"
            )
        if cle == "cej":
            reserves.append(
                "foyer fiscal non imposable à l'impôt sur le revenu (avis d'imposition)"
            )
        return Presumee(cle, regle.source, regle.verifie, tuple(reserves))
    return None
