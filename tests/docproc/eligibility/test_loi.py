"""Issue 11 : le moteur suit le Code de la sécurité sociale (copie consolidée @socialgouv/legi-data).

Chaque test cite l'article qu'il garde ; les montants attendus sont calculés à la main.
"""

from __future__ import annotations

from typing import Any

import pytest

from docproc.eligibility import HouseholdError, evaluate
from docproc.eligibility.foyer import schema_foyer, valider_foyer

from .aide import foyer, membre

# --- décret n° 2025-588 du 28 juin 2025, art. 3 : R861-6 et R861-6-1 abrogés au 1er juillet 2025 ----


@pytest.mark.parametrize(
    ("jour", "retenues"),
    [
        ("2025-06-30", 500),  # la veille de l'abrogation : 50 % de la valeur locative compte encore
        ("2025-07-01", 0),  # à compter du 1er juillet 2025 : plus de revenu fictif
    ],
)
def test_patrimoine_non_loue_compte_jusqu_au_30_juin_2025_inclus(
    jour: str, retenues: float
) -> None:
    h = foyer(membre("demandeur", valeur_locative_immo_non_loue=1000), date=jour)
    assert evaluate(h)["ressources_retenues"] == retenues


# --- un seul modèle de foyer (contrat §5 et §6) -------------------------------------------------


def _chemin(h: Any) -> tuple[str, str | None]:
    with pytest.raises(HouseholdError) as info:
        valider_foyer(h)
    return str(info.value), info.value.chemin


@pytest.mark.parametrize(
    ("modif", "chemin", "motif"),
    [
        ({"membres": []}, "membres", "absente ou vide"),
        (
            {"membres": [membre("demandeur", salaire=1)]},
            "membres.0.ressources.salaire",
            "La ressource 'salaire' du membre n° 1 est inconnue",
        ),
        (
            {"membres": [{**membre("demandeur"), "situation_particuliere": "vacances"}]},
            "membres.0.situation_particuliere",
            "situation particulière",
        ),
        (
            {"membres": [{**membre("demandeur"), "engagement_autonomie": "oui"}]},
            "membres.0.engagement_autonomie",
            "true ou false",
        ),
        ({"membres": [{**membre("demandeur"), "nom": 12}]}, "membres.0.nom", "doit être un texte"),
        ({"date_fin_droits": "2025-02-30"}, "date_fin_droits", "pas une date valide"),
        ({"inconnue": 1}, "inconnue", "Clé inconnue 'inconnue' dans le foyer"),
    ],
)
def test_foyer_invalide_message_et_chemin(modif: dict[str, Any], chemin: str, motif: str) -> None:
    message, trouve = _chemin({**foyer(), **modif})
    assert motif in message and trouve == chemin


def test_message_ne_recopie_pas_les_valeurs_du_foyer() -> None:
    message, _ = _chemin(foyer(membre("demandeur", "1984-02-30")))
    assert "1984" not in message


def test_nouvelles_cles_du_contrat_acceptees() -> None:
    m = {
        **membre("demandeur", "1990-01-01", ass=1000, cej=500),
        "situation_particuliere": "ass",
        "engagement_autonomie": True,
        "rattache_foyer_fiscal_parents": False,
        "nom": "Dupont",
        "prenoms": "Marie Anne",
        "nom_usage": "Martin",
    }
    modele = valider_foyer(foyer(m, date_fin_droits="2025-09-30"))
    assert modele.date_fin_droits is not None and modele.membres[0].situation_particuliere == "ass"


def test_schema_openapi_sans_reference_et_ferme() -> None:
    schema = schema_foyer()
    assert "$ref" not in str(schema) and schema["additionalProperties"] is False
    membre_schema = schema["properties"]["membres"]["items"]
    assert "situation_particuliere" in membre_schema["properties"]
    assert membre_schema["properties"]["ressources"]["anyOf"][0]["additionalProperties"] is False


# --- R861-2, 1° et 3°, et R861-16 : le jeune de moins de 25 ans rattaché à ses parents -------------

JEUNE = "2003-01-15"  # 22 ans le 10 juin 2025


def _jeune(**cles: Any) -> dict[str, Any]:
    m = {**membre("demandeur", JEUNE, pensions_alimentaires_percues=3000, salaire_net=2000), **cles}
    return foyer(m)


def test_jeune_avec_pension_des_parents_sans_engagement_ne_peut_pas_demander_seul() -> None:
    r = evaluate(_jeune())
    assert r["decision"] == "non_eligible"
    assert r["recevabilite"] == {"statut": "irrecevable", "motif": "jeune_rattache_aux_parents"}
    texte = " ".join(r["explication"])
    assert "inclus dans la demande de ses parents" in texte and "R861-2" in texte
    assert any("R861-2, 1° et 3°" in s for s in r["regles"]["sources"])


def test_jeune_avec_engagement_autonomie_est_examine_seul() -> None:
    r = evaluate(_jeune(engagement_autonomie=True))
    assert r["decision"] == "css_gratuite" and r["ressources_retenues"] == 5000
    assert r["recevabilite"] == {"statut": "recevable", "motif": "engagement_autonomie"}
    assert any("R861-16" in p for p in r["explication"])


@pytest.mark.parametrize(
    ("naissance", "cles", "statut"),
    [
        (
            "2003-01-15",
            {"rattache_foyer_fiscal_parents": True},
            "irrecevable",
        ),  # rattaché, sans pension
        (
            "2003-01-15",
            {"rattache_foyer_fiscal_parents": False},
            "recevable",
        ),  # autonome, sans pension
        (
            "2000-06-11",
            {"rattache_foyer_fiscal_parents": True},
            "irrecevable",
        ),  # 24 ans la veille de ses 25 ans
        (
            "2000-06-10",
            {"rattache_foyer_fiscal_parents": True},
            "recevable",
        ),  # 25 ans le jour de la demande
    ],
)
def test_limite_de_25_ans_et_rattachement(
    naissance: str, cles: dict[str, Any], statut: str
) -> None:
    r = evaluate(foyer({**membre("demandeur", naissance, salaire_net=2000), **cles}))
    assert r["recevabilite"]["statut"] == statut
    assert r["decision"] == ("non_eligible" if statut == "irrecevable" else "css_gratuite")


# --- R861-8, 3e alinéa : abattement de 30 % sur les rémunérations d'activité -----------------------


@pytest.mark.parametrize(
    "situation",
    [
        "arret_maladie_plus_6_mois",
        "chomage_indemnise",
        "detenu",
        "ass",
        "stagiaire_formation_remunere",
    ],
)
def test_abattement_30_pour_cent_r861_8(situation: str) -> None:
    # 16 000 € de salaires : 16 000 > 13 957 (non éligible) ; abattus de 30 % : 11 200 €, entre
    # 10 339 et 13 957 → avec participation.
    sans = evaluate(foyer(membre("demandeur", salaire_net=16000)))
    assert sans["decision"] == "non_eligible"
    r = evaluate(
        foyer({**membre("demandeur", salaire_net=16000), "situation_particuliere": situation})
    )
    assert r["ressources_retenues"] == 11200 and r["decision"] == "css_participation"
    assert r["detail_ressources"]["abattement_activite"] == [
        {"membre": 0, "situation": situation, "remunerations": 16000, "abattement": 4800}
    ]
    assert any("R861-8" in p and "4 800,00 €" in p for p in r["explication"])


def test_abattement_seulement_sur_les_remunerations_du_membre_concerne() -> None:
    # Demandeur écroué : 10 000 € de salaires → 7 000 ; conjoint : 10 000 € sans abattement ;
    # 12 000 € d'allocations chômage non abattues. 29 000 € ≤ 20 936 ? non → non éligible ; sans les
    # allocations : 17 000 € entre 15 508 et 20 936 → avec participation.
    d = {**membre("demandeur", salaire_net=10000), "situation_particuliere": "detenu"}
    r = evaluate(foyer(d, membre("conjoint", "1982-02-10", salaire_net=10000)))
    assert r["ressources_retenues"] == 17000 and r["decision"] == "css_participation"
    d = {
        **membre("demandeur", chomage_net=12000, tns_benefice=1000),
        "situation_particuliere": "chomage_indemnise",
    }
    r = evaluate(foyer(d))
    assert r["ressources_retenues"] == 12700  # 12 000 + 1 000 × 0,7


@pytest.mark.parametrize(("jour", "non_verifie"), [("2025-09-30", True), ("2025-10-01", False)])
def test_abattement_r861_8_redaction_lue_depuis_le_1er_octobre_2025(
    jour: str, non_verifie: bool
) -> None:
    r = evaluate(
        foyer(
            {**membre("demandeur", salaire_net=16000), "situation_particuliere": "ass"}, date=jour
        )
    )
    assert r["ressources_retenues"] == 11200
    assert any("Abattement de 30 %" in p for p in r["regles"]["a_verifier"]) is non_verifie


# --- recevabilité : L861-1 (âge), R861-18 (délai de renouvellement), L861-5 (renouvellement automatique) --


@pytest.mark.parametrize(
    ("naissance", "statut", "decision"),
    [
        ("2009-06-11", "irrecevable", "non_eligible"),  # 15 ans la veille de ses 16 ans
        ("2009-06-10", "a_verifier", "css_gratuite"),  # 16 ans : décision du directeur (L861-1)
        ("2007-06-11", "a_verifier", "css_gratuite"),  # 17 ans
        ("2007-06-10", "recevable", "css_gratuite"),  # 18 ans le jour de la demande
    ],
)
def test_age_du_demandeur(naissance: str, statut: str, decision: str) -> None:
    r = evaluate(foyer(membre("demandeur", naissance, salaire_net=1000)))
    assert r["recevabilite"]["statut"] == statut and r["decision"] == decision
    assert bool(r["regles"]["a_verifier"]) is (statut == "a_verifier")


@pytest.mark.parametrize(
    ("jour", "statut", "decision"),
    [
        ("2025-06-29", "irrecevable", "non_eligible"),  # plus de 4 mois avant le 31 octobre 2025
        ("2025-06-30", "recevable", "css_gratuite"),  # 4 mois avant, jour pour jour
        ("2025-09-15", "recevable", "css_gratuite"),
    ],
)
def test_renouvellement_au_plus_tot_quatre_mois_avant_la_fin_r861_18(
    jour: str, statut: str, decision: str
) -> None:
    r = evaluate(
        foyer(membre("demandeur", salaire_net=1000), date=jour, date_fin_droits="2025-10-31")
    )
    assert r["recevabilite"]["statut"] == statut and r["decision"] == decision
    if statut == "irrecevable":
        assert any("30 juin 2025" in p and "R861-18" in p for p in r["explication"])


@pytest.mark.parametrize(("cles", "ressources"), [({"rsa": True}, {}), ({}, {"aspa": 9000})])
def test_renouvellement_automatique_rsa_aspa_l861_5(
    cles: dict[str, Any], ressources: dict[str, float]
) -> None:
    h = foyer(membre("demandeur", "1950-01-01", **ressources), date_fin_droits="2025-09-30", **cles)
    r = evaluate(h)
    assert (
        r["recevabilite"]["statut"] == "renouvellement_automatique"
        and r["decision"] == "non_eligible"
    )
    assert any("renouvelé automatiquement" in p for p in r["explication"])
    # Sans droit en cours (première demande), le bénéficiaire du RSA a la CSS sans participation.
    del h["date_fin_droits"]
    assert evaluate(h)["decision"] == "css_gratuite"  # ASPA : 9 000 − 12 × 71 = 8 148 ≤ 10 339


# --- Mayotte : C2S au 1er janvier 2024 (LFSS 2023 art. 92, ordonnance 96-1122 art. 21-13 ; décret 2023-1425) --


@pytest.mark.parametrize(
    ("jour", "decision", "plafond"),
    [
        ("2023-12-31", "non_eligible", 0),
        ("2024-01-01", "css_gratuite", 10817),  # 9 719 × 1,113 = 10 817,25 → 10 817 (plafonds DOM)
        ("2025-06-10", "css_gratuite", 11507),  # 10 339 × 1,113 = 11 507,31 → 11 507
    ],
)
def test_mayotte_css_depuis_le_1er_janvier_2024_plafonds_dom(
    jour: str, decision: str, plafond: int
) -> None:
    r = evaluate(foyer(membre("demandeur", salaire_net=9000), territoire="mayotte", date=jour))
    assert r["decision"] == decision and r["plafond_gratuite"] == plafond
    if plafond:
        guadeloupe = evaluate(
            foyer(membre("demandeur", salaire_net=9000), territoire="guadeloupe", date=jour)
        )
        assert guadeloupe["plafond_gratuite"] == plafond
        assert any("2023-1425" in s for s in r["regles"]["sources"])
        assert any("Mayotte" in p for p in r["regles"]["a_verifier"])  # décret non lu : signalé


def test_mayotte_forfait_logement_non_invente() -> None:
    # Le RSA de Mayotte n'est pas dans les barèmes : forfait compté 0 €, signalé à l'agent.
    r = evaluate(
        foyer(membre("demandeur", salaire_net=9000), territoire="mayotte", logement="proprietaire")
    )
    assert r["forfait_logement"] == 0 and r["ressources_retenues"] == 9000
    assert any("Forfait logement non calculé à Mayotte" in p for p in r["regles"]["a_verifier"])


# --- sources (R861-5, R861-7 lus ; 2026 non vérifié, arrondi L861-1) -------------------------------


def test_taux_r861_5_et_r861_7_verifies() -> None:
    for logement, aide in (("proprietaire", 0), ("aide_logement", 100)):
        r = evaluate(foyer(membre("demandeur", salaire_net=5000), logement=logement, aide=aide))
        assert not any("forfait" in p.lower() for p in r["regles"]["a_verifier"])
    r = evaluate(foyer(membre("demandeur", salaire_net=5000), logement="proprietaire"))
    assert r["forfait_logement"] == 930.96  # 12 × arrondi(646,52 × 12 %) = 12 × 77,58 (R861-5, 1°)


def test_plafond_2026_non_verifie_et_arrondi_l861_1_signale() -> None:
    r = evaluate(
        foyer(membre("demandeur", salaire_net=5000), date="2026-06-10", logement="proprietaire")
    )
    assert r["plafond_gratuite"] == 10421
    texte = " ".join(r["regles"]["a_verifier"])
    assert "10 422" in texte  # arrondi L861-1 de 10 339 × 1,008, dit dans les données
    assert "2026-220" in texte  # RSA 2026 : décret cité, montant non relu


# --- L861-2, dernier alinéa : présomptions de droit à la CSS avec participation (R861-11, 1er juillet 2025) --

SENIOR = "1950-03-01"


@pytest.mark.parametrize(
    ("alinea", "membres", "verifie"),
    [
        # 1° ASPA : 20 000 − 12 × 71 = 19 148 € > 13 957 €
        ("aspa", [membre("demandeur", SENIOR, aspa=20000)], True),
        # 1° ASPA et conjoint retraité sans activité : 20 000 − 12 × 110 + 5 000 = 23 680 € > 20 936 €
        (
            "aspa",
            [
                membre("demandeur", SENIOR, aspa=20000),
                membre("conjoint", SENIOR, retraite_nette=5000),
            ],
            True,
        ),
        # 2° ASI : 20 000 − 12 × 49 = 19 412 € > 13 957 €
        ("asi", [membre("demandeur", SENIOR, asi=20000)], True),
        # 3° AAH, personne seule : 25 000 − 12 × 68 = 24 184 € > 13 957 €
        ("aah", [membre("demandeur", "1980-06-15", aah=25000)], True),
        # 4° ASS, personne seule : 16 000 € > 13 957 €
        ("ass", [membre("demandeur", "1980-06-15", ass=16000)], False),
        # 5° CEJ : 15 000 € > 13 957 €
        ("cej", [membre("demandeur", "2004-01-01", cej=15000)], False),
    ],
)
def test_presomptions_l861_2(alinea: str, membres: list[dict[str, Any]], verifie: bool) -> None:
    veille = evaluate(foyer(*membres, date="2025-06-30"))
    assert veille["decision"] == "non_eligible" and "presomption" not in veille
    r = evaluate(foyer(*membres, date="2025-07-01"))
    assert r["decision"] == "css_participation" and r["presomption"] == alinea
    assert r["participation_mensuelle"]["total"] > 0
    assert any("réputé remplir" in p and "L861-2" in p for p in r["explication"])
    assert any("L861-2" in s and ("R861-11" in s or not verifie) for s in r["regles"]["sources"])
    assert any("Présomption" in p for p in r["regles"]["a_verifier"]) is not verifie


@pytest.mark.parametrize(
    "membres",
    [
        # ASPA, conjoint actif : pas de présomption (1°, sans activité) ; 18 680 + 5 000 > 20 936
        [
            membre("demandeur", SENIOR, aspa=20000),
            {**membre("conjoint", SENIOR, salaire_net=5000), "activite": "actif"},
        ],
        # AAH avec un enfant à charge : pas de présomption (3°, vivant seul) ; 24 184 > 20 936
        [membre("demandeur", "1980-06-15", aah=25000), membre("enfant", "2015-01-01")],
        # ASS en couple : pas de présomption (4°, vivant seul) ; 22 000 > 20 936
        [membre("demandeur", "1980-06-15", ass=22000), membre("conjoint", "1980-06-15")],
    ],
)
def test_presomptions_conditions_non_remplies(membres: list[dict[str, Any]]) -> None:
    r = evaluate(foyer(*membres, date="2025-07-01"))
    assert r["decision"] == "non_eligible" and "presomption" not in r


def test_presomption_aah_reserves_signalees_a_l_agent() -> None:
    r = evaluate(
        foyer(membre("demandeur", "1980-06-15", aah=25000, salaire_net=1000), date="2025-07-01")
    )
    assert r["decision"] == "css_participation"
    texte = " ".join(r["regles"]["a_verifier"])
    assert "taux plein" in texte and "R861-11" in texte


def test_rsa_personnes_a_charge_de_moins_de_25_ans() -> None:
    r = evaluate(
        foyer(membre("demandeur", salaire_net=50000), membre("enfant", "2002-01-01"), rsa=True)
    )
    assert r["decision"] == "css_gratuite" and r["foyer"] == 2
    assert any("moins de 25 ans à sa charge" in p for p in r["explication"])
