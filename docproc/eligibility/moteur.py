"""Moteur d'éligibilité à la complémentaire santé solidaire (CSS, ex-CMU-C et ACS).

Petites fonctions pures : composition du foyer, période de référence, ressources, forfait
logement, plafonds, décision, participation, explication. Aucun montant n'est écrit ici : ils
viennent tous des fichiers de ``baremes/`` (chargés par ``regles.py``).

Écarts volontaires avec OpenFisca-France (176.x, branche master), cf. css-rules.md §3 :

1. Plafonds : OpenFisca garde 10 166 € après le 1er avril 2024 et ignore la revalorisation du
   1er avril 2020 ; ici toutes les revalorisations connues sont en données (plafonds.toml).
2. Période de référence : OpenFisca somme M-12 … M-1 ; la règle (R861-8, décret 2021-1642)
   est M-13 … M-2 depuis le 1er janvier 2022 (M-12 … M-1 avant). Elle est calculée et affichée.
3. Arrondi : OpenFisca calcule round(plafond × coefficient) (arrondi bancaire) et n'arrondit
   pas le plafond majoré de 35 %. Ici, les barèmes publiés sont repris à l'identique
   (18 609 / 21 711 / 25 846 € pour 3 / 4 / 5 personnes au 1er avril 2025, 20 936 € avec
   participation pour 2 personnes) ; à défaut, formule R861-3 arrondie à l'euro le plus proche,
   0,50 compté pour 1 (L861-1). Un foyer exactement au plafond a droit à l'issue favorable.
4. Âge de la participation : OpenFisca prend l'âge du mois de la demande ; la règle est l'âge
   au 1er janvier de l'année d'ouverture du droit.
5. Personnes à charge : OpenFisca compte les enfants jusqu'à 25 ans inclus ; la règle (R861-2)
   est « moins de 25 ans à la date de la demande ». Une personne « enfant » ou « autre » de
   25 ans ou plus est exclue du foyer, et ses ressources avec elle.
6. Biens non productifs de revenu (50 % / 80 % / 3 %) : comptés par OpenFisca à toute date, et
   12 fois par an (valeur annuelle ajoutée chaque mois) ; ici comptés une fois par an et
   seulement pour les demandes antérieures au décret du 28 juin 2025.
7. Forfait logement : comme OpenFisca, tout propriétaire (primo-accédant compris, le contrat ne
   les distingue pas) et le logé gratuit ont le forfait R861-5 (taux 12 / 14 / 14 %, à vérifier) ;
   l'aide au logement est comptée dans la limite du forfait R861-7 sur l'année (montant mensuel
   × 12, pas mois par mois). Le RSA utilisé est celui en vigueur à la date de la demande ; les
   montants mensuels sont arrondis au centime comme dans les notes de la DSS.
8. Abattement de 30 % sur les rémunérations d'activité (salaires, revenus d'activité
   indépendante) d'un membre en arrêt maladie de plus de six mois, en chômage indemnisé (ou
   stagiaire rémunéré assimilé), écroué, bénéficiaire de l'ASS ou stagiaire rémunéré sans
   emploi : c'est l'article R861-8 CSS, 3e alinéa (pas seulement une règle d'OpenFisca). Il
   s'applique à la situation déclarée à la date de la demande (« situation_particuliere »).
9. Exclusions de 2025 (aides de la famille, d'une personne morale…) : les clés du contrat ne
   décrivent que des ressources comptées ; ces aides n'ont pas de clé et ne sont donc jamais
   ajoutées.
10. Jeunes adultes (R861-2, 1° et 3°) : un demandeur de moins de 25 ans rattaché au foyer fiscal
   de ses parents, ou qui perçoit une pension alimentaire (présumée versée par ses parents,
   art. 80 septies CGI), ne peut demander seul que s'il s'engage à déclarer ses revenus
   séparément ou à ne plus percevoir la pension (« engagement_autonomie », R861-16) ; sinon la
   demande n'est pas recevable. Pour les personnes à charge déclarées, le moteur fait confiance
   à la composition déclarée.
11. Recevabilité (ce que le téléservice refuse) : demandeur de moins de 16 ans ; mineur de 16 ou
   17 ans (décision du directeur, L861-1 : à vérifier) ; renouvellement demandé plus de quatre
   mois avant la fin du droit en cours (R861-18) ; renouvellement des bénéficiaires du RSA ou de
   l'ASPA, automatique (L861-5, dernier alinéa).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from .formules import UN, age_au, ajouter_mois, arrondi_centime, arrondi_euro, fin_de_mois
from .foyer import (
    PATRIMOINE,
    REMUNERATIONS_ACTIVITE,
    RESSOURCES_ABATTUES,
    RESSOURCES_COMPTEES,
    RESSOURCES_DEDUITES,
    SITUATIONS_LIBELLES,
    Demande,
    HouseholdError,
    Membre,
    lire_demande,
)
from .regles import (
    BAREMES,
    BaremeParticipation,
    Baremes,
    PeriodeReference,
    Revalorisation,
    Territoire,
    en_vigueur,
)
from .texte import ans, date_fr, euros, nombre, pourcentage

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
    a_charge = sorted((m for m in demande.membres if m.role in ("enfant", "autre")),
                      key=lambda m: (m.date_naissance, m.index))
    for m in a_charge:
        age = age_au(demande.date_demande, m.date_naissance)
        if age >= limite:
            exclus.append(Personne(m, age, False, ZERO,
                                   f"{limite} ans ou plus à la date de la demande"))
            continue
        poids = b.composition.facteur_residence_alternee if m.garde_alternee and age < majorite else UN
        foyer.append(Personne(m, age, True, poids))
    return foyer, exclus


# --------------------------------------------------------------------------------------
# Période de référence


def periode_reference(jour: date, regle: PeriodeReference) -> tuple[date, date]:
    """Premier et dernier jour de la période de référence (mois civils entiers)."""
    return (ajouter_mois(jour, -regle.premier_mois),
            fin_de_mois(ajouter_mois(jour, -regle.dernier_mois)))


# --------------------------------------------------------------------------------------
# Ressources


@dataclass
class Ressources:
    comptees: dict[str, Decimal] = field(default_factory=dict)
    abattues: dict[str, tuple[Decimal, Decimal, str]] = field(default_factory=dict)  # perçu, abattement, barème
    deduites: dict[str, Decimal] = field(default_factory=dict)
    patrimoine_detenu: dict[str, Decimal] = field(default_factory=dict)
    patrimoine_compte: dict[str, tuple[Decimal, Decimal]] = field(default_factory=dict)  # taux, revenu fictif
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
            abattement = sum((min(p.membre.ressources.get("aah", ZERO), DOUZE * aah.mensuel)
                              for p in foyer), ZERO)
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
        taux = {"valeur_locative_immo_non_loue": regle.bati,
                "valeur_locative_terrains_non_loues": regle.non_bati,
                "epargne_revenus_non_imposables": regle.capitaux}
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
            r.abattement_activite.append((p.membre, situation, base, arrondi_centime(base * activite.taux)))
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
    serie = b.forfait_aide_logement if demande.logement == "aide_logement" else b.forfait_sans_aide_logement
    taux_forfait = en_vigueur(serie, jour)
    if rsa is None or taux_forfait is None:
        raise HouseholdError(f"Aucun barème de forfait logement n'est connu au {date_fr(jour)}.")
    n = min(personnes, 3)
    majoration = {1: UN, 2: b.rsa_composition.deux_personnes, 3: b.rsa_composition.trois_personnes}[n]
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


def plafond(revalorisation: Revalorisation, dom: bool, avec_participation: bool,
            poids: list[Decimal], b: Baremes) -> tuple[Decimal, bool]:
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


def decider(applicable: bool, rsa: bool, ressources: Decimal, plafond_gratuite: Decimal,
            plafond_participation: Decimal) -> str:
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


def participations(foyer: list[Personne], ouverture: date, colonne: str,
                   bareme: BaremeParticipation, due: bool) -> list[Part]:
    premier_janvier = date(ouverture.year, 1, 1)
    parts = []
    for p in foyer:
        # Un enfant né après le 1er janvier est compté dans la première tranche (0 an).
        age = max(age_au(premier_janvier, p.membre.date_naissance), 0)
        montant = bareme.tranche(age).montants[colonne] if due else ZERO
        parts.append(Part(p, age, montant))
    return parts


# --------------------------------------------------------------------------------------
# Explication


def _designation(p: Personne, avec_age: bool = True) -> str:
    role = p.membre.role
    age = f" ({ans(p.age)})" if avec_age else ""
    if role == "demandeur":
        return f"le demandeur{age}"
    if role == "conjoint":
        return f"le conjoint{age}"
    nom = "un enfant" if role == "enfant" else "une autre personne à charge"
    texte = f"{nom} de {ans(p.age)}" if avec_age else nom
    if p.poids < UN:
        texte += " en résidence alternée, compté pour moitié"
    return texte


def _enumeration(elements: list[str]) -> str:
    if len(elements) <= 1:
        return "".join(elements)
    return ", ".join(elements[:-1]) + " et " + elements[-1]


def _taille(foyer: list[Personne]) -> str:
    n = len(foyer)
    moitie = sum(1 for p in foyer if p.poids < UN)
    texte = "une personne" if n == 1 else f"{n} personnes"
    if moitie:
        texte += f" dont {'une comptée' if moitie == 1 else f'{moitie} comptées'} pour moitié"
    return texte


def _de(texte: str) -> str:
    return f"d'{texte}" if texte[:1] in "aeiouéu" else f"de {texte}"


def _majuscule(texte: str) -> str:
    return texte[:1].upper() + texte[1:]


# R861-8, 2e phrase : ressources prises « du dernier avis d'imposition connu ».
SELON_AVIS = ("revenus_locatifs", "revenus_capital", "revenus_etrangers", "pensions_alimentaires_percues")

LOGEMENT_PHRASE = {
    "proprietaire": "Le foyer est propriétaire de son logement",
    "heberge_gratuit": "Le foyer est hébergé gratuitement",
}


def _phrases_ressources(r: Ressources, b: Baremes) -> list[str]:
    phrases = []
    if r.comptees:
        phrases.append("Ressources comptées sur la période : " + " ; ".join(
            f"{RESSOURCES_COMPTEES[c]} {euros(m, True)}" for c, m in r.comptees.items()) + ".")
    selon_avis = [RESSOURCES_COMPTEES[c] for c in SELON_AVIS if c in r.comptees]
    if selon_avis:
        phrases.append(
            _majuscule(_enumeration(selon_avis)) + " : ce sont les montants du dernier avis d'imposition "
            "connu, et non ceux des douze mois de la période de référence (art. R861-8 du code de la "
            "sécurité sociale, 2e phrase).")
    for cle, (percu, abattement, bareme) in r.abattues.items():
        phrases.append(
            f"{_majuscule(RESSOURCES_ABATTUES[cle])} : "
            f"{euros(percu, True)} perçus, moins un abattement de {euros(abattement, True)} "
            f"({bareme}), soit {euros(percu - abattement, True)} comptés.")
    if not r.comptees and not r.abattues:
        phrases.append("Aucune ressource n'est déclarée sur la période de référence.")
    phrases.append(b.textes.exclusions)
    for cle, montant in r.deduites.items():
        phrases.append(f"{_majuscule(RESSOURCES_DEDUITES[cle])}, déduites des ressources : "
                       f"{euros(montant, True)}.")
    if r.patrimoine_detenu:
        if r.patrimoine_applicable:
            phrases.append("Biens ne produisant pas de revenu, comptés pour un revenu fictif : " + " ; ".join(
                f"{PATRIMOINE[c]} {euros(r.patrimoine_detenu[c], True)} × {pourcentage(t)} = {euros(v, True)}"
                for c, (t, v) in r.patrimoine_compte.items()) + ".")
        else:
            fin = b.patrimoine[-1].fin
            quand = f"à partir du {date_fr(fin)}" if fin else "à cette date"
            phrases.append(
                "Les biens ne produisant pas de revenu ("
                + ", ".join(PATRIMOINE[c] for c in r.patrimoine_detenu)
                + f") ne sont plus comptés pour une demande déposée {quand} "
                "(décret du 28 juin 2025, abrogation de l'article R861-6).")
    for membre, situation, base, abattement in r.abattement_activite:
        phrases.append(
            f"Le membre n° {membre.index + 1} est {SITUATIONS_LIBELLES[situation]} à la date de la demande : "
            f"ses rémunérations d'activité ({euros(base, True)}) sont réduites de "
            f"{pourcentage(r.taux_abattement_activite)}, soit un abattement de {euros(abattement, True)} "
            "(art. R861-8 du code de la sécurité sociale).")
    if r.total_brut < 0:
        phrases.append("Les déductions dépassent les ressources : le total est ramené à 0 €.")
    return phrases


def _phrase_forfait(f: Forfait, demande: Demande) -> str:
    if demande.logement == "locataire":
        return "Le foyer est locataire sans aide au logement : aucun forfait logement n'est ajouté."
    personnes = "une personne" if f.personnes == 1 else f"{min(f.personnes, 3)} personnes"
    base = (f"{pourcentage(f.taux)} du montant forfaitaire du RSA pour {personnes} "
            f"({euros(f.rsa, True)}), soit {euros(f.mensuel, True)} par mois")
    if demande.logement == "aide_logement":
        annuelle = DOUZE * demande.aide_logement_mensuelle
        debut = (f"Le foyer perçoit une aide au logement de {euros(demande.aide_logement_mensuelle, True)} "
                 f"par mois, soit {euros(annuelle, True)} par an ; le forfait est de "
                 f"{euros(f.plafond_annuel, True)} par an, {base}")
        if annuelle <= f.plafond_annuel:
            return (f"{debut}. L'aide ne dépasse pas ce forfait : son montant réel, "
                    f"{euros(f.montant, True)}, est ajouté aux ressources.")
        return (f"{debut}. L'aide est comptée dans la limite de ce forfait : "
                f"{euros(f.montant, True)} sont ajoutés aux ressources.")
    return (f"{LOGEMENT_PHRASE[demande.logement]} : un forfait logement de {euros(f.montant, True)} "
            f"par an est ajouté aux ressources, {base}.")


# --------------------------------------------------------------------------------------
# Présomptions de droit à la CSS avec participation (L861-2, dernier alinéa)

PRESOMPTIONS_LIBELLES = {
    "aspa": "l'allocation de solidarité aux personnes âgées (ASPA)",
    "asi": "l'allocation supplémentaire d'invalidité (ASI)",
    "aah": "l'allocation aux adultes handicapés (AAH)",
    "ass": "l'allocation de solidarité spécifique (ASS)",
    "cej": "l'allocation du contrat d'engagement jeune (CEJ)",
}
PRESOMPTIONS_ALINEAS = {"aspa": "1°", "asi": "2°", "aah": "3°", "ass": "4°", "cej": "5°"}


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
        beneficiaires = [m for m in couple if m.ressources.get(cle, ZERO) > 0
                         or (cle == "ass" and m.situation_particuliere == "ass")]
        if not beneficiaires:
            continue
        concernes = couple if cle in ("aspa", "asi") else beneficiaires
        if cle in ("aah", "ass") and not seul:
            continue
        reserves: list[str] = []
        if cle in ("aspa", "asi", "aah"):
            if any(m.activite == "actif" for m in concernes):
                continue
            if any(sum((m.ressources.get(c, ZERO) for c in REMUNERATIONS_ACTIVITE), ZERO) > 0
                   for m in concernes):
                reserves.append("absence d'activité salariée ou indépendante (ou en ESAT) pendant les "
                                "trois mois civils précédant la demande (art. R861-11), des revenus "
                                "d'activité figurant sur la période de référence")
        if cle == "aah":
            reserves.append("AAH versée à taux plein ou en complément d'un avantage de vieillesse, "
                            "d'invalidité ou d'une rente d'accident du travail")
        if cle == "cej":
            reserves.append("foyer fiscal non imposable à l'impôt sur le revenu (avis d'imposition)")
        return Presumee(cle, regle.source, regle.verifie, tuple(reserves))
    return None


# --------------------------------------------------------------------------------------
# Recevabilité de la demande (avant tout examen des ressources)

RECEVABLE = "recevable"
A_VERIFIER = "a_verifier"
IRRECEVABLE = "irrecevable"
RENOUVELLEMENT_AUTOMATIQUE = "renouvellement_automatique"


@dataclass(frozen=True)
class Recevabilite:
    statut: str  # recevable, a_verifier, irrecevable, renouvellement_automatique
    motif: str | None = None  # code stable du motif
    phrase: str | None = None  # explication en français
    source: str | None = None


def _moins_mois(jour: date, mois: int) -> date:
    """Le même quantième ``mois`` mois plus tôt (borné au dernier jour du mois)."""
    premier = ajouter_mois(jour, -mois)
    return premier.replace(day=min(jour.day, fin_de_mois(premier).day))


def examiner_recevabilite(demande: Demande, b: Baremes) -> Recevabilite:
    jour = demande.date_demande
    r = b.recevabilite
    demandeur = next(m for m in demande.membres if m.role == "demandeur")
    age = age_au(jour, demandeur.date_naissance)
    if age < r.age_mineur_autonome:
        return Recevabilite(
            IRRECEVABLE, "demandeur_mineur",
            f"Le demandeur a {ans(age)} : avant {r.age_mineur_autonome} ans, un mineur ne peut pas demander "
            "la complémentaire santé solidaire à titre personnel ; il est couvert au titre du foyer de ses "
            "parents, qui doivent l'inclure dans leur demande (art. L861-1 du code de la sécurité sociale).",
            r.source_age)
    jeunes = b.jeunes_adultes
    pension = demandeur.ressources.get("pensions_alimentaires_percues", ZERO)
    rattache = demandeur.rattache_foyer_fiscal_parents is True
    if age < jeunes.age_limite and (rattache or pension > 0) and not demandeur.engagement_autonomie:
        pourquoi = ("est rattaché au foyer fiscal de ses parents" if rattache else
                    f"perçoit une pension alimentaire ({euros(pension, True)} sur la période), présumée "
                    "versée par ses parents et déductible de leurs revenus (art. 80 septies du CGI)")
        return Recevabilite(
            IRRECEVABLE, "jeune_rattache_aux_parents",
            f"Le demandeur a {ans(age)} et {pourquoi} : il fait partie du foyer de ses parents "
            f"(art. R861-2, 1° et 3°) et ne peut pas demander seul la complémentaire santé solidaire. "
            "Il doit être inclus dans la demande de ses parents, sauf s'il s'engage sur l'honneur à "
            "déclarer seul ses revenus pour l'année à venir ou à ne plus percevoir cette pension "
            "(« engagement_autonomie »).",
            jeunes.source)
    if demande.date_fin_droits is not None and demande.date_fin_droits >= jour:
        aspa = any(m.ressources.get("aspa", ZERO) > 0 for m in demande.membres)
        if demande.rsa_beneficiaire or aspa:
            qui = "du revenu de solidarité active" if demande.rsa_beneficiaire else \
                "de l'allocation de solidarité aux personnes âgées"
            return Recevabilite(
                RENOUVELLEMENT_AUTOMATIQUE, "renouvellement_automatique",
                f"Le foyer bénéficie {qui} : son droit, qui prend fin le {date_fr(demande.date_fin_droits)}, "
                "est renouvelé automatiquement tant qu'il perçoit cette allocation ; il n'a pas de "
                "demande de renouvellement à faire (art. L861-5, dernier alinéa). La demande n'est pas examinée.",
                r.source_renouvellement_automatique)
        au_plus_tot = _moins_mois(demande.date_fin_droits, r.delai_renouvellement_mois)
        if jour < au_plus_tot:
            return Recevabilite(
                IRRECEVABLE, "renouvellement_premature",
                f"Le droit en cours prend fin le {date_fr(demande.date_fin_droits)} : la demande de "
                f"renouvellement ne peut être déposée qu'à partir du {date_fr(au_plus_tot)}, au plus tôt "
                f"{r.delai_renouvellement_mois} mois avant cette date (art. R861-18). Elle est à "
                "redéposer à partir de cette date.",
                r.source_renouvellement)
    if age < r.age_majorite:
        return Recevabilite(
            A_VERIFIER, "mineur_liens_familiaux_rompus",
            f"Le demandeur a {ans(age)} : un mineur d'au moins {r.age_mineur_autonome} ans ne peut bénéficier "
            "de la complémentaire santé solidaire à titre personnel que si ses liens avec la vie familiale "
            "sont rompus, sur décision du directeur de la caisse (art. L861-1) : à vérifier par l'agent.",
            r.source_age)
    if age < jeunes.age_limite and demandeur.engagement_autonomie and (rattache or pension > 0):
        return Recevabilite(
            RECEVABLE, "engagement_autonomie",
            f"Le demandeur a {ans(age)} et relèverait du foyer de ses parents (art. R861-2) ; il s'est "
            "engagé sur l'honneur à déclarer seul ses revenus ou à ne plus percevoir de pension de ses "
            "parents : sa demande est examinée pour lui seul (art. R861-16).",
            jeunes.source)
    return Recevabilite(RECEVABLE)


# --------------------------------------------------------------------------------------
# Évaluation


def _ajouter(sources: list[str], *nouvelles: str) -> None:
    for s in nouvelles:
        if s and s not in sources:
            sources.append(s)


def evaluer(demande: Demande, b: Baremes = BAREMES) -> dict[str, Any]:
    jour = demande.date_demande
    if jour < b.premiere_date:
        raise HouseholdError(
            f"La date de demande ({date_fr(jour)}) précède le {date_fr(b.premiere_date)}, date de "
            "création de la complémentaire santé solidaire : ce moteur ne traite pas la CMU-C ni l'ACS.")
    revalorisation = en_vigueur(b.revalorisations, jour)
    regle_periode = en_vigueur(b.periodes_reference, jour)
    bareme_participation = en_vigueur(b.participation, jour)
    assert revalorisation is not None and regle_periode is not None and bareme_participation is not None
    territoire: Territoire = b.territoires[demande.territoire]
    ouverture = demande.date_ouverture_droit or ajouter_mois(jour, b.ouverture_droit.mois_apres_demande)

    recevable = examiner_recevabilite(demande, b)
    bloque = recevable.statut in (IRRECEVABLE, RENOUVELLEMENT_AUTOMATIQUE)
    foyer, exclus = composer_foyer(demande, b)
    poids = [p.poids for p in foyer]
    debut, fin = periode_reference(jour, regle_periode)
    ressources = calculer_ressources(foyer, jour, b)
    forfait = calculer_forfait(demande, len(foyer), b)
    forfait_inconnu = territoire.rsa_propre is not None and demande.logement != "locataire"
    if forfait_inconnu:
        forfait = Forfait(ZERO, ZERO, ZERO, ZERO, ZERO, len(foyer))
    retenues = arrondi_centime(ressources.total + forfait.montant)

    sources: list[str] = []
    a_verifier: list[str] = []
    _ajouter(sources, b.textes.droit, b.textes.ressources, b.foyer.source, regle_periode.source)

    explication = [f"Demande déposée le {date_fr(jour)} ; territoire : {territoire.libelle}."]
    explication.append(
        f"Le foyer compte {_taille(foyer)} : " + _enumeration([_designation(p) for p in foyer]) + ".")
    for p in exclus:
        explication.append(
            f"Le membre n° {p.membre.index + 1} ({'enfant' if p.membre.role == 'enfant' else 'autre personne'}, "
            f"{ans(p.age)} à la date de la demande) ne fait pas partie du foyer : seules les personnes à "
            f"charge de moins de {b.foyer.age_limite_personne_a_charge} ans en font partie. Ses ressources "
            "ne sont pas comptées ; il peut déposer sa propre demande.")
    ignorees = [p for p in foyer if p.membre.garde_alternee and p.poids == UN]
    for p in ignorees:
        explication.append(
            f"La résidence alternée indiquée pour le membre n° {p.membre.index + 1} est sans effet sur le "
            f"plafond : la réduction de moitié ne vaut que pour un enfant mineur à charge.")
    maniere = ("les douze mois qui précèdent l'avant-dernier mois avant la demande"
               if regle_periode.dernier_mois == 2 else "les douze mois civils qui précèdent la demande")
    explication.append(f"Période de référence des ressources : du {date_fr(debut)} au {date_fr(fin)}, "
                       f"soit {maniere}.")

    non_applicable = not territoire.applicable(jour)
    dom = territoire.majoration_dom
    if non_applicable:
        plafond_gratuite = plafond_participation = ZERO
        publie = False
    else:
        plafond_gratuite, publie = plafond(revalorisation, dom, False, poids, b)
        plafond_participation, _ = plafond(revalorisation, dom, True, poids, b)
        _ajouter(sources, revalorisation.source, b.composition.source, b.arrondi.source,
                 b.majoration_participation.source)
        if publie:
            table = revalorisation.publie(dom)
            assert table is not None
            _ajouter(sources, table.source)
        if dom:
            _ajouter(sources, b.majoration_dom.source)
        if territoire.source_application is not None:
            _ajouter(sources, territoire.source_application)
            a_verifier.append(f"Application {territoire.lieu} : {territoire.source_application}.")
        if not revalorisation.verifie:
            a_verifier.append(f"Plafond en vigueur depuis le {date_fr(revalorisation.debut)} : {revalorisation.source}.")

    decision = decider(not non_applicable and not bloque, demande.rsa_beneficiaire, retenues,
                       plafond_gratuite, plafond_participation)
    presumee = None
    if decision == NON_ELIGIBLE and not bloque and not non_applicable and not demande.rsa_beneficiaire:
        presumee = chercher_presomption(foyer, jour, b)
        if presumee is not None:
            decision = PARTICIPATION
    if recevable.phrase is not None and not bloque:
        explication.append(recevable.phrase)
    if recevable.statut == A_VERIFIER and recevable.phrase is not None:
        a_verifier.append(recevable.phrase)
    if recevable.source is not None:
        _ajouter(sources, recevable.source)
    if bloque:
        assert recevable.phrase is not None
        explication.append(recevable.phrase)
    elif non_applicable:
        _ajouter(sources, territoire.source)
        if territoire.applicable_depuis is not None:
            explication.append(
                f"La complémentaire santé solidaire ne s'applique {territoire.lieu} qu'aux demandes déposées "
                f"à partir du {date_fr(territoire.applicable_depuis)}.")
        explication.append(
            f"La complémentaire santé solidaire de droit commun ne s'applique pas {territoire.lieu} : "
            "la demande n'est pas éligible ici et doit être orientée vers "
            "l'organisme local d'assurance maladie. Les ressources ne sont pas examinées.")
    elif demande.rsa_beneficiaire:
        _ajouter(sources, b.textes.rsa)
        explication.append(
            "Le foyer bénéficie du revenu de solidarité active : il a droit à la complémentaire santé "
            "solidaire sans participation financière, sans examen de ses ressources, y compris les "
            "personnes de moins de 25 ans à sa charge (art. L861-2 du code de la sécurité sociale).")
    else:
        explication.extend(_phrases_ressources(ressources, b))
        if forfait_inconnu:
            phrase = (f"Forfait logement non calculé {territoire.lieu} : {territoire.rsa_propre}. Il est compté "
                      "pour 0 € : l'agent doit l'ajouter avant de notifier la décision.")
            explication.append(phrase)
            a_verifier.append(phrase)
        else:
            explication.append(_phrase_forfait(forfait, demande))
            _ajouter(sources, *forfait.sources)
        _ajouter(sources, *ressources.sources)
        explication.append(f"Ressources retenues : {euros(retenues, True)}.")
        origine = ("barème publié" if publie else
                   f"calculés selon l'article R861-3 à partir du plafond d'une personne, "
                   f"{euros(revalorisation.plafond_une_personne)}, faute de barème publié retrouvé")
        lieu = (f"{territoire.lieu}, majorés de {pourcentage(b.majoration_dom.taux)}" if dom
                else territoire.lieu)
        explication.append(
            f"Plafonds en vigueur depuis le {date_fr(revalorisation.debut)} pour un foyer "
            f"{_de(_taille(foyer))} {lieu} : {euros(plafond_gratuite)} sans participation et "
            f"{euros(plafond_participation)} avec participation ({origine}).")
        explication.append({
            GRATUITE: f"{euros(retenues, True)} ne dépasse pas {euros(plafond_gratuite)} : le foyer a "
                      "droit à la complémentaire santé solidaire sans participation financière.",
            PARTICIPATION: f"{euros(retenues, True)} dépasse {euros(plafond_gratuite)} mais pas "
                           f"{euros(plafond_participation)} : le foyer a droit à la complémentaire santé "
                           "solidaire avec participation financière.",
            NON_ELIGIBLE: f"{euros(retenues, True)} dépasse {euros(plafond_participation)} : le foyer n'a "
                          "pas droit à la complémentaire santé solidaire.",
        }[decision] if presumee is None else (
            f"{euros(retenues, True)} dépasse {euros(plafond_participation)}, mais le foyer bénéficie de "
            f"{PRESOMPTIONS_LIBELLES[presumee.cle]} : il est réputé remplir la condition de ressources de la "
            "complémentaire santé solidaire avec participation financière (art. L861-2 du code de la sécurité "
            f"sociale, dernier alinéa, {PRESOMPTIONS_ALINEAS[presumee.cle]})."))
        if presumee is not None:
            _ajouter(sources, presumee.source)
            for reserve in presumee.reserves:
                phrase = f"Condition de la présomption à vérifier par l'agent : {reserve}."
                explication.append(phrase)
                a_verifier.append(phrase)
            if not presumee.verifie:
                explication.append("Attention : la date d'effet de cette présomption n'a pas été vérifiée "
                                   "sur le décret d'application.")
                a_verifier.append(f"Présomption : {presumee.source}.")

    due = decision == PARTICIPATION
    parts = participations(foyer, ouverture, territoire.participation, bareme_participation, due)
    total = sum((p.montant for p in parts), ZERO)
    if due:
        _ajouter(sources, bareme_participation.source)
        if territoire.participation == "alsace_moselle":
            _ajouter(sources, territoire.source)
        regime = (" (montants du régime local d'Alsace-Moselle)"
                  if territoire.participation == "alsace_moselle" else "")
        explication.append(
            f"Participation mensuelle selon l'âge au 1er janvier {ouverture.year}, année d'ouverture du "
            f"droit (au plus tôt le {date_fr(ouverture)}){regime} : "
            + " ; ".join(f"{_designation(p.personne, avec_age=False)}, {ans(p.age)}, {euros(p.montant)}"
                         for p in parts)
            + f". Total : {euros(total)} par mois.")
    if not revalorisation.verifie and not non_applicable and not bloque:
        explication.append(
            "Attention : le plafond de ce barème n'a pas été confirmé par un texte officiel ; "
            "vérifier le montant avant de notifier la décision.")
    for _m, _s, _b, _a in ressources.abattement_activite[:1]:
        regle_activite = en_vigueur(b.abattement_activite, jour)
        if regle_activite is not None and not regle_activite.verifie:
            a_verifier.append(f"Abattement de 30 % : {regle_activite.source}.")
    if not non_applicable and not demande.rsa_beneficiaire and demande.logement != "locataire":
        rsa = en_vigueur(b.rsa, jour)
        taux = en_vigueur(b.forfait_sans_aide_logement if demande.logement != "aide_logement"
                          else b.forfait_aide_logement, jour)
        if rsa is not None and not rsa.verifie:
            a_verifier.append(f"Montant du RSA : {rsa.source}.")
        if taux is not None and not taux.verifie:
            a_verifier.append(f"Taux du forfait logement : {taux.source}.")
    if ressources.patrimoine_compte and not b.patrimoine[-1].verifie:
        a_verifier.append(f"Biens non productifs de revenu : {b.patrimoine[-1].source}.")

    return {
        "decision": decision,
        "foyer": len(foyer),
        "plafond_gratuite": int(plafond_gratuite),
        "plafond_participation": int(plafond_participation),
        "ressources_retenues": float(retenues),
        "forfait_logement": float(arrondi_centime(forfait.montant)),
        "participation_mensuelle": {
            "total": nombre(total),
            "par_membre": [{"role": p.personne.membre.role, "age": p.age, "montant": nombre(p.montant),
                            "membre": p.personne.membre.index} for p in parts],
        },
        "regles": {
            "bareme": revalorisation.debut.isoformat(),
            "sources": sources,
            "plafonds": "publies" if publie else ("non_applicables" if non_applicable else "calcules"),
            "a_verifier": a_verifier,
        },
        "explication": explication,
        **({"presomption": presumee.cle} if presumee is not None else {}),
        "recevabilite": {"statut": recevable.statut,
                         **({"motif": recevable.motif} if recevable.motif else {})},
        "date_demande": jour.isoformat(),
        "territoire": territoire.code,
        "periode_reference": {"debut": debut.isoformat(), "fin": fin.isoformat()},
        "date_ouverture_droit": ouverture.isoformat(),
        "composition_foyer": [
            {"membre": p.membre.index, "role": p.membre.role, "age": p.age, "compte": p.compte,
             "part": nombre(p.poids), **({"motif": p.motif} if p.motif else {})}
            for p in sorted(foyer + exclus, key=lambda p: p.membre.index)],
        "detail_ressources": {
            "comptees": {c: nombre(m) for c, m in ressources.comptees.items()},
            "abattues": {c: {"percu": nombre(v), "abattement": nombre(a), "compte": nombre(v - a)}
                         for c, (v, a, _) in ressources.abattues.items()},
            "deduites": {c: nombre(m) for c, m in ressources.deduites.items()},
            "patrimoine": {c: {"detenu": nombre(ressources.patrimoine_detenu[c]), "taux": float(t),
                               "compte": nombre(v)} for c, (t, v) in ressources.patrimoine_compte.items()},
            "patrimoine_non_compte": {c: nombre(m) for c, m in ressources.patrimoine_detenu.items()
                                      if c not in ressources.patrimoine_compte},
            "abattement_activite": [
                {"membre": m.index, "situation": s, "remunerations": nombre(base), "abattement": nombre(a)}
                for m, s, base, a in ressources.abattement_activite],
            "total_avant_forfait": nombre(ressources.total),
            "forfait_logement": nombre(forfait.montant),
            "total": nombre(retenues),
        },
    }


def evaluate(household: dict[str, Any]) -> dict[str, Any]:
    """Évalue un foyer du contrat §5 ; ``HouseholdError`` (message en français) s'il est invalide."""
    return evaluer(lire_demande(household, tuple(BAREMES.territoires)))
