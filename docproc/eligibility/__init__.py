"""Moteur d'éligibilité à la complémentaire santé solidaire (CSS).

API :

- ``evaluate(household) -> dict`` : décision au format du contrat §5 (plus des clés ajoutées :
  période de référence, composition du foyer, détail des ressources…) ;
- ``HouseholdError`` : foyer invalide, message en français ;
- ``BaremeError`` : fichier de barème absent ou incohérent (levée dès l'import) ;
- ``household_from_documents`` (``feed.py``) et ``run_cli`` (``cli.py``).
"""

from __future__ import annotations

from pathlib import Path

from .foyer import CLES_RESSOURCES, HouseholdError
from .moteur import evaluate
from .regles import BAREMES, BaremeError

EXEMPLES = Path(__file__).resolve().parent / "examples"

__all__ = ["BAREMES", "CLES_RESSOURCES", "EXEMPLES", "BaremeError", "HouseholdError", "evaluate",
           "household_from_documents"]


def __getattr__(nom: str) -> object:
    # Import paresseux : le module d'alimentation par documents n'est utile qu'à l'API.
    if nom == "household_from_documents":
        from .feed import household_from_documents

        return household_from_documents
    raise AttributeError(nom)
