"""Moteur d'éligibilité à la complémentaire santé solidaire (CSS, ex-CMU-C et ACS).

Petites fonctions pures : composition du foyer, période de référence, ressources, forfait
logement, plafonds, décision, participation, explication. Aucun montant n'est écrit ici : ils
viennent tous des fichiers de ``baremes/`` (lus par ``lecture_baremes.py``).

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

Ce module assemble la décision : le calcul est dans ``calcul.py``, la recevabilité dans
``recevabilite.py``, les phrases de l'explication dans ``explication.py``.
"""

from __future__ import annotations

from typing import Any

from .calcul import (
    GRATUITE,
    NON_ELIGIBLE,
    PARTICIPATION,
    ZERO,
    Forfait,
    calculer_forfait,
    calculer_ressources,
    chercher_presomption,
    composer_foyer,
    decider,
    participations,
    periode_reference,
    plafond,
)
from .demande import Demande, lire_demande
from .erreurs_foyer import HouseholdError
from .explication import (
    PRESOMPTIONS_ALINEAS,
    PRESOMPTIONS_LIBELLES,
    de,
    designation,
    enumeration,
    phrase_forfait,
    phrases_ressources,
    taille,
)
from .formules import UN, ajouter_mois, arrondi_centime
from .lecture_baremes import BAREMES
from .modele_baremes import Baremes, Territoire, en_vigueur
from .recevabilite import A_VERIFIER, IRRECEVABLE, RENOUVELLEMENT_AUTOMATIQUE, examiner_recevabilite
from .rendu_decision import composition_foyer, detail_ressources, participation_mensuelle
from .texte import ans, date_fr, euros, pourcentage

__all__ = ["GRATUITE", "NON_ELIGIBLE", "PARTICIPATION", "evaluate", "evaluer"]


def _ajouter(sources: list[str], *nouvelles: str) -> None:
    for s in nouvelles:
        if s and s not in sources:
            sources.append(s)


def evaluer(demande: Demande, b: Baremes = BAREMES) -> dict[str, Any]:
    jour = demande.date_demande
    if jour < b.premiere_date:
        raise HouseholdError(
            f"La date de demande ({date_fr(jour)}) précède le {date_fr(b.premiere_date)}, date de "
            "création de la complémentaire santé solidaire : ce moteur ne traite pas la CMU-C ni l'ACS."
        )
    revalorisation = en_vigueur(b.revalorisations, jour)
    regle_periode = en_vigueur(b.periodes_reference, jour)
    bareme_participation = en_vigueur(b.participation, jour)
    assert (
        revalorisation is not None
        and regle_periode is not None
        and bareme_participation is not None
    )
    territoire: Territoire = b.territoires[demande.territoire]
    ouverture = demande.date_ouverture_droit or ajouter_mois(
        jour, b.ouverture_droit.mois_apres_demande
    )

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
        f"Le foyer compte {taille(foyer)} : " + enumeration([designation(p) for p in foyer]) + "."
    )
    for p in exclus:
        explication.append(
            f"Le membre n° {p.membre.index + 1} ({'enfant' if p.membre.role == 'enfant' else 'autre personne'}, "
            f"{ans(p.age)} à la date de la demande) ne fait pas partie du foyer : seules les personnes à "
            f"charge de moins de {b.foyer.age_limite_personne_a_charge} ans en font partie. Ses ressources "
            "ne sont pas comptées ; il peut déposer sa propre demande."
        )
    ignorees = [p for p in foyer if p.membre.garde_alternee and p.poids == UN]
    for p in ignorees:
        explication.append(
            f"La résidence alternée indiquée pour le membre n° {p.membre.index + 1} est sans effet sur le "
            f"plafond : la réduction de moitié ne vaut que pour un enfant mineur à charge."
        )
    maniere = (
        "les douze mois qui précèdent l'avant-dernier mois avant la demande"
        if regle_periode.dernier_mois == 2
        else "les douze mois civils qui précèdent la demande"
    )
    explication.append(
        f"Période de référence des ressources : du {date_fr(debut)} au {date_fr(fin)}, "
        f"soit {maniere}."
    )

    non_applicable = not territoire.applicable(jour)
    dom = territoire.majoration_dom
    if non_applicable:
        plafond_gratuite = plafond_participation = ZERO
        publie = False
    else:
        plafond_gratuite, publie = plafond(revalorisation, dom, False, poids, b)
        plafond_participation, _ = plafond(revalorisation, dom, True, poids, b)
        _ajouter(
            sources,
            revalorisation.source,
            b.composition.source,
            b.arrondi.source,
            b.majoration_participation.source,
        )
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
            a_verifier.append(
                f"Plafond en vigueur depuis le {date_fr(revalorisation.debut)} : {revalorisation.source}."
            )

    decision = decider(
        not non_applicable and not bloque,
        demande.rsa_beneficiaire,
        retenues,
        plafond_gratuite,
        plafond_participation,
    )
    presumee = None
    if (
        decision == NON_ELIGIBLE
        and not bloque
        and not non_applicable
        and not demande.rsa_beneficiaire
    ):
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
                f"à partir du {date_fr(territoire.applicable_depuis)}."
            )
        explication.append(
            f"La complémentaire santé solidaire de droit commun ne s'applique pas {territoire.lieu} : "
            "la demande n'est pas éligible ici et doit être orientée vers "
            "l'organisme local d'assurance maladie. Les ressources ne sont pas examinées."
        )
    elif demande.rsa_beneficiaire:
        _ajouter(sources, b.textes.rsa)
        explication.append(
            "Le foyer bénéficie du revenu de solidarité active : il a droit à la complémentaire santé "
            "solidaire sans participation financière, sans examen de ses ressources, y compris les "
            "personnes de moins de 25 ans à sa charge (art. L861-2 du code de la sécurité sociale)."
        )
    else:
        explication.extend(phrases_ressources(ressources, b))
        if forfait_inconnu:
            phrase = (
                f"Forfait logement non calculé {territoire.lieu} : {territoire.rsa_propre}. Il est compté "
                "pour 0 € : l'agent doit l'ajouter avant de notifier la décision."
            )
            explication.append(phrase)
            a_verifier.append(phrase)
        else:
            explication.append(phrase_forfait(forfait, demande))
            _ajouter(sources, *forfait.sources)
        _ajouter(sources, *ressources.sources)
        explication.append(f"Ressources retenues : {euros(retenues, True)}.")
        origine = (
            "barème publié"
            if publie
            else f"calculés selon l'article R861-3 à partir du plafond d'une personne, "
            f"{euros(revalorisation.plafond_une_personne)}, faute de barème publié retrouvé"
        )
        lieu = (
            f"{territoire.lieu}, majorés de {pourcentage(b.majoration_dom.taux)}"
            if dom
            else territoire.lieu
        )
        explication.append(
            f"Plafonds en vigueur depuis le {date_fr(revalorisation.debut)} pour un foyer "
            f"{de(taille(foyer))} {lieu} : {euros(plafond_gratuite)} sans participation et "
            f"{euros(plafond_participation)} avec participation ({origine})."
        )
        explication.append(
            {
                GRATUITE: f"{euros(retenues, True)} ne dépasse pas {euros(plafond_gratuite)} : le foyer a "
                "droit à la complémentaire santé solidaire sans participation financière.",
                PARTICIPATION: f"{euros(retenues, True)} dépasse {euros(plafond_gratuite)} mais pas "
                f"{euros(plafond_participation)} : le foyer a droit à la complémentaire santé "
                "solidaire avec participation financière.",
                NON_ELIGIBLE: f"{euros(retenues, True)} dépasse {euros(plafond_participation)} : le foyer n'a "
                "pas droit à la complémentaire santé solidaire.",
            }[decision]
            if presumee is None
            else (
                f"{euros(retenues, True)} dépasse {euros(plafond_participation)}, mais le foyer bénéficie de "
                f"{PRESOMPTIONS_LIBELLES[presumee.cle]} : il est réputé remplir la condition de ressources de la "
                "complémentaire santé solidaire avec participation financière (art. L861-2 du code de la sécurité "
                f"sociale, dernier alinéa, {PRESOMPTIONS_ALINEAS[presumee.cle]})."
            )
        )
        if presumee is not None:
            _ajouter(sources, presumee.source)
            for reserve in presumee.reserves:
                phrase = f"Condition de la présomption à vérifier par l'agent : {reserve}."
                explication.append(phrase)
                a_verifier.append(phrase)
            if not presumee.verifie:
                explication.append(
                    "Attention : la date d'effet de cette présomption n'a pas été vérifiée "
                    "sur le décret d'application."
                )
                a_verifier.append(f"Présomption : {presumee.source}.")

    due = decision == PARTICIPATION
    parts = participations(foyer, ouverture, territoire.participation, bareme_participation, due)
    total = sum((p.montant for p in parts), ZERO)
    if due:
        _ajouter(sources, bareme_participation.source)
        if territoire.participation == "alsace_moselle":
            _ajouter(sources, territoire.source)
        regime = (
            " (montants du régime local d'Alsace-Moselle)"
            if territoire.participation == "alsace_moselle"
            else ""
        )
        explication.append(
            f"Participation mensuelle selon l'âge au 1er janvier {ouverture.year}, année d'ouverture du "
            f"droit (au plus tôt le {date_fr(ouverture)}){regime} : "
            + " ; ".join(
                f"{designation(p.personne, avec_age=False)}, {ans(p.age)}, {euros(p.montant)}"
                for p in parts
            )
            + f". Total : {euros(total)} par mois."
        )
    if not revalorisation.verifie and not non_applicable and not bloque:
        explication.append(
            "Attention : le plafond de ce barème n'a pas été confirmé par un texte officiel ; "
            "vérifier le montant avant de notifier la décision."
        )
    for _m, _s, _b, _a in ressources.abattement_activite[:1]:
        regle_activite = en_vigueur(b.abattement_activite, jour)
        if regle_activite is not None and not regle_activite.verifie:
            a_verifier.append(f"Abattement de 30 % : {regle_activite.source}.")
    if not non_applicable and not demande.rsa_beneficiaire and demande.logement != "locataire":
        rsa = en_vigueur(b.rsa, jour)
        taux = en_vigueur(
            b.forfait_sans_aide_logement
            if demande.logement != "aide_logement"
            else b.forfait_aide_logement,
            jour,
        )
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
        "participation_mensuelle": participation_mensuelle(parts, total),
        "regles": {
            "bareme": revalorisation.debut.isoformat(),
            "sources": sources,
            "plafonds": "publies"
            if publie
            else ("non_applicables" if non_applicable else "calcules"),
            "a_verifier": a_verifier,
        },
        "explication": explication,
        **({"presomption": presumee.cle} if presumee is not None else {}),
        "recevabilite": {
            "statut": recevable.statut,
            **({"motif": recevable.motif} if recevable.motif else {}),
        },
        "date_demande": jour.isoformat(),
        "territoire": territoire.code,
        "periode_reference": {"debut": debut.isoformat(), "fin": fin.isoformat()},
        "date_ouverture_droit": ouverture.isoformat(),
        "composition_foyer": composition_foyer(foyer, exclus),
        "detail_ressources": detail_ressources(ressources, forfait, retenues),
    }


def evaluate(household: dict[str, Any]) -> dict[str, Any]:
    """Évalue un foyer du contrat §5 ; ``HouseholdError`` (message en français) s'il est invalide."""
    return evaluer(lire_demande(household, tuple(BAREMES.territoires)))
