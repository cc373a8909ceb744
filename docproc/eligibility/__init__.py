"""Moteur d'éligibilité à la complémentaire santé solidaire (CSS).

API :

- ``evaluate(household) -> dict`` : décision au format du contrat §5 (plus des clés ajoutées :
  période de référence, composition du foyer, détail des ressources…) ;
- ``HouseholdError`` : foyer invalide, message en français ;
- ``BaremeError`` : fichier de barème absent ou incohérent (levée dès l'import) ;
- ``household_from_documents`` (``alimentation.py``) et ``run_cli`` (``commande.py``, la commande ``docproc eligibility``).

Modules : ``foyer`` (le foyer d'entrée validé ; ``vocabulaire_foyer``, ``erreurs_foyer``) et
``demande`` (le même, typé pour le moteur) ;
``modele_baremes`` (les barèmes typés) et ``lecture_baremes`` (leur lecture stricte, avec
``lecture_tables``, ``lecture_regles`` et ``controle_baremes``) ;
``calcul``, ``recevabilite``, ``explication``, ``moteur`` et ``rendu_decision`` (la décision) ;
``alimentation``, ``reprise``, ``reprise_avis`` (avec ``declarants_avis``) et
``reprise_justificatifs`` (le foyer complété par les documents) ; ``identite``, ``formules``,
``texte`` (outils).
"""

from __future__ import annotations

from pathlib import Path

from .erreurs_foyer import HouseholdError
from .lecture_baremes import BAREMES
from .modele_baremes import BaremeError
from .moteur import evaluate
from .vocabulaire_foyer import CLES_RESSOURCES

EXEMPLES = Path(__file__).resolve().parent / "examples"

__all__ = [
    "BAREMES",
    "CLES_RESSOURCES",
    "EXEMPLES",
    "BaremeError",
    "HouseholdError",
    "evaluate",
    "household_from_documents",
]


def __getattr__(nom: str) -> object:
    # Import paresseux : le module d'alimentation par documents n'est utile qu'à l'API.
    if nom == "household_from_documents":
        from .alimentation import household_from_documents

        return household_from_documents
    raise AttributeError(nom)
