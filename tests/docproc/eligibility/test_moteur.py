"""Décision : seuils, âges, forfait logement, ressources, RSA, territoires, décret de 2025."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest

from docproc.eligibility import BAREMES, EXEMPLES, HouseholdError, evaluate

from .aide import foyer, foyer_de, membre

PLAFONDS = [
    # date, territoire, taille, sans participation, avec participation
    ("2025-06-10", "metropole", 1, 10339, 13957),
    ("2025-06-10", "metropole", 2, 15508, 20936),
    ("2025-06-10", "metropole", 3, 18609, 25123),
    ("2025-06-10", "metropole", 4, 21711, 29311),
    ("2025-06-10", "metropole", 5, 25846, 34894),
    ("2024-06-10", "metropole", 1, 10166, 13724),
    ("2024-06-10", "metropole", 3, 18298, 24703),
    ("2024-06-10", "metropole", 5, 25414, 34310),
    ("2024-06-10", "reunion", 1, 11315, 15275),
    ("2024-06-10", "reunion", 3, 20366, 27494),
    ("2024-06-10", "reunion", 5, 28286, 38187),
]
SEUILS = [
    (case, ecart, attendu)
    for case in PLAFONDS
    for ecart, attendu in (
        (("g", -1), "css_gratuite"),
        (("g", 0), "css_gratuite"),
        (("g", 1), "css_participation"),
        (("p", -1), "css_participation"),
        (("p", 0), "css_participation"),
        (("p", 1), "non_eligible"),
    )
]


@pytest.mark.parametrize(("case", "ecart", "attendu"), SEUILS)
def test_au_plafond_un_euro_dessous_un_euro_dessus(
    case: tuple[str, str, int, int, int], ecart: tuple[str, int], attendu: str
) -> None:
    jour, territoire, n, gratuite, participation = case
    quel, delta = ecart
    ressources = (gratuite if quel == "g" else participation) + delta
    r = evaluate(foyer_de(n, salaire=ressources, date=jour, territoire=territoire))
    assert r["ressources_retenues"] == ressources
    assert r["decision"] == attendu


# --- participation selon l'âge au 1er janvier ----------------------------------------------

AGES = [
    # naissance, âge au 1er janvier 2025, France, Alsace-Moselle
    ("2025-03-01", 0, 8, 2.8),
    ("1995-01-02", 29, 8, 2.8),
    ("1995-01-01", 30, 14, 4.9),
    ("1975-01-02", 49, 14, 4.9),
    ("1975-01-01", 50, 21, 7.3),
    ("1965-01-02", 59, 21, 7.3),
    ("1965-01-01", 60, 25, 8.7),
    ("1955-01-02", 69, 25, 8.7),
    ("1955-01-01", 70, 30, 10.5),
    ("1930-07-01", 94, 30, 10.5),
]


@pytest.mark.parametrize(("naissance", "age", "france", "alsace"), AGES)
@pytest.mark.parametrize("territoire", ["metropole", "alsace_moselle"])
def test_tranches_d_age_au_premier_janvier(
    naissance: str, age: int, france: float, alsace: float, territoire: str
) -> None:
    attendu = alsace if territoire == "alsace_moselle" else france
    if age < 18:
        # Issue 11 : un demandeur de moins de 16 ans n'est pas recevable (L861-1) ; le nourrisson est
        # donc l'enfant d'un demandeur de 29 ans au 1er janvier (même tranche), 2 personnes.
        r = evaluate(
            foyer(
                membre("demandeur", "1995-01-02", salaire_net=18000),
                membre("enfant", naissance),
                territoire=territoire,
            )
        )
        part = r["participation_mensuelle"]["par_membre"][1]
        total = 2 * attendu
    else:
        r = evaluate(
            foyer(membre("demandeur", naissance, salaire_net=12000), territoire=territoire)
        )
        (part,) = r["participation_mensuelle"]["par_membre"]
        total = attendu
    assert r["decision"] == "css_participation"
    assert part["age"] == age
    assert part["montant"] == attendu
    assert r["participation_mensuelle"]["total"] == pytest.approx(total)


def test_age_au_premier_janvier_et_non_a_la_demande() -> None:
    # 30 ans le 1er mars 2025 : 29 ans au 1er janvier 2025 → tranche des moins de 30 ans.
    r = evaluate(foyer(membre("demandeur", "1995-03-01", salaire_net=12000)))
    assert r["composition_foyer"][0]["age"] == 30
    assert r["participation_mensuelle"]["par_membre"][0] == {
        "role": "demandeur",
        "age": 29,
        "montant": 8,
        "membre": 0,
    }


def test_demande_de_decembre_ouvre_le_droit_l_annee_suivante() -> None:
    r = evaluate(foyer(membre("demandeur", "1995-06-01", salaire_net=12000), date="2025-12-10"))
    assert r["date_ouverture_droit"] == "2026-01-01"
    assert r["participation_mensuelle"]["par_membre"][0]["age"] == 30
    assert r["participation_mensuelle"]["total"] == 14
    r = evaluate(
        foyer(
            membre("demandeur", "1995-06-01", salaire_net=12000), date_ouverture_droit="2026-01-01"
        )
    )
    assert r["participation_mensuelle"]["total"] == 14


def test_participation_famille_alsace_moselle() -> None:
    r = evaluate(
        foyer(
            membre("demandeur", "1970-05-05", salaire_net=19000),
            membre("conjoint", "1954-05-05"),
            membre("enfant", "2010-05-05"),
            territoire="alsace_moselle",
        )
    )
    assert r["decision"] == "css_participation"
    assert [p["montant"] for p in r["participation_mensuelle"]["par_membre"]] == [7.3, 10.5, 2.8]
    assert r["participation_mensuelle"]["total"] == 20.6
    assert any("Alsace-Moselle" in phrase for phrase in r["explication"])


def test_pas_de_participation_si_gratuite() -> None:
    r = evaluate(foyer_de(3, salaire=1000))
    assert r["decision"] == "css_gratuite"
    assert r["participation_mensuelle"]["total"] == 0
    assert all(p["montant"] == 0 for p in r["participation_mensuelle"]["par_membre"])


# --- forfait logement ---------------------------------------------------------------------

FORFAITS = [
    # date, logement, aide mensuelle, taille, forfait annuel
    ("2025-06-10", "proprietaire", 0, 1, 930.96),  # 646,52 × 12 % = 77,58 / mois
    ("2025-06-10", "proprietaire", 0, 2, 1629.24),  # 969,78 × 14 % = 135,77
    ("2025-06-10", "proprietaire", 0, 3, 1955.04),  # 1 163,74 × 14 % = 162,92
    ("2025-06-10", "proprietaire", 0, 5, 1955.04),
    ("2025-06-10", "heberge_gratuit", 0, 1, 930.96),
    ("2025-06-10", "heberge_gratuit", 0, 3, 1955.04),
    ("2024-06-10", "proprietaire", 0, 1, 915.48),  # 635,71 × 12 % = 76,29
    ("2025-06-10", "aide_logement", 100, 1, 930.96),  # aide 1 200 > forfait 930,96
    ("2025-06-10", "aide_logement", 50, 1, 600.0),  # aide 600 < forfait : montant réel
    ("2025-06-10", "aide_logement", 300, 2, 1861.92),  # 969,78 × 16 % = 155,16
    ("2025-06-10", "aide_logement", 300, 4, 2304.24),  # 1 163,74 × 16,5 % = 192,02
    ("2025-06-10", "aide_logement", 150, 4, 1800.0),
    ("2025-06-10", "locataire", 0, 3, 0.0),
]


@pytest.mark.parametrize(("jour", "logement", "aide", "n", "forfait"), FORFAITS)
def test_forfait_logement(jour: str, logement: str, aide: float, n: int, forfait: float) -> None:
    r = evaluate(foyer_de(n, salaire=1000, date=jour, logement=logement, aide=aide))
    assert r["forfait_logement"] == forfait
    assert r["ressources_retenues"] == pytest.approx(1000 + forfait)
    assert any(
        "forfait logement" in phrase or "aide au logement" in phrase for phrase in r["explication"]
    )


def test_forfait_peut_faire_perdre_la_gratuite() -> None:
    assert evaluate(foyer_de(1, salaire=10000))["decision"] == "css_gratuite"
    assert (
        evaluate(foyer_de(1, salaire=10000, logement="proprietaire"))["decision"]
        == "css_participation"
    )


# --- ressources ---------------------------------------------------------------------------


def test_pensions_alimentaires_versees_deduites() -> None:
    r = evaluate(foyer(membre("demandeur", salaire_net=12000, pensions_alimentaires_versees=2000)))
    assert r["ressources_retenues"] == 10000
    assert r["decision"] == "css_gratuite"
    assert any("déduites" in phrase and "2 000,00 €" in phrase for phrase in r["explication"])
    assert (
        evaluate(foyer(membre("demandeur", salaire_net=12000)))["decision"] == "css_participation"
    )


def test_pensions_alimentaires_recues_comptees_et_total_jamais_negatif() -> None:
    assert (
        evaluate(foyer(membre("demandeur", pensions_alimentaires_percues=3000)))[
            "ressources_retenues"
        ]
        == 3000
    )
    r = evaluate(foyer(membre("demandeur", salaire_net=500, pensions_alimentaires_versees=2000)))
    assert r["ressources_retenues"] == 0
    assert any("ramené à 0" in phrase for phrase in r["explication"])


def test_toutes_les_ressources_comptees_s_additionnent() -> None:
    cles = [
        "salaire_net",
        "chomage_net",
        "retraite_nette",
        "indemnites_journalieres",
        "pensions_invalidite",
        "rente_accident_travail",
        "pensions_alimentaires_percues",
        "revenus_capital",
        "revenus_locatifs",
        "revenus_etrangers",
        "tns_benefice",
        "prestations_familiales",
        "bourses",
    ]
    r = evaluate(foyer(membre("demandeur", **dict.fromkeys(cles, 100))))
    assert r["ressources_retenues"] == 100 * len(cles)


@pytest.mark.parametrize(
    ("jour", "membres", "cle", "percu", "abattement"),
    [
        ("2025-06-10", ["demandeur"], "aah", 9000, 816),  # 68 € × 12
        ("2025-06-10", ["demandeur", "conjoint"], "aah", 9000, 816),
        ("2025-06-10", ["demandeur"], "aah", 500, 500),  # jamais plus que le montant perçu
        ("2025-06-10", ["demandeur"], "aspa", 1400, 852),  # 71 € × 12
        ("2025-06-10", ["demandeur", "conjoint"], "aspa", 2000, 1320),  # 110 € × 12
        ("2025-06-10", ["demandeur"], "asi", 1000, 588),  # 49 € × 12
        ("2025-06-10", ["demandeur", "conjoint"], "asi", 1500, 1032),  # 86 € × 12
        ("2020-06-10", ["demandeur"], "asi", 1000, 240),  # 20 € × 12 avant avril 2021
        ("2020-01-15", ["demandeur"], "aspa", 1000, 0),  # pas d'abattement connu
    ],
)
def test_abattements_aah_asi_aspa(
    jour: str, membres: list[str], cle: str, percu: float, abattement: float
) -> None:
    liste = [membre(role, "1950-01-01") for role in membres]
    liste[0]["ressources"][cle] = percu
    r = evaluate(foyer(*liste, date=jour))
    assert r["ressources_retenues"] == percu - abattement
    assert r["detail_ressources"]["abattues"][cle] == {
        "percu": percu,
        "abattement": abattement,
        "compte": percu - abattement,
    }


def test_rsa_sans_examen_des_ressources() -> None:
    r = evaluate(foyer(membre("demandeur", salaire_net=50000), rsa=True))
    assert r["decision"] == "css_gratuite"
    assert r["participation_mensuelle"]["total"] == 0
    assert any("revenu de solidarité active" in phrase for phrase in r["explication"])


@pytest.mark.parametrize(
    "territoire",
    [
        "mayotte",
        "wallis_et_futuna",
        "saint_pierre_et_miquelon",
        "polynesie_francaise",
        "nouvelle_caledonie",
    ],
)
def test_territoires_sans_css(territoire: str) -> None:
    # Issue 11 : Mayotte n'est sans CSS que pour une demande antérieure au 1er janvier 2024.
    jour = "2023-12-31" if territoire == "mayotte" else "2025-06-10"
    r = evaluate(
        foyer(membre("demandeur"), territoire=territoire, rsa=territoire == "mayotte", date=jour)
    )
    assert r["decision"] == "non_eligible"
    assert (r["plafond_gratuite"], r["plafond_participation"]) == (0, 0)
    assert any("ne s'applique pas" in phrase for phrase in r["explication"])


def test_dom_majoration() -> None:
    r = evaluate(foyer(membre("demandeur", salaire_net=11000), territoire="guadeloupe"))
    assert r["plafond_gratuite"] == 11507
    assert r["decision"] == "css_gratuite"
    assert any("11,3 %" in phrase for phrase in r["explication"])


# --- foyer ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("naissance", "compte"),
    [
        ("2000-06-10", False),  # 25 ans le jour de la demande
        ("2000-06-11", True),  # 24 ans
        ("1990-01-01", False),
    ],
)
@pytest.mark.parametrize("role", ["enfant", "autre"])
def test_personne_a_charge_de_moins_de_25_ans(naissance: str, compte: bool, role: str) -> None:
    r = evaluate(
        foyer(membre("demandeur", salaire_net=1000), membre(role, naissance, salaire_net=20000))
    )
    assert r["foyer"] == (2 if compte else 1)
    assert r["ressources_retenues"] == (21000 if compte else 1000)
    assert r["composition_foyer"][1]["compte"] is compte
    if not compte:
        assert any("ne fait pas partie du foyer" in phrase for phrase in r["explication"])


def test_conjoint_compte_quel_que_soit_son_age() -> None:
    r = evaluate(
        foyer(
            membre("demandeur", "1950-01-01"), membre("conjoint", "1940-01-01", retraite_nette=9000)
        )
    )
    assert r["foyer"] == 2
    assert r["ressources_retenues"] == 9000


# --- période de référence -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("jour", "debut", "fin"),
    [
        (
            "2025-04-15",
            "2024-03-01",
            "2025-02-28",
        ),  # exemple d'ameli : avril 2025 → mars 2024 … février 2025
        ("2025-01-10", "2023-12-01", "2024-11-30"),
        ("2024-04-05", "2023-03-01", "2024-02-29"),
        ("2022-01-03", "2020-12-01", "2021-11-30"),  # M-13 … M-2 depuis le 1er janvier 2022
        ("2021-06-01", "2020-06-01", "2021-05-31"),  # avant : les douze mois précédant la demande
    ],
)
def test_periode_de_reference(jour: str, debut: str, fin: str) -> None:
    r = evaluate(foyer_de(1, date=jour))
    assert r["periode_reference"] == {"debut": debut, "fin": fin}


# --- décret du 28 juin 2025 -------------------------------------------------------------------

PATRIMOINE = {
    "valeur_locative_immo_non_loue": 2000,
    "valeur_locative_terrains_non_loues": 500,
    "epargne_revenus_non_imposables": 10000,
}


@pytest.mark.parametrize(
    ("jour", "compte"),
    [
        ("2025-06-15", 1000 + 400 + 300),
        ("2024-11-02", 1700),
        ("2025-07-15", 0),
        ("2026-01-05", 0),
    ],
)
def test_biens_non_productifs_avant_et_apres_le_decret(jour: str, compte: float) -> None:
    r = evaluate(foyer(membre("demandeur", salaire_net=1000, **PATRIMOINE), date=jour))
    assert r["ressources_retenues"] == 1000 + compte
    texte = " ".join(r["explication"])
    if compte:
        assert "50 %" in texte and "80 %" in texte and "3 %" in texte
    else:
        assert "décret du 28 juin 2025" in texte


def test_date_de_fin_du_patrimoine_exclusive() -> None:
    fin = BAREMES.patrimoine[-1].fin
    assert fin is not None
    veille = fin.fromordinal(fin.toordinal() - 1).isoformat()
    h = membre("demandeur", salaire_net=0, valeur_locative_immo_non_loue=1000)
    assert evaluate(foyer(h, date=veille))["ressources_retenues"] == 500
    assert evaluate(foyer(h, date=fin.isoformat()))["ressources_retenues"] == 0


# --- format de sortie et explication ------------------------------------------------------------


def test_format_de_sortie_du_contrat() -> None:
    r = evaluate(foyer_de(3, salaire=17450))
    assert r["decision"] == "css_gratuite"
    assert r["foyer"] == 3
    assert r["plafond_gratuite"] == 18609 and r["plafond_participation"] == 25123
    assert isinstance(r["ressources_retenues"], float) and isinstance(r["forfait_logement"], float)
    assert set(r["participation_mensuelle"]) == {"total", "par_membre"}
    assert {"role", "age", "montant"} <= set(r["participation_mensuelle"]["par_membre"][0])
    assert r["regles"]["bareme"] == "2025-04-01"
    assert r["regles"]["sources"] and all(isinstance(s, str) for s in r["regles"]["sources"])
    assert all(isinstance(p, str) and p.endswith(".") for p in r["explication"])
    json.dumps(r)  # sérialisable


def test_explication_pas_a_pas_avec_les_chiffres() -> None:
    r = evaluate(
        foyer(
            membre("demandeur", "1984-01-01", salaire_net=17000),
            membre("conjoint", "1986-01-01"),
            membre("enfant", "2016-01-01"),
            date="2025-04-15",
        )
    )
    texte = "\n".join(r["explication"])
    for attendu in (
        "15 avril 2025",
        "3 personnes",
        "du 1er mars 2024 au 28 février 2025",
        "salaires 17 000,00 €",
        "Ressources retenues : 17 000,00 €",
        "18 609 €",
        "25 123 €",
        "sans participation financière",
    ):
        assert attendu in texte


def _erreur(h: Any) -> str:
    with pytest.raises(HouseholdError) as info:
        evaluate(h)
    assert isinstance(info.value, ValueError)
    return str(info.value)


def _modifie(**cles: Any) -> dict[str, Any]:
    h = foyer(membre("demandeur", salaire_net=1000))
    h.update(cles)
    return h


def _membre_modifie(**cles: Any) -> dict[str, Any]:
    m = membre("demandeur", salaire_net=1000)
    m.update(cles)
    return foyer(m)


@pytest.mark.parametrize(
    ("h", "motif"),
    [
        (_membre_modifie(ressources={"salaire": 1000}), "ressource 'salaire'"),
        (_membre_modifie(ressources={"salaire_net": -5}), "ne peut pas être négative"),
        (_membre_modifie(ressources={"salaire_net": "1000"}), "nombre"),
        (_membre_modifie(ressources={"salaire_net": True}), "nombre"),
        (_membre_modifie(ressources={"salaire_net": math.nan}), "fini"),
        (_membre_modifie(ressources=[1000]), "objet JSON"),
        (_membre_modifie(role="parent"), "rôle"),
        (_membre_modifie(date_naissance="1980-02-30"), "date valide"),
        (_membre_modifie(date_naissance="2030-01-01"), "postérieure"),
        (_membre_modifie(garde_alternee="oui"), "true ou false"),
        (_membre_modifie(activite="rentier"), "activité"),
        (_membre_modifie(salaire=3), "Clé inconnue"),
        (_modifie(date_demande="2025-13-01"), "date valide"),
        (_modifie(date_demande="10/06/2025"), "date valide"),
        (_modifie(date_demande=20250610), "date au format"),
        (_modifie(date_demande="2019-06-01"), "CMU-C"),
        (_modifie(territoire="corse"), "territoire"),
        (_modifie(logement="squat"), "logement"),
        (_modifie(rsa_beneficiaire="oui"), "true ou false"),
        (_modifie(aide_logement_mensuelle=200), "aide au logement"),
        (_modifie(membres=[]), "membres"),
        (_modifie(membres=[membre("conjoint")]), "exactement un demandeur"),
        (_modifie(membres=[membre("demandeur"), membre("demandeur")]), "exactement un demandeur"),
        (
            _modifie(membres=[membre("demandeur"), membre("conjoint"), membre("conjoint")]),
            "un seul conjoint",
        ),
        (_modifie(revenus=12), "Clé inconnue"),
        ({k: v for k, v in _modifie().items() if k != "date_demande"}, "manquante"),
        ([], "objet JSON"),
    ],
)
def test_foyer_invalide(h: Any, motif: str) -> None:
    assert motif in _erreur(h)


def test_membre_sans_date_de_naissance() -> None:
    h = foyer(membre("demandeur"))
    del h["membres"][0]["date_naissance"]
    assert "manquante" in _erreur(h)


def test_cles_optionnelles() -> None:
    h = {
        "date_demande": "2025-06-10",
        "territoire": "metropole",
        "logement": "locataire",
        "membres": [{"role": "demandeur", "date_naissance": "1980-01-01"}],
    }
    r = evaluate(h)
    assert r["decision"] == "css_gratuite" and r["ressources_retenues"] == 0
    h["provenance"] = [{"document": {"index": 0}}]
    assert evaluate(h)["decision"] == "css_gratuite"


@pytest.mark.parametrize(
    ("fichier", "decision", "total"),
    [
        ("famille.json", "css_participation", 44),
        ("retraite.json", "css_participation", 30),
    ],
)
def test_exemples(fichier: str, decision: str, total: float) -> None:
    r = evaluate(json.loads((EXEMPLES / fichier).read_text("utf-8")))
    assert r["decision"] == decision
    assert r["participation_mensuelle"]["total"] == total
