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


@pytest.mark.parametrize(("jour", "retenues"), [
    ("2025-06-30", 500),  # la veille de l'abrogation : 50 % de la valeur locative compte encore
    ("2025-07-01", 0),    # à compter du 1er juillet 2025 : plus de revenu fictif
])
def test_patrimoine_non_loue_compte_jusqu_au_30_juin_2025_inclus(jour: str, retenues: float) -> None:
    h = foyer(membre("demandeur", valeur_locative_immo_non_loue=1000), date=jour)
    assert evaluate(h)["ressources_retenues"] == retenues


# --- un seul modèle de foyer (contrat §5 et §6) -------------------------------------------------


def _chemin(h: Any) -> tuple[str, str | None]:
    with pytest.raises(HouseholdError) as info:
        valider_foyer(h)
    return str(info.value), info.value.chemin


@pytest.mark.parametrize(("modif", "chemin", "motif"), [
    ({"membres": []}, "membres", "absente ou vide"),
    ({"membres": [membre("demandeur", salaire=1)]}, "membres.0.ressources.salaire",
     "La ressource 'salaire' du membre n° 1 est inconnue"),
    ({"membres": [{**membre("demandeur"), "situation_particuliere": "vacances"}]},
     "membres.0.situation_particuliere", "situation particulière"),
    ({"membres": [{**membre("demandeur"), "engagement_autonomie": "oui"}]},
     "membres.0.engagement_autonomie", "true ou false"),
    ({"membres": [{**membre("demandeur"), "nom": 12}]}, "membres.0.nom", "doit être un texte"),
    ({"date_fin_droits": "2025-02-30"}, "date_fin_droits", "pas une date valide"),
    ({"inconnue": 1}, "inconnue", "Clé inconnue 'inconnue' dans le foyer"),
])
def test_foyer_invalide_message_et_chemin(modif: dict[str, Any], chemin: str, motif: str) -> None:
    message, trouve = _chemin({**foyer(), **modif})
    assert motif in message and trouve == chemin


def test_message_ne_recopie_pas_les_valeurs_du_foyer() -> None:
    message, _ = _chemin(foyer(membre("demandeur", "1984-02-30")))
    assert "1984" not in message


def test_nouvelles_cles_du_contrat_acceptees() -> None:
    m = {**membre("demandeur", "1990-01-01", ass=1000, cej=500), "situation_particuliere": "ass",
         "engagement_autonomie": True, "rattache_foyer_fiscal_parents": False,
         "nom": "Dupont", "prenoms": "Marie Anne", "nom_usage": "Martin"}
    modele = valider_foyer(foyer(m, date_fin_droits="2025-09-30"))
    assert modele.date_fin_droits is not None and modele.membres[0].situation_particuliere == "ass"


def test_schema_openapi_sans_reference_et_ferme() -> None:
    schema = schema_foyer()
    assert "$ref" not in str(schema) and schema["additionalProperties"] is False
    membre_schema = schema["properties"]["membres"]["items"]
    assert "situation_particuliere" in membre_schema["properties"]
    assert membre_schema["properties"]["ressources"]["anyOf"][0]["additionalProperties"] is False
