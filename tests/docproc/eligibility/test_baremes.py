"""Barèmes : tables publiées reproduites à l'identique, arrondis, chargement qui échoue fort."""

from __future__ import annotations

from decimal import Decimal
from importlib import resources
from pathlib import Path

import pytest

from docproc.eligibility import BAREMES, evaluate
from docproc.eligibility.formules import arrondi_euro
from docproc.eligibility.lecture_baremes import FICHIERS, charger
from docproc.eligibility.modele_baremes import BaremeError

from .aide import foyer, foyer_de, membre

# (date de demande, territoire, taille du foyer, plafond sans participation, avec participation)
# 5 personnes = 4 personnes + « par personne supplémentaire » ; 6 = 5 + une de plus.
TABLES_PUBLIEES = [
    # 1er avril 2024, métropole (quechoisir.org, efl.fr)
    ("2024-06-01", "metropole", 1, 10166, 13724),
    ("2024-06-01", "metropole", 2, 15249, 20586),
    ("2024-06-01", "metropole", 3, 18298, 24703),
    ("2024-06-01", "metropole", 4, 21348, 28820),
    ("2024-06-01", "metropole", 5, 25414, 34310),
    ("2024-06-01", "metropole", 6, 29480, 39800),
    # 1er avril 2024, DOM (quechoisir.org)
    ("2024-06-01", "reunion", 1, 11315, 15275),
    ("2024-06-01", "guadeloupe", 2, 16972, 22912),
    ("2024-06-01", "martinique", 3, 20366, 27494),
    ("2024-06-01", "guyane", 4, 23760, 32077),
    ("2024-06-01", "reunion", 5, 28286, 38187),
    ("2024-06-01", "reunion", 6, 32812, 44297),
    # 1er avril 2025, métropole (efl.fr) : 18 609, pas 18 610 ; 25 846, pas 25 848
    ("2025-06-10", "metropole", 1, 10339, 13957),
    ("2025-06-10", "metropole", 2, 15508, 20936),
    ("2025-06-10", "metropole", 3, 18609, 25123),
    ("2025-06-10", "metropole", 4, 21711, 29311),
    ("2025-06-10", "metropole", 5, 25846, 34894),
    ("2025-06-10", "metropole", 6, 29981, 40477),
    ("2025-06-10", "alsace_moselle", 3, 18609, 25123),
    # 1er avril 2025, DOM : aucun tableau publié retrouvé, calculé (10 339 × coefficient × 1,113)
    ("2025-06-10", "reunion", 1, 11507, 15535),
    ("2025-06-10", "guadeloupe", 2, 17261, 23302),
    ("2025-06-10", "martinique", 3, 20713, 27963),
    ("2025-06-10", "guyane", 4, 24165, 32623),
    ("2025-06-10", "reunion", 5, 28768, 38837),
    ("2025-06-10", "reunion", 6, 33371, 45051),
]


@pytest.mark.parametrize(("jour", "territoire", "n", "gratuite", "participation"), TABLES_PUBLIEES)
def test_tables_publiees_reproduites(
    jour: str, territoire: str, n: int, gratuite: int, participation: int
) -> None:
    r = evaluate(foyer_de(n, date=jour, territoire=territoire))
    assert r["foyer"] == n
    assert (r["plafond_gratuite"], r["plafond_participation"]) == (gratuite, participation)


def test_chaque_bareme_publie_du_fichier_est_rendu_tel_quel() -> None:
    couverts = 0
    for reval in BAREMES.revalorisations:
        for territoire, dom in (("metropole", False), ("reunion", True)):
            publie = reval.publie(dom)
            if publie is None:
                continue
            jour = max(reval.debut, BAREMES.premiere_date).isoformat()
            for n in range(1, len(publie.gratuite) + 3):
                r = evaluate(foyer_de(n, date=jour, territoire=territoire))
                for valeurs, sup, obtenu in (
                    (
                        publie.gratuite,
                        publie.gratuite_personne_supplementaire,
                        r["plafond_gratuite"],
                    ),
                    (
                        publie.participation,
                        publie.participation_personne_supplementaire,
                        r["plafond_participation"],
                    ),
                ):
                    attendu = (
                        valeurs[n - 1]
                        if n <= len(valeurs)
                        else arrondi_euro(valeurs[-1] + (n - len(valeurs)) * sup)
                    )
                    assert obtenu == attendu, (reval.debut, territoire, n)
                assert r["regles"]["plafonds"] == "publies"
                couverts += 1
    assert couverts >= 5 * 6


# Plafond d'une personne seule pour chaque revalorisation depuis le 1er avril 2019.
UNE_PERSONNE = [
    ("2019-11-15", 8951),
    ("2020-03-31", 8951),
    ("2020-04-01", 9032),
    ("2021-04-01", 9041),
    ("2022-04-01", 9203),
    ("2022-06-30", 9203),
    ("2022-07-01", 9571),
    ("2023-04-01", 9719),
    ("2024-03-31", 9719),
    ("2024-04-01", 10166),
    ("2025-03-31", 10166),
    ("2025-04-01", 10339),
    ("2026-03-31", 10339),
    ("2026-04-01", 10421),
]


@pytest.mark.parametrize(("jour", "plafond"), UNE_PERSONNE)
def test_plafond_une_personne_par_revalorisation(jour: str, plafond: int) -> None:
    assert evaluate(foyer_de(1, date=jour))["plafond_gratuite"] == plafond


def test_formule_r861_3_sans_bareme_publie() -> None:
    # 1er juillet 2022 : pas de tableau publié repris ; 9 571 × 1,8 = 17 227,8 → 17 228.
    r = evaluate(foyer_de(3, date="2022-09-01"))
    assert r["regles"]["plafonds"] == "calcules"
    assert (r["plafond_gratuite"], r["plafond_participation"]) == (17228, 23258)
    assert any("faute de barème publié" in phrase for phrase in r["explication"])
    # DOM 2022 (avril) : 1 personne publiée 10 243 / 13 828, retrouvée par la formule.
    r = evaluate(foyer_de(1, date="2022-05-01", territoire="guadeloupe"))
    assert (r["plafond_gratuite"], r["plafond_participation"]) == (10243, 13828)


def test_bareme_non_verifie_signale() -> None:
    r = evaluate(foyer_de(1, date="2026-06-01"))
    assert r["regles"]["bareme"] == "2026-04-01"
    assert r["regles"]["a_verifier"]
    assert any(phrase.startswith("Attention") for phrase in r["explication"])
    assert not evaluate(foyer_de(1, date="2025-06-01", logement="locataire"))["regles"][
        "a_verifier"
    ]


@pytest.mark.parametrize(
    ("membres", "gratuite", "participation"),
    [
        # 2 adultes + 1 enfant en résidence alternée : 15 508 + 3 101 / 2 = 17 058,5 → 17 059
        (
            [
                membre("demandeur"),
                membre("conjoint"),
                {**membre("enfant", "2015-01-01"), "garde_alternee": True},
            ],
            17059,
            23030,
        ),
        # parent isolé + 1 enfant alterné : 10 339 + 5 169 / 2 = 12 923,5 → 12 924
        (
            [membre("demandeur"), {**membre("enfant", "2015-01-01"), "garde_alternee": True}],
            12924,
            17447,
        ),
        # 2 adultes, un enfant entier, un alterné (le plus jeune, 4e rang) : 18 609 + 3 102 / 2
        (
            [
                membre("demandeur"),
                membre("conjoint"),
                membre("enfant", "2012-01-01"),
                {**membre("enfant", "2016-01-01"), "garde_alternee": True},
            ],
            20160,
            27217,
        ),
    ],
)
def test_residence_alternee_compte_pour_moitie(
    membres: list[dict[str, object]], gratuite: int, participation: int
) -> None:
    r = evaluate(foyer(*membres))
    assert (r["plafond_gratuite"], r["plafond_participation"]) == (gratuite, participation)
    assert any("pour moitié" in phrase for phrase in r["explication"])


def test_residence_alternee_ignoree_pour_un_majeur() -> None:
    r = evaluate(
        foyer(membre("demandeur"), {**membre("enfant", "2005-01-01"), "garde_alternee": True})
    )
    assert r["plafond_gratuite"] == 15508


@pytest.mark.parametrize(
    ("montant", "attendu"),
    [
        ("0.5", 1),
        ("1.5", 2),
        ("2.5", 3),
        ("18609.3", 18609),
        ("15507.75", 15508),
        ("13957.49", 13957),
    ],
)
def test_arrondi_demi_superieur(montant: str, attendu: int) -> None:
    assert arrondi_euro(Decimal(montant)) == attendu


# --- chargement : un fichier mal formé échoue fort -----------------------------------------


def _copie(tmp_path: Path) -> Path:
    source = resources.files("docproc.eligibility.baremes")
    for nom in FICHIERS:
        (tmp_path / nom).write_text(source.joinpath(nom).read_text("utf-8"), "utf-8")
    return tmp_path


def test_copie_intacte_se_charge(tmp_path: Path) -> None:
    assert charger(_copie(tmp_path)) == BAREMES


@pytest.mark.parametrize(
    ("fichier", "avant", "apres", "motif"),
    [
        (
            "plafonds.toml",
            "gratuite = [10339, 15508, 18609, 21711]",
            "gratuite = [10339, 15508, 18690, 21711]",
            "s'écarte",
        ),
        (
            "plafonds.toml",
            "participation = [13957, 20936, 25123, 29311]",
            "participation = [13957, 20936, 29311, 25123]",
            "croissants",
        ),
        ("plafonds.toml", "debut = 2025-04-01", "debut = 2023-01-01", "croissantes"),
        (
            "plafonds.toml",
            "plafond_une_personne = 10339",
            'plafond_une_personne = "10339"',
            "nombre",
        ),
        (
            "plafonds.toml",
            'source = "Arrêté du 28 mars 2025',
            'sourc = "Arrêté du 28 mars 2025',
            "clés inconnues",
        ),
        ("regles.toml", "taux = 0.113", "taux = 11.3", "supérieure"),
        ("regles.toml", "premier_mois = 13", "premier_mois = 14", "douze mois"),
        ("regles.toml", "fin = 2025-07-01", 'fin = "2025-07-01"', "date"),
        ("participation.toml", "age_min = 50", "age_min = 51", "contiguës"),
        ("participation.toml", "france = 21.0", "france = -21.0", "positif"),
        ("logement.toml", "montant = 646.52", "montant = 0", "positif"),
        ("abattements.toml", "[[aspa]]", "[[aspa]\n", "TOML invalide"),
        # toute table refuse une clé inconnue (faute de frappe), avec le fichier et la table
        (
            "regles.toml",
            "age_limite_personne_a_charge = 25",
            "age_limite_personne_a_charge = 25\nage_limte = 26",
            r"Barème regles\.toml, foyer : clés inconnues \['age_limte'\]",
        ),
        (
            "regles.toml",
            "[territoires.metropole]",
            "[territoires.metropole]\nmajoration = true",
            r"regles\.toml, territoires\.metropole : clés inconnues",
        ),
        (
            "abattements.toml",
            "[[aah]]",
            "[[aah]]\nannuel = 1",
            r"abattements\.toml, aah\[0\] : clés inconnues",
        ),
        (
            "logement.toml",
            "[rsa_composition]",
            "[rsa_composition]\nquatre_personnes = 2.1",
            r"logement\.toml, rsa_composition : clés inconnues",
        ),
        (
            "participation.toml",
            "age_min = 50",
            "age_min = 50\nguyane = 3",
            r"tranche\[\d\] : clés inconnues",
        ),
        (
            "plafonds.toml",
            "# Plafonds annuels",
            "plafond = 1\n# Plafonds annuels",
            r"plafonds\.toml : clés inconnues",
        ),
    ],
)
def test_bareme_mal_forme_refuse(
    tmp_path: Path, fichier: str, avant: str, apres: str, motif: str
) -> None:
    repertoire = _copie(tmp_path)
    chemin = repertoire / fichier
    texte = chemin.read_text("utf-8")
    assert avant in texte
    chemin.write_text(texte.replace(avant, apres, 1), "utf-8")
    with pytest.raises(BaremeError, match=motif):
        charger(repertoire)


def test_fichier_manquant_refuse(tmp_path: Path) -> None:
    repertoire = _copie(tmp_path)
    (repertoire / "participation.toml").unlink()
    with pytest.raises(BaremeError, match="illisible"):
        charger(repertoire)


def test_chaque_valeur_a_source_et_date() -> None:
    for reval in BAREMES.revalorisations:
        assert reval.source and reval.debut
    for serie in (
        BAREMES.rsa,
        BAREMES.participation,
        BAREMES.periodes_reference,
        BAREMES.patrimoine,
        BAREMES.forfait_sans_aide_logement,
        BAREMES.forfait_aide_logement,
        BAREMES.abattement_aah,
        BAREMES.abattement_asi,
        BAREMES.abattement_aspa,
    ):
        for element in serie:
            assert element.source.strip() and element.debut
    for territoire in BAREMES.territoires.values():
        assert territoire.source and territoire.debut
