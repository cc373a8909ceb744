"""``run_cli`` : sortie JSON ou texte, code de retour, erreurs en une phrase sans trace."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from docproc.eligibility import EXEMPLES
from docproc.eligibility.commande import run_cli


@pytest.mark.parametrize("fichier", ["famille.json", "retraite.json"])
def test_json(fichier: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli(EXEMPLES / fichier, as_json=True) == 0
    sortie = capsys.readouterr()
    resultat = json.loads(sortie.out)
    assert resultat["decision"] == "css_participation"
    assert {
        "decision",
        "foyer",
        "plafond_gratuite",
        "plafond_participation",
        "ressources_retenues",
        "forfait_logement",
        "participation_mensuelle",
        "regles",
        "explication",
    } <= set(resultat)
    assert sortie.err == ""


def test_texte(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli(EXEMPLES / "famille.json", as_json=False) == 0
    sortie = capsys.readouterr().out
    assert "Décision : Complémentaire santé solidaire AVEC participation financière" in sortie
    assert "Plafonds : 21 711 € sans participation, 29 311 € avec participation" in sortie
    assert "Participation mensuelle : 44 €" in sortie
    assert "Explication :" in sortie and "Période de référence des ressources" in sortie


@pytest.mark.parametrize(
    ("contenu", "motif"),
    [
        (None, "n'existe pas"),
        ("{pas du json", "n'est pas un JSON valide"),
        (b"\xff\xfe\x00", "UTF-8"),
        ('{"date_demande": "2025-06-10"}', "territoire"),
        (
            '{"date_demande": "2025-06-10", "territoire": "metropole", "logement": "locataire", '
            '"membres": [{"role": "demandeur", "date_naissance": "1980-01-01", "ressources": {"loyer": 5}}]}',
            "ressource 'loyer'",
        ),
        ("[]", "objet JSON"),
    ],
)
def test_fichier_invalide(
    tmp_path: Path, contenu: str | bytes | None, motif: str, capsys: pytest.CaptureFixture[str]
) -> None:
    chemin = tmp_path / "foyer.json"
    if isinstance(contenu, bytes):
        chemin.write_bytes(contenu)
    elif contenu is not None:
        chemin.write_text(contenu, "utf-8")
    assert run_cli(chemin, as_json=True) == 2
    sortie = capsys.readouterr()
    assert sortie.out == ""
    assert motif in sortie.err
    assert "Traceback" not in sortie.err
    assert sortie.err.count("\n") == 1


def test_repertoire(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli(tmp_path, as_json=False) == 2
    assert "répertoire" in capsys.readouterr().err


def test_foyer_invalide_code_2_message_et_chemin(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    h = {
        "date_demande": "2025-06-10",
        "territoire": "metropole",
        "logement": "locataire",
        "membres": [
            {"role": "demandeur", "date_naissance": "1990-01-01", "ressources": {"salaire": 3000}}
        ],
    }
    fichier = tmp_path / "foyer.json"
    fichier.write_text(json.dumps(h), encoding="utf-8")
    assert run_cli(fichier, as_json=False) == 2
    erreur = capsys.readouterr().err
    assert "La ressource 'salaire' du membre n° 1 est inconnue" in erreur
    assert "(champ : membres.0.ressources.salaire)" in erreur


def test_jeune_rattache_explication_en_francais(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    h = {
        "date_demande": "2025-06-10",
        "territoire": "metropole",
        "logement": "locataire",
        "membres": [
            {
                "role": "demandeur",
                "date_naissance": "2003-01-15",
                "ressources": {"pensions_alimentaires_percues": 3000, "salaire_net": 2000},
            }
        ],
    }
    fichier = tmp_path / "jeune.json"
    fichier.write_text(json.dumps(h), encoding="utf-8")
    assert run_cli(fichier, as_json=False) == 0
    sortie = capsys.readouterr().out
    assert "Décision : DEMANDE NON RECEVABLE" in sortie
    assert "inclus dans la demande de ses parents" in sortie
