"""Les valeurs admises du foyer d'entrée : rôles, logements, activités, situations, clés des
ressources, du foyer et des membres.
"""

from __future__ import annotations

ROLES = ("demandeur", "conjoint", "enfant", "autre")

LOGEMENTS = ("locataire", "proprietaire", "heberge_gratuit", "aide_logement")

ACTIVITES = ("actif", "chomeur", "etudiant", "retraite", "inactif")

# Situations ouvrant l'abattement de 30 % sur les rémunérations d'activité (art. R861-8 CSS).
SITUATIONS = (
    "arret_maladie_plus_6_mois",
    "chomage_indemnise",
    "detenu",
    "ass",
    "stagiaire_formation_remunere",
)

SITUATIONS_LIBELLES = {
    "arret_maladie_plus_6_mois": "en arrêt de travail pour maladie depuis plus de six mois",
    "chomage_indemnise": "en chômage indemnisé",
    "detenu": "écroué",
    "ass": "bénéficiaire de l'allocation de solidarité spécifique",
    "stagiaire_formation_remunere": "sans emploi et rémunéré comme stagiaire de la formation professionnelle",
}

# Rémunérations d'activité auxquelles s'applique cet abattement.
REMUNERATIONS_ACTIVITE = ("salaire_net", "tns_benefice")

# Ressources annuelles (flux perçus sur la période de référence), comptées telles quelles.
RESSOURCES_COMPTEES: dict[str, str] = {
    "salaire_net": "salaires",
    "chomage_net": "allocations chômage",
    "retraite_nette": "pensions de retraite",
    "indemnites_journalieres": "indemnités journalières",
    "pensions_invalidite": "pensions d'invalidité",
    "rente_accident_travail": "rentes d'accident du travail",
    "pensions_alimentaires_percues": "pensions alimentaires reçues",
    "revenus_capital": "revenus de capitaux",
    "revenus_locatifs": "revenus fonciers",
    "revenus_etrangers": "revenus perçus à l'étranger",
    "tns_benefice": "revenus d'activité indépendante",
    "prestations_familiales": "prestations familiales",
    "bourses": "bourses d'études",
    "ass": "allocation de solidarité spécifique (ASS)",
    "cej": "allocation du contrat d'engagement jeune (CEJ)",
}

# Comptées après un abattement forfaitaire mensuel (abattements.toml).
RESSOURCES_ABATTUES: dict[str, str] = {
    "aah": "allocation aux adultes handicapés (AAH)",
    "asi": "allocation supplémentaire d'invalidité (ASI)",
    "aspa": "allocation de solidarité aux personnes âgées (ASPA)",
}

# Déduites des ressources du foyer (art. L861-2 CSS).
RESSOURCES_DEDUITES: dict[str, str] = {
    "pensions_alimentaires_versees": "pensions alimentaires versées",
}

# Patrimoine détenu (pas des flux) : revenu fictif avant le décret du 28 juin 2025.
PATRIMOINE: dict[str, str] = {
    "valeur_locative_immo_non_loue": "biens immobiliers bâtis non loués",
    "valeur_locative_terrains_non_loues": "terrains non bâtis non loués",
    "epargne_revenus_non_imposables": "épargne ne produisant pas de revenu imposable",
}

CLES_RESSOURCES = (
    tuple(RESSOURCES_COMPTEES)
    + tuple(RESSOURCES_ABATTUES)
    + tuple(RESSOURCES_DEDUITES)
    + tuple(PATRIMOINE)
)

CLES_FOYER = (
    "date_demande",
    "territoire",
    "logement",
    "aide_logement_mensuelle",
    "rsa_beneficiaire",
    "membres",
    "date_fin_droits",
)

CLES_FOYER_EN_PLUS = ("date_ouverture_droit", "provenance", "commentaire")

CLES_MEMBRE = (
    "role",
    "date_naissance",
    "garde_alternee",
    "activite",
    "ressources",
    "situation_particuliere",
    "engagement_autonomie",
    "rattache_foyer_fiscal_parents",
    "nom",
    "prenoms",
    "nom_usage",
)

CLES_MEMBRE_EN_PLUS = ("commentaire",)
