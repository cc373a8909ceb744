"""Recevabilité d'une demande de CSS, examinée avant tout examen des ressources.

Ce que le téléservice refuse ou renvoie à l'agent : demandeur mineur, jeune adulte du foyer de
ses parents (R861-2, 1° et 3°), renouvellement prématuré (R861-18) ou automatique (L861-5).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from .demande import Demande
from .formules import age_au, ajouter_mois, fin_de_mois
from .modele_baremes import Baremes
from .texte import ans, date_fr, euros

ZERO = Decimal(0)

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
            IRRECEVABLE,
            "demandeur_mineur",
            f"Le demandeur a {ans(age)} : avant {r.age_mineur_autonome} ans, un mineur ne peut pas demander "
            "la complémentaire santé solidaire à titre personnel ; il est couvert au titre du foyer de ses "
            "parents, qui doivent l'inclure dans leur demande (art. L861-1 du code de la sécurité sociale).",
            r.source_age,
        )
    jeunes = b.jeunes_adultes
    pension = demandeur.ressources.get("pensions_alimentaires_percues", ZERO)
    rattache = demandeur.rattache_foyer_fiscal_parents is True
    if age < jeunes.age_limite and (rattache or pension > 0) and not demandeur.engagement_autonomie:
        pourquoi = (
            "est rattaché au foyer fiscal de ses parents"
            if rattache
            else f"perçoit une pension alimentaire ({euros(pension, True)} sur la période), présumée "
            "versée par ses parents et déductible de leurs revenus (art. 80 septies du CGI)"
        )
        return Recevabilite(
            IRRECEVABLE,
            "jeune_rattache_aux_parents",
            f"Le demandeur a {ans(age)} et {pourquoi} : il fait partie du foyer de ses parents "
            f"(art. R861-2, 1° et 3°) et ne peut pas demander seul la complémentaire santé solidaire. "
            "Il doit être inclus dans la demande de ses parents, sauf s'il s'engage sur l'honneur à "
            "déclarer seul ses revenus pour l'année à venir ou à ne plus percevoir cette pension "
            "(« engagement_autonomie »).",
            jeunes.source,
        )
    if demande.date_fin_droits is not None and demande.date_fin_droits >= jour:
        aspa = any(m.ressources.get("aspa", ZERO) > 0 for m in demande.membres)
        if demande.rsa_beneficiaire or aspa:
            qui = (
                "du revenu de solidarité active"
                if demande.rsa_beneficiaire
                else "de l'allocation de solidarité aux personnes âgées"
            )
            return Recevabilite(
                RENOUVELLEMENT_AUTOMATIQUE,
                "renouvellement_automatique",
                f"Le foyer bénéficie {qui} : son droit, qui prend fin le {date_fr(demande.date_fin_droits)}, "
                "est renouvelé automatiquement tant qu'il perçoit cette allocation ; il n'a pas de "
                "demande de renouvellement à faire (art. L861-5, dernier alinéa). La demande n'est pas examinée.",
                r.source_renouvellement_automatique,
            )
        au_plus_tot = _moins_mois(demande.date_fin_droits, r.delai_renouvellement_mois)
        if jour < au_plus_tot:
            return Recevabilite(
                IRRECEVABLE,
                "renouvellement_premature",
                f"Le droit en cours prend fin le {date_fr(demande.date_fin_droits)} : la demande de "
                f"renouvellement ne peut être déposée qu'à partir du {date_fr(au_plus_tot)}, au plus tôt "
                f"{r.delai_renouvellement_mois} mois avant cette date (art. R861-18). Elle est à "
                "redéposer à partir de cette date.",
                r.source_renouvellement,
            )
    if age < r.age_majorite:
        return Recevabilite(
            A_VERIFIER,
            "mineur_liens_familiaux_rompus",
            f"Le demandeur a {ans(age)} : un mineur d'au moins {r.age_mineur_autonome} ans ne peut bénéficier "
            "de la complémentaire santé solidaire à titre personnel que si ses liens avec la vie familiale "
            "sont rompus, sur décision du directeur de la caisse (art. L861-1) : à vérifier par l'agent.",
            r.source_age,
        )
    if age < jeunes.age_limite and demandeur.engagement_autonomie and (rattache or pension > 0):
        return Recevabilite(
            RECEVABLE,
            "engagement_autonomie",
            f"Le demandeur a {ans(age)} et relèverait du foyer de ses parents (art. R861-2) ; il s'est "
            "engagé sur l'honneur à déclarer seul ses revenus ou à ne plus percevoir de pension de ses "
            "parents : sa demande est examinée pour lui seul (art. R861-16).",
            jeunes.source,
        )
    return Recevabilite(RECEVABLE)
