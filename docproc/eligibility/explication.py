"""Les phrases de l'explication d'une décision CSS (en français, sans donnée personnelle).

Le calcul est dans ``calcul.py`` ; ``moteur.evaluer`` assemble les phrases dans l'ordre.
"""

from __future__ import annotations

from .calcul import DOUZE, Forfait, Personne, Ressources
from .demande import Demande
from .formules import UN
from .modele_baremes import Baremes
from .texte import ans, date_fr, euros, pourcentage
from .vocabulaire_foyer import (
    PATRIMOINE,
    RESSOURCES_ABATTUES,
    RESSOURCES_COMPTEES,
    RESSOURCES_DEDUITES,
    SITUATIONS_LIBELLES,
)

# Présomptions de droit à la CSS avec participation (L861-2, dernier alinéa).
PRESOMPTIONS_LIBELLES = {
    "aspa": "l'allocation de solidarité aux personnes âgées (ASPA)",
    "asi": "l'allocation supplémentaire d'invalidité (ASI)",
    "aah": "l'allocation aux adultes handicapés (AAH)",
    "ass": "l'allocation de solidarité spécifique (ASS)",
    "cej": "l'allocation du contrat d'engagement jeune (CEJ)",
}
PRESOMPTIONS_ALINEAS = {"aspa": "1°", "asi": "2°", "aah": "3°", "ass": "4°", "cej": "5°"}


def designation(p: Personne, avec_age: bool = True) -> str:
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


def enumeration(elements: list[str]) -> str:
    if len(elements) <= 1:
        return "".join(elements)
    return ", ".join(elements[:-1]) + " et " + elements[-1]


def taille(foyer: list[Personne]) -> str:
    n = len(foyer)
    moitie = sum(1 for p in foyer if p.poids < UN)
    texte = "une personne" if n == 1 else f"{n} personnes"
    if moitie:
        texte += f" dont {'une comptée' if moitie == 1 else f'{moitie} comptées'} pour moitié"
    return texte


def de(texte: str) -> str:
    return f"d'{texte}" if texte[:1] in "aeiouéu" else f"de {texte}"


def _majuscule(texte: str) -> str:
    return texte[:1].upper() + texte[1:]


# R861-8, 2e phrase : ressources prises « du dernier avis d'imposition connu ».
SELON_AVIS = (
    "revenus_locatifs",
    "revenus_capital",
    "revenus_etrangers",
    "pensions_alimentaires_percues",
)

LOGEMENT_PHRASE = {
    "proprietaire": "Le foyer est propriétaire de son logement",
    "heberge_gratuit": "Le foyer est hébergé gratuitement",
}


def phrases_ressources(r: Ressources, b: Baremes) -> list[str]:
    phrases = []
    if r.comptees:
        phrases.append(
            "Ressources comptées sur la période : "
            + " ; ".join(
                f"{RESSOURCES_COMPTEES[c]} {euros(m, True)}" for c, m in r.comptees.items()
            )
            + "."
        )
    selon_avis = [RESSOURCES_COMPTEES[c] for c in SELON_AVIS if c in r.comptees]
    if selon_avis:
        phrases.append(
            _majuscule(enumeration(selon_avis))
            + " : ce sont les montants du dernier avis d'imposition "
            "connu, et non ceux des douze mois de la période de référence (art. R861-8 du code de la "
            "sécurité sociale, 2e phrase)."
        )
    for cle, (percu, abattement, bareme) in r.abattues.items():
        phrases.append(
            f"{_majuscule(RESSOURCES_ABATTUES[cle])} : "
            f"{euros(percu, True)} perçus, moins un abattement de {euros(abattement, True)} "
            f"({bareme}), soit {euros(percu - abattement, True)} comptés."
        )
    if not r.comptees and not r.abattues:
        phrases.append("Aucune ressource n'est déclarée sur la période de référence.")
    phrases.append(b.textes.exclusions)
    for cle, montant in r.deduites.items():
        phrases.append(
            f"{_majuscule(RESSOURCES_DEDUITES[cle])}, déduites des ressources : "
            f"{euros(montant, True)}."
        )
    if r.patrimoine_detenu:
        if r.patrimoine_applicable:
            phrases.append(
                "Biens ne produisant pas de revenu, comptés pour un revenu fictif : "
                + " ; ".join(
                    f"{PATRIMOINE[c]} {euros(r.patrimoine_detenu[c], True)} × {pourcentage(t)} = {euros(v, True)}"
                    for c, (t, v) in r.patrimoine_compte.items()
                )
                + "."
            )
        else:
            fin = b.patrimoine[-1].fin
            quand = f"à partir du {date_fr(fin)}" if fin else "à cette date"
            phrases.append(
                "Les biens ne produisant pas de revenu ("
                + ", ".join(PATRIMOINE[c] for c in r.patrimoine_detenu)
                + f") ne sont plus comptés pour une demande déposée {quand} "
                "(décret du 28 juin 2025, abrogation de l'article R861-6)."
            )
    for membre, situation, base, abattement in r.abattement_activite:
        phrases.append(
            f"Le membre n° {membre.index + 1} est {SITUATIONS_LIBELLES[situation]} à la date de la demande : "
            f"ses rémunérations d'activité ({euros(base, True)}) sont réduites de "
            f"{pourcentage(r.taux_abattement_activite)}, soit un abattement de {euros(abattement, True)} "
            "(art. R861-8 du code de la sécurité sociale)."
        )
    if r.total_brut < 0:
        phrases.append("Les déductions dépassent les ressources : le total est ramené à 0 €.")
    return phrases


def phrase_forfait(f: Forfait, demande: Demande) -> str:
    if demande.logement == "locataire":
        return "Le foyer est locataire sans aide au logement : aucun forfait logement n'est ajouté."
    personnes = "une personne" if f.personnes == 1 else f"{min(f.personnes, 3)} personnes"
    base = (
        f"{pourcentage(f.taux)} du montant forfaitaire du RSA pour {personnes} "
        f"({euros(f.rsa, True)}), soit {euros(f.mensuel, True)} par mois"
    )
    if demande.logement == "aide_logement":
        annuelle = DOUZE * demande.aide_logement_mensuelle
        debut = (
            f"Le foyer perçoit une aide au logement de {euros(demande.aide_logement_mensuelle, True)} "
            f"par mois, soit {euros(annuelle, True)} par an ; le forfait est de "
            f"{euros(f.plafond_annuel, True)} par an, {base}"
        )
        if annuelle <= f.plafond_annuel:
            return (
                f"{debut}. L'aide ne dépasse pas ce forfait : son montant réel, "
                f"{euros(f.montant, True)}, est ajouté aux ressources."
            )
        return (
            f"{debut}. L'aide est comptée dans la limite de ce forfait : "
            f"{euros(f.montant, True)} sont ajoutés aux ressources."
        )
    return (
        f"{LOGEMENT_PHRASE[demande.logement]} : un forfait logement de {euros(f.montant, True)} "
        f"par an est ajouté aux ressources, {base}."
    )
